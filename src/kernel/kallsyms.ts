/**
 * kallsyms decoded from the kernel image in a memory dump: every symbol the
 * kernel itself knows (what /proc/kallsyms prints), with no file but the dump.
 *
 * The tables (emitted by the kernel's scripts/kallsyms at build time, each
 * label 8-byte aligned on 64-bit kernels):
 *   kallsyms_num_syms      N (an unsigned long or int; read as u32, then padding)
 *   kallsyms_names         N entries: a length byte (since 6.1, a length >= 0x80 takes two
 *                          bytes, low 7 bits first), then that many token numbers; the
 *                          tokens' strings concatenated give the type letter and the name
 *   kallsyms_markers       u32 offset into kallsyms_names of every 256th entry (an unsigned
 *                          long before 4.20); used here only to validate a scan
 *   kallsyms_seqs_of_names (6.2+, and Debian's 6.1) 3 bytes per entry; not needed
 *   kallsyms_token_table   256 NUL-terminated strings
 *   kallsyms_token_index   256 u16: where each token starts in the token table
 *   kallsyms_offsets       N s32, with kallsyms_relative_base (u64) after it
 *                          (CONFIG_KALLSYMS_BASE_RELATIVE, 4.6+); or
 *   kallsyms_addresses     N u64 absolute addresses (older kernels, some architectures)
 * Entries are in address order. With relative offsets the address is
 *   relative_base + (u32)off                         (no absolute per-CPU symbols), or, with
 *   off >= 0 ? off : relative_base - 1 - off          (CONFIG_KALLSYMS_ABSOLUTE_PERCPU, x86-64 SMP:
 *                                                     per-CPU symbols keep small absolute values)
 * which of the two is told by the data: in the second, kernel symbols have negative offsets.
 *
 * Layouts (where the address tables sit relative to the names):
 *   "before": offsets, relative_base, num_syms, names, markers, [seqs], token_table, token_index
 *             (4.6 to 6.x; Debian's 6.1 checked)
 *   "after":  num_syms, names, markers, token_table, token_index, offsets, relative_base, [seqs]
 *             (Debian's 6.12 checked)
 *   "after, _text-based": as "after" without relative_base; offsets count from _text (newest
 *             kernels, per their history; not checked on a real kernel here)
 *   "absolute": addresses, num_syms, names, markers, token_table, token_index (pre-4.6)
 *
 * Finding the tables:
 * 1. VMCOREINFO, where the kernel put SYMBOL(kallsyms_names), SYMBOL(kallsyms_num_syms),
 *    SYMBOL(kallsyms_token_table), SYMBOL(kallsyms_token_index), SYMBOL(kallsyms_offsets) and
 *    SYMBOL(kallsyms_relative_base) (recent kernels do, so that tools can read kallsyms from
 *    a vmcore; Debian's 6.1 and 6.12 both carry them; older ones do not). They are used as
 *    given; the decoder then checks counts, address order and the markers.
 * 2. Otherwise a scan of the kernel image [_text, _text + 256 MiB) (from the KASLR offset):
 *    a. The token table: every byte value used in a symbol name is its own one-character
 *       token, so the table holds "0\0" "1\0" ... "9\0" as its entries 0x30..0x39. Search for
 *       those 20 bytes; from there walk tokens 0x30..0xff forward (each non-empty printable);
 *       the token index starts at the next 8-byte boundary; token_index[0x30] places the
 *       table's start; all 256 index entries must agree with the strings.
 *    b. The names: scanning back from the token table over at most 64 MiB, an 8-aligned
 *       position P holding a plausible N at P-8 (high half zero) where the first entries
 *       decode to "<type letter><printable name>"; then all N entries must decode and end
 *       before the token table, and, when there are markers right after (next 8-byte
 *       boundary, 6.1/6.12), markers[0] = 0 and markers[k] = offset of entry 256k for all k.
 *    c. The addresses: each layout above is tried; the one whose addresses are
 *       non-decreasing, with most of them inside the kernel image, wins.
 * Every length read is bounded by the section it must fit in; a damaged table gives a
 * FormatError naming the table and the virtual address, never a hang.
 */
import { FormatError } from '../bytes/index.js';
import { findIter, mergedExtents, readExact, type AddressSpace } from '../memory/index.js';
import { SortedSymbols } from './symbols.js';

