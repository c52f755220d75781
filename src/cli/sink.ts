/**
 * ByteSink: output text assembled as bytes in large buffers, for listings of
 * 100k+ lines (a vmlinux symbol table) that would otherwise be one string per
 * cell and per line. Full buffers go to `flush` as they fill; flush returns
 * true when it has consumed the bytes already (a synchronous write), and the
 * buffer is then reused, else a new one is taken. Without a flush everything
 * is kept until finish(). A command that streams must have checked its input
 * first: what is flushed stays printed.
 */

const CHUNK = 1 << 20;
const DIGITS = '0123456789abcdef';
const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = DIGITS.charCodeAt(i);

export class ByteSink {
  private readonly chunks: Buffer[] = [];
  /** Current buffer and position in it; callers may write directly after reserve(). */
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  pos = 0;

  constructor(private readonly flush?: (chunk: Buffer) => boolean) {}

  /** Make room for `n` more bytes in `buf` at `pos`. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let reuse = false;
    if (this.pos) {
      const full = this.buf.subarray(0, this.pos);
      if (this.flush) reuse = this.flush(full); else this.chunks.push(full);
    }
    if (!reuse || n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.pos = 0;
  }

  /** Any string, as UTF-8. */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A string known to be ASCII (one byte per char). */
  ascii(s: string): void {
    this.reserve(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Bytes src[start, end). */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    const b = this.buf;
    let p = this.pos;
    if (n < 48) for (let i = start; i < end; i++) b[p++] = src[i];
    else { b.set(src.subarray(start, end), p); p += n; }
    this.pos = p;
  }

  /** `n` copies of byte `c`. */
  fill(c: number, n: number): void {
    if (n <= 0) return;
    this.reserve(n);
    const b = this.buf;
    for (let k = 0; k < n; k++) b[this.pos++] = c;
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.pos++] = c;
  }

  /** `v` (a u32) as exactly `width` hex digits, zero-padded (width <= 8). */
  hex32(v: number, width: number): void {
    this.reserve(width);
    const b = this.buf;
    for (let i = this.pos + width - 1; i >= this.pos; i--) { b[i] = HEX[v & 15]; v >>>= 4; }
    this.pos += width;
  }

  /** A non-negative integer below 2^53 in decimal, right-aligned in `width` (spaces). */
  decimal(v: number, width = 0): void {
    const d = decimalDigits(v);
    this.reserve(Math.max(d, width));
    const b = this.buf;
    let p = this.pos;
    for (let k = d; k < width; k++) b[p++] = 0x20;
    if (v <= 0x7fffffff) for (let i = p + d - 1; i >= p; i--) { const q = (v / 10) | 0; b[i] = 0x30 + v - q * 10; v = q; }
    else for (let i = p + d - 1; i >= p; i--) { b[i] = 0x30 + (v % 10); v = Math.floor(v / 10); }
    this.pos = p + d;
  }

  /** Everything written and not yet flushed, in order. */
  finish(): Buffer[] {
    if (this.pos) this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(0);
    this.pos = 0;
    return this.chunks.splice(0);
  }

  /** Flush what is left (or write it to `out` when there is no flush). */
  end(out?: NodeJS.WritableStream): void {
    for (const c of this.finish()) {
      if (this.flush) this.flush(c); else out?.write(c);
    }
  }
}

/** Number of decimal digits of a non-negative integer below 2^53. */
export function decimalDigits(v: number): number {
  if (v < 10) return 1;
  if (v < 100) return 2;
  if (v < 1000) return 3;
  if (v < 10000) return 4;
  let d = 1;
  while (v >= 10) { v = Math.floor(v / 10); d++; }
  return d;
}
