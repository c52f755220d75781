/**
 * The kernel helpers on the real-guest fixtures (Debian 6.1 and 6.12), judged
 * by what the guest itself reported from /proc (truth.json):
 *   - init_task.tasks (list_for_each_entry) gives exactly the guest's processes,
 *     with their names, and the state letters of the processes the fixture keeps
 *     in fixed states (kernel threads may change state between report and dump);
 *   - the thread list gives vm-threads' thread count;
 *   - the modules list gives /proc/modules: names, order and sizes;
 *   - the pid IDR (an xarray) holds every process's struct pid at its pid;
 *     xa_load agrees with the walk;
 *   - the vmap_area rbtree walks in address order, as long as vmap_area_list (6.1),
 *     and rb_first/rb_next visit what the in-order walk visits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureOrSkip, PLAN } from '../helpers/fixtures.js';
import { SOURCES } from '../helpers/program.js';
import {
  forEachModule, forEachTask, forEachThread, hlistForEachEntry, listCount, listForEachEntry, moduleSize, rbFirst, rbNext,
  rbtreeInorderForEach, rbtreeInorderForEachEntry, taskState, xaForEach, xaLoad,
} from '../../src/program/index.js';

void PLAN;

for (const kernel of ['6.1', '6.12']) for (const [source, programOf] of Object.entries(SOURCES)) {
  test(`tasks, threads and state letters on ${kernel} (${source}) are the guest's /proc`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const prog = programOf(f);
    const tasks = [...forEachTask(prog)];
    const seen = new Map(tasks.map((x) => [x.member('pid').toNumber(), x]));
    assert.equal(tasks[0].member('comm').string(), 'swapper/0');
    // Every process the guest listed, and nothing more than pid 0 (the reporter had exited).
    assert.deepEqual([...seen.keys()].filter((p) => p !== 0).sort((a, b) => a - b), f.truth.tasks.map((x) => x.pid).sort((a, b) => a - b));
    for (const tt of f.truth.tasks) {
      const task = seen.get(tt.pid)!;
      const comm = task.member('comm').string();
      // /proc shows a kernel thread's full name and a kworker's workqueue; comm is at most 15 bytes of it.
      assert.ok(tt.name === comm || (comm.length === 15 || tt.name.startsWith(comm + '-')) && tt.name.startsWith(comm), `${tt.pid}: ${tt.name} vs ${comm}`);
      assert.equal(task.member('tgid').toNumber(), tt.pid);
      assert.equal(task.member('real_parent').member('tgid').toNumber(), tt.ppid, `${tt.pid} ppid`);
      if (tt.cmdline && tt.cmdline.length || tt.state[0] === 'Z' || tt.state[0] === 'T') {
        assert.equal(taskState(task), tt.state[0], `${tt.pid} ${tt.name}: state`);
      }
      const threads = [...forEachThread(task)];
      assert.equal(threads.length, tt.threads, `${tt.pid} ${tt.name}: threads`);
      assert.ok(threads.every((th) => th.member('tgid').toNumber() === tt.pid));
    }
    // At least the fixture's stopped and zombie processes are there with their letters.
    const letters = new Set(f.truth.tasks.map((x) => taskState(seen.get(x.pid)!)));
    assert.ok(letters.has('T') && letters.has('Z') && letters.has('S'), [...letters].join(''));
  });

  test(`modules on ${kernel} (${source}): names, order and sizes of /proc/modules`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const prog = programOf(f);
    const mods = [...forEachModule(prog)];
    assert.deepEqual(mods.map((m) => m.member('name').string()), f.truth.modules.map((m) => m.name));
    assert.deepEqual(mods.map((m) => Number(moduleSize(m))), f.truth.modules.map((m) => m.size));
    if (f.truth.modules[0].address) {
      // The load address /proc/modules prints is the module's text.
      const text = (m: typeof mods[0]) => m.hasMember('mem') ? m.member('mem[0].base').pointerValue() : m.member('core_layout.base').pointerValue();
      assert.deepEqual(mods.map((m) => '0x' + text(m).toString(16)), f.truth.modules.map((m) => m.address));
    }
  });

  test(`the pid IDR (an xarray) on ${kernel} (${source}) holds every process at its pid`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const prog = programOf(f);
    const idr = prog.variable('init_pid_ns').member('idr');
    const xa = idr.member('idr_rt');
    const entries = [...xaForEach(xa)];
    const indexes = entries.map((e) => e.index);
    assert.deepEqual(indexes, [...indexes].sort((a, b) => (a < b ? -1 : 1)), 'index order');
    const base = BigInt(idr.member('idr_base').toNumber());
    const byPid = new Map(entries.map((e) => [e.index + base, e.entry]));
    for (const tt of f.truth.tasks) {
      const e = byPid.get(BigInt(tt.pid));
      assert.ok(e, `pid ${tt.pid} in the IDR`);
      const pid = prog.object('struct pid', e);
      assert.equal(pid.member('numbers[0].nr').toNumber(), tt.pid);
      // The struct pid's task list (an hlist) leads back to the process.
      const owners = [...hlistForEachEntry('struct task_struct', pid.member('tasks[0]'), 'pid_links[0]')];
      assert.ok(owners.some((o) => o.member('pid').toNumber() === tt.pid), `pid ${tt.pid}: hlist of its struct pid`);
      assert.equal(xaLoad(xa, BigInt(tt.pid) - base), e);
    }
    // Every entry is a struct pid of its index, including threads that /proc's top level hides.
    for (const e of entries) assert.equal(prog.object('struct pid', e.entry).member('numbers[0].nr').toNumber(), Number(e.index + base));
    assert.equal(xaLoad(xa, 1n << 40n), 0n);
  });

  test(`rbtrees on ${kernel} (${source}): vmap areas in address order`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const prog = programOf(f);
    // The roots as typed addresses: BTF has no types for these static globals.
    const at = (name: string, type: string) => prog.object(type, prog.symbolAddress(name)!);
    for (const name of ['vmap_area_root', 'free_vmap_area_root']) {
      if (!prog.hasVariable(name)) continue;
      const root = at(name, 'struct rb_root');
      const vas = [...rbtreeInorderForEachEntry('struct vmap_area', root, 'rb_node')];
      assert.ok(vas.length > 10, `${name}: ${vas.length}`);
      const starts = vas.map((v) => v.member('va_start').int());
      for (let i = 1; i < starts.length; i++) assert.ok(starts[i - 1] < starts[i], `${name} in order at ${i}`);
      for (const v of vas) assert.ok(v.member('va_start').int() <= v.member('va_end').int());
      const nodes = [...rbtreeInorderForEach(root)].map((n) => n.pointerValue());
      const stepped: bigint[] = [];
      for (let n = rbFirst(root); !n.isNull() && stepped.length <= nodes.length; n = rbNext(n)) stepped.push(n.pointerValue());
      assert.deepEqual(stepped, nodes, `${name}: rb_first/rb_next`);
      if (name === 'vmap_area_root' && prog.hasVariable('vmap_area_list')) {
        // Before 6.9 every busy area is on both the tree and vmap_area_list, in the same order.
        const listed = [...listForEachEntry('struct vmap_area', at('vmap_area_list', 'struct list_head'), 'list')];
        assert.equal(listCount(at('vmap_area_list', 'struct list_head')), vas.length);
        assert.deepEqual(listed.map((x) => x.pointerValue()), vas.map((x) => x.pointerValue()));
      }
    }
  });
}
