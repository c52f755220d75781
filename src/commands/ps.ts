/**
 * ps: the guest's processes (virt-ps), one row per thread-group leader on the
 * task list (init_task first: pid 0, the boot CPU's idle task, which the
 * guest's own ps does not show), or one per thread with --threads.
 *
 * Columns, each as the guest's /proc would print it:
 *   pid, tid     tgid and (with --threads) the thread's pid
 *   ppid         real_parent's tgid (PPid:)
 *   uid..fsgid   task->real_cred (Uid:, Gid:); the table shows real uid and gid
 *   state        the State: letter (R S D T t X Z P I)
 *   threads      signal->nr_threads (Threads:)
 *   rss          resident KiB, VmRSS: (file + anon + shmem pages of the mm); 0 without an mm
 *   start        seconds since boot the task started (/proc/PID/stat starttime, ns kept in startNs)
 *   comm         task->comm (at most 15 bytes)
 *   argv         /proc/PID/cmdline read from the process's own memory; [] without an mm
 *   cmd          argv joined by spaces, or "[comm]" for a kernel thread or a process
 *                without user memory (a zombie shows "[comm] <defunct>", as procps does)
 *   task         address of the task_struct
 *   kthread      PF_KTHREAD (JSON only, as startNs and the saved/fs ids)
 *
 * comm is the 15-byte task->comm; /proc's Name: of a kernel thread can be
 * longer (its full name, or a kworker's comm plus "-workqueue" it last ran),
 * which ps does not rebuild yet.
 *
 * Every cell is read on its own: a task whose argv page is missing shows that
 * cell unreadable and the other cells and rows still print. A task list that
 * breaks partway keeps the tasks before the break and the problem is reported.
 */
import { VirtmemError } from '../bytes/index.js';
import type { Obj, Program } from '../program/index.js';
import {
  PAGE_SIZE, forEachTask, forEachThread, getMmRss, isKthread, taskCmdline, taskIds, taskPpid, taskStartNs, taskState,
  taskThreadCount,
} from '../program/index.js';
import { readCell, type CommandOptions, type GuestCommand, type RowSink } from './command.js';
import { requireLayouts } from './need.js';
import { Unreadable, type Cell, type Column, type Row } from './table.js';

const ID_FIELDS = ['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid'] as const;

function columns(opts: CommandOptions): Column[] {
  return [
    { key: 'pid', title: 'PID', right: true },
    ...(opts.threads ? [{ key: 'tid', title: 'TID', right: true }] : []),
    { key: 'ppid', title: 'PPID', right: true },
    { key: 'uid', title: 'UID', right: true },
    { key: 'gid', title: 'GID', right: true },
    { key: 'state', title: 'S' },
    { key: 'threads', title: 'THR', right: true },
    { key: 'rss', title: 'RSS', right: true },
    { key: 'start', title: 'START', right: true },
    { key: 'comm', title: 'COMM' },
    { key: 'cmd', title: 'CMD' },
  ];
}

/** Seconds since boot with centiseconds, as ps's clock ticks (USER_HZ 100) allow. */
function seconds(ns: bigint): string {
  const cs = ns / 10_000_000n;
  return `${cs / 100n}.${String(cs % 100n).padStart(2, '0')}`;
}

/**
 * The task_struct's bytes in one read (a value object; its pointers still
 * lead into memory), or the pointer itself when that read fails, so each
 * cell then reads on its own and fails alone.
 */
function snapshot(task: Obj): Obj {
  try {
    return task.deref().read();
  } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    return task;
  }
}

/** The cells of one task (a leader, or a thread with --threads). */
function taskRow(taskPtr: Obj, leaderPtr: Obj, withTid: boolean): Row {
  const task = snapshot(taskPtr);
  const leader = taskPtr === leaderPtr ? task : snapshot(leaderPtr);
  const row: Row = {};
  row.pid = readCell(() => leader.member('tgid').toNumber());
  if (withTid) row.tid = readCell(() => task.member('pid').toNumber());
  row.ppid = readCell(() => taskPpid(leader));
  const ids = readCell(() => taskIds(task) as unknown as { [k: string]: Cell });
  for (const f of ID_FIELDS) row[f] = ids instanceof Unreadable ? ids : ids[f];
  row.state = readCell(() => taskState(task));
  row.threads = readCell(() => taskThreadCount(leader));
  const kthread = readCell(() => isKthread(task));
  row.rss = readCell(() => {
    const mm = task.member('mm');
    return mm.isNull() ? 0 : Number(getMmRss(mm)) * (PAGE_SIZE / 1024);
  });
  const startNs = readCell(() => taskStartNs(task));
  row.start = startNs instanceof Unreadable ? startNs : seconds(startNs);
  row.startNs = startNs;
  const comm = readCell(() => task.member('comm').string());
  row.comm = comm;
  const argv = readCell(() => taskCmdline(leader) ?? []);
  row.argv = argv;
  row.kthread = kthread;
  row.cmd = argv instanceof Unreadable ? argv
    : argv.length ? argv.join(' ')
    : comm instanceof Unreadable ? comm
    : `[${comm}]${row.state === 'Z' ? ' <defunct>' : ''}`;
  row.task = taskPtr.pointerValue();
  return row;
}

function* rows(prog: Program, opts: CommandOptions, sink: RowSink): Iterable<Row> {
  requireLayouts(prog, 'ps', {
    structs: ['task_struct.tasks', 'task_struct.comm', 'task_struct.real_parent', 'task_struct.mm', 'mm_struct.arg_start', 'cred.uid'],
    variables: ['init_task'],
  });
  const withTid = !!opts.threads;
  for (const task of forEachTask(prog)) {
    if (!withTid) { yield taskRow(task, task, false); continue; }
    let n = 0;
    try {
      for (const th of forEachThread(task)) { n++; yield taskRow(th, task, true); }
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      const pid = readCell(() => task.member('tgid').toNumber());
      sink.problem(`threads of pid ${pid} after ${n}: ${e.message}`);
      if (n === 0) yield taskRow(task, task, true);
    }
  }
}

export const ps: GuestCommand = {
  name: 'ps',
  summary: 'the guest\'s processes: pid, ppid, uid, gid, state, threads, RSS, start time, comm and argv',
  aliases: ['virt-ps'],
  options: { threads: { type: 'boolean' } },
  usage: '[--threads]',
  help: [
    'One row per process (thread-group leader) on the kernel\'s task list, pid 0 included;',
    '--threads: one row per thread (TID). UID/GID are the real ids of task->real_cred (--json has',
    'effective, saved and filesystem ids too); RSS is VmRSS in KiB; START is seconds since boot;',
    'CMD is the argv read from the process\'s own memory, or [comm] for a kernel thread.',
  ].join('\n'),
  columns,
  rows,
};
