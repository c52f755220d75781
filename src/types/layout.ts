/**
 * pahole-style layout of a struct or union: each member with its offset and
 * size, bitfields as `byte:bit` (the byte offset of the bitfield's storage
 * unit, then the bit inside that unit, as pahole prints them), holes between
 * members, trailing padding and a summary (size, cachelines, members, holes).
 * Anonymous struct/union members are expanded inline with offsets counted
 * from the start of the outermost type.
 */
import { TypeModelError, describe, trySizeof } from './helpers.js';
import { isComposite, type Member, type StructType, type Type } from './model.js';
import { CPrinter } from './print-c.js';

export interface LayoutOptions {
  /** Cacheline size in bytes for the summary (default 64). */
  cacheline?: number;
  /** Print offsets and sizes in hex. */
  hex?: boolean;
}

/** Numbers the summary reports, also handy for tests and --json. */
export interface LayoutSummary {
  size: number;
  members: number;
  /** Sum of member sizes in bytes (bitfields not counted, as pahole). */
  sumMembers: number;
  holes: number;
  sumHoles: number;
  bitHoles: number;
  sumBitHoles: number;
  /** Bytes after the last member up to the size. */
  padding: number;
  /** Bits left unused at the end of a trailing bitfield's storage unit. */
  bitPadding: number;
  /** Sum of the widths of bitfield members. */
  sumBitfields: number;
}

/** Holes after each member of a struct (index i: after member i; -1: before the first). */
export interface MemberHoles {
  /** Byte hole after member i (pahole's "XXX n bytes hole"). */
  bytes: number[];
  /** Bit hole after member i. */
  bits: number[];
  preHole: number;
}

const COL = 40;

/**
 * Most member lines one layout or JSON view may have. Anonymous members are
 * expanded inline, and a corrupt file can share one anonymous struct among
 * several members level after level (doubling per level); real types have
 * hundreds.
 */
export const MAX_LAYOUT_LINES = 1 << 16;

