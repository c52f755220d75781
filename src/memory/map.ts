/**
 * MemoryMap: the memory map of seed 001 (virt-mem's Virt_mem_mmap) in
 * TypeScript.
 *
 * A map covers the 64-bit addresses [0, 2^64). It holds mappings of data from
 * buffers, files or whole address spaces (a dump's physical memory, a kernel's
 * virtual memory) at 64-bit addresses; a mapping added later overrides earlier
 * ones where they overlap; where nothing is mapped there is a hole. Searches
 * skip holes; accessors raise a MemoryFault naming the address.
 *
 * The seed's phantom types become type-state generics: a map's word size (W),
 * endianness (E) and whether it has a mapping (M) are in its type, each set
 * once, so `followPointer` on a map without a word size and endianness, or
 * `getByte` on an empty map, does not compile:
 *
 *     const m = MemoryMap.create().addBytes(bytes, 0xffff888000000000n);
 *     m.getByte(0xffff888000000000n);           // ok
 *     m.followPointer(0xffff888000000000n);     // compile error: no word size
 *     const k = m.setWordsize(8).setEndian('little');
 *     k.followPointer(0xffff888000000000n);     // ok
 *
 * Seed names map to camelCase: find_align -> findAlign, get_C_long -> getCLong,
 * is_C_identifier -> isCIdentifier, succ_long -> succLong, and so on. Unlike
 * the seed, the find family also finds strings that straddle two adjacent
 * mappings. The map itself is an AddressSpace, so it can be searched, saved
 * (mapfile.ts) or mapped into another map.
 */
import { UsageError, type ByteSource, BufferSource, FileSource } from '../bytes/index.js';
import { MemoryFault, hex } from './fault.js';
import { RangeIndex } from './ranges.js';
import { findIter } from './search.js';
import { ADDR_LIMIT, ADDR_MASK, SourceSpace, checkAddr, readExact, type AddressSpace, type Extent } from './space.js';

export type Wordsize = 4 | 8;
export type Endian = 'little' | 'big';

/** One mapping: `size` bytes of `space` from `offset`, seen at `addr`. */
export interface Mapping {
  readonly addr: bigint;
  readonly size: bigint;
  readonly space: AddressSpace;
  readonly offset: bigint;
  /** Order of addition (0 first). */
  readonly order: number;
}

/** Search options shared by the find family. */
export interface MapFindOptions {
  /** First address searched (default: the lowest mapped address). */
  start?: bigint;
  /** Stop before this address. */
  end?: bigint;
  /** findAll: stop after this many hits (default: no limit). */
  limit?: number;
}

const DEFAULT_STRING_LIMIT = 1 << 16;

function toBytes(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
}

export class MemoryMap<
  W extends Wordsize | undefined = undefined,
  E extends Endian | undefined = undefined,
  M extends boolean = false,
