/**
 * The symbol listing of `virtmem elf` (table, CSV, JSON) written straight from
 * a CompactSymbols into a ByteSink: no row objects, no bigints where a value
 * fits in 53 bits, names copied as bytes from the string table when they are
 * plain ASCII. The text is exactly what render.ts prints for the same rows
 * (columns Num Value Size Type Bind Vis Ndx Name; lines trimmed at the end in
 * the table; CSV quoting; JSON.stringify with two-space indent); anything
 * unusual (non-ASCII names, characters to quote or escape, trailing
 * whitespace) takes the string path so it stays so.
 */
import { SHN, STT, stbShort, sttShort, stvShort, type CompactSymbols } from '../elf/index.js';
import { ByteSink, decimalDigits } from './sink.js';

/** Cells shared by the three formats, and column widths for the table. */
interface Layout {
  t: CompactSymbols;
  is64: boolean;
  /** Seen STT/STB values (bit per value) and visibilities. */
  types: number; binds: number; visibilities: number;
  sizeWidth: number; ndxWidth: number;
}

function layout(t: CompactSymbols, is64: boolean): Layout {
  let types = 0, binds = 0, visibilities = 0, sizeWidth = 0, ndxWidth = 0;
  for (let i = 0; i < t.length; i++) {
    const inf = t.info[i];
    types |= 1 << (inf & 15); binds |= 1 << (inf >> 4); visibilities |= 1 << (t.other[i] & 3);
    const hi = t.sizeHi(i);
    const sd = hi === 0 ? decimalDigits(t.sizeLo(i)) : t.size(i).toString().length;
    if (sd > sizeWidth) sizeWidth = sd;
    const nd = ndxKind(t, i) < 0 ? 3 : decimalDigits(t.shndx[i]);
    if (nd > ndxWidth) ndxWidth = nd;
  }
  return { t, is64, types, binds, visibilities, sizeWidth, ndxWidth };
}

const UND = -1, ABS = -2, COM = -3;
const NDX_TEXT: Record<number, string> = { [UND]: 'UND', [ABS]: 'ABS', [COM]: 'COM' };

/** UND/ABS/COM, or 0 for a number (readelf's reading of st_shndx). */
function ndxKind(t: CompactSymbols, i: number): number {
  const sh = t.shndx[i];
  if (sh === SHN.SHN_UNDEF) return UND;
  if (sh === SHN.SHN_ABS && t.sectionIndex(i) < 0) return ABS;
  if (sh === SHN.SHN_COMMON && t.sectionIndex(i) < 0) return COM;
  return 0;
}

/** The name as shown: a nameless section symbol takes its section's name. */
function shownName(t: CompactSymbols, i: number): string {
  const n = t.name(i);
  return n === '' && t.type(i) === STT.STT_SECTION ? (t.section(i) ?? '') : n;
}

/** Per-value cells (STT, STB, STV), each mapped through `f`. */
function cellTable(mask: number, count: number, name: (v: number) => string, f: (s: string) => string): (Buffer | undefined)[] {
  const out: (Buffer | undefined)[] = new Array(count);
  for (let v = 0; v < count; v++) if (mask & (1 << v)) out[v] = Buffer.from(f(name(v)), 'utf8');
  return out;
}

function widest(mask: number, count: number, name: (v: number) => string, min: number): number {
  let w = min;
  for (let v = 0; v < count; v++) if (mask & (1 << v)) w = Math.max(w, name(v).length);
  return w;
}

function writeValue(o: ByteSink, t: CompactSymbols, i: number, is64: boolean): void {
  o.byte(0x30); o.byte(0x78);
  if (is64) o.hex32(t.valueHi(i), 8);
  o.hex32(t.valueLo(i), 8);
}

function writeSize(o: ByteSink, t: CompactSymbols, i: number, width: number): void {
  const hi = t.sizeHi(i);
  if (hi === 0) o.decimal(t.sizeLo(i), width);
  else if (hi < 0x200000) o.decimal(hi * 4294967296 + t.sizeLo(i), width);
  else o.ascii(t.size(i).toString().padStart(width));
}

