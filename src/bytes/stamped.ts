/**
 * StampedIntMap: non-negative 31-bit integer keys -> non-negative 31-bit
 * integer values, for lookups by the million that must stay in cache.
 *
 * Open addressing (linear probing) in one Int32Array of four-int slots:
 * stamp, key, value, and a spare, so a probe reads one cache line. `clear()`
 * only bumps the stamp: a slot counts when its stamp is the current one, so
 * starting over (a new compile unit, a new file) touches no memory. The
 * table grows (doubling, live entries re-placed) past half full, and
 * `clear(expected)` picks a table of about the right size for what comes
 * next (kept from earlier, so a small file after a huge one works in a
 * table that fits in cache, and no memory is allocated or zeroed again).
 *
 * It replaces arrays indexed by offset (a DIE's offset in its unit, a
 * name's offset in .debug_str): those are dense in offsets but sparse in
 * entries (one DIE every 10-30 bytes, one name in thousands of bytes), so
 * a lookup was a cache miss in a table of megabytes; here the table is
 * about four slots per entry actually made.
 */
export class StampedIntMap {
  private slots: Int32Array;
  private mask: number;
  /** 32 - log2(capacity): the hash is the top bits of a Fibonacci product (its low bits follow the key's). */
  private shift: number;
  private stamp = 1;
  private count = 0;
  /** Tables of other sizes used before, by capacity (their stale stamps make them empty). */
  private readonly spare = new Map<number, Int32Array>();

  /** `capacity`: slots to start with (rounded up to a power of two). */
  constructor(capacity = 1 << 12) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.slots = new Int32Array(cap * 4);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  /** Entries since the last clear(). */
  get size(): number { return this.count; }

  /**
   * Forget every entry (in O(1): the stamp moves on). With `expected`, about
   * how many entries come next, the table is switched to one of about twice
   * that many slots when the current one is far off (four times too large,
   * or too small).
   */
  clear(expected?: number): void {
    this.count = 0;
    if (++this.stamp === 0x7fffffff) {
      this.slots.fill(0);
      for (const t of this.spare.values()) t.fill(0);
      this.stamp = 1;
    }
    if (expected === undefined) return;
    let want = 16;
    while (want < 2 * expected && want < 1 << 26) want *= 2;
    const cap = this.mask + 1;
    if (want * 4 > cap && want <= cap) return;
    this.spare.set(cap, this.slots);
    this.use(this.spare.get(want) ?? new Int32Array(want * 4), want);
    this.spare.delete(want);
  }

  private use(slots: Int32Array, cap: number): void {
    this.slots = slots;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  /** Where `key` is, or the empty slot where it would go (an index into slots: its stamp). */
  private probe(key: number): number {
    const s = this.slots;
    const stamp = this.stamp;
    const mask = this.mask;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const at = i << 2;
      if (s[at] !== stamp || s[at + 1] === key) return at;
    }
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const at = this.probe(key);
    return this.slots[at] === this.stamp ? this.slots[at + 2] : -1;
  }

  /** Set `key` (0 ≤ key < 2^31) to `value` (0 ≤ value < 2^31). */
  set(key: number, value: number): void {
    const at = this.probe(key);
    const s = this.slots;
    s[at + 2] = value;
    if (s[at] === this.stamp) return;
    s[at] = this.stamp;
    s[at + 1] = key;
    if (++this.count * 2 > this.mask) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    const stamp = this.stamp;
    const cap = (this.mask + 1) * 2;
    const spare = this.spare.get(cap);
    this.spare.delete(cap);
    this.use(spare ?? new Int32Array(cap * 4), cap);
    const s = this.slots;
    const mask = this.mask;
    const shift = this.shift;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at] !== stamp) continue;
      const key = old[at + 1];
      let i = Math.imul(key, 0x9e3779b1) >>> shift;
      while (s[i << 2] === stamp) i = (i + 1) & mask;
      s[i << 2] = stamp;
      s[(i << 2) + 1] = key;
      s[(i << 2) + 2] = old[at + 2];
    }
  }
}
