/**
 * ps on every real-guest fixture (Debian 6.1 and 6.12, with and without
 * KASLR), through the CLI as a user runs it, against the guest's own
 * /proc/PID/status and /proc/PID/cmdline captured in the same boot: the same
 * set of processes, and per process PPid, Uid (real, effective, saved, fs),
 * Gid, Threads, Name, State and the argv (the >4 KiB one across pages).
 * Memory-only on every dump form (ELF, paging ELF, kdump, flattened kdump),
 * and with --vmlinux. Then beside drgn (same boot, elf-paging.core: argv by
 * drgn's cmdline(), start time, RSS counters, ids) and crash (which finds
 * only the idle tasks of these kernels: noted, and what it finds must agree).
 *
 * Fields where the guest's view may move on between its report and the dump:
 * a kernel thread's state (idle kworkers wake), and a kernel thread's /proc
 * Name, which adds the workqueue a kworker last ran ("kworker/0:0-events") or
 * the thread's full name to the 15-byte comm; both are compared loosely for
 * kernel threads only. The reporter process itself exited before the dump.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fixtures, fixtureOrSkip, PLAN, type Fixture } from '../helpers/fixtures.js';
import { drgnOrSkip, runDrgn } from '../helpers/drgn.js';
import { parseCrashPs, runBin, runCrash, runJson, toolOrSkip } from '../helpers/guest-cli.js';

interface PsRow {
  pid: number; tid?: number; ppid: number; state: string; threads: number; rss: number; start: string; startNs: number;
  uid: number; euid: number; suid: number; fsuid: number; gid: number; egid: number; sgid: number; fsgid: number;
  comm: string; argv: string[]; cmd: string; kthread: boolean; task: number | string;
}

const ps = (dump: string, ...extra: string[]) => runJson<PsRow[]>(['ps', dump, ...extra]);

/** Every field the guest printed, for every process it listed, equals ours. */
function assertGuestView(rows: PsRow[], f: Fixture, what: string): void {
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  assert.equal(byPid.size, rows.length, `${what}: one row per process`);
  assert.equal(byPid.get(0)?.comm, 'swapper/0', `${what}: pid 0 is the idle task`);
  assert.deepEqual([...byPid.keys()].filter((p) => p !== 0).sort((a, b) => a - b), f.truth.tasks.map((t) => t.pid).sort((a, b) => a - b), `${what}: the guest's processes`);
  for (const tt of f.truth.tasks) {
    const r = byPid.get(tt.pid)!;
    const at = `${what}: pid ${tt.pid} ${tt.name}`;
    assert.equal(r.ppid, tt.ppid, `${at}: PPid`);
    assert.deepEqual([r.uid, r.euid, r.suid, r.fsuid], tt.uid, `${at}: Uid`);
    assert.deepEqual([r.gid, r.egid, r.sgid, r.fsgid], tt.gid, `${at}: Gid`);
    assert.equal(r.threads, tt.threads, `${at}: Threads`);
    const kthread = tt.ppid === 2 || tt.pid === 2;
    assert.equal(r.kthread, kthread, `${at}: kernel thread`);
    if (kthread) {
      // /proc's Name: of a kernel thread is comm, its full name, or a kworker's comm + "-workqueue".
      assert.ok(tt.name === r.comm || tt.name.startsWith(r.comm) && (r.comm.length === 15 || tt.name[r.comm.length] === '-'), `${at}: Name vs comm ${r.comm}`);
      assert.match(r.state, /^[RSDI]$/, `${at}: a kernel thread's state`);
      assert.equal(r.cmd, `[${r.comm}]`, `${at}: shown as [comm]`);
      assert.equal(r.rss, 0, `${at}: no user memory`);
    } else {
      assert.equal(r.comm, tt.name, `${at}: Name`);
      assert.equal(r.state, tt.state[0], `${at}: State`);
      assert.deepEqual(r.argv, tt.cmdline ?? [], `${at}: cmdline`);
      if (tt.state[0] === 'Z') assert.equal(r.cmd, `[${tt.name}] <defunct>`, `${at}: a zombie's cmd`);
      else {
        assert.equal(r.cmd, (tt.cmdline ?? []).join(' '), `${at}: cmd`);
        assert.ok(r.rss > 0, `${at}: a live process has resident pages`);
      }
    }
    assert.match(r.start, /^\d+\.\d\d$/, `${at}: start`);
  }
  // The planned processes, by name: the long argv crosses page boundaries.
  const long = byPid.get(f.truth.longArgv.pid)!;
  assert.deepEqual(long.argv, f.truth.longArgv.argv, `${what}: the long argv`);
  assert.deepEqual(long.argv, PLAN.longArgv(), `${what}: the long argv is the planned one`);
  assert.ok(long.argv.join('\0').length > 4096, 'the long argv spans more than a page');
  // Start times: a child never starts before its parent.
  for (const r of rows) {
    const parent = byPid.get(r.ppid);
    if (parent && r.pid !== 0) assert.ok(r.startNs >= parent.startNs, `${what}: pid ${r.pid} starts after its parent`);
  }
}

