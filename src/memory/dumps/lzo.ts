/**
 * LZO1X decompression (what liblzo2's lzo1x_1_compress writes, and what
 * makedumpfile -l and QEMU's kdump-lzo store per page). Node has no LZO, and
 * the format is short, so here is a bounds-checked decoder written from the
 * format description (the Linux kernel's Documentation/staging/lzo.rst).
 *
 * The stream is a sequence of instructions; `state` is the number of literals
 * the previous instruction copied (0..3, or 4 for "4 or more"):
 *
 *   first byte 18..255   copy (b - 17) literals; state = min(that, 4)
 *   0000LLLL, state 0     copy 3 + L literals (L = 0: 15 + extension); state 4
 *   0000DDSS, state 1..3  copy 2 bytes, distance (H << 2) + D + 1
 *   0000DDSS, state 4     copy 3 bytes, distance (H << 2) + D + 2049
 *   0001HLLL              copy 2 + L bytes (L = 0: 7 + ext), distance
 *                         16384 + (H << 14) + (LE16 >> 2); 16384 ends the stream
 *   001LLLLL              copy 2 + L bytes (L = 0: 31 + ext), distance (LE16 >> 2) + 1
 *   01LDDDSS              copy 3 + L bytes, distance (H << 3) + D + 1
 *   1LLDDDSS              copy 5 + L bytes, distance (H << 3) + D + 1
 *
 * where H is the next byte, an extension is a run of zero bytes (255 each)
 * then one non-zero byte, and SS (the low 2 bits of the instruction or of the
 * LE16) is the number of literals that follow the copy (the new state).
 */

export class LzoError extends Error {}

/** Decompress `src` into exactly `outLen` bytes (a kdump page). Throws LzoError on bad input. */
export function lzo1xDecompress(src: Uint8Array, outLen: number): Uint8Array {
  const out = new Uint8Array(outLen);
  let ip = 0, op = 0, state = 0;
  const n = src.length;
  const need = (k: number): void => { if (ip + k > n) throw new LzoError(`input ends at ${n}`); };
  const ext = (base: number): number => {
    let len = base;
    for (;;) {
      need(1);
      const b = src[ip++];
      if (b !== 0) return len + b;
      len += 255;
      if (len > outLen + 255) throw new LzoError('length extension too long');
    }
  };
  const literals = (k: number): void => {
    need(k);
    if (op + k > outLen) throw new LzoError('output overrun');
    out.set(src.subarray(ip, ip + k), op);
    ip += k; op += k;
  };
  const copy = (dist: number, len: number): void => {
    if (dist > op || dist <= 0) throw new LzoError(`distance ${dist} before the start of output`);
    if (op + len > outLen) throw new LzoError('output overrun');
    let from = op - dist;
    for (let i = 0; i < len; i++) out[op++] = out[from++];
  };

  need(1);
  if (src[0] === 17) throw new LzoError('LZO-RLE bitstream (version byte 17) not supported');
  if (src[0] > 17) {
    const t = src[ip++] - 17;
    literals(t);
    state = t < 4 ? t : 4;
  }
  for (let guard = 0; guard <= outLen + 16; guard++) {
    need(1);
    const b = src[ip++];
    let s: number;
    if (b < 16) {
      if (state === 0) {
        const len = 3 + (b === 0 ? ext(15) : b);
        literals(len);
        state = 4;
        continue;
      }
      need(1);
      const h = src[ip++];
      s = b & 3;
      if (state === 4) copy((h << 2) + ((b >> 2) & 3) + 2049, 3);
      else copy((h << 2) + ((b >> 2) & 3) + 1, 2);
    } else if (b < 32) {
      const len = 2 + ((b & 7) === 0 ? ext(7) : b & 7);
      need(2);
      const v = src[ip] | (src[ip + 1] << 8);
      ip += 2;
      const dist = 16384 + ((b & 8) << 11) + (v >> 2);
      if (dist === 16384) {
        if (op !== outLen) throw new LzoError(`stream ended after ${op} of ${outLen} bytes`);
        return out;
      }
      s = v & 3;
      copy(dist, len);
    } else if (b < 64) {
      const len = 2 + ((b & 31) === 0 ? ext(31) : b & 31);
      need(2);
      const v = src[ip] | (src[ip + 1] << 8);
      ip += 2;
      s = v & 3;
      copy((v >> 2) + 1, len);
    } else {
      need(1);
      const h = src[ip++];
      const len = b < 128 ? 3 + ((b >> 5) & 1) : 5 + ((b >> 5) & 3);
      s = b & 3;
      copy((h << 3) + ((b >> 2) & 7) + 1, len);
    }
    if (s) literals(s);
    state = s;
  }
  throw new LzoError('no end-of-stream marker');
}
