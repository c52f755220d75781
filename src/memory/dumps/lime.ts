/**
 * LiME (Linux Memory Extractor) format: a sequence of ranges, each a 32-byte
 * little-endian header then the bytes of the range.
 *
 *   u32 magic 0x4C694D45 ("EMiL" on disk), u32 version (1),
 *   u64 s_addr, u64 e_addr (inclusive), u8 reserved[8]
 */
import { FileSource, FormatError } from '../../bytes/index.js';
import { DirectReader, SegmentedMemory, type PhysSegment } from '../phys.js';
import { HeaderScanner } from './scan.js';

export const LIME_MAGIC = 0x4c694d45;
const FORMAT = 'LiME';
const MAX_RANGES = 1 << 20;

export function isLime(head: Uint8Array): boolean {
  return head.length >= 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === LIME_MAGIC;
}

export function openLime(path: string): SegmentedMemory {
  const scan = new HeaderScanner(path);
  const segs: PhysSegment[] = [];
  try {
    let pos = 0;
    while (pos < scan.size) {
      if (segs.length >= MAX_RANGES) throw new FormatError(`more than ${MAX_RANGES} ranges`, { source: path, format: FORMAT, offset: pos });
      const h = scan.read(pos, 32, FORMAT, 'range header');
      const magic = h.readUInt32LE(0);
      if (magic !== LIME_MAGIC) throw new FormatError(`bad range magic 0x${magic.toString(16)}`, { source: path, format: FORMAT, section: 'range header', offset: pos });
      const version = h.readUInt32LE(4);
      if (version !== 1) throw new FormatError(`unsupported version ${version}`, { source: path, format: FORMAT, section: 'range header', offset: pos + 4 });
      const s = h.readBigUInt64LE(8), e = h.readBigUInt64LE(16);
      if (e < s) throw new FormatError(`range end 0x${e.toString(16)} before start 0x${s.toString(16)}`, { source: path, format: FORMAT, section: 'range header', offset: pos + 8 });
      const len = e - s + 1n;
      if (e >= 1n << 52n) throw new FormatError(`physical address 0x${e.toString(16)} beyond 52 bits`, { source: path, format: FORMAT, section: 'range header', offset: pos + 16 });
      const avail = BigInt(scan.size - pos - 32);
      // A truncated last range keeps what is there; the rest reads as a hole.
      const fileSize = len <= avail ? Number(len) : Number(avail);
      segs.push({ pa: Number(s), size: fileSize, offset: pos + 32, fileSize });
      pos += 32 + Number(len);
    }
  } finally {
    scan.close();
  }
  const src = new FileSource(path);
  const m = new SegmentedMemory(`physical memory of ${path}`, src, segs, {
    format: FORMAT,
    details: [['ranges', segs.length], ['bytes', segs.reduce((a, s) => a + s.size, 0)]],
    notes: [],
  });
  m.direct = new DirectReader(path);
  return m;
}
