/**
 * One string object per distinct byte string, across files: a reader of many
 * object files (dwarf2ctf reads a thousand modules, each with its own
 * .debug_str) meets the same names again and again. Decoding each afresh
 * costs a TextDecoder call per name per file, and every Map keyed by names
 * must then hash and compare the new copy; through an interner the bytes are
 * hashed and compared in place, and the name found is the same object as
 * before, whose hash V8 has already cached.
 *
 * Open addressing over FNV-1a hashes of the bytes; the bytes of every string
 * kept are copied into a pool, so a hit is confirmed byte by byte and never
 * by the hash alone. Strings are decoded as UTF-8 (as cstringAt does).
 */
const decoder = new TextDecoder('utf-8', { fatal: false });
/** Int32s per slot. */
const SLOT = 4;

export class ByteInterner {
  /**
   * Per slot, side by side (one cache line for a probe and what it needs to
   * confirm): the hash (as int32), 1 + the string's index (0: empty), its
   * byte length and its start in the pool.
   */
  private slots = new Int32Array(SLOT << 14);
  private readonly strings: string[] = [];
  private pool = new Uint8Array(1 << 16);
  private used = 0;

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
    return this.find(h >>> 0, b, start, i);
  }

  /** The string of bytes [start, end) of `b`. */
  intern(b: Uint8Array, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    return this.find(h >>> 0, b, start, end);
  }

  private find(h: number, b: Uint8Array, start: number, end: number): string {
    const len = end - start;
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    const hi = h | 0;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const o = s * SLOT;
      const k = slots[o + 1];
      if (k === 0) break;
      if (slots[o] !== hi || slots[o + 2] !== len) continue;
      const p = this.pool;
      let at = slots[o + 3], i = start;
      while (i < end && p[at] === b[i]) { at++; i++; }
      if (i === end) { this.lastId = k - 1; return this.strings[k - 1]; }
    }
    const str = decoder.decode(b.subarray(start, end));
    this.lastId = this.strings.length;
    this.add(h, b, start, len, str);
    return str;
  }

  get size(): number { return this.strings.length; }

  /** The string numbered `id` (see lastId). */
  stringAt(id: number): string { return this.strings[id]; }

  private add(h: number, b: Uint8Array, start: number, len: number, str: string): void {
    if (this.used + len > this.pool.length) {
      const grown = new Uint8Array(Math.max(this.pool.length * 2, this.used + len));
      grown.set(this.pool.subarray(0, this.used));
      this.pool = grown;
    }
    this.pool.set(b.subarray(start, start + len), this.used);
    const j = this.strings.length;
    this.strings.push(str);
    if ((j + 1) * 2 > this.slots.length / SLOT) this.rehash(this.slots.length * 2);
    place(this.slots, h | 0, j + 1, len, this.used);
    this.used += len;
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