/** Symbol type letters kallsyms may use ('?' for none). */
const TYPE_CHARS = new Set('ABCDGINRSTUVWabcdginrstuvw?'.split('').map((c) => c.charCodeAt(0)));
const MAX_SYMS = 1 << 22;
const MIN_SYMS = 16;
const NAMES_WINDOW = 64 << 20;
const SCAN_SPAN = 256n << 20n;
const DIGITS = new Uint8Array([0x30, 0, 0x31, 0, 0x32, 0, 0x33, 0, 0x34, 0, 0x35, 0, 0x36, 0, 0x37, 0, 0x38, 0, 0x39, 0]);
const MASK64 = (1n << 64n) - 1n;

export type KallsymsLayout = 'before' | 'after' | 'after-text' | 'absolute' | 'vmcoreinfo';

/** Where the tables are (run-time virtual addresses). */
export interface KallsymsLocation {
  method: 'vmcoreinfo' | 'scan';
  layout: KallsymsLayout;
  count: number;
  numSyms: bigint;
  names: bigint;
  tokenTable: bigint;
  tokenIndex: bigint;
  markers?: bigint;
  offsets?: bigint;
  relativeBase?: bigint;
  addresses?: bigint;
}

export interface KallsymsOptions {
  /** VMCOREINFO entries (SYMBOL(kallsyms_*) are used when present). */
  vmcoreinfo?: Map<string, string>;
  /** Run-time address of _text (0xffffffff81000000 + KASLR offset on x86-64): where a scan starts. */
  text: bigint;
  /** Ignore VMCOREINFO's kallsyms symbols and scan (tests). */
  scan?: boolean;
  /** Name for messages (the dump). */
  source?: string;
}

/** The kernel's symbols, decoded from its kallsyms tables; `typeOf` gives the letter /proc/kallsyms prints. */
export class KallsymsSymbols extends SortedSymbols {
  constructor(
    source: string, names: string[], addrs: BigUint64Array, private readonly letters: Uint8Array,
    /** Where the tables were found. */
    readonly location: KallsymsLocation,
  ) {
    super(source, names, addrs, undefined, true);
  }

  /** The type letter ('T', 't', 'D', ...) of a symbol, as /proc/kallsyms prints it. */
  typeOf(name: string): string | undefined {
    const i = this.indexOf(name);
    return i === undefined ? undefined : String.fromCharCode(this.letters[i]);
  }
}

const hex = (a: bigint) => '0x' + a.toString(16);

class Tables {
  constructor(readonly space: AddressSpace, readonly source: string) {}
  fail(what: string, section: string, at: bigint): FormatError {
    return new FormatError(what, { source: this.source, format: 'kallsyms', section, offset: at });
  }
  read(addr: bigint, len: number, section: string): Uint8Array {
    try { return readExact(this.space, addr, len); } catch (e) {
      if (e instanceof FormatError) throw e;
      throw this.fail(`${len} bytes at ${hex(addr)} are not in the dump (${(e as Error).message})`, section, addr);
    }
  }
  /** Bytes from `addr` up to `len`, as many as are present. */
  readSome(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const n = this.space.readInto(addr, out, 0, len);
    return out.subarray(0, n);
  }
}

function vmciAddr(v: Map<string, string> | undefined, sym: string): bigint | undefined {
  const s = v?.get(`SYMBOL(${sym})`);
  if (!s || !/^[0-9a-f]{1,16}$/i.test(s)) return undefined;
  return BigInt('0x' + s);
}

const align8 = (a: bigint) => (a + 7n) & ~7n;

/** The 256 tokens, checked against the index. */
function readTokens(t: Tables, table: bigint, index: bigint): string[] {
  const idxBytes = t.read(index, 512, 'kallsyms_token_index');
  const dv = new DataView(idxBytes.buffer, idxBytes.byteOffset, 512);
  const last = dv.getUint16(255 * 2, true);
  const span = index > table && index - table <= 0x10000n ? Number(index - table) : Math.min(last + 256, 0x10000);
  const tbl = t.readSome(table, span);
  const tokens: string[] = [];
  let prevEnd = 0;
  for (let i = 0; i < 256; i++) {
    const off = dv.getUint16(i * 2, true);
    if (off !== prevEnd) throw t.fail(`token ${i} starts at ${off}, want ${prevEnd} (the end of token ${i - 1})`, 'kallsyms_token_index', index + BigInt(i * 2));
    const end = tbl.indexOf(0, off);
    if (end < 0) throw t.fail(`token ${i} at ${off} has no terminating NUL`, 'kallsyms_token_table', table + BigInt(off));
    if (end === off) throw t.fail(`token ${i} is empty`, 'kallsyms_token_table', table + BigInt(off));
    let s = '';
    for (let j = off; j < end; j++) {
      const c = tbl[j];
      if (c < 0x20 || c > 0x7e) throw t.fail(`token ${i} holds byte 0x${c.toString(16)}`, 'kallsyms_token_table', table + BigInt(j));
      s += String.fromCharCode(c);
    }
    tokens.push(s);
    prevEnd = end + 1;
  }
  return tokens;
}

