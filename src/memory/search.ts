/**
 * Searching an address space for a byte string.
 *
 * Holes are skipped: only present extents are read. Extents that touch are
 * merged into one run first, so a string that straddles two adjacent mappings
 * (or two dump segments, or two pages that map to unrelated physical frames)
 * is found, which the seed could not do. Each run is read in large chunks that
 * overlap by needle.length - 1 bytes, and each chunk is searched with
 * Buffer.indexOf (native, memchr-driven), so nothing is loaded whole.
 */
import { MemoryFault } from './fault.js';
import { ADDR_LIMIT, mergedExtents, type AddressSpace } from './space.js';

export interface FindOptions {
  /** First address searched (default: the lowest present address). */
  start?: bigint;
  /** Search stops before this address (default: 2^64). */
  end?: bigint;
  /** Only hits whose address is a multiple of this (default 1). */
  align?: number;
  /** Chunk size in bytes (default 4 MiB). */
  chunk?: number;
}

/** Every occurrence of `needle`, ascending, lazily. */
export function* findIter(space: AddressSpace, needle: Uint8Array, opts: FindOptions = {}): Generator<bigint> {
  const n = needle.length;
  if (n === 0) throw new RangeError('empty search string');
  const align = BigInt(opts.align ?? 1);
  const alignN = opts.align ?? 1;
  const chunk = Math.max(opts.chunk ?? 4 << 20, n * 2);
  const pat = Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength);
  const buf = Buffer.allocUnsafe(chunk);
  for (const run of mergedExtents(space, opts.start ?? 0n, opts.end ?? ADDR_LIMIT)) {
    if (run.end - run.start < BigInt(n)) continue;
    let base = run.start;
    // Alignment of the run's start, as a number, to test hits cheaply.
    for (;;) {
      const left = run.end - base;
      const len = left < BigInt(chunk) ? Number(left) : chunk;
      if (len < n) break;
      const got = space.readInto(base, buf, 0, len);
      if (got < len) throw new MemoryFault(space.name, base + BigInt(got), 'listed as present but not readable');
      const view = len === chunk ? buf : buf.subarray(0, len);
      const baseMod = alignN === 1 ? 0 : Number(base % align);
      let i = view.indexOf(pat, 0);
      while (i >= 0) {
        if (alignN === 1 || (baseMod + i) % alignN === 0) yield base + BigInt(i);
        i = view.indexOf(pat, i + 1);
      }
      if (len < chunk || base + BigInt(len) >= run.end) break;
      base += BigInt(len - n + 1);
    }
  }
}

/** The first occurrence at or after `start`, or undefined. */
export function findFirst(space: AddressSpace, needle: Uint8Array, opts: FindOptions = {}): bigint | undefined {
  for (const a of findIter(space, needle, opts)) return a;
  return undefined;
}

/** Count occurrences without keeping them. */
export function countAll(space: AddressSpace, needle: Uint8Array, opts: FindOptions = {}): number {
  let c = 0;
  for (const _ of findIter(space, needle, opts)) c++;
  return c;
}
