/**
 * `virtmem print` and the evaluator on the real-guest fixtures (Debian 6.1 and
 * 6.12, KASLR on): the release equals the guest's `uname -r`, init_task.comm
 * is swapper/0, and a set of expressions (members, pointers, container_of,
 * sizeof, address-of, bitfields, an enum bitfield, casts, arithmetic) give
 * the values drgn gives on the paging ELF dump of the same boot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureOrSkip, fixtures } from '../helpers/fixtures.js';
import { drgnOrSkip, runDrgn } from '../helpers/drgn.js';
import { programOf } from '../helpers/program.js';
import { evaluate, forEachTask, formatObject, formatValue } from '../../src/program/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');

function virtmem(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

for (const kernel of ['6.1', '6.12']) {
  test(`virtmem print on ${kernel}: uname -r and init_task.comm as the guest reported`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const raw = virtmem('print', f.dumps.kdump, 'init_uts_ns.name.release', '--raw', '--vmlinux', f.kernel.vmlinux);
    assert.equal(raw.code, 0, raw.err);
    assert.equal(raw.out, f.truth.uname.release + '\n');
    const c = virtmem('print', f.dumps.kdump, 'init_uts_ns.name.release', 'init_task.comm', 'init_uts_ns.name.nodename', '--vmlinux', f.kernel.vmlinux);
    assert.equal(c.code, 0, c.err);
    assert.deepEqual(c.out.trimEnd().split('\n'), [
      `(char [65])"${f.truth.uname.release}"`,
      '(char [16])"swapper/0"',
      `(char [65])"${f.truth.uname.nodename}"`,
    ]);
    // A struct prints nested, with char arrays as strings and pointers symbolized.
    const s = virtmem('print', f.dumps.kdump, 'init_uts_ns', '--vmlinux', f.kernel.vmlinux);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /^\*\(struct uts_namespace \*\)0xffffffff[0-9a-f]+ = \{\n\t\.name = \(struct new_utsname\)\{\n\t\t\.sysname = \(char \[65\]\)"Linux",/);
    assert.match(s.out, new RegExp(`\\.domainname = \\(char \\[65\\]\\)"${f.truth.uname.domainname}"`));
    assert.match(s.out, /\.user_ns = \(struct user_namespace \*\)0xffffffff[0-9a-f]+ <init_user_ns>,/);
    // JSON of the same value.
    const j = virtmem('print', f.dumps.kdump, 'init_uts_ns.name', '--json', '--vmlinux', f.kernel.vmlinux);
    assert.equal(j.code, 0, j.err);
    const name = JSON.parse(j.out);
    assert.equal(name.release, f.truth.uname.release);
    assert.equal(name.machine, f.truth.uname.machine);
  });
}

test('virtmem print: bad expressions and unreadable addresses are one-line errors', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!f) return;
  const cases: [string, RegExp][] = [
    ['init_task.no_such_member', /^virtmem: struct task_struct has no member 'no_such_member' in kernel 6\.1\.0-56-cloud-amd64/],
    ['*(int *)0x10', /^virtmem: kernel virtual memory: cannot read 0x10/],
    ['init_task.(', /^virtmem: expected a member name at column 11/],
    ['no_such_variable_xyz', /^virtmem: no variable or symbol 'no_such_variable_xyz' in kernel 6\.1/],
    ['*init_task.stack', /^virtmem: cannot dereference a void pointer/],
  ];
  for (const [expr, want] of cases) {
    const r = virtmem('print', f.dumps.kdump, expr, '--vmlinux', f.kernel.vmlinux);
    assert.equal(r.code, 1, `${expr}: ${r.err}`);
    assert.match(r.err, want, expr);
    assert.equal(r.err.trimEnd().split('\n').length, 1, `${expr}: one line`);
  }
});

for (const kernel of ['6.1', '6.12']) {
  test(`virtmem print memory-only on ${kernel} (kallsyms and BTF from the image): uname and init_task`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    for (const dump of [f.dumps.kdump, f.dumps.elf]) {
      const r = virtmem('print', dump, 'init_uts_ns.name.release', 'init_task.comm', 'init_uts_ns.name.domainname', '--raw');
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(r.out.trimEnd().split('\n'), [f.truth.uname.release, 'swapper/0', f.truth.uname.domainname]);
    }
    const e = virtmem('print', f.dumps.kdump, 'init_task.no_such_member');
    assert.equal(e.code, 1);
    assert.match(e.err, new RegExp(`struct task_struct has no member 'no_such_member' in kernel ${f.truth.uname.release.replace(/[.+]/g, '\\$&')} \\(btf types\\)`));
  });
}

/** [our expression, drgn Python expression printing the same value]. */
const JUDGED: [string, string][] = [
  ['init_task.comm', 't.comm.string_().decode()'],
  ['init_task.tasks.next', 'hex(t.tasks.next.value_())'],
  ['init_task.tasks.prev->next', 'hex(t.tasks.prev.next.value_())'],
  ['sizeof(struct task_struct)', "prog.type('struct task_struct').size"],
  ['sizeof(init_task.comm)', 'sizeof(t.comm)'],
  ['&init_net', "hex(prog['init_net'].address_of_().value_())"],
  ['&init_task.tasks', 'hex(t.tasks.address_of_().value_())'],
  ['container_of(init_task.tasks.next, struct task_struct, tasks)->comm', "container_of(t.tasks.next, 'struct task_struct', 'tasks').comm.string_().decode()"],
  ['container_of(init_task.tasks.next, struct task_struct, tasks)->pid', "container_of(t.tasks.next, 'struct task_struct', 'tasks').pid.value_()"],
  ['((struct task_struct *)init_task.tasks.next)[0].prio', "cast('struct task_struct *', t.tasks.next)[0].prio.value_()"],
  ['init_task.thread_pid->numbers[0].nr', 't.thread_pid.numbers[0].nr.value_()'],
  ['init_net.loopback_dev->name', "prog['init_net'].loopback_dev.name.string_().decode()"],
  ['init_net.loopback_dev->mtu', "prog['init_net'].loopback_dev.mtu.value_()"],
  ['init_net.loopback_dev->reg_state', "prog['init_net'].loopback_dev.reg_state.value_()"],
  ['init_net.loopback_dev->dev_addr', "hex(prog['init_net'].loopback_dev.dev_addr.value_())"],
  ['(unsigned char)(init_task.prio + 200)', "(t.prio.value_() + 200) & 0xff"],
  ['init_task.tasks.next - init_task.tasks.prev', '(t.tasks.next.value_() - t.tasks.prev.value_()) // 16'],
  ['offsetof(struct task_struct, tasks)', "offsetof(prog.type('struct task_struct'), 'tasks')"],
  ['jiffies_64', "prog['jiffies_64'].value_()"],
  ['jiffies', "prog['jiffies_64'].value_() & 0xffffffffffffffff"],
  ['init_pid_ns.idr.idr_rt.xa_head', "hex(prog['init_pid_ns'].idr.idr_rt.xa_head.value_())"],
  ['-1 + 0', '-1'],
  ['(1L << 40) / 3 % 1000', '((1 << 40) // 3) % 1000'],
  ['(1 << 31) < 0', '1'],
  ['0xffffffffffffffff + 2', '1'],
];
const BITFIELDS = ['sched_remote_wakeup', 'user_dumpable', 'no_cgroup_migration', 'frozen', 'sched_reset_on_fork'];

