/**
 * makedumpfile's flattened format (what `makedumpfile -F` and QEMU's
 * kdump-* to a pipe or fd write): a 4096-byte header starting with the
 * signature "makedumpfile" (then big-endian s64 type = 1, s64 version = 1),
 * followed by records {s64 offset, s64 size} (big-endian) each followed by
 * `size` bytes that belong at `offset` of the real kdump file; a record with
 * offset = size = -1 ends the stream. `makedumpfile -R` replays the records
 * into a file; FlatSource does the same virtually: an index from logical
 * offsets to record data, later records overriding earlier ones, never
 * copying the data. Bytes no record wrote read as zeros (as the sparse file
 * `makedumpfile -R` makes).
 */
import { FileSource, FormatError, type ByteSource } from '../../bytes/index.js';
import { RangeIndex } from '../ranges.js';
import { HeaderScanner } from './scan.js';

export const FLAT_SIGNATURE = 'makedumpfile';
const FLAT_HEADER_SIZE = 4096;
const FORMAT = 'flattened kdump';

export function isFlattened(head: Uint8Array): boolean {
  return head.length >= 24 && Buffer.from(head.subarray(0, 13)).toString('latin1') === FLAT_SIGNATURE + '\0';
}

export class FlatSource implements ByteSource {
  readonly size: number;
  readonly records: number;
  private readonly index: RangeIndex<number>;

  constructor(readonly name: string, private readonly file: ByteSource, index: RangeIndex<number>, size: number, records: number) {
    this.index = index;
    this.size = size;
    this.records = records;
  }

  /** Walk the record headers of a flattened file (small direct reads). */
  static open(path: string): FlatSource {
    const scan = new HeaderScanner(path);
    const index = new RangeIndex<number>();
    let size = 0, records = 0;
    try {
      const h = scan.read(0, 32, FORMAT, 'header');
      const type = h.readBigInt64BE(16), version = h.readBigInt64BE(24);
      if (type !== 1n) throw new FormatError(`type ${type}, expected 1`, { source: path, format: FORMAT, section: 'header', offset: 16 });
      if (version !== 1n) throw new FormatError(`version ${version}, expected 1`, { source: path, format: FORMAT, section: 'header', offset: 24 });
      let pos = FLAT_HEADER_SIZE;
      for (;;) {
        if (pos + 16 > scan.size) throw new FormatError('truncated: no end record', { source: path, format: FORMAT, section: 'records', offset: pos });
        const r = scan.read(pos, 16, FORMAT, 'records');
        const off = r.readBigInt64BE(0), len = r.readBigInt64BE(8);
        if (off === -1n && len === -1n) break;
        if (off < 0n || len < 0n || off + len > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new FormatError(`bad record (offset ${off}, size ${len})`, { source: path, format: FORMAT, section: 'records', offset: pos });
        }
        const data = pos + 16;
        if (BigInt(data) + len > BigInt(scan.size)) {
          throw new FormatError(`record of ${len} bytes runs past the end of the file`, { source: path, format: FORMAT, section: 'records', offset: pos });
        }
        const o = Number(off), l = Number(len);
        if (l > 0) index.insert(off, off + len, data - o);
        size = Math.max(size, o + l);
        records++;
        pos = data + l;
      }
    } finally {
      scan.close();
    }
    return new FlatSource(path, new FileSource(path), index, size, records);
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new FormatError(`read of 0x${length.toString(16)} byte(s) past the end of the reassembled dump (size 0x${this.size.toString(16)})`, { source: this.name, format: FORMAT, offset });
    }
    // Fast path: one record holds it all.
    const seg = this.index.find(BigInt(offset));
    if (seg && seg.end >= BigInt(offset + length)) return this.file.read(offset + seg.value, length);
    const out = new Uint8Array(length);
    for (const s of this.index.overlapping(BigInt(offset), BigInt(offset + length))) {
      const from = Math.max(Number(s.start), offset), to = Math.min(Number(s.end), offset + length);
      out.set(this.file.read(from + s.value, to - from), from - offset);
    }
    return out;
  }

  readCopy(offset: number, length: number): Uint8Array {
    return this.read(offset, length).slice();
  }

  readInto(offset: number, into: Uint8Array): void {
    into.set(this.read(offset, into.length));
  }

  close(): void { this.file.close(); }
}
