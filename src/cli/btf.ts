/**
 * `virtmem btf dump FILE [--base FILE]`: list raw BTF (/sys/kernel/btf/vmlinux,
 * a file holding a .BTF section's bytes), a module's split BTF over its base,
 * as bpftool's raw format, or `--json` with one entry per type id.
 */
import * as fs from 'node:fs';
import { FormatError, UsageError } from '../bytes/index.js';
import { Btf, btfKindName, formatBtfRaw } from '../btf/index.js';
import { flag, parse, str } from './args.js';
import { toJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = 'virtmem btf dump FILE [--base FILE] [--json]';

function readInput(file: string): Uint8Array {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(fs.readFileSync(file)); } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    throw new UsageError(`${file} is an ELF file: reading its .BTF section needs the elf/ layer, not merged yet; extract it with objcopy --dump-section .BTF=F ${file}`);
  }
  return bytes;
}

/** Write to stdout in large chunks (one write per type would be slow, one for all too big), honouring backpressure. */
function writer(): { push(s: string): Promise<void>; flush(): Promise<void> } {
  let buf: string[] = [];
  let len = 0;
  const flush = async () => {
    if (!buf.length) return;
    const chunk = buf.join('');
    buf = []; len = 0;
    if (!process.stdout.write(chunk)) await new Promise<void>((res) => process.stdout.once('drain', () => res()));
  };
  return { async push(s) { buf.push(s); len += s.length; if (len > 1 << 20) await flush(); }, flush };
}

async function dump(argv: string[]): Promise<number> {
  const p = parse(argv, { json: { type: 'boolean' }, base: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  if (!file || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const baseFile = str(p, 'base');
  const base = baseFile ? Btf.open(readInput(baseFile), { source: baseFile }) : undefined;
  const btf = Btf.open(readInput(file), { source: file, base });
  let errors = 0;
  const onError = (e: FormatError) => { errors++; process.stderr.write(`virtmem: ${e.message}\n`); };
  const out = writer();
  const json = flag(p, 'json');
  if (json) await out.push('[');
  let first = true;
  for (const e of btf.entries()) {
    if (!e.type) onError(e.error!);
    if (json) {
      const entry = e.type ? { id: e.id, ...e.type, kind: btfKindName(e.type.kind) } : { id: e.id, error: e.error!.message };
      await out.push(`${first ? '' : ','}\n  ${JSON.stringify(toJson(entry))}`);
      first = false;
    } else {
      await out.push(e.type ? formatBtfRaw(btf, e.id, e.type) + '\n' : `[${e.id}] error: ${e.error!.message}\n`);
    }
  }
  if (btf.indexError) onError(btf.indexError);
  if (json) await out.push('\n]\n');
  await out.flush();
  return errors ? 1 : 0;
}

export const command: Subcommand = {
  name: 'btf',
  summary: 'BTF of a kernel or module: dump',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'dump') return dump(rest);
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(`usage: ${USAGE}\n`); return sub ? 0 : 1; }
    throw new UsageError(`unknown btf subcommand '${sub}'\nusage: ${USAGE}`);
  },
};
