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
import * as buffer from 'node:buffer';
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
  const { info, other, shndx } = t;
  let types = 0, binds = 0, visibilities = 0, maxSize = 0, bigWidth = 0, maxNdx = -1;
  for (let i = 0; i < t.length; i++) {
    const inf = info[i];
    types |= 1 << (inf & 15); binds |= 1 << (inf >> 4); visibilities |= 1 << (other[i] & 3);
    if (t.sizeHi(i) === 0) { const s = t.sizeLo(i); if (s > maxSize) maxSize = s; }
    else bigWidth = Math.max(bigWidth, t.size(i).toString().length);
    const sh = shndx[i];
    if (sh > maxNdx && ndxKind(t, i) === 0) maxNdx = sh;
  }
  // UND/ABS/COM are three wide, no wider than the column's title.
  const sizeWidth = Math.max(bigWidth, t.length ? decimalDigits(maxSize) : 0);
  return { t, is64, types, binds, visibilities, sizeWidth, ndxWidth: maxNdx < 0 ? 0 : decimalDigits(maxNdx) };
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
  // "TYPE  BIND  VIS  " for each st_info and visibility seen, index info*4+vis.
  const cells: Uint8Array[] = new Array(1024);
  const { info, other, shndx, nameOffsets, strtab } = t;
  for (let i = 0; i < n; i++) {
    const c = info[i] * 4 + (other[i] & 3);
    cells[c] ??= Buffer.from(`${sttShort(info[i] & 15).padEnd(wt)}  ${stbShort(info[i] >> 4).padEnd(wb)}  ${stvShort(other[i] & 3).padEnd(wvis)}  `, 'latin1');
  }
  // Longest line of the fast path (the name at most MAX_FAST_NAME bytes).
  const room = wi + 2 + (is64 ? 18 : 10) + 2 + Math.max(ws, 20) + 2 + wt + 2 + wb + 2 + wvis + 2 + Math.max(wn, 10) + 2 + MAX_FAST_NAME + 1;
  // Few bytecodes per symbol: until the loop is optimized, every one counts.
  const num = Buffer.alloc(wi, 0x20);
  num[wi - 1] = 0x30 - 1;
  const plainNames = isAscii(strtab);
  for (let i = 0; i < n; i++) {
    if (o.pos + room > o.buf.length) o.reserve(room);
    const b = o.buf;
    let p = o.pos;
    // Num: the previous one plus one, right-aligned.
    for (let k = wi - 1; ; k--) {
      const c = num[k];
      if (c === 0x39) { num[k] = 0x30; continue; }
      num[k] = c === 0x20 ? 0x31 : c + 1;
      break;
    }
    b.set(num, p); p += wi;
    b[p++] = 0x20; b[p++] = 0x20; b[p++] = 0x30; b[p++] = 0x78;
    if (is64) p = putHex8(b, p, t.valueHi(i));
    p = putHex8(b, p, t.valueLo(i));
    b[p++] = 0x20; b[p++] = 0x20;
    const sh = t.sizeHi(i);
    if (sh < 0x200000) p = putDec(b, p, sh * 4294967296 + t.sizeLo(i), ws);
    else { o.pos = p; o.ascii(t.size(i).toString().padStart(ws)); p = o.pos; }
    b[p++] = 0x20; b[p++] = 0x20;
    const cell = cells[info[i] * 4 + (other[i] & 3)];
    b.set(cell, p); p += cell.length;
    const x = shndx[i];
    if (x === SHN_UNDEF || ((x === SHN_ABS || x === SHN_COMMON) && t.sectionIndex(i) < 0)) {
      for (let k = 3; k < wn; k++) b[p++] = 0x20;
      b.set(x === SHN_UNDEF ? UND_B : x === SHN_ABS ? ABS_B : COM_B, p); p += 3;
    } else p = putDec(b, p, x, wn);
    // Name: plain ASCII copied as bytes; anything else as a string, trimmed.
    const k = nameOffsets[i];
    const e = k === 0 ? 0 : strtab.indexOf(0, k);
    if (plainNames && e > k && e - k <= MAX_FAST_NAME && !isTrimmed(strtab[e - 1])) {
      b[p++] = 0x20; b[p++] = 0x20;
      b.set(strtab.subarray(k, e), p); p += e - k;
      b[p++] = 0x0a;
      o.pos = p;
    } else {
      const name = shownName(t, i).trimEnd();
      o.pos = p;
      if (name !== '') { o.ascii('  '); o.text(name); }
      o.byte(0x0a);
    }
  }
}

/** Whether every byte is below 0x80. */
function isAscii(b: Uint8Array): boolean {
  return buffer.isAscii(b);
}

const SHN_UNDEF = SHN.SHN_UNDEF, SHN_ABS = SHN.SHN_ABS, SHN_COMMON = SHN.SHN_COMMON;
const UND_B = Buffer.from('UND'), ABS_B = Buffer.from('ABS'), COM_B = Buffer.from('COM');
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Two hex digits per byte value, the first in the high byte. */
const HEX2 = new Uint16Array(256);
for (let v = 0; v < 256; v++) HEX2[v] = (HEX[v >> 4] << 8) | HEX[v & 15];

/** `v` (a u32) as 8 hex digits at b[p]; returns the position after. */
function putHex8(b: Uint8Array, p: number, v: number): number {
  let h = HEX2[v >>> 24]; b[p] = h >> 8; b[p + 1] = h & 255;
  h = HEX2[(v >>> 16) & 255]; b[p + 2] = h >> 8; b[p + 3] = h & 255;
  h = HEX2[(v >>> 8) & 255]; b[p + 4] = h >> 8; b[p + 5] = h & 255;
  h = HEX2[v & 255]; b[p + 6] = h >> 8; b[p + 7] = h & 255;
  return p + 8;
}

/** `v` (an integer below 2^53) in decimal right-aligned in `width` at b[p]; returns the position after. */
function putDec(b: Uint8Array, p: number, v: number, width: number): number {
  let d = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) d++;
  let k = p + (d > width ? d : width) - 1;
  const end = k + 1;
  do { b[k--] = 0x30 + (v % 10); v = Math.floor(v / 10); } while (v > 0);
  while (k >= p) b[k--] = 0x20;
  return end;
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
