/**
 * .virtmem.lines: the address -> (file, line, discriminator) table of a
 * profile (layout in format.ts). Written from a dwarf/ LineTable; read lazily:
 * a lookup bisects the block starts, then decodes at most LINE_BLOCK_ROWS rows
 * of one block. Nothing else is decoded; file paths are read from the linked
 * string table when a lookup returns them.
 *
 * Every block is checked as it is decoded (rows stay inside the block, the
 * address never goes backwards, file numbers are in the table), on top of the
 * section's CRC-32: a corrupt section is an error, never a wrong answer.
 */
import { FormatError, Reader, Writer, cstringAt } from '../bytes/index.js';
import type { LineHit, LineLookup, LineTable } from '../dwarf/index.js';
import { LINE_BLOCK_ROWS, SECTION_HEADER_SIZE } from './format.js';

/** Largest address step kept inside one block (a bigger one starts a new block; keeps uleb values below 2^53). */
const MAX_DELTA = 2 ** 48;
const TWO32 = 2 ** 32;

/** The body (after the section header) and the string table of a lines section. */
export function encodeLines(t: LineTable, littleEndian: boolean): { body: Uint8Array; strtab: Uint8Array } {
  // String table: "" then each path once.
  const enc = new TextEncoder();
  const strParts: Uint8Array[] = [new Uint8Array(1)];
  let strLen = 1;
  const fileOffsets = new Uint32Array(t.files.length);
  for (let i = 1; i < t.files.length; i++) {
    fileOffsets[i] = strLen;
    const b = enc.encode(t.files[i]);
    strParts.push(b, new Uint8Array(1));
    strLen += b.length + 1;
  }
  const strtab = new Uint8Array(strLen);
  let at = 0;
  for (const p of strParts) { strtab.set(p, at); at += p.length; }

  // Rows into blocks.
  const rows = new Writer(littleEndian, t.length * 3 + 64);
  const blockStarts: bigint[] = [];
  const blockOffsets: number[] = [];
  const n = t.length;
  let inBlock = LINE_BLOCK_ROWS;
  let prevAddr = 0, prevHi = 0, prevFile = -1, prevLine = 0;
  for (let i = 0; i < n; i++) {
    const hi = t.hi[i], lo = t.lo[i];
    const delta = (hi - prevHi) * TWO32 + (lo - prevAddr);
    if (inBlock >= LINE_BLOCK_ROWS || delta >= MAX_DELTA || delta < 0) {
      blockStarts.push((BigInt(hi) << 32n) | BigInt(lo));
      blockOffsets.push(rows.length);
      inBlock = 0; prevFile = -1; prevLine = 0;
      prevHi = hi; prevAddr = lo;
    }
    const d = (hi - prevHi) * TWO32 + (lo - prevAddr);
    const file = t.file[i], disc = t.disc[i], line = t.line[i];
    const flags = (file !== prevFile ? 1 : 0) | (disc ? 2 : 0);
    rows.uleb128(d * 4 + flags);
    if (flags & 1) rows.uleb128(file);
    rows.sleb128(line - prevLine);
    if (disc) rows.uleb128(disc);
    prevHi = hi; prevAddr = lo; prevFile = file; prevLine = line;
    inBlock++;
  }
  const nb = blockStarts.length;
  const w = new Writer(littleEndian, rows.length + nb * 12 + t.files.length * 4 + 64);
  w.u32(n).u32(nb).u32(t.files.length).u32(0);
  for (const s of blockStarts) w.u64(s);
  for (const o of blockOffsets) w.u32(o);
  for (const o of fileOffsets) w.u32(o);
  while ((w.length + SECTION_HEADER_SIZE) % 4) w.u8(0);
  w.bytes(rows.view0());
  return { body: w.finish(), strtab };
}

/** A profile's line table, read lazily from the section body and its string table. */
export class ProfileLines implements LineLookup {
  readonly rows: number;
  readonly blocks: number;
  readonly fileCount: number;
  private readonly startHi: Uint32Array;
  private readonly startLo: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly fileOffs: Uint32Array;
  private readonly rowsAt: number;
  private readonly r: Reader;
  private readonly names = new Map<number, string>();