for (const kernel of ['6.1.0', '6.12']) {
  for (const kaslr of [false, true]) {
    const name = `${kernel} ${kaslr ? 'kaslr' : 'nokaslr'}`;
    test(`ps equals the guest's /proc on ${name}: every dump form memory-only, and with vmlinux`, (t) => {
      const f = fixtureOrSkip(t, { kernel, kaslr });
      if (!f) return;
      const first = ps(f.dumps.kdump);
      assertGuestView(first, f, 'kdump');
      for (const form of ['elf', 'elfPaging', 'kdumpFlat'] as const) {
        const rows = ps(f.dumps[form]);
        assertGuestView(rows, f, form);
        assert.deepEqual(rows, first, `${form} gives the same rows as kdump`);
      }
      const dwarf = ps(f.dumps.elf, '--vmlinux', f.kernel.vmlinux);
      assert.deepEqual(dwarf, first, 'with --vmlinux: the same rows as memory-only');
    });
  }
}

test('ps --threads: one row per thread, TIDs of each thread group, the group\'s PID', (t) => {
  for (const kernel of ['6.1.0', '6.12']) {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const rows = ps(f.dumps.kdump, '--threads');
    const total = f.truth.tasks.reduce((n, x) => n + x.threads, 0);
    assert.equal(rows.length, total + 1, `${kernel}: every thread, and pid 0`);
    const planned = PLAN.TASKS.find((x) => x.threads > 1)!;
    const leader = f.truth.tasks.find((x) => x.name === planned.name)!;
    const group = rows.filter((r) => r.pid === leader.pid);
    assert.equal(group.length, planned.threads);
    assert.equal(new Set(group.map((r) => r.tid)).size, planned.threads, 'distinct TIDs');
    assert.equal(group[0].tid, leader.pid, 'the leader first');
    for (const r of group) {
      assert.equal(r.threads, planned.threads);
      assert.equal(r.ppid, leader.ppid);
      assert.deepEqual(r.argv, leader.cmdline, 'threads share the argv');
    }
    // Single-threaded processes: tid == pid.
    for (const r of rows) if (r.threads === 1) assert.equal(r.tid, r.pid);
  }
});

test('virt-ps takes the same arguments; --csv has the table\'s columns and every row', (t) => {
  const f = fixtures()[0];
  if (!f) { const why = 'no fixture (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  const json = ps(f.dumps.kdump);
  const alias = runBin('virt-ps.js', [f.dumps.kdump, '--json']);
  assert.equal(alias.status, 0, alias.stderr);
  assert.deepEqual(JSON.parse(alias.stdout), json);
  const csv = runBin('virt-ps.js', [f.dumps.kdump, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'PID,PPID,UID,GID,S,THR,RSS,START,COMM,CMD');
  assert.equal(lines.length, json.length + 1);
  const user = f.truth.tasks.find((x) => x.name === 'vm-user')!;
  const line = lines.find((l) => l.startsWith(`${user.pid},`))!;
  assert.equal(line, `${user.pid},${user.ppid},${user.uid[0]},${user.gid[0]},S,1,${json.find((r) => r.pid === user.pid)!.rss},${json.find((r) => r.pid === user.pid)!.start},vm-user,${user.cmdline!.join(' ')}`);
  const table = runBin('virtmem.js', ['ps', f.dumps.kdump]);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /^\s*PID\s+PPID\s+UID\s+GID\s+S\s+THR\s+RSS\s+START\s+COMM\s+CMD\n/);
  assert.match(table.stdout, /\[kthreadd\]/);
});

for (const kernel of ['6.1.0', '6.12']) {
  test(`ps on ${kernel} agrees with drgn on the same dump: processes, argv, ids, threads, start time, RSS counters`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f || !drgnOrSkip(t)) return;
    // drgn 0.0.22 reads the paging ELF only; its helpers: for_each_task (the pid IDR) and cmdline().
    const [line] = runDrgn(f, DRGN_PS);
    const theirs = JSON.parse(line) as Array<{ pid: number; ppid: number; comm: string; uid: number[]; gid: number[]; threads: number; rss_pages: number; start_ns: number; argv: string[] | null; task: string }>;
    const ours = new Map(ps(f.dumps.elfPaging).map((r) => [r.pid, r]));
    assert.deepEqual(theirs.map((x) => x.pid).sort((a, b) => a - b), [...ours.keys()].filter((p) => p !== 0).sort((a, b) => a - b));
    for (const d of theirs) {
      const r = ours.get(d.pid)!;
      const at = `pid ${d.pid} ${d.comm}`;
      assert.equal(r.ppid, d.ppid, at);
      assert.equal(r.comm, d.comm, at);
      assert.deepEqual([r.uid, r.euid, r.suid, r.fsuid], d.uid, at);
      assert.deepEqual([r.gid, r.egid, r.sgid, r.fsgid], d.gid, at);
      assert.equal(r.threads, d.threads, at);
      assert.equal(BigInt(r.startNs), BigInt(d.start_ns), at);
      assert.equal(r.rss, d.rss_pages * 4, `${at}: RSS KiB`);
      assert.deepEqual(r.argv, d.argv ?? [], `${at}: argv`);
      assert.equal(BigInt(r.task), BigInt(d.task), at);
    }
  });
}

