/**
 * Credentials (include/linux/cred.h), for ps: a task's user and group ids.
 *
 *   taskIds(task)   real, effective, saved and filesystem uid and gid
 *
 * These are the task's objective credentials, task->real_cred, which
 * /proc/PID/status prints (its __task_cred()); task->cred is the subjective
 * set the task acts with, which differs only during an override (e.g. an NFS
 * server thread or access()). kuid_t/kgid_t wrap the id in `.val`.
 */
import type { Obj } from './object.js';

export interface TaskIds {
  uid: number; euid: number; suid: number; fsuid: number;
  gid: number; egid: number; sgid: number; fsgid: number;
}

const FIELDS = ['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid'] as const;

/** The ids of task->real_cred, as /proc/PID/status's Uid: and Gid: lines. */
export function taskIds(task: Obj): TaskIds {
  const cred = task.member(task.hasMember('real_cred') ? 'real_cred' : 'cred').deref();
  const out = {} as TaskIds;
  for (const f of FIELDS) out[f] = Number(BigInt.asUintN(32, cred.member(f).member('val').int()));
  return out;
}