> implements AddressSpace {
  /** Type-state only: never present at run time. */
  declare readonly __state: { wordsize: W; endian: E; mapped: M };

  readonly name: string;
  private readonly index = new RangeIndex<Mapping>();
  private readonly list: Mapping[] = [];
  private ws: Wordsize | undefined;
  private en: Endian | undefined;

  private constructor(name: string) {
    this.name = name;
  }

  /** A new, empty memory map. */
  static create(name = 'memory map'): MemoryMap<undefined, undefined, false> {
    return new MemoryMap(name);
  }

  /** A new map with `bytes` at `addr`. */
  static ofBytes(bytes: Uint8Array, addr: bigint, name?: string): MemoryMap<undefined, undefined, true> {
    return MemoryMap.create(name).addBytes(bytes, addr);
  }

  /** A new map with the file (path or open source) at `addr`. */
  static ofFile(file: string | ByteSource, addr: bigint, name?: string): MemoryMap<undefined, undefined, true> {
    return MemoryMap.create(name).addFile(file, addr);
  }

  /** A new map over a whole address space (identity: address a of the space at a). */
  static ofSpace(space: AddressSpace, name = space.name): MemoryMap<undefined, undefined, true> {
    return MemoryMap.create(name).addSpace(space, 0n, { size: ADDR_LIMIT });
  }

  // --- adding mappings -------------------------------------------------------

  /**
   * Map `size` bytes of `space`, starting at its address `offset`, at `addr`.
   * Overrides earlier mappings where they overlap. Returns this map, typed as
   * having a mapping.
   */
  addSpace(space: AddressSpace, addr: bigint, opts: { offset?: bigint; size: bigint }): MemoryMap<W, E, true> {
    const offset = opts.offset ?? 0n;
    const size = opts.size;
    if (addr < 0n || size < 0n || addr + size > ADDR_LIMIT) {
      throw new UsageError(`mapping ${hex(addr)}+${hex(size)} does not fit in 64-bit addresses`);
    }
    const m: Mapping = { addr, size, space, offset, order: this.list.length };
    this.list.push(m);
    this.index.insert(addr, addr + size, m);
    return this as unknown as MemoryMap<W, E, true>;
  }

  /** Map a buffer at `addr` (the seed's add_string). */
  addBytes(bytes: Uint8Array, addr: bigint, name = `<buffer@${hex(addr)}>`): MemoryMap<W, E, true> {
    const src = new SourceSpace(new BufferSource(bytes, name));
    return this.addSpace(src, addr, { size: src.size });
  }

  /** Map a file at `addr` (the seed's add_file). Read positionally, never loaded whole. */
  addFile(file: string | ByteSource, addr: bigint): MemoryMap<W, E, true> {
    const src = new SourceSpace(typeof file === 'string' ? new FileSource(file) : file);
    return this.addSpace(src, addr, { size: src.size });
  }

  /** Mappings in the order they were added. */
  mappings(): readonly Mapping[] { return this.list; }

  // --- word size and endianness (each set once) ------------------------------

  setWordsize<N extends Wordsize>(this: MemoryMap<undefined, E, M>, ws: N): MemoryMap<N, E, M> {
    if (this.ws !== undefined) throw new UsageError(`${this.name}: word size already set`);
    if (ws !== 4 && ws !== 8) throw new UsageError(`word size must be 4 or 8, not ${ws}`);
    this.ws = ws;
    return this as unknown as MemoryMap<N, E, M>;
  }

  setEndian<N extends Endian>(this: MemoryMap<W, undefined, M>, e: N): MemoryMap<W, N, M> {
    if (this.en !== undefined) throw new UsageError(`${this.name}: endianness already set`);
    if (e !== 'little' && e !== 'big') throw new UsageError(`endianness must be little or big, not ${e}`);
    this.en = e;
    return this as unknown as MemoryMap<W, N, M>;
  }

  getWordsize(this: MemoryMap<Wordsize, E, M>): Wordsize { return this.ws!; }
  getEndian(this: MemoryMap<W, Endian, M>): Endian { return this.en!; }

  /** Run-time view of the type state (for maps loaded from a file). */
  get wordsizeOrUndefined(): Wordsize | undefined { return this.ws; }
  get endianOrUndefined(): Endian | undefined { return this.en; }

  // --- AddressSpace -----------------------------------------------------------

  readInto(addr: bigint, out: Uint8Array, at: number, length: number): number {
    let done = 0;
    let a = addr;
    while (done < length && a < ADDR_LIMIT) {
      const seg = this.index.find(a);
      if (!seg) break;
      const m = seg.value;
      const want = seg.end - a < BigInt(length - done) ? Number(seg.end - a) : length - done;
      const got = m.space.readInto(m.offset + (a - m.addr), out, at + done, want);
      done += got;
      if (got < want) break;
      a += BigInt(want);
    }
    return done;
  }

  *extents(from = 0n, to = ADDR_LIMIT): Generator<Extent> {
    for (const seg of this.index.overlapping(from, to)) {
      const m = seg.value;
      const s = seg.start > from ? seg.start : from;
      const e = seg.end < to ? seg.end : to;
      const delta = m.offset - m.addr;
      for (const x of m.space.extents(s + delta, e + delta)) {
        yield { start: x.start - delta, end: x.end - delta };
      }
    }
  }

  explain(addr: bigint): string {
    const seg = this.index.find(addr);
    if (!seg) return 'not mapped';
    const m = seg.value;
    const inner = m.space.explain?.(m.offset + (addr - m.addr));
    return inner ? `${inner} (in ${m.space.name})` : `not present in ${m.space.name}`;
  }

  // --- searching ----------------------------------------------------------------

  /** First occurrence of `needle` at or after `start`, skipping holes. */
  find(this: MemoryMap<W, E, true>, needle: string | Uint8Array, opts: MapFindOptions = {}): bigint | undefined {
    for (const a of findIter(this, toBytes(needle), opts)) return a;
    return undefined;
  }

  /** As find, but the address must be a multiple of the word size. */
  findAlign(this: MemoryMap<Wordsize, E, true>, needle: string | Uint8Array, opts: MapFindOptions = {}): bigint | undefined {
    for (const a of findIter(this, toBytes(needle), { ...opts, align: this.wsOrThrow() })) return a;
    return undefined;
  }

  /** Every occurrence, ascending. */
  findAll(this: MemoryMap<W, E, true>, needle: string | Uint8Array, opts: MapFindOptions = {}): bigint[] {
    return take(findIter(this, toBytes(needle), opts), opts.limit);
  }

  /** Every word-aligned occurrence, ascending. */
  findAllAlign(this: MemoryMap<Wordsize, E, true>, needle: string | Uint8Array, opts: MapFindOptions = {}): bigint[] {
    return take(findIter(this, toBytes(needle), { ...opts, align: this.wsOrThrow() }), opts.limit);
  }

  /** First word-aligned word equal to the pointer `ptr`. */
  findPointer(this: MemoryMap<Wordsize, Endian, true>, ptr: bigint, opts: MapFindOptions = {}): bigint | undefined {
    for (const a of findIter(this, this.encodeWord(ptr), { ...opts, align: this.wsOrThrow() })) return a;
    return undefined;
  }

  /** Every word-aligned word equal to the pointer `ptr`. */
  findPointerAll(this: MemoryMap<Wordsize, Endian, true>, ptr: bigint, opts: MapFindOptions = {}): bigint[] {
    return take(findIter(this, this.encodeWord(ptr), { ...opts, align: this.wsOrThrow() }), opts.limit);
  }

  /** Word size, or a UsageError when a cast slipped past the type state. */
  private wsOrThrow(): Wordsize {
    if (this.ws === undefined) throw new UsageError(`${this.name}: word size not set`);
    return this.ws;
  }

  private leOrThrow(): boolean {
    if (this.en === undefined) throw new UsageError(`${this.name}: endianness not set`);
    return this.en === 'little';
  }

  private encodeWord(v: bigint): Uint8Array {
    const ws = this.wsOrThrow();
    this.leOrThrow();
    if (v < 0n || v >= 1n << BigInt(ws * 8)) throw new UsageError(`pointer ${hex(v)} does not fit in ${ws} bytes`);
    const b = new Uint8Array(ws);
    const dv = new DataView(b.buffer);
    const le = this.en === 'little';
    if (ws === 8) dv.setBigUint64(0, v, le); else dv.setUint32(0, Number(v), le);
    return b;
  }

  // --- bytes and integers ------------------------------------------------------

  /** The byte at `addr`; a MemoryFault if it is a hole. */
  getByte(this: MemoryMap<W, E, true>, addr: bigint): number {
    return readExact(this, addr, 1)[0];
  }

  /** `length` bytes at `addr`; a MemoryFault naming the first hole. */
  getBytes(this: MemoryMap<W, E, true>, addr: bigint, length: number): Uint8Array {
    return readExact(this, addr, length);
  }

  private view(addr: bigint, n: number): DataView {
    const b = readExact(this, addr, n);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  /** Signed 32-bit integer at `addr` in the map's byte order. */
  getInt32(this: MemoryMap<W, Endian, true>, addr: bigint): number {
    return this.view(addr, 4).getInt32(0, this.leOrThrow());
  }

  /** Signed 64-bit integer at `addr` in the map's byte order. */
  getInt64(this: MemoryMap<W, Endian, true>, addr: bigint): bigint {
    return this.view(addr, 8).getBigInt64(0, this.leOrThrow());
  }

  /** A C int (32 bits on every ABI virtmem reads). */
  getCInt(this: MemoryMap<Wordsize, Endian, true>, addr: bigint): number {
    this.wsOrThrow();
    return this.view(addr, 4).getInt32(0, this.leOrThrow());
  }

  /** A C long: the word size, signed. */
  getCLong(this: MemoryMap<Wordsize, Endian, true>, addr: bigint): bigint {
    const le = this.leOrThrow();
    return this.wsOrThrow() === 8 ? this.view(addr, 8).getBigInt64(0, le) : BigInt(this.view(addr, 4).getInt32(0, le));
  }

  /** Dereference the pointer at `addr`: the unsigned word there. */
  followPointer(this: MemoryMap<Wordsize, Endian, true>, addr: bigint): bigint {
    const le = this.leOrThrow();
    return this.wsOrThrow() === 8 ? this.view(addr, 8).getBigUint64(0, le) : BigInt(this.view(addr, 4).getUint32(0, le));
  }

  /** addr + word size (modulo 2^64). */
  succLong(this: MemoryMap<Wordsize, E, true>, addr: bigint): bigint {
    return (addr + BigInt(this.wsOrThrow())) & ADDR_MASK;
  }

  /** addr - word size (modulo 2^64). */
  predLong(this: MemoryMap<Wordsize, E, true>, addr: bigint): bigint {
    return (addr - BigInt(this.wsOrThrow())) & ADDR_MASK;
  }

  /** addr rounded up to the next multiple of the word size (itself if aligned). */
  align(this: MemoryMap<Wordsize, E, true>, addr: bigint): bigint {
    const w = BigInt(this.wsOrThrow());
    return ((addr + w - 1n) / w * w) & ADDR_MASK;
  }

  // --- strings -------------------------------------------------------------------

  /**
   * The bytes from `addr` up to (not including) the first NUL, as latin1 text.
   * A MemoryFault if a hole comes first; a MemoryFault too past `maxLength`
   * bytes without a NUL (so a missing terminator never reads the whole map).
   */
  getString(this: MemoryMap<W, E, true>, addr: bigint, maxLength = DEFAULT_STRING_LIMIT): string {
    return Buffer.from(this.cstringBytes(addr, maxLength, true)!).toString('latin1');
  }

  /** Bytes of the C string at addr; undefined (or a fault when `strict`) if unreadable. */
  private cstringBytes(addr: bigint, maxLength: number, strict: boolean): Uint8Array | undefined {
    checkAddr(this, addr);
    const parts: Uint8Array[] = [];
    let total = 0;
    let a = addr;
    let step = 64;
    while (total <= maxLength) {
      const buf = new Uint8Array(step);
      const got = this.readInto(a, buf, 0, step);
      const z = buf.subarray(0, got).indexOf(0);
      if (z >= 0) { parts.push(buf.subarray(0, z)); total += z; break; }
      if (got < step) {
        if (!strict) return undefined;
        throw new MemoryFault(this.name, a + BigInt(got), `hole before the end of the string at ${hex(addr)}`);
      }
      parts.push(buf); total += got; a += BigInt(got);
      step = Math.min(step * 4, 4096);
    }
    if (total > maxLength) {
      if (!strict) return undefined;
      throw new MemoryFault(this.name, addr, `no NUL within ${maxLength} bytes`);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /**
   * True if `addr` holds a non-empty NUL-terminated string of printable ASCII
   * (0x20-0x7e, tab, newline, carriage return) of at most `maxLength` bytes.
   */
  isString(this: MemoryMap<W, E, true>, addr: bigint, maxLength = 4096): boolean {
    const b = this.cstringBytes(addr, maxLength, false);
    if (!b || b.length === 0) return false;
    for (const c of b) if (!((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13)) return false;
    return true;
  }

  /** True if `addr` holds a NUL-terminated C identifier ([A-Za-z_][A-Za-z0-9_]*). */
  isCIdentifier(this: MemoryMap<W, E, true>, addr: bigint, maxLength = 1024): boolean {
    const b = this.cstringBytes(addr, maxLength, false);
    if (!b || b.length === 0) return false;
    const first = b[0];
    if (!(first === 0x5f || (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a)) return false;
    for (const c of b) {
      const l = c | 0x20;
      if (!(c === 0x5f || (l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39))) return false;
    }
    return true;
  }

  /** True if the single address `addr` is mapped and present. */
  isMapped(addr: bigint): boolean {
    if (addr < 0n || addr >= ADDR_LIMIT) return false;
    const b = new Uint8Array(1);
    return this.readInto(addr, b, 0, 1) === 1;
  }
}

function take(it: Iterable<bigint>, limit = Infinity): bigint[] {
  const out: bigint[] = [];
  if (limit <= 0) return out;
  for (const a of it) { out.push(a); if (out.length >= limit) break; }
  return out;
}

/** A map whose word size and endianness are known only at run time (e.g. loaded). */
export type AnyMap = MemoryMap<Wordsize | undefined, Endian | undefined, true>;

/** Narrow a map to one with a word size and endianness, or throw a UsageError. */
export function sized<M extends boolean>(m: MemoryMap<Wordsize | undefined, Endian | undefined, M>): MemoryMap<Wordsize, Endian, M> {
  if (m.wordsizeOrUndefined === undefined || m.endianOrUndefined === undefined) {
    throw new UsageError(`${m.name}: word size and endianness are not set`);
  }
  return m as MemoryMap<Wordsize, Endian, M>;
}
