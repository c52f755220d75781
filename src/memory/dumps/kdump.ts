/**
 * kdump-compressed ("diskdump") dumps: what makedumpfile writes and what QEMU's
 * dump-guest-memory writes with format kdump-zlib, kdump-lzo or kdump-snappy.
 * 64-bit little-endian layout (x86-64 guests), block = page:
 *
 *   block 0      disk_dump_header: "KDUMP   " or "DISKDUMP", header_version,
 *                utsname (6 x 65 bytes), timestamp, status (compression),
 *                block_size, sub_hdr_size, bitmap_blocks, max_mapnr, ...
 *   block 1..    kdump_sub_header: phys_base, dump_level, split, start/end pfn,
 *                offset/size of VMCOREINFO text, of ELF notes, of erase info,
 *                64-bit start/end pfn and max_mapnr (header_version >= 6)
 *   then         two bitmaps of bitmap_blocks*block_size/2 bytes each, bit p =
 *                page frame p (LSB first): the first says the page exists in
 *                the machine, the second that it is in the dump. A page in
 *                the first and not the second was excluded by the dump level
 *                (zero, cache, user, free pages): a hole here, as the issue asks.
 *   then         one page_desc {u64 offset, u32 size, u32 flags, u64 page_flags}
 *                per dumped page, in page-frame order; flags say zlib (0x1),
 *                lzo (0x2), snappy (0x4), zstd (0x20, through fzstd, the
 *                project's zstd decoder) or none.
 *
 * Pages are decompressed on demand into a small LRU cache; nothing is read
 * whole. The page-descriptor index of a frame is the number of set bits before
 * it in the second bitmap (a rank table with one count per 64 frames).
 */
import { inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { FormatError, type ByteSource } from '../../bytes/index.js';
import { MemoryFault } from '../fault.js';
import { parseNoteBlob, vmcoreinfoFromNotes } from '../notes.js';
import { PhysicalMemory, type DumpInfo, type DumpNote, type PhysRange } from '../phys.js';
import { lzo1xDecompress } from './lzo.js';
import { snappyDecompress } from './snappy.js';

export const DUMP_DH_COMPRESSED_ZLIB = 0x1;
export const DUMP_DH_COMPRESSED_LZO = 0x2;
export const DUMP_DH_COMPRESSED_SNAPPY = 0x4;
export const DUMP_DH_COMPRESSED_INCOMPLETE = 0x8;
export const DUMP_DH_EXCLUDED_VMEMMAP = 0x10;
export const DUMP_DH_COMPRESSED_ZSTD = 0x20;

const COMPRESSION_NAMES: [number, string][] = [
  [DUMP_DH_COMPRESSED_ZLIB, 'zlib'], [DUMP_DH_COMPRESSED_LZO, 'lzo'],
  [DUMP_DH_COMPRESSED_SNAPPY, 'snappy'], [DUMP_DH_COMPRESSED_ZSTD, 'zstd'],
];

const FORMAT = 'kdump';
const PAGE_DESC_SIZE = 24;
const CACHE_PAGES = 1024;

export function isKdump(head: Uint8Array): boolean {
  const sig = Buffer.from(head.subarray(0, 8)).toString('latin1');
  return sig === 'KDUMP   ' || sig === 'DISKDUMP';
}

function cstr(b: Uint8Array): string {
  const z = b.indexOf(0);
  return Buffer.from(z >= 0 ? b.subarray(0, z) : b).toString('latin1');
}

export class KdumpMemory extends PhysicalMemory {
  readonly name: string;
  readonly blockSize: number;
  readonly headerVersion: number;
  readonly maxMapnr: number;
  readonly physBase: bigint;
  readonly dumpLevel: number;
  readonly status: number;
  readonly utsname: { sysname: string; nodename: string; release: string; version: string; machine: string };
  private readonly bitmap1: Uint8Array;
  private readonly bitmap2: Uint8Array;
  private readonly rank: Uint32Array;
  private readonly descOffset: number;
  private readonly rangeList: PhysRange[];
  private readonly notes: DumpNote[];
  private readonly vmcoreinfo?: string;
  private readonly cache = new Map<number, Uint8Array>();
  private readonly pageShift: number;
  /** Pages in the first bitmap but not the second (excluded by dump level). */
  readonly excludedPages: number;
  readonly dumpedPages: number;

  constructor(readonly source: ByteSource, readonly formatName = FORMAT) {
    super();
    this.name = `physical memory of ${source.name}`;
    const place = (section: string, offset: number) => ({ source: source.name, format: formatName, section, offset });
    if (source.size < 464) throw new FormatError(`file too short for a kdump header (${source.size} bytes)`, place('header', 0));
    const h = Buffer.from(source.readCopy(0, 464));
    if (!isKdump(h)) throw new FormatError(`bad signature ${JSON.stringify(h.subarray(0, 8).toString('latin1'))}`, place('header', 0));
    this.headerVersion = h.readInt32LE(8);
    const u = (i: number) => cstr(h.subarray(12 + 65 * i, 12 + 65 * (i + 1)));
    this.utsname = { sysname: u(0), nodename: u(1), release: u(2), version: u(3), machine: u(4) };
    this.status = h.readUInt32LE(424);
    this.blockSize = h.readInt32LE(428);
    const subHdrSize = h.readInt32LE(432);
    const bitmapBlocks = h.readUInt32LE(436);
    let maxMapnr = h.readUInt32LE(440);
    if (this.blockSize < 512 || this.blockSize > 1 << 20 || (this.blockSize & (this.blockSize - 1))) {
      throw new FormatError(`bad block size ${this.blockSize}`, place('header', 428));
    }
    this.pageShift = Math.log2(this.blockSize);
    if (subHdrSize < 0 || subHdrSize > 1 << 16) throw new FormatError(`bad sub-header size ${subHdrSize} blocks`, place('header', 432));
    // Sub-header.
    const sh = Buffer.from(this.readFile(this.blockSize, 104, 'sub-header'));
    this.physBase = sh.readBigUInt64LE(0);
    this.dumpLevel = sh.readInt32LE(8);
    if (this.headerVersion >= 6) {
      const m64 = sh.readBigUInt64LE(96);
      if (m64 > BigInt(maxMapnr)) maxMapnr = Number(m64 > 1n << 40n ? 1n << 40n : m64);
    }
    // Bitmaps.
    const bitmapOff = this.blockSize * (1 + subHdrSize);
    const bitmapLen = bitmapBlocks * this.blockSize;
    if (bitmapLen === 0 || bitmapOff + bitmapLen > source.size) {
      throw new FormatError(`bitmaps (${bitmapBlocks} blocks at 0x${bitmapOff.toString(16)}) run past the end of the file`, place('header', 436));
    }
    const half = bitmapLen / 2;
    if (maxMapnr > half * 8) throw new FormatError(`max_mapnr ${maxMapnr} needs more bitmap than the ${bitmapBlocks} blocks given`, place('header', 440));
    this.maxMapnr = maxMapnr;
    const bm = source.readCopy(bitmapOff, bitmapLen);
    this.bitmap1 = bm.subarray(0, half);
    this.bitmap2 = bm.subarray(half);
    this.descOffset = bitmapOff + bitmapLen;
    // Rank table and ranges from the second bitmap.
    const words = Math.ceil(maxMapnr / 64);
    this.rank = new Uint32Array(words + 1);
    let count = 0, excluded = 0;
    const ranges: PhysRange[] = [];
    let runStart = -1;
    for (let w = 0; w < words; w++) {
      this.rank[w] = count;
      for (let bit = 0; bit < 64; bit++) {
        const pfn = w * 64 + bit;
        if (pfn >= maxMapnr) break;
        const d = (this.bitmap2[pfn >>> 3] >>> (pfn & 7)) & 1;
        if (d) { count++; if (runStart < 0) runStart = pfn; }
        else {
          if ((this.bitmap1[pfn >>> 3] >>> (pfn & 7)) & 1) excluded++;
          if (runStart >= 0) { ranges.push({ start: runStart * this.blockSize, end: pfn * this.blockSize }); runStart = -1; }
        }
      }
    }
    if (runStart >= 0) ranges.push({ start: runStart * this.blockSize, end: maxMapnr * this.blockSize });
    this.rank[words] = count;
    this.dumpedPages = count;
    this.excludedPages = excluded;
    this.rangeList = ranges;
    if (this.descOffset + count * PAGE_DESC_SIZE > source.size) {
      // Truncated dump: keep the pages whose descriptors are there.
      const have = Math.max(0, Math.floor((source.size - this.descOffset) / PAGE_DESC_SIZE));
      this.truncateTo(have);
    }
    // VMCOREINFO and notes.
    let notes: DumpNote[] = [];
    let vmcoreinfo: string | undefined;
    if (this.headerVersion >= 3) {
      const off = Number(sh.readBigUInt64LE(32)), size = Number(sh.readBigUInt64LE(40));
      if (size > 0 && size < 1 << 20 && off + size <= source.size) vmcoreinfo = Buffer.from(source.readCopy(off, size)).toString('latin1').replace(/\0+$/, '');
    }
    if (this.headerVersion >= 4) {
      const off = Number(sh.readBigUInt64LE(48)), size = Number(sh.readBigUInt64LE(56));
      if (size > 0 && size < 1 << 24 && off + size <= source.size) {
        notes = parseNoteBlob(source.readCopy(off, size), { source: source.name, format: formatName, offset: off });
      }
    }
    this.notes = notes;
    this.vmcoreinfo = vmcoreinfo ?? vmcoreinfoFromNotes(notes);
  }

  /** Drop pages past the first `n` dumped ones (their descriptors are missing). */
  private truncateTo(n: number): void {
    let seen = 0;
    const out: PhysRange[] = [];
    for (const r of this.rangeList) {
      const pages = (r.end - r.start) / this.blockSize;
      if (seen + pages <= n) { out.push(r); seen += pages; continue; }
      const keep = n - seen;
      if (keep > 0) out.push({ start: r.start, end: r.start + keep * this.blockSize });
      break;
    }
    this.rangeList.length = 0;
    this.rangeList.push(...out);
  }

  private readFile(offset: number, length: number, section: string): Uint8Array {
    if (offset + length > this.source.size) {
      throw new FormatError(`${section} (0x${length.toString(16)} bytes) runs past the end of the file`, { source: this.source.name, format: this.formatName, section, offset });
    }
    return this.source.read(offset, length);
  }

  ranges(): readonly PhysRange[] { return this.rangeList; }

  private isDumped(pfn: number): boolean {
    if (pfn >= this.maxMapnr) return false;
    if (!((this.bitmap2[pfn >>> 3] >>> (pfn & 7)) & 1)) return false;
    // Inside a range (not cut by truncation)?
    const last = this.rangeList[this.rangeList.length - 1];
    return !!last && pfn * this.blockSize < last.end;
  }

  private descIndex(pfn: number): number {
    const w = pfn >>> 6;
    let r = this.rank[w];
    for (let p = w * 64; p < pfn; p++) r += (this.bitmap2[p >>> 3] >>> (p & 7)) & 1;
    return r;
  }

  /** The decompressed page `pfn`, or undefined if it is not in the dump. */
  page(pfn: number): Uint8Array | undefined {
    const hit = this.cache.get(pfn);
    if (hit) { this.cache.delete(pfn); this.cache.set(pfn, hit); return hit; }
    if (!this.isDumped(pfn)) return undefined;
    const idx = this.descIndex(pfn);
    const dOff = this.descOffset + idx * PAGE_DESC_SIZE;
    const d = this.readFile(dOff, PAGE_DESC_SIZE, 'page descriptors');
    const dv = new DataView(d.buffer, d.byteOffset, PAGE_DESC_SIZE);
    const off = dv.getBigUint64(0, true), size = dv.getUint32(8, true), flags = dv.getUint32(12, true);
    const pa = pfn * this.blockSize;
    const bad = (why: string) => new MemoryFault(this.name, pa, `${why} (page descriptor ${idx} at file offset 0x${dOff.toString(16)})`);
    if (size > this.blockSize * 2 || size === 0) throw bad(`bad compressed size ${size}`);
    if (off + BigInt(size) > BigInt(this.source.size)) throw bad(`page data at 0x${off.toString(16)} runs past the end of the file`);
    const raw = this.source.read(Number(off), size);
    let data: Uint8Array;
    try {
      if (flags & DUMP_DH_COMPRESSED_ZLIB) data = inflateSync(raw, { maxOutputLength: this.blockSize });
      else if (flags & DUMP_DH_COMPRESSED_LZO) data = lzo1xDecompress(raw, this.blockSize);
      else if (flags & DUMP_DH_COMPRESSED_SNAPPY) data = snappyDecompress(raw, this.blockSize);
      else if (flags & DUMP_DH_COMPRESSED_ZSTD) data = zstdDecompress(raw, new Uint8Array(this.blockSize));
      else data = raw.slice();
    } catch (e) {
      if (e instanceof MemoryFault) throw e;
      throw bad(`cannot decompress: ${(e as Error).message}`);
    }
    if (data.length !== this.blockSize) throw bad(`page decompresses to ${data.length} bytes, not ${this.blockSize}`);
    if (this.cache.size >= CACHE_PAGES) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(pfn, data);
    return data;
  }

  readPhys(pa: number, out: Uint8Array, at: number, length: number): number {
    let done = 0;
    while (done < length) {
      const a = pa + done;
      const pfn = Math.floor(a / this.blockSize);
      const p = this.page(pfn);
      if (!p) break;
      const o = a - pfn * this.blockSize;
      const n = Math.min(length - done, this.blockSize - o);
      out.set(p.subarray(o, o + n), at + done);
      done += n;
    }
    return done;
  }

  compression(): string {
    const names = COMPRESSION_NAMES.filter(([f]) => this.status & f).map(([, n]) => n);
    return names.length ? names.join('+') : 'none';
  }

  info(): DumpInfo {
    return {
      format: this.formatName,
      details: [
        ['signature', Buffer.from(this.source.read(0, 8)).toString('latin1').trim()],
        ['header version', this.headerVersion],
        ['compression', this.compression()],
        ['block size', this.blockSize],
        ['max_mapnr', this.maxMapnr],
        ['dump level', this.dumpLevel],
        ['phys_base', this.physBase],
        ['pages dumped', this.dumpedPages],
        ['pages excluded (holes)', this.excludedPages],
        ['release', this.utsname.release],
        ['version', this.utsname.version],
        ['machine', this.utsname.machine],
      ],
      notes: this.notes,
      vmcoreinfo: this.vmcoreinfo,
      machine: this.utsname.machine || undefined,
    };
  }

  close(): void {
    this.cache.clear();
    this.source.close();
  }
}