/** Token table and index from a "0\0...9\0" hit, or undefined when the shape does not hold. */
function tokensFromDigits(t: Tables, digits: bigint): { table: bigint; index: bigint } | undefined {
  // Walk tokens 0x30..0xff forward from "0".
  const buf = t.readSome(digits, 8192);
  let p = 0;
  for (let i = 0x30; i < 256; i++) {
    const end = buf.indexOf(0, p);
    if (end <= p || end - p > 64) return undefined;
    for (let j = p; j < end; j++) if (buf[j] < 0x20 || buf[j] > 0x7e) return undefined;
    p = end + 1;
  }
  const index = align8(digits + BigInt(p));
  const idx = t.readSome(index, 512);
  if (idx.length < 512) return undefined;
  const at48 = idx[0x60] | (idx[0x61] << 8);
  if (idx[0] !== 0 || idx[1] !== 0 || at48 === 0 || BigInt(at48) > digits) return undefined;
  const table = digits - BigInt(at48);
  try { readTokens(t, table, index); } catch { return undefined; }
  return { table, index };
}

/** Length of the names entry at `p` in `buf` and the header size, or -1. */
function entryLen(buf: Uint8Array, p: number): [number, number] {
  if (p >= buf.length) return [-1, 0];
  const b = buf[p];
  if (b & 0x80) {
    if (p + 1 >= buf.length) return [-1, 0];
    return [(b & 0x7f) | (buf[p + 1] << 7), 2];
  }
  return [b, 1];
}

/** Whether entry at `p` expands to "<letter><printable>"; returns the next position or -1. */
function checkEntry(buf: Uint8Array, p: number, tokens: string[], end: number): number {
  const [len, hdr] = entryLen(buf, p);
  if (len <= 0 || p + hdr + len > end) return -1;
  const first = tokens[buf[p + hdr]];
  if (!TYPE_CHARS.has(first.charCodeAt(0))) return -1;
  if (first.length === 1 && len === 1) return -1; // a letter with no name
  return p + hdr + len;
}

/** Find num_syms/names by scanning back from the token table. */
function findNames(t: Tables, tokenTable: bigint, tokens: string[]): { names: bigint; count: number; end: bigint } | undefined {
  // The window below the token table, as far down as it is present without a hole.
  let from = tokenTable > BigInt(NAMES_WINDOW) ? tokenTable - BigInt(NAMES_WINDOW) : 0n;
  for (const run of mergedExtents(t.space, from, tokenTable)) if (run.end === tokenTable) from = run.start;
  const buf = t.readSome(from, Number(tokenTable - from));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const end = buf.length;
  const start0 = Number((8n - (from & 7n)) & 7n);
  for (let p = end - ((end - start0) & 7); p >= start0 + 8; p -= 8) {
    const n = dv.getUint32(p - 8, true);
    if (n < MIN_SYMS || n > MAX_SYMS || dv.getUint32(p - 4, true) !== 0) continue;
    let q = p, ok = true;
    for (let i = 0; i < Math.min(n, 64) && ok; i++) { q = checkEntry(buf, q, tokens, end); ok = q >= 0; }
    if (!ok) continue;
    // All N entries must fit.
    q = p;
    const entryOffs: number[] = [];
    for (let i = 0; i < n && q >= 0; i++) {
      if ((i & 255) === 0) entryOffs.push(q - p);
      const [len, hdr] = entryLen(buf, q);
      q = len <= 0 || q + hdr + len > end ? -1 : q + hdr + len;
    }
    if (q < 0) continue;
    // The markers follow the names (next 8-byte boundary): u32 since 4.20, unsigned long before.
    const m = (q + 7) & ~7;
    let m32 = m + 4 * entryOffs.length <= end, m64 = m + 8 * entryOffs.length <= end;
    for (let k = 0; k < entryOffs.length && (m32 || m64); k++) {
      if (m32 && dv.getUint32(m + 4 * k, true) !== entryOffs[k]) m32 = false;
      if (m64 && dv.getBigUint64(m + 8 * k, true) !== BigInt(entryOffs[k])) m64 = false;
    }
    if (!m32 && !m64) continue;
    return { names: from + BigInt(p), count: n, end: from + BigInt(q) };
  }
  return undefined;
}

