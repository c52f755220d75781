/**
 * Byte strings numbered by content, across files.
 *
 * ByteTable: distinct byte strings numbered 0, 1, 2, ... in order of first
 * sight. Open addressing over FNV-1a hashes of the bytes, in one Int32Array
 * of four-int slots (hash, 1 + number, length, start in the pool: one cache
 * line for a probe and what it needs to confirm); the bytes of every string
 * kept are copied into one pool, so a hit is confirmed byte by byte and never
 * by the hash alone.
 *
 * ByteInterner: one string object per distinct byte string. A reader of many
 * object files (dwarf2ctf reads a thousand modules, each with its own
 * .debug_str) meets the same names again and again. Decoding each afresh
 * costs a TextDecoder call per name per file, and every Map keyed by names
 * must then hash and compare the new copy; through an interner the bytes are
 * hashed and compared in place, and the name found is the same object as
 * before, whose hash V8 has already cached. Strings are decoded as UTF-8 (as
 * cstringAt does).
 */
import { utf8At } from './reader.js';

/** Int32s per slot. */
const SLOT = 4;

/** FNV-1a of bytes [start, end) of `b`, as an int32. */
export function fnv1a(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h | 0;
}

export class ByteTable {
  private slots = new Int32Array(0);
  private pool = new Uint8Array(0);
  private used = 0;
  private count = 0;

  constructor() {
    // (each stored twice as the table is made: V8 takes a field stored only once for a constant, and
    // the first time the table grows, it throws away the optimized code that relied on that)
    this.slots = new Int32Array(SLOT << 14);
    this.pool = new Uint8Array(1 << 16);
  }

  /** How many strings are kept. */
  get size(): number { return this.count; }

  /** The number of bytes [start, end) of `b`, whose FNV-1a hash is `h` (fnv1a), or -1 when not kept. */
  find(h: number, b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    const p = this.pool;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const o = s * SLOT;
      const k = slots[o + 1];
      if (k === 0) return -1;
      if (slots[o] !== h || slots[o + 2] !== len) continue;
      let at = slots[o + 3], i = start;
      while (i < end && p[at] === b[i]) { at++; i++; }
      if (i === end) return k - 1;
    }
  }

  /** Keep bytes [start, end) of `b` (hash `h`; not kept yet: find said so); their number. */
  add(h: number, b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (this.used + len > this.pool.length) {
      const grown = new Uint8Array(Math.max(this.pool.length * 2, this.used + len));
      grown.set(this.pool.subarray(0, this.used));
      this.pool = grown;
    }
    this.pool.set(b.subarray(start, end), this.used);
    const j = this.count++;
    if (this.count * 2 > this.slots.length / SLOT) this.rehash(this.slots.length * 2);
    place(this.slots, h, j + 1, len, this.used);
    this.used += len;
    return j;
  }

  /** Move every entry into a table of `size` int32s (the slots hold all an entry is). */
  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    for (let o = 0; o < old.length; o += SLOT) {
      if (old[o + 1] !== 0) place(this.slots, old[o], old[o + 1], old[o + 2], old[o + 3]);
    }
  }
}

/** Put an entry (hash, 1 + index, length, pool offset) in the first free slot from its hash on. */
function place(slots: Int32Array, h: number, k: number, len: number, at: number): void {
  const mask = slots.length / SLOT - 1;
  let s = h & mask;
  while (slots[s * SLOT + 1] !== 0) s = (s + 1) & mask;
  const o = s * SLOT;
  slots[o] = h;
  slots[o + 1] = k;
  slots[o + 2] = len;
  slots[o + 3] = at;
}

export class ByteInterner {
  private readonly table = new ByteTable();
  private readonly strings: string[] = [];

  /** The index of the string the last call returned (0, 1, 2, ... in order of first sight): a small number to key tables by. */
  lastId = -1;
  /** Where the last internZ call found the NUL. */
  lastEnd = -1;

  /** The NUL-terminated string at `start` of `b`; undefined when no NUL follows (the caller reports it). */
  internZ(b: Uint8Array, start: number): string | undefined {
    let h = 0x811c9dc5;
    let i = start;
    const n = b.length;
    for (; i < n; i++) {
      const c = b[i];
      if (c === 0) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i >= n) return undefined;
    this.lastEnd = i;
    return this.find(h | 0, b, start, i);
  }

  /** The string of bytes [start, end) of `b`. */
  intern(b: Uint8Array, start: number, end: number): string {
    return this.find(fnv1a(b, start, end), b, start, end);
  }

  private find(h: number, b: Uint8Array, start: number, end: number): string {
    const k = this.table.find(h, b, start, end);
    if (k >= 0) { this.lastId = k; return this.strings[k]; }
    const str = utf8At(b, start, end);
    this.lastId = this.table.add(h, b, start, end);
    this.strings.push(str);
    return str;
  }

  get size(): number { return this.strings.length; }

  /** The string numbered `id` (see lastId). */
  stringAt(id: number): string { return this.strings[id]; }
}
