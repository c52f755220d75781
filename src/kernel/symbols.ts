/**
 * Kernel symbol tables: name -> address and address -> name+offset.
 *
 * Every source of kernel symbols (VMCOREINFO's few SYMBOL() lines, kallsyms
 * decoded from the image, a System.map, a vmlinux .symtab) ends up as a
 * SortedSymbols: parallel arrays sorted by address, searched by bisection, with
 * a name map built on first use. Addresses are the guest's run-time addresses:
 * a link-time source is shifted by the KASLR offset when it is made.
 */
import type { CompactSymbols, ElfFile } from '../elf/index.js';
import { STT } from '../elf/index.js';
import { FormatError } from '../bytes/index.js';

/** A symbol found for an address. */
export interface SymbolHit {
  name: string;
  /** The symbol's own (run-time) address. */
  address: bigint;
  /** addr - address. */
  offset: bigint;
  /** Size when the source knows it (ELF symtab), else undefined. */
  size?: bigint;
}

/** What every kernel symbol source offers. */
export interface SymbolTable {
  /** Where the symbols came from, e.g. "kallsyms (image)", "System.map", "vmlinux .symtab". */
  readonly source: string;
  /** Number of symbols. */
  readonly count: number;
  /** Run-time address of a symbol, or undefined. */
  address(name: string): bigint | undefined;
  /** The symbol at or below `addr` (within its size when known), or undefined. */
  symbolize(addr: bigint): SymbolHit | undefined;
  /** Every (name, address), in address order. */
  entries(): Iterable<[string, bigint]>;
}

/** Lookups by name answered by scanning before the name map is built. */
const SCANS_BEFORE_MAP = 32;

/** A symbol table over parallel arrays sorted by address. */
export class SortedSymbols implements SymbolTable {
  readonly count: number;
  private readonly names: string[];
  private readonly addrs: BigUint64Array;
  private readonly sizes?: BigUint64Array;
  private byName?: Map<string, number>;
  private scans = 0;

  /**
   * `names[i]` at `addrs[i]` (any order; sorted here). `sizes` optional.
   * Duplicate names keep the first (lowest-address) occurrence for lookups.
   * `presorted`: the caller guarantees address order (kallsyms), so the arrays are kept as given.
   */
  constructor(readonly source: string, names: string[], addrs: bigint[] | BigUint64Array, sizes?: bigint[] | BigUint64Array, presorted = false) {
    const n = names.length;
    this.count = n;
    if (presorted) {
      this.names = names;
      this.addrs = addrs instanceof BigUint64Array ? addrs : BigUint64Array.from(addrs, (a) => BigInt.asUintN(64, a));
      if (sizes) this.sizes = sizes instanceof BigUint64Array ? sizes : BigUint64Array.from(sizes, (a) => BigInt.asUintN(64, a));
      return;
    }
    // Sort on the two 32-bit halves (number compares; bigint ones cost several times more).
    const hi = new Uint32Array(n), lo = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const a = BigInt.asUintN(64, addrs[i]);
      hi[i] = Number(a >> 32n);
      lo[i] = Number(a & 0xffffffffn);
    }
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || a - b);
    this.names = order.map((i) => names[i]);
    this.addrs = BigUint64Array.from(order.map((i) => BigInt.asUintN(64, addrs[i])));
    if (sizes) this.sizes = BigUint64Array.from(order.map((i) => BigInt.asUintN(64, sizes[i])));
  }

  /** Index (in address order) of the first symbol called `name`. */
  protected indexOf(name: string): number | undefined {
    // A command asks for a handful of names (init_task, linux_banner, ...): a
    // scan of the array answers each in a millisecond or two, where the map
    // costs ~100 ms and a lot of garbage on a 200k-symbol kallsyms. The map
    // is built once lookups are many.
    if (!this.byName && ++this.scans <= SCANS_BEFORE_MAP) {
      const i = this.names.indexOf(name);
      return i < 0 ? undefined : i;
    }
    if (!this.byName) {
      // From the top down, so the lowest address of a duplicate name is the one kept (one hash per name).
      const m = new Map<string, number>();
      for (let i = this.count - 1; i >= 0; i--) m.set(this.names[i], i);
      this.byName = m;
    }
    return this.byName.get(name);
  }

  address(name: string): bigint | undefined {
    const i = this.indexOf(name);
    return i === undefined ? undefined : this.addrs[i];
  }

  symbolize(addr: bigint): SymbolHit | undefined {
    let lo = 0, hi = this.count - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addrs[mid] <= addr) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    // Prefer, among symbols at the same address, one whose size covers addr.
    let i = found;
    if (this.sizes) {
      for (let j = found; j >= 0 && this.addrs[j] === this.addrs[found]; j--) {
        if (this.sizes[j] > addr - this.addrs[j]) { i = j; break; }
      }
      if (this.sizes[i] !== 0n && addr - this.addrs[i] >= this.sizes[i]) return undefined;
    }
    return { name: this.names[i], address: this.addrs[i], offset: addr - this.addrs[i], size: this.sizes?.[i] };
  }

  *entries(): Iterable<[string, bigint]> {
    for (let i = 0; i < this.count; i++) yield [this.names[i], this.addrs[i]];
  }
}

