/**
 * `virtmem ctf dump FILE`: list the CTF of an ELF file's .ctf section, a raw
 * or gzip'd dict or a CTF archive: every dict, children with
 * their parent's types resolved; `--json` gives one entry per type id.
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { dictJson, dictTypesJson, listDict, loadCtf } from '../ctf/index.js';
import { flag, parse, str } from './args.js';
import { renderJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = 'virtmem ctf dump FILE [--json] [--parent FILE]';

async function dump(argv: string[]): Promise<number> {
  const p = parse(argv, { json: { type: 'boolean' }, parent: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  if (!file || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const parentFile = str(p, 'parent');
  const parent = parentFile ? loadCtf(parentFile).dicts[0].dict : undefined;
  const set = loadCtf(file, { parent });
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
