/**
 * x86-64 virtual memory: a page-table walk over a dump's physical memory,
 * driven by a PagingMode (paging.ts), as an AddressSpace.
 *
 * - translate(vaddr) walks from the root (CR3 / init_top_pgt) down the levels;
 *   a large page (PS bit at PDPT or PD) ends the walk early. A non-canonical
 *   address, a missing entry, a table outside the dump or a PS bit where it is
 *   reserved is a MemoryFault that names the address and the level.
 * - Two caches: page-table pages are kept as Uint32Array views (the few
 *   hundred tables the kernel half uses), and a small TLB maps virtual page
 *   numbers to physical pages. Virtual page numbers fit in a double (52 bits),
 *   so the walk runs on numbers; only the public face takes bigints.
 * - extents() enumerates what is mapped *and* present in the dump, in address
 *   order, with a budget on tables visited and a check that a table does not
 *   appear among its own ancestors, so a page-table loop cannot hang it.
 */
import { VirtmemError } from '../bytes/index.js';
import { MemoryFault, hex } from '../memory/fault.js';
import type { PhysicalMemory } from '../memory/phys.js';
import { ADDR_LIMIT, type AddressSpace, type Extent } from '../memory/space.js';
import { X86_64_4LEVEL, type PagingMode } from './paging.js';

const PAGE = 4096;
const TLB_SIZE = 8192;
const TABLE_CACHE = 4096;
/** Page tables visited by one enumeration before giving up. */
const MAX_TABLES = 1 << 17;

export interface Translation {
  /** Physical address. */
  pa: number;
  /** Size of the page that maps it (4096, 2 MiB, 1 GiB). */
  pageSize: number;
}

export class X86_64Space implements AddressSpace {
  readonly name: string;
  private readonly tlb = new Map<number, number>();
  private readonly tables = new Map<number, Uint32Array | null>();
  private readonly topHigh: number;
  private readonly topBits: number;
  /** Physical address of the top-level table. */
  readonly root: number;
  stats = { walks: 0, tlbHits: 0 };
  /** Per level, top first: vpn divisor (2^(shift-12)), and whether a PS entry maps a page there. */
  private readonly div: Float64Array;
  private readonly large: Uint8Array;
  private readonly topDiv: number;

  constructor(readonly phys: PhysicalMemory, root: number | bigint, readonly mode: PagingMode = X86_64_4LEVEL, name = 'kernel virtual memory') {
    this.root = Number(root);
    this.name = name;
    this.topBits = 64 - mode.vaBits + 1; // bits vaBits-1 .. 63 must all be equal
    this.topHigh = 2 ** this.topBits - 1;
    this.topDiv = 2 ** (mode.vaBits - 1 - 12);
    this.div = Float64Array.from(mode.levels, (l) => 2 ** (l.shift - 12));
    this.large = Uint8Array.from(mode.levels, (l) => (l.largePage ? 1 : 0));
  }

  /**
   * The hot path of `walk`: physical page address for `vpn`, or -1 for any
   * failure (the caller asks `walk` for the reason only when it reports one).
   */
  private walkFast(vpn: number): number {
    const top = Math.floor(vpn / this.topDiv);
    if (top !== 0 && top !== this.topHigh) return -1;
    let tablePa = this.root;
    const n = this.div.length;
    for (let l = 0; l < n; l++) {
      const t = this.table(tablePa);
      if (t === null) return -1;
      const d = this.div[l];
      const idx = Math.floor(vpn / d) % 512;
      const lo = t[idx * 2];
      if (!(lo & 1)) return -1;
      const addr = (t[idx * 2 + 1] & 0xfffff) * 4294967296 + ((lo & 0xfffff000) >>> 0);
      if (l === n - 1) return addr;
      if (lo & 0x80) {
        if (!this.large[l]) return -1;
        const size = d * PAGE;
        return addr - (addr % size) + (vpn % d) * PAGE;
      }
      tablePa = addr;
    }
    return -1;
  }

