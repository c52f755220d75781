/**
 * Writer: a growable byte buffer with the byte order fixed when it is made.
 * The mirror of Reader; used by every format we emit (ELF, CTF) and by tests
 * that assemble inputs byte by byte.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  readonly le: boolean;
  /** Bytes written so far (the write position; always at the end). */
  length = 0;

  constructor(littleEndian: boolean, initialCapacity = 256) {
    this.le = littleEndian;
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): number {
    const p = this.length;
    const need = p + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, p));
      this.buf = nb;
      this.view = new DataView(nb.buffer);
    }
    this.length = need;
    return p;
  }

  u8(v: number): this { const p = this.ensure(1); this.view.setUint8(p, v); return this; }
  i8(v: number): this { const p = this.ensure(1); this.view.setInt8(p, v); return this; }
  u16(v: number): this { const p = this.ensure(2); this.view.setUint16(p, v, this.le); return this; }
  i16(v: number): this { const p = this.ensure(2); this.view.setInt16(p, v, this.le); return this; }
  u32(v: number): this { const p = this.ensure(4); this.view.setUint32(p, v >>> 0, this.le); return this; }
  i32(v: number): this { const p = this.ensure(4); this.view.setInt32(p, v, this.le); return this; }
  u64(v: bigint | number): this { const p = this.ensure(8); this.view.setBigUint64(p, BigInt.asUintN(64, BigInt(v)), this.le); return this; }
  i64(v: bigint | number): this { const p = this.ensure(8); this.view.setBigInt64(p, BigInt.asIntN(64, BigInt(v)), this.le); return this; }

  /** Unsigned integer of `size` bytes. */
  uintN(size: number, v: bigint | number): this {
    switch (size) {
      case 1: return this.u8(Number(v));
      case 2: return this.u16(Number(v));
      case 4: return this.u32(Number(BigInt.asUintN(32, BigInt(v))));
      case 8: return this.u64(v);
      default: throw new RangeError(`unsupported integer size ${size}`);
    }
  }

  uleb128(v: bigint | number): this {
    let x = BigInt(v);
    if (x < 0n) throw new RangeError('negative ULEB128');
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      this.u8(b);
    } while (x !== 0n);
    return this;
  }

  sleb128(v: bigint | number): this {
    let x = BigInt(v);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      const done = (x === 0n && !(b & 0x40)) || (x === -1n && (b & 0x40));
      this.u8(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  bytes(b: Uint8Array): this { const p = this.ensure(b.length); this.buf.set(b, p); return this; }
  zeros(n: number): this { const p = this.ensure(n); this.buf.fill(0, p, p + n); return this; }
  /** UTF-8 string followed by a NUL. */
  cstring(s: string): this { return this.bytes(new TextEncoder().encode(s)).u8(0); }

  /** Pad with zeros to a multiple of `n`. */
  align(n: number): this {
    const r = this.length % n;
    if (r) this.zeros(n - r);
    return this;
  }

  /** Overwrite a u32 at an earlier position (for sizes known only later). */
  patchU32(at: number, v: number): this { this.view.setUint32(at, v >>> 0, this.le); return this; }
  patchU64(at: number, v: bigint | number): this { this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), this.le); return this; }
  patchUintN(at: number, size: number, v: bigint | number): this {
    switch (size) {
      case 1: this.view.setUint8(at, Number(v)); break;
      case 2: this.view.setUint16(at, Number(v), this.le); break;
      case 4: this.view.setUint32(at, Number(BigInt.asUintN(32, BigInt(v))), this.le); break;
      case 8: this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), this.le); break;
      default: throw new RangeError(`unsupported integer size ${size}`);
    }
    return this;
  }

  /** The bytes written, as a view (valid until the next write). */
  view0(): Uint8Array { return this.buf.subarray(0, this.length); }
  /** The bytes written, as a copy. */
  finish(): Uint8Array { return this.buf.slice(0, this.length); }
}