/** The layout text of struct or union `t`. */
export function layout(t: StructType, opts: LayoutOptions = {}): string {
  const cp = new CPrinter({ faithfulLayout: false });
  const cl = opts.cacheline ?? 64;
  const num = (n: number, w: number) => (opts.hex ? '0x' + n.toString(16) : String(n)).padStart(w);
  const lines: string[] = [];
  const sum = summarize(t);
  let budget = MAX_LAYOUT_LINES;

  const walk = (s: StructType, base: number, level: number): void => {
    if (level > 64) throw new TypeModelError(`${describe(t)}: anonymous members nested deeper than 64 (a cycle?)`);
    budget -= s.members.length;
    if (budget < 0) throw new TypeModelError(`${describe(t)}: layout longer than ${MAX_LAYOUT_LINES} lines (anonymous members shared?)`);
    const ind = '\t'.repeat(level);
    let line = Math.floor(base / 8 / cl);
    const holes = s.kind === 'struct' ? findHoles(s).holes : undefined;
    if (holes && holes.preHole) lines.push(`${ind}/* XXX ${holes.preHole} byte${holes.preHole === 1 ? '' : 's'} hole, try to pack */`);
    for (let mi = 0; mi < s.members.length; mi++) {
      const m = s.members[mi];
      const at = base + m.bitOffset;
      if (s.kind === 'struct') {
        const nl = Math.floor(at / 8 / cl);
        if (nl > line && m.bitSize === undefined) {
          lines.push(`${ind}/* --- cacheline ${nl} boundary (${nl * cl} bytes) --- */`);
          line = nl;
        }
      }
      const size = memberSize(m);
      const inner = m.name === undefined ? m.type : undefined;
      if (inner && isComposite(inner)) {
        lines.push(`${ind}${inner.kind} {`);
        walk(inner, at, level + 1);
        lines.push(`${ind}};`.padEnd(COL + ind.length) + ` /* ${num(at / 8, 5)} ${num(size, 5)} */`);
      } else {
        const d = cp.declare(m.type, m.name ?? '', level) + (m.bitSize !== undefined ? `:${m.bitSize}` : '') + ';';
        let where: string;
        if (m.bitSize !== undefined) {
          const unit = Math.max(1, size);
          const byte = Math.floor(at / (8 * unit)) * unit;
          where = `${num(byte, 5)}:${num(at - 8 * byte, 2)} ${num(size, 2)}`;
        } else {
          where = `${num(Math.floor(at / 8), 5)} ${num(size, 5)}`;
        }
        lines.push(`${ind}${d.padEnd(COL)} /* ${where} */`);
      }
      if (holes) {
        const bh = holes.bits[mi], h = holes.bytes[mi];
        if (bh) lines.push(`${ind}/* XXX ${bh} bit${bh === 1 ? '' : 's'} hole, try to pack */`);
        if (h) lines.push(`${ind}/* XXX ${h} byte${h === 1 ? '' : 's'} hole, try to pack */`);
      }
    }
  };

  lines.push(`${t.kind}${t.name === undefined ? '' : ' ' + t.name} {`);
  walk(t, 0, 1);
  lines.push('');
  lines.push(`\t/* size: ${t.size}, cachelines: ${Math.ceil(t.size / cl)}, members: ${sum.members} */`);
  if (t.kind === 'struct') {
    if (sum.holes) lines.push(`\t/* sum members: ${sum.sumMembers}, holes: ${sum.holes}, sum holes: ${sum.sumHoles} */`);
    if (sum.sumBitfields) lines.push(`\t/* sum bitfield members: ${sum.sumBitfields} bits${sum.bitHoles ? `, bit holes: ${sum.bitHoles}, sum bit holes: ${sum.sumBitHoles} bits` : ''} */`);
    if (sum.padding) lines.push(`\t/* padding: ${sum.padding} */`);
    if (sum.bitPadding) lines.push(`\t/* bit_padding: ${sum.bitPadding} bits */`);
  }
  if (t.size % cl) lines.push(`\t/* last cacheline: ${t.size % cl} bytes */`);
  lines.push('};');
  return lines.join('\n');
}

function memberSize(m: Member): number {
  return trySizeof(m.type) ?? 0;
}

/** Holes, padding and member counts of a struct (top level, as pahole counts them); unions have none. */
export function summarize(t: StructType): LayoutSummary {
  if (t.kind === 'struct') return findHoles(t).summary;
  const s: LayoutSummary = { size: t.size, members: t.members.length, sumMembers: 0, holes: 0, sumHoles: 0, bitHoles: 0, sumBitHoles: 0, padding: 0, bitPadding: 0, sumBitfields: 0 };
  for (const m of t.members) {
    if (m.bitSize === undefined) s.sumMembers += memberSize(m);
    else s.sumBitfields += m.bitSize;
  }
  return s;
}

/**
 * pahole's hole search over a struct's members, in order. Each member covers
 * bits [offset, offset + width) (a bitfield its width, others 8 x the type's
 * size). A bitfield lives in a storage unit the size of its type, at the
 * offset rounded down to that size. After a bitfield run, the bits up to the
 * end of its storage unit (or to the next member, if sooner) are a bit hole,
 * and whole bytes from there to the next member's byte are a byte hole; a
 * bitfield that starts a new aligned unit first closes the byte hole up to
 * that unit. Trailing bits of a last bitfield's unit are bit padding; bytes
 * after the last member, padding. Counts and sums are what pahole prints.
 */
