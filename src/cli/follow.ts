/**
 * `virtmem follow DUMP ROOT`: seed 000's follower. ROOT is an expression: a
 * struct variable (init_task), a pointer to a struct
 * (`(struct task_struct *)0xffff...`), or a global list head that the
 * follower's table knows (modules, net_namespace_list). Prints per struct
 * type the structures loaded, their bytes and the implied list bases;
 * `--json` exports the whole address map.
 */
import { UsageError } from '../bytes/index.js';
import { Follower, ObjectError, evaluate, type Program } from '../program/index.js';
import { isComposite, resolve } from '../types/index.js';
import { flag, parse, str } from './args.js';
import type { Subcommand } from './main.js';
import { openProgram, PROGRAM_OPTIONS, PROGRAM_USAGE } from './program-open.js';
import { renderJson, renderTable } from './render.js';

const USAGE = `virtmem follow DUMP ROOT ${PROGRAM_USAGE} [--max N] [--json]`;
const hex = (a: bigint) => '0x' + a.toString(16);

/** The root's struct type and address, from an expression. */
function rootOf(prog: Program, f: Follower, expr: string): { struct: string; address: bigint } {
  // A global list head the table names: start from its first entry.
  const anchor = Object.hasOwn(f.spec.anchors, expr) ? f.spec.anchors[expr] : undefined;
  if (anchor) {
    const head = prog.variable(expr);
    const first = head.member('next').pointerValue();
    return { struct: anchor.of, address: first - BigInt(prog.offsetof(prog.structType(anchor.of), anchor.via)) };
  }
  let o = evaluate(prog, expr);
  if (resolve(o.type).kind === 'pointer') o = o.deref();
  const r = resolve(o.type);
  if (!isComposite(r) || !r.name) throw new ObjectError(`ROOT must be a struct or a pointer to one, not ${expr}`);
  return { struct: r.name, address: o.addressOrThrow('follow') };
}

export const command: Subcommand = {
  name: 'follow',
  summary: 'load every kernel structure reachable from a root (seed 000 follower): counts and bytes per type',
  async run(argv) {
    const p = parse(argv, { ...PROGRAM_OPTIONS, max: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
    if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
    const [dump, rootExpr] = p.positionals;
    if (!dump || !rootExpr || p.positionals.length > 2) throw new UsageError(`usage: ${USAGE}`);
    const maxS = str(p, 'max');
    const max = maxS === undefined ? undefined : Number(maxS);
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError(`bad --max ${maxS}`);
    const prog = openProgram(dump, p);
    const f = new Follower(prog);
    const root = rootOf(prog, f, rootExpr);
    const r = f.follow(root, { max });
    const rows = [...r.counts].sort((a, b) => b[1].bytes - a[1].bytes || a[0].localeCompare(b[0]))
      .map(([struct, c]) => ({ struct, count: c.count, bytes: c.bytes, implied: c.implied }));
    if (flag(p, 'json')) {
      process.stdout.write(renderJson({
        kernel: r.kernel,
        root: { struct: r.root.struct, address: hex(r.root.address) },
        truncated: r.truncated,
        counts: rows,
        faults: r.faults.map((x) => ({ address: hex(x.address), struct: x.struct, reason: x.reason })),
        map: [...r.map].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([a, e]) => ({ address: hex(a), struct: e.struct, size: e.size, implied: e.implied })),
      }));
    } else {
      const total = rows.reduce((s, x) => ({ count: s.count + x.count, bytes: s.bytes + x.bytes, implied: s.implied + x.implied }), { count: 0, bytes: 0, implied: 0 });
      const cols = [
        { key: 'struct', title: 'STRUCT' },
        { key: 'count', title: 'COUNT', right: true },
        { key: 'bytes', title: 'BYTES', right: true },
        { key: 'implied', title: 'IMPLIED', right: true },
      ];
      process.stdout.write(renderTable(cols, [...rows, { struct: 'total', ...total }]));
      process.stdout.write(`kernel ${r.kernel}; root struct ${r.root.struct} at ${hex(r.root.address)}` +
        `${r.faults.length ? `; ${r.faults.length} unreadable structures` : ''}${r.truncated ? `; PARTIAL: stopped at --max ${max}` : ''}\n`);
    }
    return 0;
  },
};
