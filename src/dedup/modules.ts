/**
 * Which kernel module a translation unit belongs to (the seed's
 * init_tu_to_modules), from the three list files of the first command-line
 * form:
 *
 * - modules.builtin: one `kernel/<dir>/<name>.ko` per line, the modules
 *   presently built into the kernel (the kernel's own file).
 * - objects.builtin: the object files of built-in code. A line
 *   `kernel/<dir>/<name>.ko: a.o b.o ...` (the kernel's modules.builtin.objs
 *   format) says which objects make up a built-in module; a line holding only
 *   object paths lists always-built-in core objects (they stay in vmlinux).
 *   Only modules also named by modules.builtin count as built in.
 * - dedup.blacklist: module names (or .ko paths), one per line, `#` comments:
 *   modules that never contribute types to the shared dict.
 *
 * A translation unit of the kernel image (a compile unit of vmlinux or
 * vmlinux.o) maps to the built-in module whose object list holds its object
 * (its DW_AT_name with .c/.S replaced by .o, matched on whole path
 * components from the right, so "/src/linux/fs/ext4/inode.c" finds
 * "fs/ext4/inode.o"), else to "vmlinux". A translation unit of any other
 * object file belongs to the module named after that file.
 */
import * as path from 'node:path';

export const SHARED = 'shared_ctf';
export const VMLINUX = 'vmlinux';

/** The module name of a .ko/.o path: its base name without extension. */
export function moduleName(file: string): string {
  return path.basename(file).replace(/\.debug$/, '').replace(/(\.mod)?\.(ko|o)$/, '');
}

export interface BuiltinMap {
  /** Object path (as written in objects.builtin) -> built-in module name. */
  objects: Map<string, string>;
  /** Names of the built-in modules. */
  modules: Set<string>;
}

/** Parse modules.builtin and objects.builtin. */
export function parseBuiltin(objectsText: string, modulesText: string): BuiltinMap {
  const modules = new Set<string>();
  for (const line of modulesText.split('\n')) {
    const l = line.trim();
    if (l && !l.startsWith('#')) modules.add(moduleName(l));
  }
  const objects = new Map<string, string>();
  for (const line of objectsText.split('\n')) {
    const l = line.trim();
    if (!l || l.startsWith('#')) continue;
    const colon = l.indexOf(':');
    if (colon < 0) continue; // core objects: vmlinux
    const mod = moduleName(l.slice(0, colon).trim());
    if (!modules.has(mod)) continue;
    for (const o of l.slice(colon + 1).trim().split(/\s+/)) if (o) objects.set(normalizeObject(o), mod);
  }
  return { objects, modules };
}

/** Parse dedup.blacklist. */
export function parseBlacklist(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const l = line.replace(/#.*/, '').trim();
    if (l) out.add(moduleName(l));
  }
  return out;
}

function normalizeObject(o: string): string {
  return o.replace(/^\.\//, '');
}

/** The object path a translation unit's name stands for. */
export function objectOfUnit(cuName: string): string {
  return cuName.replace(/\.[cSs]$/, '.o');
}

/** Maps translation units of the kernel image to built-in modules (cached per name). */
export class TuMapper {
  private readonly cache = new Map<string, string>();

  constructor(private readonly builtin: BuiltinMap | undefined) {}

  /** The module of translation unit `cuName` of the kernel image. */
  kernelModule(cuName: string): string {
    if (!this.builtin || this.builtin.objects.size === 0) return VMLINUX;
    let m = this.cache.get(cuName);
    if (m !== undefined) return m;
    m = VMLINUX;
    const o = objectOfUnit(cuName);
    // Try every suffix that starts a path component.
    for (let i = 0; i >= 0; i = o.indexOf('/', i) + 1 || -1) {
      const hit = this.builtin.objects.get(o.slice(i));
      if (hit) { m = hit; break; }
      if (i === o.length) break;
    }
    this.cache.set(cuName, m);
    return m;
  }
}

/** Whether `file` is the kernel image (vmlinux, vmlinux.o, vmlinux-<abi>) rather than a module. */
export function isKernelImage(file: string): boolean {
  return /^vmlinux(\.o|-.*)?$/.test(path.basename(file));
}