for (const kernel of ['6.1', '6.12']) {
  test(`the evaluator agrees with drgn on ${kernel} (values, pointers, bitfields of every task)`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f || !drgnOrSkip(t)) return;
    const script = [
      'from drgn import cast, container_of, offsetof, sizeof',
      'from drgn.helpers.linux.list import list_for_each_entry',
      "t = prog['init_task']",
      ...JUDGED.map(([, py]) => `print(${py})`),
      "tasks = sorted(list_for_each_entry('struct task_struct', t.tasks.address_of_(), 'tasks'), key=lambda x: x.pid.value_())",
      ...BITFIELDS.map((b) => `print(' '.join(str(x.${b}.value_()) for x in tasks))`),
    ].join('\n');
    const judge = runDrgn(f, script);
    const prog = programOf(f, 'kdump');
    JUDGED.forEach(([expr], i) => {
      const ours = formatValue(evaluate(prog, expr), { symbolize: false });
      assert.equal(ours, judge[i], `${kernel}: ${expr}`);
    });
    const tasks = [...forEachTask(prog)].filter((x) => x.member('pid').toNumber() !== 0).sort((a, b) => a.member('pid').toNumber() - b.member('pid').toNumber());
    BITFIELDS.forEach((b, i) => {
      assert.equal(tasks.map((x) => x.member(b).int().toString()).join(' '), judge[JUDGED.length + i], `${kernel}: bitfield ${b}`);
    });
  });
}

test('objects are lazy: reading task_struct.comm reads 16 bytes, not the struct', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const prog = programOf(f, 'kdump');
  const reads: number[] = [];
  const orig = prog.map.getBytes;
  prog.map.getBytes = function (this: typeof prog.map, a: bigint, n: number) { reads.push(n); return orig.call(this, a, n); } as typeof orig;
  try {
    const task = evaluate(prog, 'container_of(init_task.tasks.next, struct task_struct, tasks)');
    assert.equal(task.member('comm').string().length > 0, true);
    assert.equal(reads.filter((n) => n > 16).length, 0, `reads: ${reads}`);
    assert.equal(reads.reduce((a, b) => a + b, 0) <= 8 + 16, true, `reads: ${reads}`);
    reads.length = 0;
    const whole = formatObject(task.deref());
    assert.match(whole, /^\*\(struct task_struct \*\)0xffff/);
    assert.equal(reads[0], prog.sizeof('struct task_struct'), 'printing a struct reads it once');
  } finally {
    prog.map.getBytes = orig;
  }
});

test('fixtures exist for both kernels (else the tests above skip)', (t) => {
  const have = fixtures().map((x) => x.abi);
  if (!have.length) { process.stderr.write('SKIP: no fixtures\n'); t.skip('no fixtures'); return; }
  assert.ok(have.length > 0);
});
