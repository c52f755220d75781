/**
 * Tasks (include/linux/sched.h), for ps and pstree: the task list, threads,
 * and the state letter /proc prints.
 *
 *   forEachTask(prog)      every thread-group leader, init_task first (init_task.tasks)
 *   forEachThread(task)    every thread of a task's group
 *   taskState(task)        "R", "S", "D", "T", "t", "X", "Z", "P" or "I", as /proc/PID/status
 *
 * Layout changes detected by member, not by version:
 *   - task_struct.state became __state in Linux 5.14 (commit 2f064a59a11f,
 *     "sched: Change task_struct::state").
 *   - Threads hang on signal_struct.thread_head through task_struct.thread_node
 *     (since 3.14, commit 0c740d0afc3b); the older task_struct.thread_group list
 *     was removed in 6.7 (commit 8e1f385104ac, "kill task_struct->thread_group").
 *     The newer list is used when present.
 */
import { VirtmemError } from '../bytes/index.js';
import { listForEachEntry, type ListWalkOptions } from './list.js';
import { Obj } from './object.js';
import type { Program } from './program.js';

/** Every thread-group leader on the task list, starting with init_task (pid 0). */
export function* forEachTask(prog: Program, opts: ListWalkOptions = {}): Generator<Obj> {
  const init = prog.variable('init_task');
  yield init.addressOf();
  yield* listForEachEntry('struct task_struct', init.member('tasks'), 'tasks', opts);
}

/** Every thread of `task`'s thread group (a task_struct object or pointer), the leader included. */
export function* forEachThread(task: Obj, opts: ListWalkOptions = {}): Generator<Obj> {
  const prog = task.prog;
  if (prog.hasMember('task_struct', 'thread_node') && prog.hasMember('signal_struct', 'thread_head')) {
    yield* listForEachEntry('struct task_struct', task.member('signal').member('thread_head'), 'thread_node', opts);
    return;
  }
  // Before 3.14 / as long as thread_group exists: a circular list through the threads themselves.
  const self = task.resolvedType.kind === 'pointer' ? task : task.addressOf();
  yield self;
  yield* listForEachEntry('struct task_struct', self.member('thread_group'), 'thread_group', opts);
}

/** The raw state word (__state, or state before 5.14). */
export function taskStateWord(task: Obj): bigint {
  return BigInt.asUintN(32, task.member(task.hasMember('__state') ? '__state' : 'state').int());
}

const FALLBACK_LETTERS = 'RSDTtXZPI';
const letterCache = new WeakMap<Program, string>();

/** The state letters in /proc's order, read from the kernel's task_state_array when it has one. */
function stateLetters(prog: Program): string {
  let s = letterCache.get(prog);
  if (s === undefined) {
    s = FALLBACK_LETTERS;
    try {
      const arr = prog.variable('task_state_array');
      const r = arr.resolvedType;
      if (r.kind === 'array' && r.count) {
        let letters = '';
        for (let i = 0; i < r.count; i++) letters += arr.index(i).string(1);
        if (letters.length === r.count) s = letters;
      }
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
    }
    letterCache.set(prog, s);
  }
  return s;
}

/** TASK_UNINTERRUPTIBLE | TASK_NOLOAD: an idle kernel thread (TASK_NOLOAD is 0x400 since 4.2). */
const TASK_UNINTERRUPTIBLE = 0x2n;
const TASK_NOLOAD = 0x400n;
const TASK_RTLOCK_WAIT = 0x1000n;

/**
 * The state letter as /proc/PID/status prints it (the kernel's
 * task_state_index(): (state | exit_state) masked to the reported bits, idle
 * reported on its own, then the index of the highest bit set).
 */
export function taskState(task: Obj): string {
  const letters = stateLetters(task.prog);
  const reportIdle = letters.length - 1;
  const report = (1n << BigInt(reportIdle - 1)) - 1n; // TASK_REPORT: every bit with a letter but idle
  const st = taskStateWord(task);
  const exit = BigInt.asUintN(32, task.member('exit_state').int());
  let state = (st | exit) & report;
  if (st === (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)) return letters[reportIdle];
  if (st & TASK_RTLOCK_WAIT) state = TASK_UNINTERRUPTIBLE;
  let i = 0;
  while (state) { i++; state >>= 1n; }
  return letters[i] ?? '?';
}