/** Decoded addresses, or a reason they are not plausible. */
function addressesFrom(t: Tables, loc: KallsymsLocation, text: bigint): BigUint64Array | string {
  const n = loc.count;
  const out = new BigUint64Array(n);
  if (loc.addresses !== undefined) {
    const b = t.read(loc.addresses, 8 * n, 'kallsyms_addresses');
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < n; i++) out[i] = dv.getBigUint64(8 * i, true);
  } else {
    const b = t.read(loc.offsets!, 4 * n, 'kallsyms_offsets');
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let base = text;
    if (loc.relativeBase !== undefined) {
      const rb = t.read(loc.relativeBase, 8, 'kallsyms_relative_base');
      base = new DataView(rb.buffer, rb.byteOffset, 8).getBigUint64(0, true);
    }
    let negative = 0;
    for (let i = 0; i < n; i++) if (dv.getInt32(4 * i, true) < 0) negative++;
    const absolutePercpu = negative > n / 2;
    for (let i = 0; i < n; i++) {
      const off = dv.getInt32(4 * i, true);
      out[i] = absolutePercpu
        ? (off >= 0 ? BigInt(off) : (base - 1n - BigInt(off)) & MASK64)
        : (base + BigInt(off >>> 0)) & MASK64;
    }
  }
  let inImage = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && out[i] < out[i - 1]) return `addresses go down at entry ${i} (${hex(out[i - 1])} then ${hex(out[i])})`;
    if (out[i] >= text && out[i] - text < 1n << 30n) inImage++;
  }
  if (inImage < n / 2) return `only ${inImage} of ${n} addresses are inside the kernel image at ${hex(text)}`;
  return out;
}

/** Locate the tables (VMCOREINFO first, else a scan). Throws a FormatError when they cannot be found. */
export function findKallsyms(space: AddressSpace, opts: KallsymsOptions): KallsymsLocation {
  const t = new Tables(space, opts.source ?? space.name);
  const v = opts.scan ? undefined : opts.vmcoreinfo;
  const names = vmciAddr(v, 'kallsyms_names');
  const numSyms = vmciAddr(v, 'kallsyms_num_syms');
  const tokenTable = vmciAddr(v, 'kallsyms_token_table');
  const tokenIndex = vmciAddr(v, 'kallsyms_token_index');
  const offsets = vmciAddr(v, 'kallsyms_offsets');
  const relativeBase = vmciAddr(v, 'kallsyms_relative_base');
  const addresses = vmciAddr(v, 'kallsyms_addresses');
  if (names !== undefined && numSyms !== undefined && tokenTable !== undefined && tokenIndex !== undefined && (offsets !== undefined || addresses !== undefined)) {
    const nb = t.read(numSyms, 4, 'kallsyms_num_syms');
    const count = nb[0] | (nb[1] << 8) | (nb[2] << 16) | (nb[3] << 24);
    if (count <= 0 || count > MAX_SYMS) throw t.fail(`kallsyms_num_syms is ${count >>> 0}, not a plausible count`, 'kallsyms_num_syms', numSyms);
    return { method: 'vmcoreinfo', layout: 'vmcoreinfo', count, numSyms, names, tokenTable, tokenIndex, offsets, relativeBase, addresses };
  }
  return scanKallsyms(t, opts.text);
}

function scanKallsyms(t: Tables, text: bigint): KallsymsLocation {
  let tokens: { table: bigint; index: bigint } | undefined;
  let hits = 0;
  for (const d of findIter(t.space, DIGITS, { start: text, end: text + SCAN_SPAN })) {
    if (++hits > 64) break;
    tokens = tokensFromDigits(t, d);
    if (tokens) break;
  }
  if (!tokens) throw t.fail(`no kallsyms token table in the kernel image ${hex(text)}..${hex(text + SCAN_SPAN)} (${hits} candidate(s) rejected)`, 'kallsyms_token_table', text);
  const strs = readTokens(t, tokens.table, tokens.index);
  const found = findNames(t, tokens.table, strs);
  if (!found) throw t.fail(`token table found, but no kallsyms_names before it`, 'kallsyms_names', tokens.table);
  const { names, count, end } = found;
  const numSyms = names - 8n;
  const markers = align8(end);
  const common = { method: 'scan' as const, count, numSyms, names, tokenTable: tokens.table, tokenIndex: tokens.index, markers };
  const sz = align8(BigInt(4 * count));
  const after = align8(tokens.index + 512n);
  const candidates: KallsymsLocation[] = [
    { ...common, layout: 'before', offsets: numSyms - 8n - sz, relativeBase: numSyms - 8n },
    { ...common, layout: 'after', offsets: after, relativeBase: after + sz },
    { ...common, layout: 'after-text', offsets: after },
    { ...common, layout: 'absolute', addresses: numSyms - 8n * BigInt(count) },
  ];
  const why: string[] = [];
  for (const c of candidates) {
    try {
      const r = addressesFrom(t, c, text);
      if (typeof r !== 'string') return c;
      why.push(`${c.layout}: ${r}`);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      why.push(`${c.layout}: ${e.what}`);
    }
  }
  throw t.fail(`found ${count} names but no address table that fits (${why.join('; ')})`, 'kallsyms_offsets', names);
}

