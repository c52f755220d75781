/**
 * The seed-000 follower on the real-guest fixtures:
 *   - from init_task it reaches every process the guest's /proc listed;
 *   - its per-type counts and its whole address map are the same on the
 *     paging=false ELF dump and the kdump of one boot;
 *   - a parent's `children` head implies a task_struct base that is in the
 *     map as implied, never loaded as a real task (the adjustment at work);
 *   - struct parsers are shared between the two dumps of one kernel and, where
 *     a layout did not change, between 6.1 and 6.12; task_struct's is not;
 *   - a table naming a member the kernel lacks is an error naming struct and
 *     kernel; `virtmem follow modules` gives /proc/modules' count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { kernelProgramOf, programOf } from '../helpers/program.js';
import { FollowError, Follower, KERNEL_FOLLOW, type FollowResult } from '../../src/program/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');

function counts(r: FollowResult): Record<string, string> {
  return Object.fromEntries([...r.counts].map(([k, v]) => [k, `${v.count}/${v.bytes}/${v.implied}`]));
}

for (const kernel of ['6.1', '6.12']) {
  test(`follow init_task on ${kernel}: every process reached, same map from ELF and kdump`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const results = (['kdump', 'elf'] as const).map((d) => {
      const prog = programOf(f, d);
      const fo = new Follower(prog);
      return { prog, fo, r: fo.follow({ struct: 'task_struct', address: prog.variable('init_task').address! }) };
    });
    const [{ prog, fo, r }, elf] = results;
    assert.equal(r.truncated, false);
    assert.deepEqual(r.faults, []);
    assert.equal(r.kernel, f.truth.uname.release);
    const real = (s: string) => [...r.map].filter(([, e]) => e.struct === s && !e.implied).map(([a]) => a);
    const pids = new Set(real('task_struct').map((a) => prog.object('struct task_struct', a).member('pid').toNumber()));
    for (const tt of f.truth.tasks) assert.ok(pids.has(tt.pid), `pid ${tt.pid} ${tt.name} reached`);
    for (const s of ['mm_struct', 'signal_struct', 'cred', 'files_struct', 'nsproxy', 'net_device', 'pid']) {
      assert.ok(real(s).length > 0, `${s} reached`);
    }
    // Three network devices in the init namespace: lo, eth0, vmdummy0.
    assert.equal(real('net_device').length, f.truth.interfaces.length);
    assert.deepEqual(counts(elf.r), counts(r), 'counts: ELF vs kdump');
    assert.deepEqual([...elf.r.map].sort(), [...r.map].sort(), 'address map: ELF vs kdump');
    // Implied bases: the children head of each loaded task implies a task_struct base that is never real.
    const children = fo.parser('task_struct').fields.find((x) => x.name === 'children')!;
    assert.notEqual(children.offset, children.adjustment);
    for (const a of real('task_struct')) {
      const e = r.map.get(a + BigInt(children.offset - children.adjustment));
      assert.ok(e && e.implied && e.struct === 'task_struct', `implied base of 0x${a.toString(16)}'s children`);
    }
    // Parsers: shared between two dumps of one kernel (identical layout).
    for (const [name, p] of fo.parsers) assert.equal(elf.fo.parsers.get(name), p, `${name} parser shared`);
  });
}

test('struct parsers are shared across kernels only where the layout is identical', (t) => {
  const a = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  const b = a && fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!a || !b) return;
  const fa = new Follower(programOf(a));
  const fb = new Follower(programOf(b));
  let shared = 0;
  for (const [name, p] of fa.parsers) {
    const q = fb.parsers.get(name);
    if (!q) continue;
    assert.equal(p === q, p.key === q.key, name);
    if (p === q) {
      shared++;
      assert.deepEqual(p.fields, q.fields);
      assert.equal(p.size, q.size);
    }
  }
  assert.notEqual(fa.parser('task_struct'), fb.parser('task_struct'));
  assert.ok(shared > 0, 'some struct did not change between 6.1 and 6.12');
  // 6.12 has no task_struct.thread_group (removed in 6.7): optional, so no field; 6.1 has it.
  assert.ok(fa.parser('task_struct').fields.some((x) => x.name === 'thread_group'));
  assert.ok(!fb.parser('task_struct').fields.some((x) => x.name === 'thread_group'));
});

test('a member the table needs but the kernel lacks is an error naming struct and kernel', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const spec = structuredClone(KERNEL_FOLLOW);
  spec.structs.task_struct.thread_group = { list: 'self' };
  assert.throws(() => new Follower(programOf(f), spec), (e: unknown) =>
    e instanceof FollowError && /struct task_struct has no member 'thread_group' in kernel 6\.12\.117\+deb12-cloud-amd64/.test(e.message));
  const spec2 = structuredClone(KERNEL_FOLLOW);
  spec2.structs.no_such_struct_xyz = {};
  const fo = new Follower(programOf(f), spec2);
  assert.deepEqual(fo.missing, ['no_such_struct_xyz']);
  assert.throws(() => fo.follow({ struct: 'no_such_struct_xyz', address: 0xffffffff81000000n }), /struct no_such_struct_xyz is not followed .* kernel 6\.12/);
});

test('virtmem follow: modules list and --json address map, --max marks a partial result', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!f) return;
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'follow', f.dumps.kdump, ...args, '--vmlinux', f.kernel.vmlinux], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const j = run('modules', '--json');
  assert.equal(j.status, 0, j.stderr);
  const out = JSON.parse(j.stdout);
  assert.equal(out.kernel, f.truth.uname.release);
  const mods = out.counts.find((c: { struct: string }) => c.struct === 'module');
  assert.equal(mods.count, f.truth.modules.length);
  // The `modules` head itself is an implied base, never a module.
  assert.equal(out.map.filter((e: { struct: string; implied: boolean }) => e.struct === 'module' && !e.implied).length, f.truth.modules.length);
  const p = run('init_task', '--max', '5');
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^STRUCT +COUNT +BYTES +IMPLIED\n/);
  assert.match(p.stdout, /PARTIAL: stopped at --max 5/);
  assert.match(p.stdout, /^total +5 /m);
});

for (const kernel of ['6.1', '6.12']) {
  test(`follow on ${kernel} memory-only (BTF) gives the DWARF map, with the same parsers`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const run = (prog: ReturnType<typeof programOf>) => {
      const fo = new Follower(prog);
      return { fo, r: fo.follow({ struct: 'task_struct', address: prog.variable('init_task').address! }) };
    };
    const btf = run(kernelProgramOf(f));
    const dwarf = run(programOf(f));
    assert.equal(kernelProgramOf(f).types.format, 'btf');
    assert.deepEqual(counts(btf.r), counts(dwarf.r));
    assert.deepEqual([...btf.r.map.keys()].sort(), [...dwarf.r.map.keys()].sort());
    // Identical layouts from two type formats share one compiled parser each.
    for (const [name, p] of dwarf.fo.parsers) assert.equal(btf.fo.parsers.get(name), p, name);
  });
}
