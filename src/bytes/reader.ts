/**
 * Reader: a cursor over a Uint8Array with the byte order fixed when it is made.
 *
 * - `pos` is public; `start` remembers where the value being read began, so an
 *   error points at the value and not past it.
 * - 64-bit values come back as bigint (`u64`), or as a number when the caller
 *   knows they fit (`u64n`, which fails loudly if they do not).
 * - `bytes`, `sub` and `subReader` are zero-copy views.
 * - Reading past the end throws a FormatError naming source, section and the
 *   absolute offset (`base` + position).
 */
import { FormatError, type ErrorPlace } from './errors.js';

export interface ReaderOptions {
  littleEndian: boolean;
  /** File name for messages. */
  source?: string;
  /** Format name for messages ("ELF", "DWARF", ...). */
  format?: string;
  /** Section name for messages. */
  section?: string;
  /** Offset of bytes[0] in the file or section, added to positions in messages. */
  base?: number;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const latin1Decoder = new TextDecoder('latin1');
/**
 * Node's Buffer decoder, which takes any Uint8Array and a range: no view is
 * made per string (a kernel's DWARF has millions of names and paths to
 * decode, and a subarray per string was a tenth of what dwarf2ctf
 * allocated), and it decodes a short string in 60% of TextDecoder's time.
 * Same result as TextDecoder, invalid sequences included (checked on random
 * bytes); TextDecoder where Buffer lacks it.
 */
const bufferUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Uint8Array, start: number, end: number) => string }).utf8Slice;

/** Bytes [start, end) of `b` as UTF-8 (invalid sequences become U+FFFD); the range must lie inside `b`. */
export function utf8At(b: Uint8Array, start: number, end: number): string {
  return bufferUtf8Slice ? bufferUtf8Slice.call(b, start, end) : textDecoder.decode(b.subarray(start, end));
}