function writeNdx(o: ByteSink, t: CompactSymbols, i: number, width: number): void {
  const k = ndxKind(t, i);
  if (k < 0) { o.fill(0x20, width - 3); o.ascii(NDX_TEXT[k]); } else o.decimal(t.shndx[i], width);
}

/**
 * Copy the name of symbol i (bytes up to the NUL) if every byte passes `ok`;
 * false, with nothing written, if a byte fails or the name is empty. `trim`:
 * also refuse a name ending in whitespace (the table trims its lines).
 */
function copyName(o: ByteSink, t: CompactSymbols, i: number, ok: (c: number) => boolean, trim: boolean): boolean {
  const s = t.strtab;
  let k = t.nameOffsets[i];
  if (k === 0 || s[k] === 0) return false;
  o.reserve(MAX_FAST_NAME);
  const b = o.buf;
  let p = o.pos;
  const stop = p + MAX_FAST_NAME;
  for (let c = s[k]; c !== 0; c = s[++k]) {
    if (!ok(c) || p === stop) return false;
    b[p++] = c;
  }
  if (trim && isTrimmed(b[p - 1])) return false;
  o.pos = p;
  return true;
}

/** Longer names take the string path (so a line's room is reserved once). */
const MAX_FAST_NAME = 1024;
const isTrimmed = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const plainTable = (c: number) => c < 0x80;
const plainCsv = (c: number) => c < 0x80 && c !== 0x22 && c !== 0x2c && c !== 0x0a && c !== 0x0d;
const plainJson = (c: number) => c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c;

