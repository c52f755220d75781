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

/**
 * What lsmod and /proc/modules show beyond name and size (kernel/module/main.c
 * m_show and print_unload_info):
 *
 *   moduleRefcount(mod)   module_refcount(): refcnt minus MODULE_REF_BASE (1)
 *   moduleHolders(mod)    the modules using this one (source_list of struct module_use)
 *   moduleUses(mod)       the modules this one uses (target_list)
 *   modulePermanent(mod)  has an init but no exit: can never be unloaded ("[permanent]")
 *   moduleStateName(mod)  "Live", "Loading", "Unloading" (or "Unformed")
 *   moduleAddress(mod)    the core text base /proc/modules prints
 *
 * refcnt became an atomic_t with MODULE_REF_BASE in 4.2 (commit 2f35c41f58a9,
 * "module: Replace module_ref with atomic_t refcnt"); before, counts were per
 * CPU and are not read here.
 */

/** MODULE_REF_BASE: refcnt's value for a module nobody holds. */
export const MODULE_REF_BASE = 1;

/** module_refcount(): how many references others hold ("Used by" count). */
export function moduleRefcount(mod: Obj): number {
  return mod.member('refcnt.counter').toNumber() - MODULE_REF_BASE;
}

/** The modules that depend on this one (lsmod's "Used by" names), in list order. */
export function* moduleHolders(mod: Obj, opts: ListWalkOptions = {}): Generator<Obj> {
  for (const use of listForEachEntry('struct module_use', mod.member('source_list'), 'source_list', opts)) yield use.member('source');
}

/** The modules this one depends on. */
export function* moduleUses(mod: Obj, opts: ListWalkOptions = {}): Generator<Obj> {
  for (const use of listForEachEntry('struct module_use', mod.member('target_list'), 'target_list', opts)) yield use.member('target');
}

/** A module with an init function but no exit function cannot be unloaded. */
export function modulePermanent(mod: Obj): boolean {
  return mod.hasMember('exit') && !mod.member('init').isNull() && mod.member('exit').isNull();
}

/** enum module_state names as /proc/modules prints them (MODULE_STATE_LIVE, COMING, GOING, UNFORMED). */
const STATE_NAMES = ['Live', 'Loading', 'Unloading', 'Unformed'];

export function moduleStateName(mod: Obj): string {
  const s = mod.member('state').toNumber();
  return STATE_NAMES[s] ?? String(s);
}

/** The base of the module's core text (mem[MOD_TEXT] since 6.4, core_layout before). */
export function moduleAddress(mod: Obj): bigint {
  if (mod.hasMember('mem')) return mod.member('mem[0].base').pointerValue(); // MOD_TEXT = 0
  return mod.member('core_layout.base').pointerValue();
}