/** Options of the link-time sources. */
export interface ShiftOptions {
  /**
   * Only addresses at or above this are shifted (x86-64: 0xffffffff80000000,
   * so per-CPU symbols, offsets into the per-CPU area, stay as they are).
   */
  shiftFrom?: bigint;
}

/** Whether symbol `i` of a .symtab is one the kernel sources use: named, function/object/no type. */
function wanted(t: CompactSymbols, i: number): boolean {
  if (t.nameOffsets[i] === 0) return false;
  const ty = t.info[i] & 0xf;
  return ty === STT.STT_FUNC || ty === STT.STT_OBJECT || ty === STT.STT_NOTYPE;
}

/**
 * The function and object symbols of a vmlinux's .symtab, shifted by `offset`
 * (the KASLR offset of the guest the symbols are used for).
 */
export function symbolsFromElf(elf: ElfFile, offset = 0n, opts: ShiftOptions = {}): SortedSymbols {
  return symbolsFromCompact(elf.compactSymbols(), `${elf.name} .symtab`, offset, opts);
}

/** symbolsFromElf over an already read table. */
export function symbolsFromCompact(t: CompactSymbols, source: string, offset = 0n, opts: ShiftOptions = {}): SortedSymbols {
  const from = opts.shiftFrom ?? 0n;
  const names: string[] = [];
  const addrs: bigint[] = [];
  const sizes: bigint[] = [];
  for (let i = 1; i < t.length; i++) {
    if (!wanted(t, i)) continue;
    const name = t.name(i);
    if (!name) continue;
    const v = t.value(i);
    names.push(name);
    addrs.push(v >= from ? BigInt.asUintN(64, v + offset) : v);
    sizes.push(t.size(i));
  }
  return new SortedSymbols(source, names, addrs, sizes, false);
}

/**
 * A vmlinux .symtab as a SymbolTable that is built only when needed: a few
 * address(name) calls (identification, one `print`) compare the name's bytes
 * against the string table for each symbol, decoding nothing; the sorted table
 * of every symbol is made on the first symbolize() or entries(), or after
 * `quickLimit` lookups. Answers are the same as symbolsFromElf's.
 */
export class LazyElfSymbols implements SymbolTable {
  readonly count: number;
  private table?: SortedSymbols;
  private quickLeft: number;

  constructor(private readonly t: CompactSymbols, readonly source: string, private readonly offset = 0n, private readonly opts: ShiftOptions = {}, quickLimit = 64) {
    let n = 0;
    for (let i = 1; i < t.length; i++) if (wanted(t, i) && t.strtab[t.nameOffsets[i]] !== 0) n++;
    this.count = n;
    this.quickLeft = quickLimit;
  }

  /** The sorted table (built now if not yet). */
  full(): SortedSymbols {
    return (this.table ??= symbolsFromCompact(this.t, this.source, this.offset, this.opts));
  }

  address(name: string): bigint | undefined {
    if (this.table || this.quickLeft-- <= 0) return this.full().address(name);
    const want = new TextEncoder().encode(name);
    const { strtab, nameOffsets } = this.t;
    const n0 = want[0], len = want.length;
    let best: bigint | undefined;
    for (let i = 1; i < this.t.length; i++) {
      const o = nameOffsets[i];
      if (strtab[o] !== n0 || strtab[o + len] !== 0 || !wanted(this.t, i)) continue;
      let k = 1;
      while (k < len && strtab[o + k] === want[k]) k++;
      if (k < len) continue;
      const v = this.t.value(i);
      const a = v >= (this.opts.shiftFrom ?? 0n) ? BigInt.asUintN(64, v + this.offset) : v;
      if (best === undefined || a < best) best = a;
    }
    return best;
  }

  symbolize(addr: bigint): SymbolHit | undefined { return this.full().symbolize(addr); }
  entries(): Iterable<[string, bigint]> { return this.full().entries(); }
}

/**
 * A System.map ("ffffffff81000000 T _text" per line), shifted by `offset`.
 * A malformed line is an error naming the file and line.
 */
export function symbolsFromSystemMap(text: string, name = 'System.map', offset = 0n, opts: ShiftOptions = {}): SortedSymbols {
  const from = opts.shiftFrom ?? 0n;
  const names: string[] = [];
  const addrs: bigint[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln].trim();
    if (!line) continue;
    const m = /^([0-9a-fA-F]{1,16})\s+(\S)\s+(\S+)/.exec(line);
    if (!m) throw new FormatError(`line ${ln + 1}: not "ADDRESS TYPE NAME"`, { source: name, format: 'System.map' });
    if (m[2] === 'U' || m[2] === 'w' || m[2] === 'a' || m[2] === 'A') continue; // undefined, weak-undefined, absolute
    names.push(m[3]);
    const v = BigInt('0x' + m[1]);
    addrs.push(v >= from ? BigInt.asUintN(64, v + offset) : v);
  }
  return new SortedSymbols(name, names, addrs);
}
