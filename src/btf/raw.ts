/**
 * The "raw" listing of BTF, line for line as `bpftool btf dump file F`
 * prints it, so the peer's output is the judge of our reading:
 *   [1] INT 'long unsigned int' size=8 bits_offset=0 nr_bits=64 encoding=(none)
 *   [89] STRUCT '(anon)' size=4 vlen=1
 *   	'counter' type_id=21 bits_offset=0
 *
 * Written straight from the record's words and the string section's bytes
 * into a byte sink (cli/'s ByteSink fits `RawSink`), with no object per
 * record and no string per name: a kernel's 100k+ records stream out.
 */
import {
  BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION,
  BTF_KIND_VAR, BTF_KIND_VOLATILE, btfKindName,
} from './constants.js';
import type { Btf } from './btf.js';
import type { BtfType, BtfTypeId } from './records.js';

/** Where the raw listing goes: bytes, ASCII text and non-negative integers below 2^53. */
export interface RawSink {
  ascii(s: string): void;
  bytes(src: Uint8Array, start: number, end: number): void;
  byte(c: number): void;
  decimal(v: number): void;
}

const TAB = 0x09, NL = 0x0a, QUOTE = 0x27;

function intEncoding(e: number): string {
  switch (e) {
    case 0: return '(none)';
    case BTF_INT_SIGNED: return 'SIGNED';
    case BTF_INT_CHAR: return 'CHAR';
    case BTF_INT_BOOL: return 'BOOL';
    default: return 'UNKN';
  }
}

const LINKAGE = ['static', 'global', 'extern'];

/** 'name' or '(anon)'; the record was checked, so the name resolves. */
function quoted(btf: Btf, off: number, out: RawSink): void {
  out.byte(QUOTE);
  const o = off - btf.strBase;
  const own = btf.strings;
  if (off !== 0 && o >= 0 && o < own.length) {
    // This blob's own string (the common case): copy its bytes.
    const end = own.indexOf(0, o);
    if (end > o) out.bytes(own, o, end); else out.ascii('(anon)');
  } else {
    const nb = off === 0 ? undefined : btf.nameBytes(off);
    if (nb && nb.end > nb.at) out.bytes(nb.bytes, nb.at, nb.end);
    else out.ascii('(anon)');
  }
  out.byte(QUOTE);
}

function signed32(v: number, out: RawSink): void {
  if (v < 0) { out.byte(0x2d); out.decimal(-v); } else out.decimal(v);
}

/** A 64-bit value from two u32 halves, as bpftool prints it (decimal, signed or not). */
function value64(lo: number, hi: number, signed: boolean, out: RawSink): void {
  if (signed && hi >= 0x80000000) {
    // Negative: magnitude is the two's complement.
    const mhi = ~hi >>> 0, mlo = (~lo >>> 0) + 1;
    const carry = mlo > 0xffffffff ? 1 : 0;
    const h = mhi + carry, l = mlo >>> 0;
    if (h < 0x200000) { out.byte(0x2d); out.decimal(h * 0x100000000 + l); return; }
    out.ascii(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString());
    return;
  }
  if (hi < 0x200000) { out.decimal(hi * 0x100000000 + lo); return; }
  out.ascii(((BigInt(hi) << 32n) | BigInt(lo)).toString());
}

/**
 * Own type `id` of `btf` as bpftool's raw format prints it, lines ending in
 * newlines. Throws the record's FormatError (a bad name offset) before
 * writing anything.
 */
