/**
 * `virtmem btf dump FILE [--base FILE]`: list the BTF of /sys/kernel/btf/vmlinux,
 * the .BTF section of a vmlinux or .ko, or raw BTF; a module's split BTF over its base,
 * as bpftool's raw format, or `--json` with one entry per type id.
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { BtfTypes, btfKindName, formatBtfRaw, loadBtf } from '../btf/index.js';
import { printC } from '../types/index.js';
import { flag, parse, str } from './args.js';
import { toJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = `virtmem btf dump FILE [--base FILE] [--raw | --json]

  FILE: /sys/kernel/btf/vmlinux (or a module's file there), a vmlinux or .ko (its .BTF
  section), or raw BTF. Prints every named type as C; --raw lists the records as
  bpftool btf dump does; --json gives one entry per type id. A module's BTF is split
  BTF: give its vmlinux with --base.`;

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
  const p = parse(argv, { json: { type: 'boolean' }, raw: { type: 'boolean' }, base: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  if (!file || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const baseFile = str(p, 'base');
  const base = baseFile ? loadBtf(baseFile) : undefined;
  const btf = loadBtf(file, base);
  let errors = 0;
  const onError = (e: FormatError) => { errors++; process.stderr.write(`virtmem: ${e.message}\n`); };
  const out = writer();
  const json = flag(p, 'json');
  if (!json && !flag(p, 'raw')) {
    const bt = new BtfTypes(btf);
    await out.push(printC([...bt.types()]) + '\n');
    for (const e of bt.problems()) onError(e);
    if (btf.indexError) onError(btf.indexError);
    await out.flush();
    return errors ? 1 : 0;
  }
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
  summary: 'BTF of a kernel or module: dump as C, raw or JSON',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'dump') return dump(rest);
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(`usage: ${USAGE}\n`); return sub ? 0 : 1; }
    throw new UsageError(`unknown btf subcommand '${sub}'\nusage: ${USAGE}`);
  },
};
