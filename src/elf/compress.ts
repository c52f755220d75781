/**
 * Compressed sections. Two encodings exist:
 *  - SHF_COMPRESSED (gABI): a compression header (Elf32_Chdr: type, size,
 *    addralign as u32; Elf64_Chdr: u32 type, u32 reserved, u64 size, u64
 *    addralign) followed by a zlib (ELFCOMPRESS_ZLIB) or zstd
 *    (ELFCOMPRESS_ZSTD) stream;
 *  - the older GNU form, sections named .zdebug_*: "ZLIB", the uncompressed
 *    size as a big-endian u64, then a zlib stream.
 * zlib comes from node:zlib; zstd from node:zlib where Node has it (22.15+),
 * else from fzstd (pure JS, no dependencies). The declared size is checked
 * against what the stream produces and against a ratio bound, so a lying header
 * cannot make us allocate gigabytes.
 */
import * as zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { Reader } from '../bytes/index.js';
import { ELFCOMPRESS } from './constants.js';

export interface CompressionHeader {
  type: number;
  size: number;
  addralign: number;
  /** Bytes of header before the stream. */
  headerSize: number;
}

interface Where { source: string; section: string; offset: number }

const nodeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array, o?: object) => Buffer }).zstdDecompressSync;

/** The largest expansion we accept (zlib's own limit is about 1032:1; zstd RLE blocks go further). */
const MAX_RATIO = 1 << 15;
const MAX_SIZE = 2 ** 32 - 1;

function err(w: Where, what: string) {
  return new Reader(new Uint8Array(0), { littleEndian: true, source: w.source, format: 'ELF', section: w.section, base: w.offset }).error(what, 0);
}

/** Decode the Elf32_Chdr/Elf64_Chdr at the start of a SHF_COMPRESSED section. */
export function readChdr(raw: Uint8Array, is64: boolean, le: boolean, w: Where): CompressionHeader {
  const r = new Reader(raw, { littleEndian: le, source: w.source, format: 'ELF', section: w.section, base: w.offset });
  if (is64) {
    const type = r.u32(); r.u32();
    const size = r.u64n(); const addralign = r.u64n();
    return { type, size, addralign, headerSize: 24 };
  }
  const type = r.u32(), size = r.u32(), addralign = r.u32();
  return { type, size, addralign, headerSize: 12 };
}

function checkSize(size: number, compressed: number, w: Where): void {
  if (size > MAX_SIZE || size > (compressed + 64) * MAX_RATIO) {
    throw err(w, `declared uncompressed size 0x${size.toString(16)} is absurd for 0x${compressed.toString(16)} compressed bytes`);
  }
}

function inflate(stream: Uint8Array, size: number, w: Where): Uint8Array {
  checkSize(size, stream.length, w);
  let out: Buffer;
  try {
    out = zlib.inflateSync(stream, { maxOutputLength: Math.max(size, 1) });
  } catch (e) {
    throw err(w, `zlib stream does not decompress (${(e as Error).message}) or exceeds the declared size 0x${size.toString(16)}`);
  }
  if (out.length !== size) throw err(w, `zlib stream gives 0x${out.length.toString(16)} bytes, header says 0x${size.toString(16)}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function unzstd(stream: Uint8Array, size: number, w: Where): Uint8Array {
  checkSize(size, stream.length, w);
  let out: Uint8Array;
  try {
    if (nodeZstd) out = nodeZstd(stream, { maxOutputLength: Math.max(size, 1) });
    else {
      const buf = new Uint8Array(size);
      out = fzstdDecompress(stream, buf);
    }
  } catch (e) {
    throw err(w, `zstd stream does not decompress (${(e as Error).message})`);
  }
  if (out.length !== size) throw err(w, `zstd stream gives 0x${out.length.toString(16)} bytes, header says 0x${size.toString(16)}`);
  return out;
}

/** Decompress a SHF_COMPRESSED section's raw bytes. */
export function decompressGabi(raw: Uint8Array, is64: boolean, le: boolean, w: Where): Uint8Array {
  const ch = readChdr(raw, is64, le, w);
  const stream = raw.subarray(ch.headerSize);
  if (ch.type === ELFCOMPRESS.ELFCOMPRESS_ZLIB) return inflate(stream, ch.size, w);
  if (ch.type === ELFCOMPRESS.ELFCOMPRESS_ZSTD) return unzstd(stream, ch.size, w);
  throw err(w, `unknown compression type ${ch.type} (expected ELFCOMPRESS_ZLIB 1 or ELFCOMPRESS_ZSTD 2)`);
}

/** True if raw bytes of a .zdebug_* section start with the "ZLIB" magic. */
export function isZdebug(raw: Uint8Array): boolean {
  return raw.length >= 12 && raw[0] === 0x5a && raw[1] === 0x4c && raw[2] === 0x49 && raw[3] === 0x42;
}

/** Decompress a legacy .zdebug_* section. */
export function decompressZdebug(raw: Uint8Array, w: Where): Uint8Array {
  if (!isZdebug(raw)) throw err(w, 'a .zdebug section without the "ZLIB" magic');
  const r = new Reader(raw, { littleEndian: false, source: w.source, format: 'ELF', section: w.section, base: w.offset });
  r.pos = 4;
  const size = r.u64n();
  return inflate(raw.subarray(12), size, w);
}
