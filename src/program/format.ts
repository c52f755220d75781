/**
 * Printing objects as C, the way drgn shows them: a type in parentheses and
 * the value, structs nested with `.member = ` lines, char arrays as string
 * literals, other arrays in braces with trailing zeros left out, enums by
 * their enumerator, pointers in hex followed by `<symbol+0xoff>` when the
 * address is inside a kernel symbol.
 *
 *     (char [65])"6.1.0-56-cloud-amd64"
 *     *(struct list_head *)0xffffffff82a14f08 = {
 *     	.next = (struct list_head *)0xffff888003b10938,
 *     	.prev = (struct list_head *)0xffff888003b0c938,
 *     }
 *
 * A struct is read with one read; if part of it is unreadable, members are
 * read one by one and the ones that fault print as <unreadable: ...>, so a
 * hole never hides the rest. `toPlain` gives the same value as JSON-ready data.
 */
import { VirtmemError } from '../bytes/index.js';
import { declarator, isComposite, resolve, type EnumType, type Type } from '../types/index.js';
import { isCharType, Obj } from './object.js';

export interface FormatOptions {
  /** Show `(type)` before member and element values (default true, as drgn). */
  memberTypes?: boolean;
  /** Append `<symbol+0xoff>` to pointers inside symbols (default true). */
  symbolize?: boolean;
  /** Nesting below which structs print as `{ ... }` (default 16). */
  maxDepth?: number;
  /** Array elements shown before `...` (default 256). */
  maxElements?: number;
}

/** The C name of a type as a cast spells it: `struct task_struct *`, `char [16]`. */
export function typeName(t: Type): string {
  return declarator(t, '').replace('/* anonymous */', '<anonymous>').trim();
}

/** A C string literal for `s` (latin1 characters), escaping what C must. */
export function cString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
    else out += s[i];
  }
  return out + '"';
}

function enumName(t: EnumType, v: bigint): string | undefined {
  for (const e of t.values) if (e.value === v || BigInt.asUintN(t.size * 8, e.value) === BigInt.asUintN(t.size * 8, v)) return e.name;
  return undefined;
}

function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

class Formatter {
  private readonly memberTypes: boolean;
  private readonly symbolize: boolean;
  private readonly maxDepth: number;
  private readonly maxElements: number;
  constructor(opts: FormatOptions) {
    this.memberTypes = opts.memberTypes ?? true;
    this.symbolize = opts.symbolize ?? true;
    this.maxDepth = opts.maxDepth ?? 16;
    this.maxElements = opts.maxElements ?? 256;
  }

  top(o: Obj): string {
    const r = o.resolvedType;
    const addr = o.address;
    if (isComposite(r) && addr !== undefined) {
      return `*(${typeName(o.prog.pointerTo(o.type))})0x${addr.toString(16)} = ${this.value(this.snapshot(o), 0)}`;
    }
    // A scalar that cannot be read is an error, not a value.
    const v = isComposite(r) ? this.value(this.snapshot(o), 0) : this.valueUnsafe(o, 0);
    return `(${typeName(o.type)})${v}`;
  }

  /** One read of the whole object when possible; else the reference itself (members read one by one). */
  private snapshot(o: Obj): Obj {
    if (!o.isReference || o.size === undefined) return o;
    try { return o.read(); } catch (e) {
      if (e instanceof VirtmemError) return o;
      throw e;
    }
  }

  private typed(o: Obj, depth: number): string {
    const v = this.value(o, depth);
    return this.memberTypes ? `(${typeName(o.type)})${v}` : v;
  }

  value(o: Obj, depth: number): string {
    try {
      return this.valueUnsafe(o, depth);
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      return `<unreadable: ${e.message}>`;
    }
  }

  valueUnsafe(o: Obj, depth: number): string {
    const r = resolve(o.type);
    switch (r.kind) {
      case 'int':
        if (r.encoding === 'bool') return o.int() ? 'true' : 'false';
        return o.int().toString();
      case 'enum': {
        const v = o.int();
        return enumName(r, v) ?? v.toString();
      }
      case 'float': return String(o.float());
      case 'pointer': return this.pointer(o, o.int());
      case 'function': return this.pointer(o, o.pointerValue());
      case 'void': return '';
      case 'forward': return '<incomplete type>';
      case 'array': return this.array(o, depth);
      case 'struct': case 'union': return this.struct(o, depth);
      default: return '?';
    }
  }

  private pointer(o: Obj, v: bigint): string {
    let s = '0x' + v.toString(16);
    if (this.symbolize && v !== 0n) {
      const h = o.prog.symbolize(v);
      if (h) s += ` <${h.name}${h.offset ? '+0x' + h.offset.toString(16) : ''}>`;
    }
    return s;
  }