export function findHoles(t: StructType): { holes: MemberHoles; summary: LayoutSummary } {
  const n = t.members.length;
  const holes: MemberHoles = { bytes: new Array(n).fill(0), bits: new Array(n).fill(0), preHole: 0 };
  const s: LayoutSummary = { size: t.size, members: n, sumMembers: 0, holes: 0, sumHoles: 0, bitHoles: 0, sumBitHoles: 0, padding: 0, bitPadding: 0, sumBitfields: 0 };
  let unitEnd = t.size * 8; // end bit of the current bitfield storage unit
  let unitBits = 0;
  let seen = 0; // last bit covered so far
  let inBitfield = false;
  for (let i = 0; i < n; i++) {
    const m = t.members[i];
    const size = memberSize(m);
    const typeBits = size * 8;
    const start = m.bitOffset;
    const isBitfield = m.bitSize !== undefined;
    const end = start + (isBitfield ? m.bitSize! : typeBits);
    let bitHole = 0, byteHole = 0;
    if (inBitfield) {
      const e = Math.min(start, unitEnd);
      bitHole = e - seen;
      seen = e;
    }
    const unitStart = isBitfield && size > 0 ? Math.floor(start / typeBits) * typeBits : start - (start % 8);
    if (isBitfield) {
      if (seen < unitStart && unitStart <= start) {
        byteHole = unitStart / 8 - Math.floor(seen / 8);
        seen = unitStart;
      }
      bitHole += start - seen;
    } else {
      byteHole = Math.floor(start / 8) - Math.floor(seen / 8);
    }
    if (bitHole) {
      if (i > 0) holes.bits[i - 1] = bitHole;
      s.bitHoles++;
      s.sumBitHoles += bitHole;
    }
    if (byteHole) {
      if (i > 0) holes.bytes[i - 1] = byteHole;
      else holes.preHole = byteHole;
      s.holes++;
      s.sumHoles += byteHole;
    }
    inBitfield = isBitfield;
    if (isBitfield) {
      s.sumBitfields += m.bitSize!;
      if (end > unitEnd || typeBits > unitBits) {
        unitBits = typeBits;
        unitEnd = unitStart + unitBits;
        if (end > unitEnd) unitEnd += unitBits;
      }
    } else {
      s.sumMembers += size;
      unitBits = 0;
      unitEnd = end;
    }
    if (seen < end) seen = end;
  }
  if (inBitfield) {
    const e = Math.min(t.size * 8, unitEnd);
    s.bitPadding = e - seen;
    seen = e;
  }
  s.padding = t.size - Math.floor(seen / 8);
  return { holes, summary: s };
}

/** JSON shape of a type for --json (see the `types` command's help). */
export function typeToJson(t: Type, cp = new CPrinter({ faithfulLayout: false })): Record<string, unknown> {
  const o: Record<string, unknown> = { name: nameOf(t), kind: t.kind, size: trySizeof(t) ?? null };
  if (isComposite(t)) o.members = membersJson(t, 0, cp, 0, { left: MAX_LAYOUT_LINES, top: t });
  else if (t.kind === 'enum') {
    o.signed = t.signed;
    o.values = t.values.map((v) => ({ name: v.name, value: v.value }));
  } else if (t.kind === 'typedef') o.type = cp.declare(t.target, '', 0);
  else if (t.kind === 'int') { o.signed = t.signed; o.encoding = t.encoding; }
  return o;
}

function membersJson(s: StructType, base: number, cp: CPrinter, depth: number, budget: { left: number; top: Type }): unknown[] {
  budget.left -= s.members.length;
  if (budget.left < 0) throw new TypeModelError(`${describe(budget.top)}: more than ${MAX_LAYOUT_LINES} members with anonymous ones expanded (shared?)`);
  return s.members.map((m) => {
    const o: Record<string, unknown> = { name: m.name ?? null, bitOffset: base + m.bitOffset, size: memberSize(m) };
    if (m.bitSize !== undefined) o.bitSize = m.bitSize;
    if (m.name === undefined && isComposite(m.type) && depth < 64) {
      o.type = m.type.kind;
      o.members = membersJson(m.type, base + m.bitOffset, cp, depth + 1, budget);
    } else o.type = cp.declare(m.type, '', 0);
    return o;
  });
}

function nameOf(t: Type): string | null {
  switch (t.kind) {
    case 'int': case 'float': case 'typedef': case 'forward': return t.name;
    case 'struct': case 'union': case 'enum': return t.name ?? null;
    case 'void': return 'void';
    default: return null;
  }
}
