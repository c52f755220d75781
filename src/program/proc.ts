/**
 * What fs/proc/array.c prints about a task that is not a list walk, for ps
 * and pstree: the parent's pid, the thread count, and the start time.
 *
 *   taskPpid(task)         PPid: of /proc/PID/status: real_parent's tgid (0 for pid 0, 1, 2)
 *   taskThreadCount(task)  Threads: of /proc/PID/status: signal->nr_threads
 *   taskStartNs(task)      field 22 of /proc/PID/stat, in ns since boot
 *
 * Layout changes detected by member:
 *   - The boot-based start time (which counts suspended time) was
 *     task->real_start_time and was renamed start_boottime in Linux 5.5
 *     ("time: Rename tsk->real_start_time to ->start_boottime"); /proc has
 *     reported it since then. task->start_time is the monotonic one; the two
 *     are equal in a guest that was never suspended. Older kernels without
 *     either boot-based field report start_time.
 */
import type { Obj } from './object.js';

/** The parent's thread-group id, as /proc/PID/status's PPid: (real_parent, not the ptracer). */
export function taskPpid(task: Obj): number {
  if (task.member('pid').toNumber() === 0) return 0;
  return task.member('real_parent').member('tgid').toNumber();
}

/** signal->nr_threads, as /proc/PID/status's Threads:. */
export function taskThreadCount(task: Obj): number {
  return task.member('signal').member('nr_threads').toNumber();
}

/** The start time in ns since boot, as /proc/PID/stat's starttime (before its conversion to clock ticks). */
export function taskStartNs(task: Obj): bigint {
  for (const m of ['start_boottime', 'real_start_time', 'start_time']) {
    if (task.hasMember(m)) return task.member(m).int();
  }
  return task.member('start_time').int();
}