export class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly le: boolean;
  readonly source?: string;
  readonly format?: string;
  readonly section?: string;
  readonly base: number;
  /** Current position, relative to bytes[0]. */
  pos = 0;
  /** Where the value being read began (for messages). */
  start = 0;

  constructor(bytes: Uint8Array, opts: ReaderOptions) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = opts.littleEndian;
    this.source = opts.source;
    this.format = opts.format;
    this.section = opts.section;
    this.base = opts.base ?? 0;
  }

  get length(): number { return this.bytes.length; }
  get remaining(): number { return this.bytes.length - this.pos; }
  get atEnd(): boolean { return this.pos >= this.bytes.length; }

  /** The place of the current value, for building errors elsewhere. */
  place(at = this.start): ErrorPlace {
    return { source: this.source, format: this.format, section: this.section, offset: this.base + at };
  }

  /** A FormatError located at `at` (default: the start of the current value). */
  error(what: string, at = this.start): FormatError {
    return new FormatError(what, this.place(at));
  }

  private need(n: number): number {
    const p = this.pos;
    this.start = p;
    if (n < 0 || p + n > this.bytes.length || p < 0) {
      throw this.error(`unexpected end of data: need ${n} byte(s), ${Math.max(0, this.bytes.length - p)} left`, p);
    }
    this.pos = p + n;
    return p;
  }

  seek(pos: number): this {
    if (pos < 0 || pos > this.bytes.length) throw this.error(`seek to ${pos} outside 0..${this.bytes.length}`, this.pos);
    this.pos = pos;
    return this;
  }

  skip(n: number): this { this.need(n); return this; }

  /** Align the position up to a multiple of `n` (relative to bytes[0]). */
  align(n: number): this {
    const r = this.pos % n;
    if (r) this.skip(n - r);
    return this;
  }

  u8(): number { return this.view.getUint8(this.need(1)); }
  i8(): number { return this.view.getInt8(this.need(1)); }
  u16(): number { return this.view.getUint16(this.need(2), this.le); }
  i16(): number { return this.view.getInt16(this.need(2), this.le); }
  u32(): number { return this.view.getUint32(this.need(4), this.le); }
  i32(): number { return this.view.getInt32(this.need(4), this.le); }
  u64(): bigint { return this.view.getBigUint64(this.need(8), this.le); }
  i64(): bigint { return this.view.getBigInt64(this.need(8), this.le); }

  /** A u64 the caller needs as a number (sizes, offsets); errors if above 2^53. */
  u64n(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`value 0x${v.toString(16)} too large`);
    return Number(v);
  }

  /** Unsigned integer of `size` bytes (1, 2, 4 or 8) as bigint. */
  uintN(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.u8());
      case 2: return BigInt(this.u16());
      case 4: return BigInt(this.u32());
      case 8: return this.u64();
      default: throw this.error(`unsupported integer size ${size}`, this.pos);
    }
  }

  /** Unsigned integer of `size` bytes (1, 2, 4 or 8) as number; errors above 2^53. */
  uintNn(size: number): number {
    if (size === 8) return this.u64n();
    switch (size) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      default: throw this.error(`unsupported integer size ${size}`, this.pos);
    }
  }

  /** Signed integer of `size` bytes as bigint. */
  intN(size: number): bigint {
    switch (size) {
      case 1: return BigInt(this.i8());
      case 2: return BigInt(this.i16());
      case 4: return BigInt(this.i32());
      case 8: return this.i64();
      default: throw this.error(`unsupported integer size ${size}`, this.pos);
    }
  }

  /** Unsigned LEB128 as a number; errors if it does not fit in 53 bits. */
  uleb128(): number {
    const s = this.pos;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.bytes.length) { this.start = s; throw this.error('unexpected end of data in ULEB128', s); }
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) break;
      mul *= 128;
      if (mul > 2 ** 53) {
        // Fall back to the bigint path to tell "too big" apart from "long zero padding".
        this.pos = s;
        const big = this.uleb128Big();
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) { this.start = s; throw this.error('ULEB128 value too large', s); }
        return Number(big);
      }
    }
    this.start = s;
    return result;
  }

  /** Unsigned LEB128 as bigint (any length). */
  uleb128Big(): bigint {
    const s = this.pos;
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.bytes.length) { this.start = s; throw this.error('unexpected end of data in ULEB128', s); }
      const b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) break;
    }
    this.start = s;
    return result;
  }

  /** Signed LEB128 as a number; errors if it does not fit in 53 bits. */
  sleb128(): number {
    const s = this.pos;
    // Up to 7 bytes (49 bits) in plain numbers, no bigint made (enumerators, array bounds: nearly all).
    const b = this.bytes;
    let result = 0, mul = 1;
    for (let p = s; p < s + 7 && p < b.length; p++) {
      const x = b[p];
      result += (x & 0x7f) * mul;
      mul *= 128;
      if (!(x & 0x80)) {
        if (x & 0x40) result -= mul;
        this.pos = p + 1;
        this.start = s;
        return result;
      }
    }
    const v = this.sleb128Big();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.start = s;
      throw this.error('SLEB128 value too large', s);
    }
    return Number(v);
  }

  /** Step over a LEB128 (signed or not, any length). */
  skipLeb128(): void {
    const s = this.pos;
    const b = this.bytes;
    let p = s;
    while (p < b.length && b[p] & 0x80) p++;
    if (p >= b.length) { this.start = s; throw this.error('unexpected end of data in LEB128', s); }
    this.pos = p + 1;
    this.start = s;
  }

  /** Signed LEB128 as bigint (any length). */
  sleb128Big(): bigint {
    const s = this.pos;
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      if (this.pos >= this.bytes.length) { this.start = s; throw this.error('unexpected end of data in SLEB128', s); }
      b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    this.start = s;
    return result;
  }

  /** `n` bytes as a zero-copy view. */
  bytesN(n: number): Uint8Array {
    const p = this.need(n);
    return this.bytes.subarray(p, p + n);
  }

  /** A NUL-terminated string (UTF-8, invalid bytes replaced); the NUL is consumed. */
  cstring(): string {
    const s = this.pos;
    const end = this.bytes.indexOf(0, s);
    if (end < 0) { this.start = s; throw this.error('unterminated string', s); }
    this.pos = end + 1;
    this.start = s;
    return utf8At(this.bytes, s, end);
  }

  /** A zero-copy Reader over [offset, offset+length) of this one, same byte order. */
  subReader(offset: number, length: number, section = this.section): Reader {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw this.error(`range 0x${offset.toString(16)}+0x${length.toString(16)} outside 0..0x${this.bytes.length.toString(16)}`, offset);
    }
    return new Reader(this.bytes.subarray(offset, offset + length), {
      littleEndian: this.le, source: this.source, format: this.format, section,
      base: section === this.section ? this.base + offset : 0,
    });
  }
}

/** A NUL-terminated string at `offset` in a string table, or an error naming the table. */
export function cstringAt(bytes: Uint8Array, offset: number, place: ErrorPlace = {}): string {
  if (offset < 0 || offset >= bytes.length) {
    if (offset === 0 && bytes.length === 0) return '';
    throw new FormatError(`string offset 0x${offset.toString(16)} outside table of 0x${bytes.length.toString(16)} bytes`, place);
  }
  const end = bytes.indexOf(0, offset);
  if (end < 0) throw new FormatError(`unterminated string at 0x${offset.toString(16)}`, place);
  return utf8At(bytes, offset, end);
}

/** Bytes as Latin-1 text (one char per byte), for binary-safe searching and printing. */
export function latin1(bytes: Uint8Array): string {
  return latin1Decoder.decode(bytes);
}

/** Decode UTF-8 (invalid sequences become U+FFFD). */
export function utf8(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}
