/**
 * Saving and loading a memory map: a documented, versioned, stable binary
 * format (the seed's to_channel / from_channel, which it never implemented).
 *
 * What is saved is the map's resolved picture: the present bytes after every
 * override, as maximal runs of addresses, plus word size, endianness and a
 * name. Holes are not stored. Loading maps the file's data regions back
 * positionally (a saved 4 GB map loads in microseconds and reads lazily).
 *
 * Format "VMMEMMAP" version 1. Every integer is little-endian.
 *
 *   offset  size  field
 *   0       8     magic: the ASCII bytes "VMMEMMAP"
 *   8       4     u32 version = 1 (a reader refuses any other)
 *   12      1     u8 word size: 0 unset, 4 or 8
 *   13      1     u8 endianness: 0 unset, 1 little, 2 big
 *   14      2     u16 flags (a reader refuses unknown flags):
 *                   0x1 VMCOREINFO: the name is followed by u64 length V and
 *                       V bytes of the guest's VMCOREINFO text
 *   16      8     u64 number of ranges N
 *   24      8     u64 length L of the name (UTF-8, no NUL)
 *   32      24*N  ranges, ascending by address, disjoint:
 *                   u64 address, u64 size (> 0), u64 file offset of its data
 *   32+24N  L     the name
 *   (flag 0x1)    u64 V, then V bytes of VMCOREINFO text
 *   ...           data: each range's `size` bytes at its file offset; offsets
 *                 are multiples of 4096 (so pages stay aligned in the file)
 *
 * A range never crosses 2^64. Later versions may add flags or fields after
 * the name; version 1 files will always load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSource, FormatError, Reader, type ByteSource } from '../bytes/index.js';
import { MemoryMap, type AnyMap, type Endian, type Wordsize } from './map.js';
import { ADDR_LIMIT, SourceSpace, mergedExtents, type AddressSpace, type Extent } from './space.js';

export const MAPFILE_MAGIC = 'VMMEMMAP';
export const MAPFILE_VERSION = 1;
const HEADER_SIZE = 32;
const RANGE_SIZE = 24;
const DATA_ALIGN = 4096;
const FLAG_VMCOREINFO = 0x1;
const KNOWN_FLAGS = FLAG_VMCOREINFO;
const FORMAT = 'virtmem memory map';

export interface SaveOptions {
  wordsize?: Wordsize;
  endian?: Endian;
  name?: string;
  /** VMCOREINFO text to keep with the memory (flag 0x1). */
  vmcoreinfo?: string;
  /** Only addresses in [from, to). */
  from?: bigint;
  to?: bigint;
}

/**
 * Write the present bytes of `space` (usually a MemoryMap) to `target`,
 * atomically (temporary file, fsync, rename). Returns the ranges written.
 */
export function saveMap(space: AddressSpace, target: string, opts: SaveOptions = {}): Extent[] {
  const m = space as Partial<AnyMap>;
  const wordsize = opts.wordsize ?? m.wordsizeOrUndefined;
  const endian = opts.endian ?? m.endianOrUndefined;
  const ranges = [...mergedExtents(space, opts.from ?? 0n, opts.to ?? ADDR_LIMIT)];
  const name = Buffer.from(opts.name ?? space.name, 'utf8');
  const vmci = opts.vmcoreinfo !== undefined ? Buffer.from(opts.vmcoreinfo, 'latin1') : undefined;
  const tail = vmci ? 8 + vmci.length : 0;
  let off = align(HEADER_SIZE + RANGE_SIZE * ranges.length + name.length + tail);
  const head = Buffer.alloc(off);
  head.write(MAPFILE_MAGIC, 0, 'latin1');
  head.writeUInt32LE(MAPFILE_VERSION, 8);
  head.writeUInt8(wordsize ?? 0, 12);
  head.writeUInt8(endian === 'little' ? 1 : endian === 'big' ? 2 : 0, 13);
  head.writeUInt16LE(vmci ? FLAG_VMCOREINFO : 0, 14);
  head.writeBigUInt64LE(BigInt(ranges.length), 16);
  head.writeBigUInt64LE(BigInt(name.length), 24);
  const offsets: number[] = [];
  ranges.forEach((r, i) => {
    const p = HEADER_SIZE + RANGE_SIZE * i;
    head.writeBigUInt64LE(r.start, p);
    head.writeBigUInt64LE(r.end - r.start, p + 8);
    head.writeBigUInt64LE(BigInt(off), p + 16);
    offsets.push(off);
    off = align(off + Number(r.end - r.start));
  });
  name.copy(head, HEADER_SIZE + RANGE_SIZE * ranges.length);
  if (vmci) {
    const p = HEADER_SIZE + RANGE_SIZE * ranges.length + name.length;
    head.writeBigUInt64LE(BigInt(vmci.length), p);
    vmci.copy(head, p + 8);
  }

  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, head, 0);
    const chunk = Buffer.alloc(4 << 20);
    ranges.forEach((r, i) => {
      let a = r.start;
      let pos = offsets[i];
      while (a < r.end) {
        const n = r.end - a < BigInt(chunk.length) ? Number(r.end - a) : chunk.length;
        const got = space.readInto(a, chunk, 0, n);
        if (got < n) throw new FormatError(`address 0x${(a + BigInt(got)).toString(16)} listed as present but not readable`, { source: space.name });
        writeAll(fd, chunk.subarray(0, n), pos);
        a += BigInt(n); pos += n;
      }
    });
    // Pad the file so the last range's alignment padding exists (size = off).
    fs.ftruncateSync(fd, off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
  } catch (e) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return ranges;
}