export function writeBtfRaw(btf: Btf, id: BtfTypeId, out: RawSink): void {
  const err = recordError(btf, id);
  if (err) throw err;
  const w = btf.words;
  const p = btf.start(id);
  const info = w[p + 1];
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kindFlag = info >>> 31 === 1;
  const st = w[p + 2];
  out.byte(0x5b); out.decimal(id); out.ascii('] '); out.ascii(btfKindName(kind)); out.byte(0x20);
  quoted(btf, w[p], out);
  switch (kind) {
    case BTF_KIND_INT: {
      const d = w[p + 3];
      out.ascii(' size='); out.decimal(st);
      out.ascii(' bits_offset='); out.decimal((d >>> 16) & 0xff);
      out.ascii(' nr_bits='); out.decimal(d & 0xff);
      out.ascii(' encoding='); out.ascii(intEncoding((d >>> 24) & 0x0f));
      break;
    }
    case BTF_KIND_PTR: case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF: case BTF_KIND_TYPE_TAG:
      out.ascii(' type_id='); out.decimal(st);
      break;
    case BTF_KIND_ARRAY:
      out.ascii(' type_id='); out.decimal(w[p + 3]);
      out.ascii(' index_type_id='); out.decimal(w[p + 4]);
      out.ascii(' nr_elems='); out.decimal(w[p + 5]);
      break;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION:
      out.ascii(' size='); out.decimal(st); out.ascii(' vlen='); out.decimal(vlen);
      for (let i = 0, q = p + 3; i < vlen; i++, q += 3) {
        out.byte(NL); out.byte(TAB); quoted(btf, w[q], out);
        out.ascii(' type_id='); out.decimal(w[q + 1]);
        const off = w[q + 2];
        out.ascii(' bits_offset=');
        if (kindFlag) {
          out.decimal(off & 0xffffff);
          if (off >>> 24) { out.ascii(' bitfield_size='); out.decimal(off >>> 24); }
        } else out.decimal(off);
      }
      break;
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
      out.ascii(kindFlag ? ' encoding=SIGNED' : ' encoding=UNSIGNED');
      out.ascii(' size='); out.decimal(st); out.ascii(' vlen='); out.decimal(vlen);
      const step = kind === BTF_KIND_ENUM ? 2 : 3;
      for (let i = 0, q = p + 3; i < vlen; i++, q += step) {
        out.byte(NL); out.byte(TAB); quoted(btf, w[q], out); out.ascii(' val=');
        if (kind === BTF_KIND_ENUM) {
          if (kindFlag) signed32(w[q + 1] | 0, out); else out.decimal(w[q + 1]);
        } else {
          value64(w[q + 1], w[q + 2], kindFlag, out);
          out.ascii(kindFlag ? 'LL' : 'ULL');
        }
      }
      break;
    }
    case BTF_KIND_FWD:
      out.ascii(kindFlag ? ' fwd_kind=union' : ' fwd_kind=struct');
      break;
    case BTF_KIND_FUNC:
      out.ascii(' type_id='); out.decimal(st); out.ascii(' linkage='); out.ascii(LINKAGE[vlen] ?? 'unknown');
      break;
    case BTF_KIND_FUNC_PROTO:
      out.ascii(' ret_type_id='); out.decimal(st); out.ascii(' vlen='); out.decimal(vlen);
      for (let i = 0, q = p + 3; i < vlen; i++, q += 2) {
        out.byte(NL); out.byte(TAB); quoted(btf, w[q], out); out.ascii(' type_id='); out.decimal(w[q + 1]);
      }
      break;
    case BTF_KIND_VAR:
      out.ascii(' type_id='); out.decimal(st); out.ascii(', linkage='); out.ascii(LINKAGE[w[p + 3]] ?? 'unknown');
      break;
    case BTF_KIND_DATASEC:
      out.ascii(' size='); out.decimal(st); out.ascii(' vlen='); out.decimal(vlen);
      for (let i = 0, q = p + 3; i < vlen; i++, q += 3) {
        const vt = w[q];
        out.byte(NL); out.ascii('\ttype_id='); out.decimal(vt);
        out.ascii(' offset='); out.decimal(w[q + 1]); out.ascii(' size='); out.decimal(w[q + 2]);
        // The variable's kind and name; a bad id or name prints without them.
        const b = btf.owner(vt);
        if (b && !recordError(b, vt)) {
          const vp = b.start(vt);
          out.ascii(' ('); out.ascii(btfKindName((b.words[vp + 1] >>> 24) & 0x1f)); out.byte(0x20);
          quoted(b, b.words[vp], out); out.byte(0x29);
        }
      }
      break;
    case BTF_KIND_FLOAT:
      out.ascii(' size='); out.decimal(st);
      break;
    case BTF_KIND_DECL_TAG:
      out.ascii(' type_id='); out.decimal(st); out.ascii(' component_idx='); signed32(w[p + 3] | 0, out);
      break;
  }
  out.byte(NL);
}

/** Whether every name offset of own record `id` resolves (fast path), else the decoding error. */
function recordError(btf: Btf, id: BtfTypeId) {
  const w = btf.words;
  const p = btf.start(id);
  if (!btf.hasName(w[p])) return btf.check(id);
  const info = w[p + 1];
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const step = kind === BTF_KIND_ENUM || kind === BTF_KIND_FUNC_PROTO ? 2
    : kind === BTF_KIND_STRUCT || kind === BTF_KIND_UNION || kind === BTF_KIND_ENUM64 ? 3 : 0;
  if (step) {
    for (let i = 0, q = p + 3; i < vlen; i++, q += step) if (!btf.hasName(w[q])) return btf.check(id);
  }
  return undefined;
}

/** Collects what a RawSink is given as a string. */
class StringSink implements RawSink {
  parts: string[] = [];
  ascii(s: string): void { this.parts.push(s); }
  bytes(src: Uint8Array, start: number, end: number): void { this.parts.push(Buffer.from(src.buffer, src.byteOffset + start, end - start).toString('utf8')); }
  byte(c: number): void { this.parts.push(String.fromCharCode(c)); }
  decimal(v: number): void { this.parts.push(String(v)); }
}

/** One type as bpftool's raw format prints it (several lines for kinds with members), without the final newline. */
export function formatBtfRaw(btf: Btf, id: BtfTypeId, _t?: BtfType): string {
  const owner = btf.owner(id) ?? btf;
  const s = new StringSink();
  writeBtfRaw(owner, id, s);
  return s.parts.join('').slice(0, -1);
}
