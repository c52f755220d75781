/**
 * pahole-style layout of a struct or union: each member with its offset and
 * size, bitfields as `byte:bit` (the byte offset of the bitfield's storage
 * unit, then the bit inside that unit, as pahole prints them), holes between
 * members, trailing padding and a summary (size, cachelines, members, holes).
 * Anonymous struct/union members are expanded inline with offsets counted
 * from the start of the outermost type.
 */
import { TypeModelError, trySizeof } from './helpers.js';
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
}

const COL = 40;

/** The layout text of struct or union `t`. */
export function layout(t: StructType, opts: LayoutOptions = {}): string {
  const cp = new CPrinter({ faithfulLayout: false });
  const cl = opts.cacheline ?? 64;
  const num = (n: number, w: number) => (opts.hex ? '0x' + n.toString(16) : String(n)).padStart(w);
  const lines: string[] = [];
  const sum = summarize(t);

  const walk = (s: StructType, base: number, level: number): void => {
    if (level > 64) throw new TypeModelError('anonymous members nested deeper than 64 (a cycle?)');
    const ind = '\t'.repeat(level);
    let end = base; // bit where the previous member ended (structs only)
    let line = Math.floor(base / 8 / cl);
    for (const m of s.members) {
      const at = base + m.bitOffset;
      if (s.kind === 'struct') {
        const gap = at - end;
        if (gap > 0) {
          if (gap % 8 === 0 && end % 8 === 0) lines.push(`${ind}/* XXX ${gap / 8} byte${gap === 8 ? '' : 's'} hole, try to pack */`);
          else lines.push(`${ind}/* XXX ${gap} bit${gap === 1 ? '' : 's'} hole, try to pack */`);
        }
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
      const e = at + (m.bitSize ?? 8 * size);
      if (e > end) end = e;
    }
  };

  lines.push(`${t.kind}${t.name === undefined ? '' : ' ' + t.name} {`);
  walk(t, 0, 1);
  lines.push('');
  lines.push(`\t/* size: ${t.size}, cachelines: ${Math.ceil(t.size / cl)}, members: ${sum.members} */`);
  if (t.kind === 'struct') {
    if (sum.holes) lines.push(`\t/* sum members: ${sum.sumMembers}, holes: ${sum.holes}, sum holes: ${sum.sumHoles} */`);
    if (sum.bitHoles) lines.push(`\t/* bit holes: ${sum.bitHoles}, sum bit holes: ${sum.sumBitHoles} bits */`);
    if (sum.padding) lines.push(`\t/* padding: ${sum.padding} */`);
  }
  if (t.size % cl) lines.push(`\t/* last cacheline: ${t.size % cl} bytes */`);
  lines.push('};');
  return lines.join('\n');
}

function memberSize(m: Member): number {
  return trySizeof(m.type) ?? 0;
}

/** Holes, padding and member counts of a struct (top level, as pahole counts them). */
export function summarize(t: StructType): LayoutSummary {
  const s: LayoutSummary = { size: t.size, members: t.members.length, sumMembers: 0, holes: 0, sumHoles: 0, bitHoles: 0, sumBitHoles: 0, padding: 0 };
  let end = 0;
  for (const m of t.members) {
    if (m.bitSize === undefined) s.sumMembers += memberSize(m);
    if (t.kind === 'struct') {
      const gap = m.bitOffset - end;
      if (gap > 0) {
        if (gap % 8 === 0 && end % 8 === 0) { s.holes++; s.sumHoles += gap / 8; }
        else { s.bitHoles++; s.sumBitHoles += gap; }
      }
      const e = m.bitOffset + (m.bitSize ?? 8 * memberSize(m));
      if (e > end) end = e;
    }
  }
  if (t.kind === 'struct') s.padding = Math.max(0, t.size - Math.ceil(end / 8));
  return s;
}

/** JSON shape of a type for --json (see the `types` command's help). */
export function typeToJson(t: Type, cp = new CPrinter({ faithfulLayout: false })): Record<string, unknown> {
  const o: Record<string, unknown> = { name: nameOf(t), kind: t.kind, size: trySizeof(t) ?? null };
  if (isComposite(t)) o.members = membersJson(t, 0, cp, 0);
  else if (t.kind === 'enum') {
    o.signed = t.signed;
    o.values = t.values.map((v) => ({ name: v.name, value: v.value }));
  } else if (t.kind === 'typedef') o.type = cp.declare(t.target, '', 0);
  else if (t.kind === 'int') { o.signed = t.signed; o.encoding = t.encoding; }
  return o;
}

function membersJson(s: StructType, base: number, cp: CPrinter, depth: number): unknown[] {
  return s.members.map((m) => {
    const o: Record<string, unknown> = { name: m.name ?? null, bitOffset: base + m.bitOffset, size: memberSize(m) };
    if (m.bitSize !== undefined) o.bitSize = m.bitSize;
    if (m.name === undefined && isComposite(m.type) && depth < 64) {
      o.type = m.type.kind;
      o.members = membersJson(m.type, base + m.bitOffset, cp, depth + 1);
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