/** Decode every symbol at `loc`. */
export function decodeKallsyms(space: AddressSpace, loc: KallsymsLocation, opts: { text: bigint; source?: string }): KallsymsSymbols {
  const t = new Tables(space, opts.source ?? space.name);
  const tokens = readTokens(t, loc.tokenTable, loc.tokenIndex);
  const addrs = addressesFrom(t, loc, opts.text);
  if (typeof addrs === 'string') throw t.fail(addrs, loc.addresses !== undefined ? 'kallsyms_addresses' : 'kallsyms_offsets', loc.offsets ?? loc.addresses ?? loc.names);
  const n = loc.count;
  // The names end before whichever table follows them; 5 bytes per name is far above the real ~1.6 MB/87k average, bounded anyway.
  let limit = loc.tokenTable > loc.names ? Number(loc.tokenTable - loc.names) : 0;
  if (limit <= 0 || limit > 64 * n + 4096) limit = Math.min(64 * n + 4096, NAMES_WINDOW);
  const buf = t.readSome(loc.names, limit);
  if (buf.length === 0) throw t.fail(`kallsyms_names at ${hex(loc.names)} is not in the dump`, 'kallsyms_names', loc.names);
  const names: string[] = new Array(n);
  const letters = new Uint8Array(n);
  const marks = new Uint32Array(Math.ceil(n / 256));
  let p = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) marks[i >> 8] = p;
    const [len, hdr] = entryLen(buf, p);
    if (len <= 0 || p + hdr + len > buf.length) {
      throw t.fail(`entry ${i} of ${n} at ${hex(loc.names + BigInt(p))}: length ${len} runs past the table (${buf.length} bytes readable)`, 'kallsyms_names', loc.names + BigInt(p));
    }
    let s = '';
    for (let j = p + hdr; j < p + hdr + len; j++) s += tokens[buf[j]];
    const c = s.charCodeAt(0);
    if (!TYPE_CHARS.has(c) || s.length < 2) throw t.fail(`entry ${i} decodes to ${JSON.stringify(s.slice(0, 40))}, not a type letter and a name`, 'kallsyms_names', loc.names + BigInt(p));
    letters[i] = c;
    names[i] = s.slice(1);
    p += hdr + len;
  }
  // kallsyms_markers follow the names: every 256th entry must start where they say, else the names are damaged.
  const markers = align8(loc.names + BigInt(p));
  const mb = t.readSome(markers, 8 * marks.length);
  const mv = new DataView(mb.buffer, mb.byteOffset, mb.byteLength);
  let m32 = mb.length >= 4 * marks.length, m64 = mb.length >= 8 * marks.length;
  for (let k = 0; k < marks.length && (m32 || m64); k++) {
    if (m32 && mv.getUint32(4 * k, true) !== marks[k]) m32 = false;
    if (m64 && mv.getBigUint64(8 * k, true) !== BigInt(marks[k])) m64 = false;
  }
  if (!m32 && !m64) throw t.fail(`the ${n} names decode, but kallsyms_markers after them (${hex(markers)}) disagree: the names are damaged`, 'kallsyms_markers', markers);
  return new KallsymsSymbols(`kallsyms (image, ${loc.method === 'vmcoreinfo' ? 'tables from VMCOREINFO' : `found by scan, layout ${loc.layout}`})`, names, addrs, letters, loc);
}

/** Find and decode the kernel's kallsyms. */
export function kallsymsFromImage(space: AddressSpace, opts: KallsymsOptions): KallsymsSymbols {
  const loc = findKallsyms(space, opts);
  return decodeKallsyms(space, loc, opts);
}
