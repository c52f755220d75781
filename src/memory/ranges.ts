/**
 * RangeIndex: disjoint half-open ranges [start, end) over 64-bit addresses,
 * each carrying a value, where a later insert overrides earlier ones wherever
 * they overlap.
 *
 * The seed rebuilt a segment tree from scratch on every added mapping. Here the
 * index keeps the *resolved* picture, the disjoint segments and which value
 * wins on each, sorted by address in a list of blocks of at most 2*B segments
 * (a one-level B-tree, as Python's sortedcontainers does). An insert
 * binary-searches the block and the segment where it starts, trims the
 * segments at its two edges, removes those it covers, and puts itself in:
 * O(log n + B + k) for k covered segments, and each segment is removed at most
 * once in the index's life. A lookup is two binary searches, skipped when the
 * last segment hit still contains the address (reads are mostly sequential).
 */

/** One resolved segment. Treat as read-only. */
export interface Segment<T> {
  readonly start: bigint;
  readonly end: bigint;
  readonly value: T;
}

const B = 128;

export class RangeIndex<T> {
  private blocks: Segment<T>[][] = [];
  private count = 0;
  private last: Segment<T> | undefined;

  get length(): number { return this.count; }

  /** First block whose last segment ends after addr (blocks.length if none). */
  private blockFor(addr: bigint): number {
    const bl = this.blocks;
    let lo = 0, hi = bl.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = bl[mid];
      if (b[b.length - 1].end > addr) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  /** In one block, the first segment ending after addr. */
  private static endAfter<T>(b: Segment<T>[], addr: bigint, from = 0): number {
    let lo = from, hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid].end > addr) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  /** In one block, the first segment starting at or after addr. */
  private static startAtOrAfter<T>(b: Segment<T>[], addr: bigint, from: number): number {
    let lo = from, hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid].start >= addr) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  /** Put `value` on [start, end), overriding whatever was there. */
  insert(start: bigint, end: bigint, value: T): void {
    if (end <= start) return;
    this.last = undefined;
    const seg: Segment<T> = { start, end, value };
    const bi = this.blockFor(start);
    if (bi === this.blocks.length) {
      const lastBlock = this.blocks[this.blocks.length - 1];
      if (!lastBlock || lastBlock.length >= 2 * B) this.blocks.push([seg]); else lastBlock.push(seg);
      this.count++;
      return;
    }
    const first = this.blocks[bi];
    const i = RangeIndex.endAfter(first, start);
    const pieces: Segment<T>[] = [];
    if (first[i].start < start) pieces.push({ start: first[i].start, end: start, value: first[i].value });
    pieces.push(seg);
    // Remove every segment that starts before `end`, from (bi, i) on.
    let lastRemoved: Segment<T> | undefined;
    let b = bi, j = i;
    for (; b < this.blocks.length; b++, j = 0) {
      const blk = this.blocks[b];
      const k = RangeIndex.startAtOrAfter(blk, end, j);
      if (k > j) {
        lastRemoved = blk[k - 1];
        blk.splice(j, k - j);
        this.count -= k - j;
      }
      if (k < blk.length + (k - j)) break; // something at or after `end` remains in this block
    }
    if (lastRemoved && lastRemoved.end > end) pieces.push({ start: end, end: lastRemoved.end, value: lastRemoved.value });
    first.splice(i, 0, ...pieces);
    this.count += pieces.length;
    // Drop blocks emptied by the removal, split the first one if it grew too big.
    const last = Math.min(b, this.blocks.length - 1);
    for (let x = last; x > bi; x--) if (this.blocks[x].length === 0) this.blocks.splice(x, 1);
    if (first.length > 2 * B) this.blocks.splice(bi + 1, 0, first.splice(B));
  }

  /** The segment containing addr, or undefined. */
  find(addr: bigint): Segment<T> | undefined {
    const l = this.last;
    if (l && l.start <= addr && addr < l.end) return l;
    const bi = this.blockFor(addr);
    if (bi === this.blocks.length) return undefined;
    const blk = this.blocks[bi];
    const s = blk[RangeIndex.endAfter(blk, addr)];
    if (s.start <= addr) { this.last = s; return s; }
    return undefined;
  }

  /** Segments overlapping [from, to), ascending. */
  *overlapping(from: bigint, to: bigint): Generator<Segment<T>> {
    const bl = this.blocks;
    for (let b = this.blockFor(from), j = b < bl.length ? RangeIndex.endAfter(bl[b], from) : 0; b < bl.length; b++, j = 0) {
      const blk = bl[b];
      for (; j < blk.length; j++) {
        if (blk[j].start >= to) return;
        yield blk[j];
      }
    }
  }

  /** All segments, ascending. */
  *[Symbol.iterator](): Generator<Segment<T>> {
    for (const blk of this.blocks) yield* blk;
  }
}