  private array(o: Obj, depth: number): string {
    const r = resolve(o.type);
    if (r.kind !== 'array') return '?';
    if (r.count === undefined) return '{}';
    if (isCharType(r.element)) return cString(o.string());
    const n = r.count;
    if (n === 0) return '{}';
    // Trailing zero elements are left out, as drgn does.
    let last = n;
    const b = o.isReference ? undefined : o.bytes();
    if (b) {
      const es = b.length / n;
      while (last > 0 && isZero(b.subarray((last - 1) * es, last * es))) last--;
    }
    if (last === 0) return '{}';
    const shown = Math.min(last, this.maxElements);
    const elems: string[] = [];
    for (let i = 0; i < shown; i++) elems.push(this.value(o.index(i), depth + 1));
    if (shown < last) elems.push('...');
    const multi = isComposite(resolve(r.element)) || resolve(r.element).kind === 'array';
    if (!multi) return `{ ${elems.join(', ')} }`;
    if (depth >= this.maxDepth) return '{ ... }';
    const ind = '\t'.repeat(depth + 1);
    return `{\n${elems.map((e) => `${ind}${e},`).join('\n')}\n${'\t'.repeat(depth)}}`;
  }

  private struct(o: Obj, depth: number): string {
    const r = resolve(o.type);
    if (!isComposite(r)) return '?';
    if (depth >= this.maxDepth) return '{ ... }';
    const ind = '\t'.repeat(depth + 1);
    const lines: string[] = [];
    for (const m of r.members) {
      if (m.name === undefined) {
        const inner = resolve(m.type);
        if (!isComposite(inner)) continue; // unnamed bitfield padding
        // An anonymous struct/union: its members, one level deeper, in braces.
        const sub = this.anonymous(o, m.bitOffset, m.type, depth + 1);
        lines.push(`${ind}${sub},`);
        continue;
      }
      lines.push(`${ind}.${m.name} = ${this.typed(this.memberAt(o, m.name), depth + 1)},`);
    }
    return `{\n${lines.join('\n')}\n${'\t'.repeat(depth)}}`;
  }

  private memberAt(o: Obj, name: string): Obj {
    return o.member(name);
  }

  private anonymous(o: Obj, bitOffset: number, t: Type, depth: number): string {
    const byte = bitOffset >> 3;
    const inner = o.isReference
      ? Obj.reference(o.prog, t, o.address! + BigInt(byte))
      : Obj.fromBytes(o.prog, t, o.bytes().subarray(byte));
    return this.struct(inner, depth);
  }
}

/** An object printed as C (drgn's str(obj)). */
export function formatObject(o: Obj, opts: FormatOptions = {}): string {
  return new Formatter(opts).top(o);
}

/** Only the value, no leading type (for `--raw`: strings unquoted, integers in decimal). */
export function formatValue(o: Obj, opts: FormatOptions = {}): string {
  const r = o.resolvedType;
  if (r.kind === 'array' && isCharType(r.element)) {
    return o.string();
  }
  const f = new Formatter({ memberTypes: false, ...opts });
  return isComposite(r) || r.kind === 'array' ? f.value(safeRead(o), 0) : f.valueUnsafe(o, 0);
}

function safeRead(o: Obj): Obj {
  if (!o.isReference || o.size === undefined) return o;
  try { return o.read(); } catch (e) { if (e instanceof VirtmemError) return o; throw e; }
}

/** JSON-ready data: numbers (bigint where large), strings, arrays, objects; pointers as "0x..." strings. */
export function toPlain(o: Obj, depth = 0): unknown {
  if (depth > 32) return '...';
  try {
    const r = o.resolvedType;
    switch (r.kind) {
      case 'int': {
        if (r.encoding === 'bool') return o.int() !== 0n;
        const v = o.int();
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 'enum': { const v = o.int(); return enumName(r, v) ?? Number(v); }
      case 'float': return o.float();
      case 'pointer': return '0x' + o.int().toString(16);
      case 'function': return '0x' + o.pointerValue().toString(16);
      case 'array': {
        if (r.count === undefined) return [];
        if (isCharType(r.element)) return o.string();
        const v = o.isReference ? safeRead(o) : o;
        const out: unknown[] = [];
        for (let i = 0; i < Math.min(r.count, 4096); i++) out.push(toPlain(v.index(i), depth + 1));
        return out;
      }
      case 'struct': case 'union': {
        const v = o.isReference ? safeRead(o) : o;
        const out: Record<string, unknown> = {};
        for (const m of r.members) {
          if (m.name === undefined) {
            const inner = resolve(m.type);
            if (!isComposite(inner)) continue;
            const byte = m.bitOffset >> 3;
            const sub = v.isReference ? Obj.reference(v.prog, m.type, v.address! + BigInt(byte)) : Obj.fromBytes(v.prog, m.type, v.bytes().subarray(byte));
            Object.assign(out, toPlain(sub, depth + 1) as object);
          } else {
            out[m.name] = toPlain(v.member(m.name), depth + 1);
          }
        }
        return out;
      }
      default: return null;
    }
  } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    return { unreadable: e.message };
  }
}