  constructor(private readonly body: Uint8Array, private readonly strtab: Uint8Array, private readonly le: boolean, private readonly where: { source: string; section: string; offset: number }) {
    this.r = new Reader(body, { littleEndian: le, source: where.source, format: 'virtmem profile', section: where.section, base: where.offset });
    const r = this.r;
    if (body.length < 16) throw r.error('line table header truncated', 0);
    this.rows = r.u32();
    this.blocks = r.u32();
    this.fileCount = r.u32();
    r.u32();
    const nb = this.blocks;
    const indexEnd = 16 + nb * 12 + this.fileCount * 4;
    if (indexEnd > body.length) throw r.error(`${nb} blocks and ${this.fileCount} files do not fit the section (${body.length} bytes)`, 0);
    if (nb > this.rows || (this.rows > 0 && nb === 0)) throw r.error(`${nb} blocks for ${this.rows} rows`, 4);
    this.startHi = new Uint32Array(nb);
    this.startLo = new Uint32Array(nb);
    for (let i = 0; i < nb; i++) {
      const a = r.u32(), b = r.u32();
      if (le) { this.startLo[i] = a; this.startHi[i] = b; } else { this.startHi[i] = a; this.startLo[i] = b; }
      if (i && (this.startHi[i] < this.startHi[i - 1] || (this.startHi[i] === this.startHi[i - 1] && this.startLo[i] <= this.startLo[i - 1]))) {
        throw r.error(`block ${i} starts below block ${i - 1}: block index not sorted`, 16 + i * 8);
      }
    }
    this.offsets = new Uint32Array(nb);
    for (let i = 0; i < nb; i++) this.offsets[i] = r.u32();
    this.fileOffs = new Uint32Array(this.fileCount);
    for (let i = 0; i < this.fileCount; i++) {
      const o = r.u32();
      if (o >= strtab.length) throw r.error(`file ${i} names string 0x${o.toString(16)}, past the string table (0x${strtab.length.toString(16)} bytes)`);
      this.fileOffs[i] = o;
    }
    let p = r.pos;
    while ((p + SECTION_HEADER_SIZE) % 4) p++;
    this.rowsAt = p;
    for (let i = 0; i < nb; i++) {
      if (this.rowsAt + this.offsets[i] > body.length || (i && this.offsets[i] <= this.offsets[i - 1])) throw r.error(`block ${i} offset 0x${this.offsets[i].toString(16)} out of order or past the end`, 16 + nb * 8 + i * 4);
    }
  }

  /** Path of file `i` (1-based; 0 is "no line"). */
  file(i: number): string {
    let s = this.names.get(i);
    if (s === undefined) {
      s = cstringAt(this.strtab, this.fileOffs[i], { source: this.where.source, format: 'virtmem profile', section: 'line string table', offset: this.fileOffs[i] });
      this.names.set(i, s);
    }
    return s;
  }

  lookup(address: bigint): LineHit | undefined {
    const h = Number(address >> 32n), l = Number(address & 0xffffffffn);
    let lo = 0, hi = this.blocks - 1, b = -1;
    while (lo <= hi) {
      const m = (lo + hi) >>> 1;
      if (this.startHi[m] < h || (this.startHi[m] === h && this.startLo[m] <= l)) { b = m; lo = m + 1; } else hi = m - 1;
    }
    if (b < 0) return undefined;
    const r = this.r;
    const end = this.rowsAt + (b + 1 < this.blocks ? this.offsets[b + 1] : this.body.length - this.rowsAt);
    r.pos = this.rowsAt + this.offsets[b];
    // Distance from the block start to the address (fits a double: blocks span < 2^48 * rows).
    const target = (h - this.startHi[b]) * TWO32 + (l - this.startLo[b]);
    let addr = 0, file = -1, line = 0;
    let found = false, fFile = 0, fLine = 0, fDisc = 0;
    const nrows = b + 1 < this.blocks ? LINE_BLOCK_ROWS : this.rows - b * LINE_BLOCK_ROWS;
    for (let i = 0; r.pos < end; i++) {
      if (i >= LINE_BLOCK_ROWS) throw r.error(`block ${b} holds more than ${LINE_BLOCK_ROWS} rows`);
      const v = r.uleb128();
      const flags = v % 4;
      const d = (v - flags) / 4;
      if (i === 0 && d !== 0) throw r.error(`block ${b} does not start at its start address`);
      if (i === 0 && !(flags & 1)) throw r.error(`block ${b} starts without a file`);
      addr += d;
      if (flags & 1) {
        file = r.uleb128();
        if (file >= this.fileCount) throw r.error(`file ${file} outside the table of ${this.fileCount}`);
      }
      line += r.sleb128();
      const disc = flags & 2 ? r.uleb128() : 0;
      if (addr > target) break;
      found = true; fFile = file; fLine = line; fDisc = disc;
    }
    if (r.pos > end) throw r.error(`block ${b} runs into the next`);
    void nrows;
    if (!found || fFile === 0) return undefined;
    if (fLine < 0) throw r.error(`negative line ${fLine} in block ${b}`);
    return { file: this.file(fFile), line: fLine, discriminator: fDisc };
  }
}
