/**
 * AddressSpace: the one contract every layer of memory implements, as
 * Volatility's layers do. A ByteSource mapped at 0, a physical address space
 * read from a dump, a virtual address space over it (arch/), and the seed's
 * MemoryMap are all address spaces, so they stack.
 *
 * - Addresses are bigint in [0, 2^64).
 * - `readInto` copies what is present from `addr` onwards and returns how many
 *   bytes it copied; a short count means a hole at `addr + count`. It never
 *   throws for a hole (that is the caller's choice: `readExact` throws a
 *   MemoryFault naming the address).
 * - `extents` lists what is present, in ascending order, lazily, clipped to the
 *   range asked for. Adjacent extents may come separately; searches merge them.
 */
import type { ByteSource } from '../bytes/index.js';
import { MemoryFault, hex } from './fault.js';

export const ADDR_LIMIT = 1n << 64n;
export const ADDR_MASK = ADDR_LIMIT - 1n;

/** A present range [start, end). */
export interface Extent {
  start: bigint;
  end: bigint;
}

export interface AddressSpace {
  /** Name used in faults and messages. */
  readonly name: string;
  /**
   * Copy up to `length` bytes at `addr` into `out[at..]`; returns the number of
   * contiguous present bytes copied (fewer than `length` means a hole follows).
   */
  readInto(addr: bigint, out: Uint8Array, at: number, length: number): number;
  /** Present extents overlapping [from, to), ascending, clipped. */
  extents(from?: bigint, to?: bigint): Iterable<Extent>;
  /** Why `addr` cannot be read (for the fault message), when the space knows more than "not present". */
  explain?(addr: bigint): string;
}

/** Check an address is a 64-bit unsigned value; a MemoryFault otherwise. */
export function checkAddr(space: AddressSpace, addr: bigint, length = 1): void {
  if (addr < 0n || addr + BigInt(Math.max(length, 1)) > ADDR_LIMIT) {
    throw new MemoryFault(space.name, addr < 0n ? 0n : addr, `address range ${hex(addr)}+${length} outside 64-bit space`);
  }
}

/** `length` bytes at `addr`, or a MemoryFault naming the first missing address. */
export function readExact(space: AddressSpace, addr: bigint, length: number): Uint8Array {
  checkAddr(space, addr, length);
  const out = new Uint8Array(length);
  const n = space.readInto(addr, out, 0, length);
  if (n < length) {
    const bad = addr + BigInt(n);
    throw new MemoryFault(space.name, bad, space.explain?.(bad) ?? 'not present');
  }
  return out;
}

/** Is every byte of [addr, addr+length) present? */
export function isPresent(space: AddressSpace, addr: bigint, length = 1): boolean {
  if (addr < 0n || addr + BigInt(length) > ADDR_LIMIT) return false;
  const out = new Uint8Array(length);
  return space.readInto(addr, out, 0, length) === length;
}

/** Merge extents that touch into maximal runs (still lazy). */
export function* mergedExtents(space: AddressSpace, from = 0n, to = ADDR_LIMIT): Generator<Extent> {
  let cur: Extent | undefined;
  for (const e of space.extents(from, to)) {
    if (e.end <= e.start) continue;
    if (cur && e.start === cur.end) { cur = { start: cur.start, end: e.end }; continue; }
    if (cur) yield cur;
    cur = { start: e.start, end: e.end };
  }
  if (cur) yield cur;
}

/** A ByteSource seen as an address space: byte i of the source at address i. */
export class SourceSpace implements AddressSpace {
  readonly name: string;
  readonly size: bigint;
  constructor(readonly source: ByteSource, name?: string) {
    this.name = name ?? source.name;
    this.size = BigInt(source.size);
  }
  readInto(addr: bigint, out: Uint8Array, at: number, length: number): number {
    if (addr < 0n || addr >= this.size || length <= 0) return 0;
    const off = Number(addr);
    const n = Math.min(length, this.source.size - off);
    out.set(this.source.read(off, n), at);
    return n;
  }
  *extents(from = 0n, to = ADDR_LIMIT): Generator<Extent> {
    const s = from < 0n ? 0n : from;
    const e = to < this.size ? to : this.size;
    if (s < e) yield { start: s, end: e };
  }
}