function writeAll(fd: number, b: Uint8Array, pos: number): void {
  let done = 0;
  while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done, pos + done);
}

function align(n: number): number {
  return Math.ceil(n / DATA_ALIGN) * DATA_ALIGN;
}

/** Header facts of a saved map. */
export interface MapFileInfo {
  version: number;
  wordsize?: Wordsize;
  endian?: Endian;
  name: string;
  ranges: { addr: bigint; size: bigint; offset: number }[];
  vmcoreinfo?: string;
}

/** Parse and check the header of a saved map. */
export function readMapFileInfo(src: ByteSource): MapFileInfo {
  const place = { source: src.name, format: FORMAT, section: 'header' };
  if (src.size < HEADER_SIZE) throw new FormatError(`file too short for a header (${src.size} bytes)`, { ...place, offset: 0 });
  const r = new Reader(src.readCopy(0, HEADER_SIZE), { littleEndian: true, source: src.name, format: FORMAT, section: 'header' });
  const magic = Buffer.from(r.bytesN(8)).toString('latin1');
  if (magic !== MAPFILE_MAGIC) throw r.error(`not a saved memory map (magic ${JSON.stringify(magic)})`);
  const version = r.u32();
  if (version !== MAPFILE_VERSION) throw r.error(`unsupported version ${version} (this virtmem reads version ${MAPFILE_VERSION})`);
  const ws = r.u8();
  if (ws !== 0 && ws !== 4 && ws !== 8) throw r.error(`bad word size ${ws}`);
  const en = r.u8();
  if (en > 2) throw r.error(`bad endianness code ${en}`);
  const flags = r.u16();
  if (flags & ~KNOWN_FLAGS) throw r.error(`unknown flags 0x${(flags & ~KNOWN_FLAGS).toString(16)}`);
  const n = r.u64();
  const nameLen = r.u64();
  const tableEnd = BigInt(HEADER_SIZE) + n * BigInt(RANGE_SIZE) + nameLen;
  if (tableEnd > BigInt(src.size)) throw new FormatError(`range table (${n} ranges) and name run past the end of the file`, { ...place, offset: 16 });
  const nr = Number(n);
  const t = new Reader(src.readCopy(HEADER_SIZE, nr * RANGE_SIZE + Number(nameLen)), { littleEndian: true, source: src.name, format: FORMAT, section: 'ranges', base: HEADER_SIZE });
  const ranges: MapFileInfo['ranges'] = [];
  let prevEnd = 0n;
  for (let i = 0; i < nr; i++) {
    t.start = t.pos;
    const addr = t.u64(), size = t.u64(), off = t.u64();
    if (size === 0n) throw t.error(`range ${i} is empty`);
    if (addr + size > ADDR_LIMIT) throw t.error(`range ${i} crosses 2^64`);
    if (i > 0 && addr < prevEnd) throw t.error(`range ${i} at 0x${addr.toString(16)} overlaps or precedes the one before`);
    if (off + size > BigInt(src.size)) throw t.error(`range ${i} data (0x${size.toString(16)} bytes at offset 0x${off.toString(16)}) runs past the end of the file`);
    prevEnd = addr + size;
    ranges.push({ addr, size, offset: Number(off) });
  }
  const name = Buffer.from(t.bytesN(Number(nameLen))).toString('utf8');
  let vmcoreinfo: string | undefined;
  if (flags & FLAG_VMCOREINFO) {
    const at = HEADER_SIZE + nr * RANGE_SIZE + Number(nameLen);
    if (at + 8 > src.size) throw new FormatError('VMCOREINFO length runs past the end of the file', { ...place, section: 'VMCOREINFO', offset: at });
    const v = new DataView(src.readCopy(at, 8).buffer).getBigUint64(0, true);
    if (BigInt(at + 8) + v > BigInt(src.size) || v > 1n << 24n) throw new FormatError(`VMCOREINFO of ${v} bytes runs past the end of the file`, { ...place, section: 'VMCOREINFO', offset: at });
    vmcoreinfo = Buffer.from(src.readCopy(at + 8, Number(v))).toString('latin1');
  }
  return {
    vmcoreinfo,
    version,
    wordsize: ws === 0 ? undefined : (ws as Wordsize),
    endian: en === 0 ? undefined : en === 1 ? 'little' : 'big',
    name,
    ranges,
  };
}

/**
 * Load a saved map. Its word size and endianness are set when the file has
 * them; narrow with `sized(map)` before following pointers.
 */
export function loadMap(file: string | ByteSource): AnyMap {
  const src = typeof file === 'string' ? new FileSource(file) : file;
  const info = readMapFileInfo(src);
  const space = new SourceSpace(src);
  // A saved map with no ranges is still a map; reads of it fault, as in any hole.
  let m = MemoryMap.create(info.name || src.name) as unknown as AnyMap;
  for (const r of info.ranges) m = m.addSpace(space, r.addr, { offset: BigInt(r.offset), size: r.size });
  if (info.wordsize) m = (m as MemoryMap<undefined, Endian | undefined, true>).setWordsize(info.wordsize);
  if (info.endian) m = (m as MemoryMap<Wordsize | undefined, undefined, true>).setEndian(info.endian);
  return m;
}
