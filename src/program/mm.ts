/**
 * A process's memory (include/linux/mm_types.h, mm/memory.c, fs/proc/base.c),
 * for ps: reading user memory through the process's own page tables, the
 * argument vector /proc/PID/cmdline shows, and the resident set size.
 *
 *   userMemory(mm)          the user address space of a struct mm_struct: a page-table
 *                           walk from mm->pgd (a kernel virtual address of the top-level
 *                           table), as a memory map; cached per mm
 *   accessRemoteVm(mm, a, n)  access_remote_vm: n bytes at user address a (across pages)
 *   taskCmdline(task)       /proc/PID/cmdline split at NULs: mm->arg_start..arg_end; null
 *                           without an mm (kernel threads, zombies)
 *   getMmRss(mm)            get_mm_rss: file + anon + shmem pages, as VmRSS of /proc/PID/status
 *   isKthread(task)         PF_KTHREAD in task->flags
 *
 * User pages are found by walking the same physical memory the kernel's
 * page tables come from (arch/'s X86_64Space with the process's root and the
 * kernel's paging mode). With page-table isolation mm->pgd is the kernel copy
 * of the tables, which maps user memory too. A page not present (never
 * touched, swapped out, or outside the dump) is a MemoryFault naming the
 * address, so a caller shows the argv as unreadable and goes on.
 *
 * Layout changes detected by member, not by version:
 *   - mm->rss_stat was a struct mm_rss_stat { atomic_long_t count[NR_MM_COUNTERS]; }
 *     and became an array of struct percpu_counter in Linux 6.2 (commit
 *     f1a7941243c1, "mm: convert mm's rss stats into percpu_counter"). /proc
 *     reads the counter's central value (percpu_counter_read_positive), not
 *     the per-CPU sum; so does getMmRss, to print what the guest printed.
 */
import { X86_64Space } from '../arch/index.js';
import { MemoryMap } from '../memory/index.js';
import { ObjectError } from './errors.js';
import type { Obj } from './object.js';
import type { Program } from './program.js';

/** include/linux/sched.h: "I am a kernel thread". */
export const PF_KTHREAD = 0x00200000n;

/** The mm counters (include/linux/mm_types_task.h; this order since Linux 4.5). */
export const MM_FILEPAGES = 0;
export const MM_ANONPAGES = 1;
export const MM_SWAPENTS = 2;
export const MM_SHMEMPAGES = 3;

/** x86-64's base page. */
export const PAGE_SIZE = 4096;

/** Most bytes of one argument area read (Linux caps one argument at 128 KiB, the whole at a quarter of the stack limit). */
export const MAX_CMDLINE = 1 << 21;

const hex = (a: bigint) => '0x' + a.toString(16);

type UserMap = MemoryMap<8, 'little', true>;
const userMaps = new WeakMap<Program, Map<bigint, UserMap>>();
const kernelSpaces = new WeakMap<Program, X86_64Space | null>();

/** The page-table walker under a Program's kernel memory, or null (e.g. a synthetic map). */
function kernelSpace(prog: Program): X86_64Space | null {
  let s = kernelSpaces.get(prog);
  if (s === undefined) {
    s = null;
    for (const m of prog.map.mappings()) if (m.space instanceof X86_64Space) { s = m.space; break; }
    kernelSpaces.set(prog, s);
  }
  return s;
}

/** A struct mm_struct * (or object) as a pointer value; an ObjectError when NULL. */
function mmAddress(mm: Obj): bigint {
  const a = mm.resolvedType.kind === 'pointer' ? mm.pointerValue() : mm.addressOrThrow('find the mm of');
  if (a === 0n) throw new ObjectError('no mm (a kernel thread or an exited process)');
  return a;
}

/** The user address space of a process (`mm` is a struct mm_struct pointer or object). */
export function userMemory(mm: Obj): UserMap {
  const prog = mm.prog;
  const addr = mmAddress(mm);
  let maps = userMaps.get(prog);
  if (!maps) { maps = new Map(); userMaps.set(prog, maps); }
  let map = maps.get(addr);
  if (!map) {
    const ks = kernelSpace(prog);
    if (!ks) throw new ObjectError(`user memory needs the dump's physical memory and page tables; ${prog.describe()} has only a flat memory map`);
    const obj = mm.resolvedType.kind === 'pointer' ? mm.deref() : mm;
    const pgd = obj.member('pgd').pointerValue();
    const root = ks.translate(pgd); // a MemoryFault naming pgd if the table is not in the dump
    const space = new X86_64Space(ks.phys, root, ks.mode, `user memory of mm ${hex(addr)}`);
    map = MemoryMap.ofSpace(space).setWordsize(8).setEndian('little');
    maps.set(addr, map);
  }
  return map;
}

/** access_remote_vm: `length` bytes at user address `addr` of the process owning `mm`. */
export function accessRemoteVm(mm: Obj, addr: bigint, length: number): Uint8Array {
  return userMemory(mm).getBytes(addr, length);
}

/** True for a kernel thread (PF_KTHREAD), which has no user memory or argv. */
export function isKthread(task: Obj): boolean {
  return (BigInt(task.member('flags').int()) & PF_KTHREAD) !== 0n;
}

/**
 * The argument vector, as /proc/PID/cmdline has it: the bytes from
 * mm->arg_start to mm->arg_end split at NULs (the final NUL ends the last
 * argument). null when the task has no mm (a kernel thread, a zombie). A
 * MemoryFault when a page of it is not in the dump.
 */
export function taskCmdline(task: Obj): string[] | null {
  const mm = task.member('mm');
  if (mm.pointerValue() === 0n) return null;
  const m = mm.deref();
  const start = m.member('arg_start').int();
  const end = m.member('arg_end').int();
  if (end <= start) return [];
  const len = end - start;
  if (len > BigInt(MAX_CMDLINE)) throw new ObjectError(`argument area ${hex(start)}..${hex(end)} is larger than ${MAX_CMDLINE} bytes`);
  const bytes = accessRemoteVm(mm, start, Number(len));
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const args = text.split('\0');
  if (args.length > 1 && args[args.length - 1] === '') args.pop();
  return args;
}

/** One mm counter, as get_mm_counter reads it (negative transient values read as 0). */
export function getMmCounter(mm: Obj, member: number): bigint {
  const m = mm.resolvedType.kind === 'pointer' ? mm.deref() : mm;
  const rss = m.member('rss_stat');
  let v: bigint;
  if (rss.resolvedType.kind === 'array') {
    // 6.2+: struct percpu_counter rss_stat[NR_MM_COUNTERS]; the central count.
    v = rss.index(member).member('count').int();
  } else {
    // Before 6.2: struct mm_rss_stat { atomic_long_t count[NR_MM_COUNTERS]; }.
    v = rss.member('count').index(member).member('counter').int();
  }
  return v < 0n ? 0n : v;
}

/** get_mm_rss: resident pages (file + anon + shmem), VmRSS of /proc/PID/status in pages. */
export function getMmRss(mm: Obj): bigint {
  return getMmCounter(mm, MM_FILEPAGES) + getMmCounter(mm, MM_ANONPAGES) + getMmCounter(mm, MM_SHMEMPAGES);
}
