/**
 * `virtmem btf dump FILE [--base FILE]`: list the BTF of /sys/kernel/btf/vmlinux,
 * the .BTF section of a vmlinux or .ko, or raw BTF; a module's split BTF over its base,
 * as C, as bpftool's raw format, or `--json` with one entry per type id; or only the
 * named types (--struct, --union, --enum, --typedef), as C or pahole-style layouts.
 *
 * The raw listing streams from the record words into a ByteSink; the named lookups
 * touch only the records they need (Btf's name hash, BtfTypes' lazy conversion).
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { BtfTypes, btfKindName, loadBtf, writeBtfRaw } from '../btf/index.js';
import { CPrinter, isComposite, layout, printC, resolve, type NamedKind, type Type } from '../types/index.js';
import { flag, parse, str, strs } from './args.js';
import { toJson } from './render.js';
import { ByteSink } from './sink.js';
import type { Subcommand } from './main.js';

const USAGE = `virtmem btf dump FILE [--base FILE] [--raw | --json | --struct NAME ... [--layout]]

  FILE: /sys/kernel/btf/vmlinux (or a module's file there), a vmlinux or .ko (its .BTF
  section), or raw BTF. Prints every named type as C; --raw lists the records as
  bpftool btf dump does; --json gives one entry per type id. A module's BTF is split
  BTF: give its vmlinux with --base.

  --struct NAME    only the C definition of struct NAME (repeatable; also --union,
                   --enum, --typedef)
  --layout         with those: pahole-style layouts instead of C (each member's offset
                   and size, holes, padding, total size)`;

const KINDS: NamedKind[] = ['struct', 'union', 'enum', 'typedef'];

/** A ByteSink onto stdout, flushed in large chunks. */
function stdoutSink(): ByteSink {
  return new ByteSink((chunk) => { process.stdout.write(chunk); return process.stdout.writableLength === 0; });
}

async function drain(): Promise<void> {
  if (process.stdout.writableLength) await new Promise<void>((res) => process.stdout.once('drain', () => res()));
}

async function dump(argv: string[]): Promise<number> {
  const p = parse(argv, {
    json: { type: 'boolean' }, raw: { type: 'boolean' }, base: { type: 'string' },
    struct: { type: 'string', multiple: true }, union: { type: 'string', multiple: true },
    enum: { type: 'string', multiple: true }, typedef: { type: 'string', multiple: true },
    layout: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  if (!file || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const baseFile = str(p, 'base');
  const base = baseFile ? loadBtf(baseFile) : undefined;
  const btf = loadBtf(file, base);
  let errors = 0;
  const onError = (e: FormatError) => { errors++; process.stderr.write(`virtmem: ${e.message}\n`); };
  const json = flag(p, 'json');
  const raw = flag(p, 'raw');
  const named = KINDS.flatMap((kind) => strs(p, kind).map((name) => ({ kind, name })));
  if (named.length && (json || raw)) throw new UsageError(`--struct, --union, --enum and --typedef print C or --layout, not --raw or --json\nusage: ${USAGE}`);
  if (flag(p, 'layout') && !named.length) throw new UsageError(`--layout needs --struct, --union, --enum or --typedef\nusage: ${USAGE}`);

  if (named.length) {
    const bt = new BtfTypes(btf);
    const cp = new CPrinter();
    const parts: string[] = [];
    for (const { kind, name } of named) {
      const t = bt.lookup(name, kind);
      if (!t || t.kind === 'forward') throw new UsageError(`${file}: no ${kind} named ${name}${t ? ' (only declared)' : ''}`);
      const r = resolve(t);
      parts.push(flag(p, 'layout') && isComposite(r) ? layout(r) : cp.definition(t));
    }
    process.stdout.write(parts.join('\n\n') + '\n');
    for (const e of bt.problems()) onError(e);
    return errors ? 1 : 0;
  }

  const out = stdoutSink();
  if (!json && !raw) {
    const bt = new BtfTypes(btf);
    const roots: Type[] = [];
    for (const t of bt.types()) roots.push(t);
    out.text(printC(roots));
    out.byte(0x0a);
    out.end();
    for (const e of bt.problems()) onError(e);
    if (btf.indexError) onError(btf.indexError);
    await drain();
    return errors ? 1 : 0;
  }
  if (json) out.byte(0x5b);
  for (let id = btf.firstId; id < btf.nextId; id++) {
    if (json) {
      const e = btf.check(id);
      if (e) onError(e);
      const entry = e ? { id, error: e.message } : (() => { const t = btf.type(id); return { id, ...t, kind: btfKindName(t.kind) }; })();
      out.text(`${id === btf.firstId ? '' : ','}\n  ${JSON.stringify(toJson(entry))}`);
    } else {
      try {
        writeBtfRaw(btf, id, out);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        onError(e);
        out.text(`[${id}] error: ${e.message}\n`);
      }
    }
    if (process.stdout.writableLength > 1 << 24) await drain();
  }
  if (btf.indexError) onError(btf.indexError);
  if (json) out.ascii('\n]\n');
  out.end();
  await drain();
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
