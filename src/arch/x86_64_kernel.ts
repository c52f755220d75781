/**
 * Finding the kernel's page-table root, paging mode, KASLR offset and
 * phys_base in an x86-64 dump.
 *
 * 1. From VMCOREINFO (the dump's ELF note, or the kdump sub-header), when the
 *    guest handed it over: SYMBOL(init_top_pgt) (SYMBOL(swapper_pg_dir) on old
 *    kernels) is the runtime virtual address of the top-level table, inside
 *    the kernel image, so its physical address is
 *        sym - __START_KERNEL_map (0xffffffff80000000) + NUMBER(phys_base);
 *    NUMBER(pgtable_l5_enabled) picks 5-level paging; KERNELOFFSET is the KASLR
 *    offset. The result is checked: the table must map its own symbol back to
 *    itself.
 *
 * 2. Without VMCOREINFO, by scanning physical memory page by page for a table
 *    that is the kernel's top level, in three steps:
 *    a. Cheap filter: entry 511 is present (the last 512 GiB hold the kernel
 *       image mapping at __START_KERNEL_map, with 4-level paging; with 5-level
 *       the last PML5 entry leads to it), and the entry is sane (no PS bit,
 *       address inside the dump).
 *    b. Shape: every present entry is sane, at least two kernel-half entries
 *       are present (direct map, image; usually vmalloc and vmemmap too). Pages
 *       whose user half (entries 0-255) is empty, as init_top_pgt's is, are
 *       tried first; any process's table would do for kernel addresses.
 *    c. Proof: walking the candidate, the kernel image region
 *       [0xffffffff80000000, 0xffffffffc0000000) must be mapped, and one of its
 *       pages must map the candidate page itself. init_top_pgt lives in the
 *       kernel's .data, so the real table is reachable through its own image
 *       mapping; a page that merely looks like a table is not.
 *    The lowest mapped address V0 of the image region is _text (the kernel
 *    unmaps everything below _text there at boot, and _text is 2 MiB aligned),
 *    so the KASLR offset is V0 - 0xffffffff81000000 (__START_KERNEL, with the
 *    default CONFIG_PHYSICAL_START of 16 MiB), and phys_base is
 *    pa(V0) - (V0 - __START_KERNEL_map). Both modes are tried, 4-level first.
 */
import { VirtmemError } from '../bytes/index.js';
import { hex } from '../memory/fault.js';
import type { PhysicalMemory } from '../memory/phys.js';
import { X86_64_4LEVEL, X86_64_5LEVEL, type PagingMode } from './paging.js';
import { X86_64Space } from './x86_64.js';

export const START_KERNEL_MAP = 0xffffffff80000000n;
/** __START_KERNEL with CONFIG_PHYSICAL_START = 0x1000000 (Debian's and the default). */
export const START_KERNEL = 0xffffffff81000000n;
const IMAGE_END = 0xffffffffc0000000n;
const MASK64 = (1n << 64n) - 1n;

export interface KernelPaging {
  /** Physical address of the top-level table. */
  root: number;
  mode: PagingMode;
  kaslrOffset: bigint;
  physBase: bigint;
  /** How the root was found. */
  method: 'vmcoreinfo' | 'scan';
  /** Virtual address of the root table when known (init_top_pgt). */
  rootSymbol?: bigint;
  /** Anything that did not add up, for `mem info`. */
  warnings: string[];
}

function hexValue(s: string | undefined): bigint | undefined {
  if (!s || !/^(0x)?[0-9a-f]+$/i.test(s)) return undefined;
  return BigInt(s.startsWith('0x') ? s : '0x' + s);
}

function decValue(s: string | undefined): bigint | undefined {
  if (!s || !/^-?[0-9]+$/.test(s)) return undefined;
  return BigInt(s) & MASK64;
}

/** Root, mode and offsets from VMCOREINFO; undefined when it lacks the symbols. Throws nothing. */
export function pagingFromVmcoreinfo(phys: PhysicalMemory, info: Map<string, string>, warnings: string[] = []): KernelPaging | undefined {
  const sym = hexValue(info.get('SYMBOL(init_top_pgt)')) ?? hexValue(info.get('SYMBOL(swapper_pg_dir)'));
  if (sym === undefined) { warnings.push('VMCOREINFO has no SYMBOL(init_top_pgt) or SYMBOL(swapper_pg_dir)'); return undefined; }
  const physBase = decValue(info.get('NUMBER(phys_base)')) ?? 0n;
  const kaslrOffset = hexValue(info.get('KERNELOFFSET')) ?? 0n;
  const l5 = info.get('NUMBER(pgtable_l5_enabled)') === '1';
  const mode = l5 ? X86_64_5LEVEL : X86_64_4LEVEL;
  if (sym < START_KERNEL_MAP) { warnings.push(`VMCOREINFO's page-table symbol ${hex(sym)} is not in the kernel image`); return undefined; }
  // phys_base is an unsigned long that KASLR can make "negative" (printed with %ld): arithmetic is modulo 2^64.
  const root = Number((sym - START_KERNEL_MAP + physBase) & MASK64);
  if (root >= 2 ** 52) { warnings.push(`VMCOREINFO gives a page-table root ${hex(root)} beyond physical addresses`); return undefined; }
  const space = new X86_64Space(phys, root, mode);
  const back = space.lookup(sym);
  if (!back || back.pa !== root) {
    warnings.push(`VMCOREINFO's root ${hex(root)} does not map ${hex(sym)} back to itself (${back ? hex(back.pa) : 'unmapped'})`);
    return undefined;
  }
  return { root, mode, kaslrOffset, physBase, method: 'vmcoreinfo', rootSymbol: sym, warnings };
}

