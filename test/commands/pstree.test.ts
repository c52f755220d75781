/**
 * pstree on the real-guest fixtures against the guest's own /proc (PPid of
 * every process, captured in the same boot) and the process tree init was
 * asked to build (PLAN): rows in tree order with depths that follow the
 * parents, the drawn tree nesting vm-leaf under vm-branch-a under vm-tree,
 * and the virt-pstree alias, JSON and CSV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureOrSkip, PLAN, type TruthTask } from '../helpers/fixtures.js';
import { runBin, runJson } from '../helpers/guest-cli.js';

interface TreeRow { pid: number; ppid: number; depth: number; threads: number; comm: string }

for (const kernel of ['6.1.0', '6.12']) {
  test(`pstree on ${kernel}: every process under its /proc parent, children in pid order`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const rows = runJson<TreeRow[]>(['pstree', f.dumps.kdump]);
    assert.deepEqual(rows.map((r) => r.pid).filter((p) => p !== 0).sort((a, b) => a - b), f.truth.tasks.map((x) => x.pid).sort((a, b) => a - b));
    assert.deepEqual(rows[0], { pid: 0, ppid: 0, depth: 0, threads: 1, comm: 'swapper/0' });
    const seen = new Map<number, TreeRow>();
    for (const r of rows) {
      if (r.pid !== 0) {
        const tt: TruthTask = f.truth.tasks.find((x) => x.pid === r.pid)!;
        assert.equal(r.ppid, tt.ppid, `pid ${r.pid}: PPid`);
        assert.equal(r.threads, tt.threads, `pid ${r.pid}: Threads`);
        const parent = seen.get(r.ppid);
        assert.ok(parent, `pid ${r.pid}: its parent ${r.ppid} comes before it`);
        assert.equal(r.depth, parent.depth + 1, `pid ${r.pid}: one below its parent`);
      }
      seen.set(r.pid, r);
    }
    // Preorder: a row's next sibling comes after its whole subtree, and siblings rise in pid.
    for (let i = 0; i < rows.length; i++) {
      for (let j = i + 1; j < rows.length && rows[j].depth >= rows[i].depth; j++) {
        if (rows[j].depth === rows[i].depth) { assert.ok(rows[j].pid > rows[i].pid, `siblings ${rows[i].pid} < ${rows[j].pid}`); break; }
      }
    }

    // The drawn tree: one line per process, nesting as planned.
    const r = runBin('virt-pstree.js', [f.dumps.kdump]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, rows.length);
    assert.equal(lines[0], 'swapper/0(0)');
    const col = (name: string) => {
      const pid = f.truth.tasks.find((x) => x.name === name)!.pid;
      const i = lines.findIndex((l) => l.endsWith(`${name}(${pid})`) || l.includes(`${name}(${pid}) {`));
      assert.ok(i >= 0, `${name}(${pid}) is drawn`);
      return { i, col: lines[i].indexOf(name) };
    };
    for (const p of PLAN.TASKS) {
      if (!p.parent) continue;
      const child = col(p.name), parent = col(p.parent);
      assert.ok(child.i > parent.i && child.col === parent.col + 2, `${p.name} is drawn under ${p.parent}`);
    }
    const threaded = PLAN.TASKS.find((x) => x.threads > 1)!;
    assert.ok(lines.some((l) => l.endsWith(`${threaded.name}(${f.truth.tasks.find((x) => x.name === threaded.name)!.pid}) {${threaded.threads} threads}`)));
    assert.ok(lines.slice(1).every((l) => /^[│ ]*[├└]─\S/.test(l)), 'every line below the root hangs from a branch');

    const csv = runBin('virtmem.js', ['pstree', f.dumps.kdump, '--csv']);
    assert.equal(csv.status, 0);
    const csvLines = csv.stdout.trimEnd().split('\n');
    assert.equal(csvLines[0], 'PID,PPID,DEPTH,THR,COMM');
    assert.deepEqual(csvLines.slice(1), rows.map((x) => `${x.pid},${x.ppid},${x.depth},${x.threads},${x.comm}`));
  });
}
