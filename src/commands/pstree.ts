/**
 * pstree: the guest's processes as a tree (virt-pstree), each under its
 * parent as /proc's PPid: gives it (real_parent's tgid), children in pid
 * order, the idle task pid 0 at the root (kthreadd and init are its
 * children, as their PPid 0 says).
 *
 * Rows (JSON, CSV) come in tree order: pid, ppid, comm, threads, depth. The
 * text form draws the tree as `pstree -p` names nodes, `comm(pid)`, with a
 * thread count when a process has more than one thread. A task whose parent
 * is not on the task list (a broken list, or a parent that could not be read)
 * is drawn at the top level, so every task read is shown once.
 */
import type { Program } from '../program/index.js';
import { collect, forEachTask, taskPpid, taskThreadCount } from '../program/index.js';
import { readCell, type CommandOptions, type GuestCommand, type RowSink } from './command.js';
import { requireLayouts } from './need.js';
import { Unreadable, type Column, type Row } from './table.js';

const COLUMNS: Column[] = [
  { key: 'pid', title: 'PID', right: true },
  { key: 'ppid', title: 'PPID', right: true },
  { key: 'depth', title: 'DEPTH', right: true },
  { key: 'threads', title: 'THR', right: true },
  { key: 'comm', title: 'COMM' },
];

function* rows(prog: Program, _opts: CommandOptions, sink: RowSink): Iterable<Row> {
  requireLayouts(prog, 'pstree', { structs: ['task_struct.tasks', 'task_struct.real_parent', 'task_struct.comm'], variables: ['init_task'] });
  const walk = collect(forEachTask(prog));
  if (walk.error) sink.problem(walk.error.message);
  const nodes: Row[] = walk.items.map((task) => ({
    pid: readCell(() => task.member('tgid').toNumber()),
    ppid: readCell(() => taskPpid(task)),
    depth: 0,
    threads: readCell(() => taskThreadCount(task)),
    comm: readCell(() => task.member('comm').string()),
  }));
  const byPid = new Map<number, Row>();
  for (const n of nodes) if (typeof n.pid === 'number' && !byPid.has(n.pid)) byPid.set(n.pid, n);
  const children = new Map<Row, Row[]>();
  const roots: Row[] = [];
  for (const n of nodes) {
    const parent = typeof n.ppid === 'number' && n.ppid !== n.pid ? byPid.get(n.ppid) : undefined;
    if (parent && parent !== n) { let c = children.get(parent); if (!c) children.set(parent, c = []); c.push(n); } else roots.push(n);
  }
  const key = (r: Row) => (typeof r.pid === 'number' ? r.pid : Infinity);
  const order = (rs: Row[]) => rs.sort((a, b) => key(a) - key(b));
  // Iterative preorder; `seen` guards against a parent cycle (corrupt real_parent links).
  const seen = new Set<Row>();
  const out: Row[] = [];
  const visit = (root: Row) => {
    const stack: Array<[Row, number]> = [[root, 0]];
    while (stack.length) {
      const [r, d] = stack.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      r.depth = d;
      out.push(r);
      const c = order(children.get(r) ?? []);
      for (let i = c.length - 1; i >= 0; i--) stack.push([c[i], d + 1]);
    }
  };
  for (const r of order(roots)) visit(r);
  for (const n of nodes) if (!seen.has(n)) visit(n); // members of a parent cycle
  yield* out;
}

/** The tree drawn with box characters, one task per line. */
function text(rs: Row[]): string {
  const lines: string[] = [];
  // open[d]: whether a later sibling at depth d follows (draw a vertical bar below it).
  const open: boolean[] = [];
  for (let i = 0; i < rs.length; i++) {
    const d = rs[i].depth as number;
    let last = true;
    for (let j = i + 1; j < rs.length; j++) {
      const dj = rs[j].depth as number;
      if (dj < d) break;
      if (dj === d) { last = false; break; }
    }
    let prefix = '';
    for (let k = 1; k < d; k++) prefix += open[k] ? '│ ' : '  ';
    if (d > 0) prefix += last ? '└─' : '├─';
    open[d] = !last;
    const r = rs[i];
    const name = r.comm instanceof Unreadable ? '<unreadable>' : String(r.comm);
    const pid = r.pid instanceof Unreadable ? '?' : String(r.pid);
    const thr = typeof r.threads === 'number' && r.threads > 1 ? ` {${r.threads} threads}` : '';
    lines.push(`${prefix}${name}(${pid})${thr}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export const pstree: GuestCommand = {
  name: 'pstree',
  summary: 'the guest\'s processes as a tree: comm(pid) under its parent',
  aliases: ['virt-pstree'],
  help: 'Every process on the task list under its parent (PPid), children in pid order; --json/--csv give rows in tree order with their depth.',
  columns: () => COLUMNS,
  rows,
  text,
};