/** The table, as renderTable() lays it out: header line, then a line per symbol. */
export function writeSymbolTable(o: ByteSink, t: CompactSymbols, is64: boolean): void {
  const L = layout(t, is64);
  const n = t.length;
  const wi = Math.max(3, n ? decimalDigits(n - 1) : 0), wv = Math.max(5, n ? (is64 ? 18 : 10) : 0);
  const ws = Math.max(4, L.sizeWidth), wn = Math.max(3, L.ndxWidth);
  const wt = widest(L.types, 16, sttShort, 4), wb = widest(L.binds, 16, stbShort, 4), wvis = widest(L.visibilities, 4, stvShort, 3);
  o.text(`${'Num'.padStart(wi)}  ${'Value'.padEnd(wv)}  ${'Size'.padStart(ws)}  ${'Type'.padEnd(wt)}  ${'Bind'.padEnd(wb)}  ${'Vis'.padEnd(wvis)}  ${'Ndx'.padStart(wn)}  Name\n`);
  const tc = cellTable(L.types, 16, sttShort, (s) => s.padEnd(wt) + '  ');
  const bc = cellTable(L.binds, 16, stbShort, (s) => s.padEnd(wb) + '  ');
  const vc = cellTable(L.visibilities, 4, stvShort, (s) => s.padEnd(wvis) + '  ');
  const { info, other, shndx } = t;
  const vw = is64 ? 16 : 8;
  const fixed = wi + 2 + vw + 4 + ws + 2 + wt + 2 + wb + 2 + wvis + 2 + 2;
  for (let i = 0; i < n; i++) {
    o.reserve(fixed + wn + 3 + MAX_FAST_NAME); // the fast path below never switches buffers
    const b = o.buf;
    let p = o.pos;
    // Num, right-aligned
    let d = wi - 1;
    for (let v = i; ; v = (v / 10) | 0) { b[p + d--] = 0x30 + (v % 10); if (v < 10) break; }
    while (d >= 0) b[p + d--] = 0x20;
    p += wi; b[p++] = 0x20; b[p++] = 0x20;
    // Value: 0x + 8 or 16 hex digits
    b[p++] = 0x30; b[p++] = 0x78;
    if (is64) { let v = t.valueHi(i); for (let k = p + 7; k >= p; k--) { b[k] = HEX[v & 15]; v >>>= 4; } p += 8; }
    { let v = t.valueLo(i); for (let k = p + 7; k >= p; k--) { b[k] = HEX[v & 15]; v >>>= 4; } p += 8; }
    b[p++] = 0x20; b[p++] = 0x20;
    o.pos = p;
    writeSize(o, t, i, ws);
    p = o.pos;
    b[p++] = 0x20; b[p++] = 0x20;
    const inf = info[i];
    p = put(b, p, tc[inf & 15]!); p = put(b, p, bc[inf >> 4]!); p = put(b, p, vc[other[i] & 3]!);
    o.pos = p;
    if (shndx[i] !== 0 && ndxKind(t, i) === 0) o.decimal(shndx[i], wn); else writeNdx(o, t, i, wn);
    p = o.pos;
    o.fill(0x20, 2);
    if (!copyName(o, t, i, plainTable, true)) {
      // Empty, non-ASCII, long or ending in whitespace: the string path.
      const name = shownName(t, i).trimEnd();
      if (name === '') o.pos = p; else o.text(name);
    }
    o.byte(0x0a);
  }
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

function put(b: Buffer, p: number, cell: Buffer): number {
  for (let k = 0; k < cell.length; k++) b[p++] = cell[k];
  return p;
}

/** CSV as renderCsv() writes it. */
export function writeSymbolCsv(o: ByteSink, t: CompactSymbols, is64: boolean): void {
  const L = layout(t, is64);
  o.ascii('Num,Value,Size,Type,Bind,Vis,Ndx,Name\n');
  const tc = cellTable(L.types, 16, sttShort, (s) => csvQuote(s) + ',');
  const bc = cellTable(L.binds, 16, stbShort, (s) => csvQuote(s) + ',');
  const vc = cellTable(L.visibilities, 4, stvShort, (s) => csvQuote(s) + ',');
  for (let i = 0; i < t.length; i++) {
    o.decimal(i); o.byte(0x2c);
    writeValue(o, t, i, is64); o.byte(0x2c);
    writeSize(o, t, i, 0); o.byte(0x2c);
    const inf = t.info[i], tb = tc[inf & 15]!, bb = bc[inf >> 4]!, vb = vc[t.other[i] & 3]!;
    o.bytes(tb, 0, tb.length); o.bytes(bb, 0, bb.length); o.bytes(vb, 0, vb.length);
    writeNdx(o, t, i, 0); o.byte(0x2c);
    if (!copyName(o, t, i, plainCsv, false)) o.text(csvQuote(shownName(t, i)));
    o.byte(0x0a);
  }
}

function csvQuote(s: string): string {
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/**
 * The rows as JSON.stringify(rows, null, 2) prints them as a member of the
 * top-level object: the array's own lines indented by two spaces.
 */
export function writeSymbolJson(o: ByteSink, t: CompactSymbols, is64: boolean): void {
  if (t.length === 0) { o.ascii('[]'); return; }
  const L = layout(t, is64);
  const tc = cellTable(L.types, 16, sttShort, (s) => `      "type": ${JSON.stringify(s)},\n`);
  const bc = cellTable(L.binds, 16, stbShort, (s) => `      "bind": ${JSON.stringify(s)},\n`);
  const vc = cellTable(L.visibilities, 4, stvShort, (s) => `      "visibility": ${JSON.stringify(s)},\n`);
  o.ascii('[\n');
  for (let i = 0; i < t.length; i++) {
    if (i) o.ascii(',\n');
    o.ascii('    {\n      "index": '); o.decimal(i);
    o.ascii(',\n      "value": "'); writeValue(o, t, i, is64);
    o.ascii('",\n      "size": "'); writeSize(o, t, i, 0);
    o.ascii('",\n');
    const inf = t.info[i], tb = tc[inf & 15]!, bb = bc[inf >> 4]!, vb = vc[t.other[i] & 3]!;
    o.bytes(tb, 0, tb.length); o.bytes(bb, 0, bb.length); o.bytes(vb, 0, vb.length);
    o.ascii('      "ndx": "'); writeNdx(o, t, i, 0);
    o.ascii('",\n      "name": ');
    o.reserve(MAX_FAST_NAME + 2);
    o.byte(0x22);
    if (copyName(o, t, i, plainJson, false)) o.byte(0x22);
    else { o.pos--; o.text(JSON.stringify(shownName(t, i))); }
    o.ascii('\n    }');
  }
  o.ascii('\n  ]');
}
