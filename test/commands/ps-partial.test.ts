/**
 * ps and pstree when the kernel's structures are broken or missing, on a
 * mutated copy of a real dump (Debian 6.12 ELF core, bytes changed through
 * the same page tables the guest used): the task list cut halfway by a
 * non-canonical `tasks.next`, and one process's mm->arg_start..arg_end
 * pointed at an unmapped user page. The rows before the cut print, the broken
 * argv is <unreadable> while its other cells are right, stderr says why, and
 * the exit code is 3 (partial). A dump whose types lack the layouts ps reads,
 * and a file that is no Linux dump, end with one line (exit 1) saying what
 * is missing and how to supply it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelMemory } from '../../src/arch/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { openDump } from '../../src/memory/index.js';
import { forEachTask } from '../../src/program/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { compile } from '../helpers/cc.js';
import { kernelProgramOf } from '../helpers/program.js';
import { runBin } from '../helpers/guest-cli.js';

/** Write 8-byte little-endian `value` at kernel virtual `va` of an ELF core copy (physical PT_LOADs). */
function poke(file: string, fd: number, va: bigint, value: bigint): void {
  const km = kernelMemory(openDump(file));
  const pa = BigInt(km.space.translate(va));
  const seg = ElfFile.open(file).segments.find((s) => s.type === 1 && s.paddr <= pa && pa + 8n <= s.paddr + BigInt(s.filesz));
  assert.ok(seg, `physical 0x${pa.toString(16)} is in a PT_LOAD`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  fs.writeSync(fd, b, 0, 8, seg.offset + Number(pa - seg.paddr));
}

test('a task list cut halfway and an unreadable argv: the rows read still print, the cell is <unreadable>, exit 3', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const prog = kernelProgramOf(f, 'elf');
  const tasks = [...forEachTask(prog)];
  const pidOf = (x: typeof tasks[0]) => x.member('tgid').toNumber();
  const user = f.truth.tasks.find((x) => x.name === 'vm-user')!;
  const victim = tasks.findIndex((x) => pidOf(x) === user.pid);
  const cut = victim + 2; // the list ends after this task
  assert.ok(cut < tasks.length - 1, 'tasks after the cut');
  const mm = tasks[victim].member('mm').deref();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-ps-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const copy = path.join(tmp, 'broken.core');
  fs.copyFileSync(f.dumps.elf, copy);
  const fd = fs.openSync(copy, 'r+');
  try {
    poke(copy, fd, tasks[cut].member('tasks.next').address!, 0x8000_0000_0000_0000n);
    poke(copy, fd, mm.member('arg_start').address!, 0x1000n);
    poke(copy, fd, mm.member('arg_end').address!, 0x1010n);
  } finally { fs.closeSync(fd); }

  for (const bin of ['virtmem.js', 'virt-ps.js']) {
    const r = runBin(bin, [...(bin === 'virtmem.js' ? ['ps'] : []), copy, '--json']);
    assert.equal(r.status, 3, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((x) => x.pid), tasks.slice(0, cut + 1).map(pidOf), 'the tasks before the cut, in list order');
    assert.match(r.stderr, /partial: list at 0x[0-9a-f]+: unreadable link .* after \d+ entries/);
    const v = rows.find((x) => x.pid === user.pid)!;
    assert.deepEqual(v.argv, { unreadable: (v.argv as { unreadable: string }).unreadable });
    assert.match((v.argv as { unreadable: string }).unreadable, /user memory of mm 0x[0-9a-f]+: cannot read 0x1000/);
    assert.deepEqual([v.uid, v.euid, v.gid, v.egid, v.comm, v.ppid], [user.uid[0], user.uid[1], user.gid[0], user.gid[1], 'vm-user', user.ppid], 'the other cells');
  }
  const table = runBin('virtmem.js', ['ps', copy]);
  assert.equal(table.status, 3);
  assert.match(table.stdout, new RegExp(`\\n\\s*${user.pid}\\s.*vm-user\\s+<unreadable>\\n`));
  const tree = runBin('virt-pstree.js', [copy]);
  assert.equal(tree.status, 3, tree.stderr);
  assert.equal(tree.stdout.trimEnd().split('\n').length, cut + 1, 'pstree draws every task read');
});

test('types without task_struct: one line naming what is missing and --vmlinux, exit 1', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1.0' });
  if (!f) return;
  // A real ELF with DWARF, but not this kernel's: no task_struct in it.
  const c = compile('struct not_a_kernel { int x; } v;\nint main(void) { return v.x; }\n', ['-g'], { name: 'not-vmlinux' });
  t.after(c.cleanup);
  const obj = c.out;
  for (const cmd of ['ps', 'pstree']) {
    const r = runBin('virtmem.js', [cmd, f.dumps.kdump, '--vmlinux', obj]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split('\n').filter((l) => !/^virtmem: warning/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^virtmem: ${cmd}: kernel .* lacks struct task_struct.*--vmlinux VMLINUX`));
    assert.equal(r.stdout, '');
  }
});

test('a file that is no Linux dump: one line, exit 1', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-ps-'));
  try {
    const raw = path.join(tmp, 'zeros.raw');
    fs.writeFileSync(raw, Buffer.alloc(1 << 20));
    for (const cmd of ['ps', 'pstree']) {
      const r = runBin('virtmem.js', [cmd, raw]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^virtmem: /);
    }
  } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
});
