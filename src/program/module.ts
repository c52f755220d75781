/**
 * Loaded kernel modules (include/linux/module.h), for lsmod:
 *
 *   forEachModule(prog)   every struct module * on the `modules` list
 *   moduleSize(mod)       the size /proc/modules prints
 *
 * Layout change detected by member: the core_layout/init_layout pair became
 * the mem[MOD_MEM_NUM_TYPES] array in Linux 6.4 (commit ac3b43283923,
 * "module: replace module_layout with module_memory").
 */
import { listForEachEntry, type ListWalkOptions } from './list.js';
import type { Obj } from './object.js';
import type { Program } from './program.js';

/** Every module on the kernel's `modules` list, most recently loaded first. */
export function forEachModule(prog: Program, opts: ListWalkOptions = {}): Generator<Obj> {
  return listForEachEntry('struct module', prog.variable('modules'), 'list', opts);
}

/** The module's size in bytes as /proc/modules shows it (all its memory regions). */
export function moduleSize(mod: Obj): bigint {
  if (mod.hasMember('mem')) {
    const mem = mod.member('mem');
    const r = mem.resolvedType;
    let total = 0n;
    const n = r.kind === 'array' ? r.count ?? 0 : 0;
    for (let i = 0; i < n; i++) total += mem.index(i).member('size').int();
    return total;
  }
  return mod.member('core_layout.size').int() + mod.member('init_layout.size').int();
}