for (const kernel of ['6.1.0', '6.12']) {
  test(`crash on ${kernel}: the tasks it finds are ours (it finds only the idle tasks of these kernels)`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f || !toolOrSkip(t, 'crash', 'crash')) return;
    const r = runCrash(f.kernel.vmlinux, f.dumps.elf, ['ps']);
    const theirs = parseCrashPs(r.out);
    if (theirs.length === 0) {
      // crash 8.0.2 (Debian 12) cannot open 6.12 kernels: it exits 1 with no message after gdb starts.
      const said = r.out.split('\n').find((l) => /crash:|error|invalid/i.test(l));
      const why = `crash lists no tasks on ${f.abi} ${path.basename(f.dir)} (exit ${r.status}${said ? ': ' + said.trim() : ', no message'})`;
      process.stderr.write(`SKIP: ${why}\n`);
      t.skip(why);
      return;
    }
    t.diagnostic(`crash lists ${theirs.length} of ${f.truth.tasks.length + 1} tasks`);
    const ours = new Map(ps(f.dumps.elf, '--threads').map((x) => [BigInt(x.task), x]));
    let matched = 0;
    for (const c of theirs) {
      const o = ours.get(c.task);
      // crash also shows the other CPUs' idle tasks (swapper/1), which are not on the task list.
      if (!o) { assert.match(c.comm, /^\[swapper\/\d+\]$/, `crash's ${c.comm} at 0x${c.task.toString(16)} is not one of ours`); continue; }
      matched++;
      assert.equal(o.pid, c.pid);
      assert.equal(o.ppid, c.ppid);
      assert.equal(o.kthread || o.pid === 0 ? `[${o.comm}]` : o.comm, c.comm);
    }
    assert.ok(matched >= 1, 'crash and ps share a task');
  });
}

const DRGN_PS = `
import json
import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.mm import cmdline
out = []
for t in for_each_task(prog):
    if t.pid.value_() != t.tgid.value_():
        continue
    mm = t.mm
    rss, argv = 0, None
    if mm.value_():
        rs = mm.rss_stat
        def ctr(i):
            if rs.type_.kind == drgn.TypeKind.ARRAY:
                v = rs[i].count.value_()
            else:
                v = rs.count[i].counter.value_()
            return max(v, 0)
        rss = ctr(0) + ctr(1) + ctr(3)
        argv = [a.decode() for a in cmdline(t)]
    c = t.real_cred
    out.append({'pid': t.tgid.value_(), 'ppid': t.real_parent.tgid.value_(), 'comm': t.comm.string_().decode(),
                'uid': [c.uid.val.value_(), c.euid.val.value_(), c.suid.val.value_(), c.fsuid.val.value_()],
                'gid': [c.gid.val.value_(), c.egid.val.value_(), c.sgid.val.value_(), c.fsgid.val.value_()],
                'threads': t.signal.nr_threads.value_(), 'rss_pages': rss, 'start_ns': t.start_boottime.value_(),
                'argv': argv, 'task': hex(t.value_())})
print(json.dumps(out))
`;