/** Does the 4 KiB page at `pa` look like a kernel top-level table? Returns a score (higher = better) or -1. */
function shape(t: Uint32Array, limit: number): number {
  let kernel = 0, user = 0;
  for (let i = 0; i < 512; i++) {
    const lo = t[i * 2], hi = t[i * 2 + 1];
    if (!(lo & 1)) continue;
    if (lo & 0x80) return -1;
    const addr = (hi & 0xfffff) * 4294967296 + ((lo & 0xfffff000) >>> 0);
    if (addr >= limit) return -1;
    if (i >= 256) kernel++; else user++;
  }
  if (kernel < 2 || !(t[1022] & 1)) return -1;
  return user === 0 ? 2 : 1;
}

/** Validate a candidate root with one mode; the facts it implies, or undefined. */
function prove(phys: PhysicalMemory, root: number, mode: PagingMode): KernelPaging | undefined {
  const space = new X86_64Space(phys, root, mode);
  let v0: bigint | undefined;
  let selfVa: bigint | undefined;
  try {
    for (const leaf of space.leaves(START_KERNEL_MAP, IMAGE_END)) {
      if (v0 === undefined) v0 = leaf.vaddr;
      if (root >= leaf.pa && root < leaf.pa + leaf.size) { selfVa = leaf.vaddr + BigInt(root - leaf.pa); break; }
    }
  } catch (e) {
    if (e instanceof VirtmemError) return undefined;
    throw e;
  }
  if (v0 === undefined || selfVa === undefined) return undefined;
  const pa0 = space.lookup(v0);
  if (!pa0) return undefined;
  return {
    root, mode,
    kaslrOffset: (v0 - START_KERNEL) & MASK64,
    physBase: (BigInt(pa0.pa) - (v0 - START_KERNEL_MAP)) & MASK64,
    method: 'scan', rootSymbol: selfVa, warnings: [],
  };
}

/** Scan physical memory for the kernel's top-level page table (method 2 above). */
export function scanForKernelPaging(phys: PhysicalMemory, opts: { maxCandidates?: number } = {}): KernelPaging | undefined {
  const limit = phys.limit;
  const maxCandidates = opts.maxCandidates ?? 4096;
  const page = new Uint8Array(4096);
  const t = new Uint32Array(page.buffer);
  const second: number[] = [];
  let tried = 0;
  const attempt = (pa: number): KernelPaging | undefined => {
    tried++;
    return prove(phys, pa, X86_64_4LEVEL) ?? prove(phys, pa, X86_64_5LEVEL);
  };
  for (const r of phys.ranges()) {
    for (let pa = Math.ceil(r.start / 4096) * 4096; pa + 4096 <= r.end; pa += 4096) {
      const e = phys.readU64Parts(pa + 0xff8);
      if (!e || !(e[0] & 1) || e[0] & 0x80) continue;
      if (phys.readPhys(pa, page, 0, 4096) < 4096) continue;
      const s = shape(t, limit);
      if (s < 0) continue;
      if (s === 2) {
        const k = attempt(pa);
        if (k) return k;
      } else if (second.length < maxCandidates) second.push(pa);
      if (tried > maxCandidates) return undefined;
    }
  }
  for (const pa of second) {
    const k = attempt(pa);
    if (k) return k;
    if (tried > maxCandidates * 2) break;
  }
  return undefined;
}

/** VMCOREINFO first, then the scan; a VirtmemError if neither finds the kernel. */
export function findKernelPaging(phys: PhysicalMemory, vmcoreinfo?: Map<string, string>): KernelPaging {
  const warnings: string[] = [];
  if (vmcoreinfo) {
    const k = pagingFromVmcoreinfo(phys, vmcoreinfo, warnings);
    if (k) return k;
  }
  const k = scanForKernelPaging(phys);
  if (k) { k.warnings.push(...warnings); return k; }
  throw new VirtmemError(`${phys.name}: cannot find the kernel's page tables (${warnings.length ? warnings.join('; ') + '; ' : 'no VMCOREINFO; '}no page in physical memory looks like a kernel top-level table that maps itself)`);
}
