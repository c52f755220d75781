/**
 * `virtmem ctf dump FILE`: list the CTF of a raw or gzip'd dict or a CTF
 * archive (ELF input comes with the elf/ layer): every dict, children with
 * their parent's types resolved; `--json` gives one entry per type id.
 */
import * as fs from 'node:fs';
import { FormatError, UsageError } from '../bytes/index.js';
import { dictJson, dictTypesJson, listDict, openCtf } from '../ctf/index.js';
import { flag, parse, str } from './args.js';
import { renderJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = 'virtmem ctf dump FILE [--json] [--parent FILE]';

function readInput(file: string): Uint8Array {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(fs.readFileSync(file)); } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    throw new UsageError(`${file} is an ELF file: reading its .ctf section needs the elf/ layer, not merged yet; extract it with objcopy --dump-section .ctf=F ${file}`);
  }
  return bytes;
}

async function dump(argv: string[]): Promise<number> {
  const p = parse(argv, { json: { type: 'boolean' }, parent: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  if (!file || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const parentFile = str(p, 'parent');
  const parent = parentFile ? openCtf(readInput(parentFile), { source: parentFile }).dicts[0].dict : undefined;
  const set = openCtf(readInput(file), { source: file, parent });
  let errors = 0;
  const onError = (e: FormatError) => { errors++; process.stderr.write(`virtmem: ${e.message}\n`); };
  if (flag(p, 'json')) {
    const dicts = set.dicts.map(({ name, dict }) => dictJson(name, dict, onError));
    const types = set.dicts.flatMap(({ name, dict }) => dictTypesJson(name, dict, onError));
    process.stdout.write(renderJson({ container: set.container, gzipped: set.gzipped, model: set.model, dicts, types }));
  } else {
    for (const { name, dict } of set.dicts) process.stdout.write(listDict(name, dict, onError) + '\n');
  }
  return errors ? 1 : 0;
}

export const command: Subcommand = {
  name: 'ctf',
  summary: 'CTF dicts and archives: dump',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'dump') return dump(rest);
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(`usage: ${USAGE}\n`); return sub ? 0 : 1; }
    throw new UsageError(`unknown ctf subcommand '${sub}'\nusage: ${USAGE}`);
  },
};
