/**
 * Snappy raw-format decompression (snappy_compress output, what kdump-snappy
 * stores per page), bounds-checked, from the format description in snappy's
 * format_description.txt:
 *
 *   varint uncompressed length, then elements whose tag's low 2 bits say:
 *   00 literal: length-1 in tag>>2 (< 60), or in the next 1-4 LE bytes (60-63)
 *   01 copy: length 4 + ((tag>>2)&7), offset ((tag>>5)<<8) | next byte
 *   10 copy: length 1 + (tag>>2), offset LE16
 *   11 copy: length 1 + (tag>>2), offset LE32
 *   Copies may overlap their own output (run-length style).
 */

export class SnappyError extends Error {}

export function snappyDecompress(src: Uint8Array, outLen: number): Uint8Array {
  let ip = 0;
  const n = src.length;
  let len = 0, shift = 0;
  for (;;) {
    if (ip >= n || shift > 28) throw new SnappyError('bad length preamble');
    const b = src[ip++];
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (len !== outLen) throw new SnappyError(`stream holds ${len} bytes, expected ${outLen}`);
  const out = new Uint8Array(outLen);
  let op = 0;
  while (ip < n) {
    const tag = src[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let l = tag >> 2;
      if (l >= 60) {
        const k = l - 59;
        if (ip + k > n) throw new SnappyError('truncated literal length');
        l = 0;
        for (let i = 0; i < k; i++) l += src[ip + i] * 2 ** (8 * i);
        ip += k;
      }
      l += 1;
      if (ip + l > n || op + l > outLen) throw new SnappyError('literal overruns input or output');
      out.set(src.subarray(ip, ip + l), op);
      ip += l; op += l;
      continue;
    }
    let l: number, off: number;
    if (kind === 1) {
      if (ip >= n) throw new SnappyError('truncated copy');
      l = 4 + ((tag >> 2) & 7);
      off = ((tag >> 5) << 8) | src[ip++];
    } else if (kind === 2) {
      if (ip + 2 > n) throw new SnappyError('truncated copy');
      l = 1 + (tag >> 2);
      off = src[ip] | (src[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > n) throw new SnappyError('truncated copy');
      l = 1 + (tag >> 2);
      off = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16)) + src[ip + 3] * 2 ** 24;
      ip += 4;
    }
    if (off === 0 || off > op) throw new SnappyError(`copy offset ${off} outside output`);
    if (op + l > outLen) throw new SnappyError('copy overruns output');
    let from = op - off;
    for (let i = 0; i < l; i++) out[op++] = out[from++];
  }
  if (op !== outLen) throw new SnappyError(`stream ended after ${op} of ${outLen} bytes`);
  return out;
}