  /** A page-table page as 1024 u32 (low, high pairs), or null if not in the dump. */
  private table(pa: number): Uint32Array | null {
    const hit = this.tables.get(pa);
    if (hit !== undefined) return hit;
    const b = new Uint8Array(PAGE);
    const t = this.phys.readPhys(pa, b, 0, PAGE) === PAGE ? new Uint32Array(b.buffer) : null;
    if (this.tables.size >= TABLE_CACHE) this.tables.clear();
    this.tables.set(pa, t);
    return t;
  }

  /**
   * Walk for the virtual page number `vpn` (vaddr >> 12). Returns the physical
   * page address and page size, or a string saying why not.
   */
  private walk(vpn: number): Translation | string {
    const top = Math.floor(vpn / 2 ** (this.mode.vaBits - 1 - 12));
    if (top !== 0 && top !== this.topHigh) return `non-canonical address for ${this.mode.name} paging`;
    let tablePa = this.root;
    const levels = this.mode.levels;
    for (let l = 0; l < levels.length; l++) {
      const lv = levels[l];
      const t = this.table(tablePa);
      if (!t) return `${lv.name} table at physical ${hex(tablePa)} is not in the dump`;
      const idx = Math.floor(vpn / 2 ** (lv.shift - 12)) % 512;
      const lo = t[idx * 2], hi = t[idx * 2 + 1];
      if (!(lo & 1)) return `${lv.name} entry ${idx} not present`;
      // Address bits 12..51: low word bits 12..31, high word bits 0..19.
      const addr = (hi & 0xfffff) * 4294967296 + ((lo & 0xfffff000) >>> 0);
      const last = l === levels.length - 1;
      if (lo & 0x80 && !last) {
        if (!lv.largePage) return `corrupt ${lv.name} entry ${idx} (page-size bit set where it is reserved): 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
        const size = 2 ** lv.shift;
        const base = addr - (addr % size);
        const within = (vpn % 2 ** (lv.shift - 12)) * PAGE;
        return { pa: base + within, pageSize: size };
      }
      if (last) return { pa: addr, pageSize: PAGE };
      tablePa = addr;
    }
    return 'walk ended without a page';
  }

  /** Physical page of a virtual page number through the TLB, or -1. */
  private pageOf(vpn: number): number {
    const hit = this.tlb.get(vpn);
    if (hit !== undefined) { this.stats.tlbHits++; return hit; }
    this.stats.walks++;
    const pa = this.walkFast(vpn);
    if (pa < 0) return -1;
    if (this.tlb.size >= TLB_SIZE) this.tlb.clear();
    this.tlb.set(vpn, pa);
    return pa;
  }

  /** Physical address of `vaddr`, or a MemoryFault saying which level failed. */
  translate(vaddr: bigint): number {
    if (vaddr < 0n || vaddr >= ADDR_LIMIT) throw new MemoryFault(this.name, vaddr, 'not a 64-bit address');
    const vpn = Number(vaddr >> 12n);
    const pa = this.pageOf(vpn);
    if (pa < 0) throw new MemoryFault(this.name, vaddr, this.walk(vpn) as string);
    return pa + Number(vaddr & 0xfffn);
  }

  /** Full translation with page size, or undefined. */
  lookup(vaddr: bigint): Translation | undefined {
    if (vaddr < 0n || vaddr >= ADDR_LIMIT) return undefined;
    const r = this.walk(Number(vaddr >> 12n));
    if (typeof r === 'string') return undefined;
    return { pa: r.pa + Number(vaddr & 0xfffn), pageSize: r.pageSize };
  }

  explain(addr: bigint): string {
    if (addr < 0n || addr >= ADDR_LIMIT) return 'not a 64-bit address';
    const r = this.walk(Number(addr >> 12n));
    if (typeof r === 'string') return r;
    return `maps to physical ${hex(r.pa + Number(addr & 0xfffn))}, which is not in the dump`;
  }

  readInto(addr: bigint, out: Uint8Array, at: number, length: number): number {
    if (addr < 0n || addr >= ADDR_LIMIT) return 0;
    let vpn = Number(addr >> 12n);
    let off = Number(addr & 0xfffn);
    let done = 0;
    const maxVpn = 2 ** 52;
    while (done < length && vpn < maxVpn) {
      const pa = this.pageOf(vpn);
      if (pa < 0) break;
      const n = Math.min(length - done, PAGE - off);
      const got = this.phys.readPhys(pa + off, out, at + done, n);
      done += got;
      if (got < n) break;
      vpn++; off = 0;
    }
    return done;
  }

  /** Mapped ranges as (vaddr, pa, size) leaves, ascending, within [from, to). */
  *leaves(from = 0n, to = ADDR_LIMIT): Generator<{ vaddr: bigint; pa: number; size: number }> {
    let budget = MAX_TABLES;
    const levels = this.mode.levels;
    const vaMask = (1n << BigInt(this.mode.vaBits)) - 1n;
    const signExtend = (v: bigint) => (v >> BigInt(this.mode.vaBits - 1)) & 1n ? v | (ADDR_LIMIT - 1n - vaMask) : v;
    const self = this;
    function* visit(tablePa: number, l: number, base: bigint, ancestors: number[]): Generator<{ vaddr: bigint; pa: number; size: number }> {
      if (--budget < 0) throw new VirtmemError(`${self.name}: page-table walk visited more than ${MAX_TABLES} tables (corrupt or looping page tables?)`);
      const t = self.table(tablePa);
      if (!t) return;
      const lv = levels[l];
      const span = 1n << BigInt(lv.shift);
      const last = l === levels.length - 1;
      for (let i = 0; i < 512; i++) {
        const lo = t[i * 2], hi = t[i * 2 + 1];
        if (!(lo & 1)) continue;
        const va = signExtend(base + BigInt(i) * span);
        if (va + span <= from || va >= to) continue;
        const addr = (hi & 0xfffff) * 4294967296 + ((lo & 0xfffff000) >>> 0);
        if (last) { yield { vaddr: va, pa: addr, size: PAGE }; continue; }
        if (lo & 0x80) {
          if (!lv.largePage) continue; // reserved bit set: corrupt entry, nothing mapped
          const size = 2 ** lv.shift;
          yield { vaddr: va, pa: addr - (addr % size), size };
          continue;
        }
        if (ancestors.includes(addr) || addr === tablePa) continue; // a loop: this table is its own ancestor
        ancestors.push(tablePa);
        yield* visit(addr, l + 1, va & vaMask, ancestors);
        ancestors.pop();
      }
    }
    yield* visit(this.root, 0, 0n, []);
  }

  /** Mapped virtual ranges whose physical pages are in the dump. */
  *extents(from = 0n, to = ADDR_LIMIT): Generator<Extent> {
    const ranges = this.phys.ranges();
    for (const leaf of this.leaves(from, to)) {
      // Intersect [pa, pa+size) with the dump's present physical ranges.
      let lo = 0, hi = ranges.length;
      while (lo < hi) { const m = (lo + hi) >>> 1; if (ranges[m].end > leaf.pa) hi = m; else lo = m + 1; }
      for (let r = lo; r < ranges.length && ranges[r].start < leaf.pa + leaf.size; r++) {
        const ps = Math.max(ranges[r].start, leaf.pa), pe = Math.min(ranges[r].end, leaf.pa + leaf.size);
        let s = leaf.vaddr + BigInt(ps - leaf.pa), e = leaf.vaddr + BigInt(pe - leaf.pa);
        if (s < from) s = from;
        if (e > to) e = to;
        if (s < e) yield { start: s, end: e };
      }
    }
  }
}
