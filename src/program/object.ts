/**
 * Obj: a typed value in the kernel, as drgn's Object. Either a reference (a
 * type at an address in kernel memory, read lazily: `task.member('comm')`
 * reads nothing, `.string()` then reads those 16 bytes) or a value (bytes
 * already in hand: the result of `read()`, of arithmetic, of `&x`).
 *
 * Member access goes through anonymous structs and unions as C does, and
 * through a pointer as drgn allows (`task.member('mm')` then `.member('pgd')`
 * needs no explicit deref). Bitfields are objects with a bit position and
 * width; reading one reads the bytes that hold it. Paths ("se.vruntime",
 * "pids[1].node", "tasks.next") name nested members in one call.
 *
 * Integers are bigint (signed or not per the type), pointers are unsigned
 * bigint addresses, char arrays read as strings up to their first NUL.
 */
import {
  describe, findMember, isComposite, resolve, trySizeof, type IntType, type Type,
} from '../types/index.js';
import { LookupError, ObjectError } from './errors.js';
import type { Program } from './program.js';

interface Ref { kind: 'ref'; address: bigint }
interface Val { kind: 'val'; bytes: Uint8Array }

/** True for char, signed char, unsigned char (through typedefs and qualifiers). */
export function isCharType(t: Type): boolean {
  const r = resolve(t);
  return r.kind === 'int' && r.size === 1 && (r.encoding === 'char' || /char/.test(r.name));
}

/** Unsigned little-endian integer of `b` (any length). */
function leUnsigned(b: Uint8Array): bigint {
  if (b.length === 8) return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  if (b.length === 4) return BigInt(new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true));
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** Little-endian bytes of `v` (two's complement, truncated to `n` bytes). */
function leBytes(v: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) { b[i] = Number(x & 0xffn); x >>= 8n; }
  return b;
}

const PATH_TOKEN = /\s*(?:([A-Za-z_]\w*)|\[\s*(\d+|0x[0-9a-fA-F]+)\s*\]|(\.|->))/y;

/** Split "a.b[2]->c" into ['a', 'b', 2, 'c']. */
export function parseMemberPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  PATH_TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < path.length) {
    PATH_TOKEN.lastIndex = pos;
    const m = PATH_TOKEN.exec(path);
    if (!m) {
      if (/^\s*$/.test(path.slice(pos))) break;
      throw new ObjectError(`bad member path '${path}' at offset ${pos}`);
    }
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    pos = PATH_TOKEN.lastIndex;
  }
  if (!out.length) throw new ObjectError(`empty member path '${path}'`);
  return out;
}

export class Obj {
  private constructor(
    readonly prog: Program,
    /** The type as declared (typedefs kept, for printing). */
    readonly type: Type,
    private readonly place: Ref | Val,
    /** Bitfield: first bit within the first byte (little-endian numbering). */
    readonly bitShift = 0,
    /** Bitfield width; undefined for an ordinary object. */
    readonly bitSize?: number,
  ) {}

  /** An object of type `t` at `address`. */
  static reference(prog: Program, t: Type, address: bigint, bitShift = 0, bitSize?: number): Obj {
    return new Obj(prog, t, { kind: 'ref', address: BigInt.asUintN(64, address) }, bitShift, bitSize);
  }

  /** A value object holding `bytes`. */
  static fromBytes(prog: Program, t: Type, bytes: Uint8Array, bitShift = 0, bitSize?: number): Obj {
    return new Obj(prog, t, { kind: 'val', bytes }, bitShift, bitSize);
  }

  /** A value of a scalar type (int, enum, pointer, bool) from a number. */
  static scalar(prog: Program, t: Type, v: bigint): Obj {
    const r = resolve(t);
    if (r.kind !== 'int' && r.kind !== 'enum' && r.kind !== 'pointer' && r.kind !== 'float') {
      throw new ObjectError(`cannot make a ${describe(t)} from a number`);
    }
    if (r.kind === 'float') {
      const b = new Uint8Array(r.size);
      const dv = new DataView(b.buffer);
      if (r.size === 4) dv.setFloat32(0, Number(v), true); else dv.setFloat64(0, Number(v), true);
      return Obj.fromBytes(prog, t, b);
    }
    return Obj.fromBytes(prog, t, leBytes(v, r.size));
  }

  /** A float value. */
  static float(prog: Program, t: Type, v: number): Obj {
    const r = resolve(t);
    if (r.kind !== 'float') throw new ObjectError(`${describe(t)} is not a floating type`);
    const b = new Uint8Array(r.size);
    const dv = new DataView(b.buffer);
    if (r.size === 4) dv.setFloat32(0, v, true); else dv.setFloat64(0, v, true);
    return Obj.fromBytes(prog, t, b);
  }

  /** Byte offset of a member path inside `t` (no pointers crossed). */
  static offsetOfPath(prog: Program, t: Type, path: string): number {
    let off = 0;
    let cur = t;
    for (const seg of parseMemberPath(path)) {
      const r = resolve(cur);
      if (typeof seg === 'number') {
        if (r.kind !== 'array') throw new ObjectError(`offsetof: ${describe(cur)} is not an array`);
        const es = trySizeof(r.element);
        if (es === undefined) throw new ObjectError(`offsetof: element of incomplete type ${describe(r.element)}`);
        off += seg * es;
        cur = r.element;
      } else {
        if (!isComposite(r)) throw new ObjectError(`offsetof: ${describe(cur)} has no members (looking for '${seg}')`);
        const f = findMember(r, seg);
        if (!f) throw new LookupError(`${describe(r)} has no member '${seg}' in ${prog.describe()}`);
        if (f.member.bitSize !== undefined) throw new ObjectError(`offsetof: '${seg}' is a bitfield`);
        off += f.bitOffset >> 3;
        cur = f.member.type;
      }
    }
    return off;
  }

  // --- what it is ---------------------------------------------------------------

  /** The type without typedefs and qualifiers. */
  get resolvedType(): Type { return resolve(this.type); }

  /** True for an object in memory (it has an address). */
  get isReference(): boolean { return this.place.kind === 'ref'; }

  /** The address of a reference object (undefined for a value or a bitfield). */
  get address(): bigint | undefined {
    return this.place.kind === 'ref' && this.bitSize === undefined ? this.place.address : undefined;
  }

  /** The address, or an ObjectError saying why there is none. */
  addressOrThrow(what = 'take the address of'): bigint {
    if (this.place.kind !== 'ref') throw new ObjectError(`cannot ${what} a value (not in memory)`);
    if (this.bitSize !== undefined) throw new ObjectError(`cannot ${what} a bitfield`);
    return this.place.address;
  }

  /** Size in bytes (undefined for an incomplete type). */
  get size(): number | undefined {
    if (this.bitSize !== undefined) return Math.ceil((this.bitShift + this.bitSize) / 8);
    return trySizeof(this.type);
  }

  // --- moving around -------------------------------------------------------------

  /** `&obj`: a pointer value. */
  addressOf(): Obj {
    return Obj.scalar(this.prog, this.prog.pointerTo(this.type), this.addressOrThrow());
  }

  /** A member, or a path of members and indexes ("se.vruntime", "pids[1].node"). */
  member(path: string): Obj {
    let o: Obj = this;
    for (const seg of parseMemberPath(path)) o = typeof seg === 'number' ? o.index(seg) : o.memberOne(seg);
    return o;
  }

  /** Whether `member(name)` would find the member (through a pointer and anonymous members). */
  hasMember(name: string): boolean {
    let r = this.resolvedType;
    if (r.kind === 'pointer') r = resolve(r.target);
    return isComposite(r) && findMember(r, name) !== undefined;
  }

  private memberOne(name: string): Obj {
    let o: Obj = this;
    let r = this.resolvedType;
    if (r.kind === 'pointer') { o = this.deref(); r = o.resolvedType; }
    if (!isComposite(r)) throw new ObjectError(`${describe(o.type)} has no members (looking for '${name}')`);
    const f = findMember(r, name);
    if (!f) throw new LookupError(`${describe(r)} has no member '${name}' in ${this.prog.describe()}`);
    const m = f.member;
    const byte = f.bitOffset >> 3;
    const shift = f.bitOffset & 7;
    if (m.bitSize === undefined && shift !== 0) throw new ObjectError(`member '${name}' is not byte-aligned`);
    if (o.place.kind === 'ref') {
      return Obj.reference(this.prog, m.type, o.place.address + BigInt(byte), shift, m.bitSize);
    }
    const size = m.bitSize !== undefined ? Math.ceil((shift + m.bitSize) / 8) : trySizeof(m.type);
    const end = size === undefined ? o.place.bytes.length : byte + size;
    if (end > o.place.bytes.length) throw new ObjectError(`member '${name}' lies outside the value's ${o.place.bytes.length} bytes`);
    return Obj.fromBytes(this.prog, m.type, o.place.bytes.subarray(byte, end), shift, m.bitSize);
  }

  /** Element `i` of an array, or `p[i]` of a pointer. */
  index(i: number | bigint): Obj {
    const n = BigInt(i);
    const r = this.resolvedType;
    if (r.kind === 'pointer') {
      const es = this.elementSize(r.target);
      return Obj.reference(this.prog, r.target, this.pointerValue() + n * BigInt(es));
    }
    if (r.kind !== 'array') throw new ObjectError(`cannot index ${describe(this.type)}`);
    const es = this.elementSize(r.element);
    // Out-of-bounds is an error for sized arrays; [] and [0] (flexible) are indexable as in C.
    if (r.count !== undefined && r.count > 0 && (n < 0n || n >= BigInt(r.count))) {
      throw new ObjectError(`index ${n} out of bounds of ${describe(this.type)}`);
    }
    if (this.place.kind === 'ref') return Obj.reference(this.prog, r.element, this.place.address + n * BigInt(es));
    const at = Number(n) * es;
    if (at < 0 || at + es > this.place.bytes.length) throw new ObjectError(`index ${n} outside the value`);
    return Obj.fromBytes(this.prog, r.element, this.place.bytes.subarray(at, at + es));
  }

  private elementSize(t: Type): number {
    const es = trySizeof(t);
    if (es === undefined) throw new ObjectError(`element type ${describe(t)} has no size`);
    return es;
  }

  /** `*p` for a pointer (an array gives its first element). */
  deref(): Obj {
    const r = this.resolvedType;
    if (r.kind === 'array') return this.index(0);
    if (r.kind !== 'pointer') throw new ObjectError(`cannot dereference ${describe(this.type)}`);
    const target = resolve(r.target);
    if (target.kind === 'void') throw new ObjectError(`cannot dereference a void pointer (cast it first)`);
    return Obj.reference(this.prog, r.target, this.pointerValue());
  }

  /**
   * container_of(this, type, member): this is a pointer to (or a reference to)
   * the member; the result is a pointer to the containing `type`.
   */
  containerOf(type: Type | string, memberPath: string): Obj {
    const t = typeof type === 'string' ? this.prog.type(type) : type;
    const off = Obj.offsetOfPath(this.prog, t, memberPath);
    const r = this.resolvedType;
    const addr = r.kind === 'pointer' ? this.pointerValue() : this.addressOrThrow('take container_of');
    return Obj.scalar(this.prog, this.prog.pointerTo(t), addr - BigInt(off));
  }

  /** Reinterpret or convert to another type (C cast; a struct reference is reinterpreted in place). */
  cast(type: Type | string): Obj {
    const t = typeof type === 'string' ? this.prog.type(type) : type;
    const to = resolve(t);
    const from = this.resolvedType;
    if (to.kind === 'int' || to.kind === 'enum' || to.kind === 'pointer') {
      if (to.kind === 'int' && to.encoding === 'bool') return Obj.scalar(this.prog, t, this.truth() ? 1n : 0n);
      if (from.kind === 'float') return Obj.scalar(this.prog, t, BigInt(Math.trunc(this.float())));
      return Obj.scalar(this.prog, t, from.kind === 'array' || from.kind === 'function' ? this.pointerValue() : this.int());
    }
    if (to.kind === 'float') return Obj.float(this.prog, t, from.kind === 'float' ? this.float() : Number(this.int()));
    if (to.kind === 'void') return Obj.fromBytes(this.prog, t, new Uint8Array(0));
    if (this.place.kind === 'ref' && this.bitSize === undefined) return Obj.reference(this.prog, t, this.place.address);
    throw new ObjectError(`cannot cast ${describe(this.type)} to ${describe(t)}`);
  }

  // --- values ----------------------------------------------------------------------

  /** The object's bytes (read now for a reference). */
  bytes(): Uint8Array {
    if (this.place.kind === 'val') return this.place.bytes;
    const n = this.size;
    if (n === undefined) throw new ObjectError(`cannot read an object of incomplete type ${describe(this.type)}`);
    return this.prog.read(this.place.address, n);
  }

  /** A value copy of this object (one read of all its bytes). */
  read(): Obj {
    if (this.place.kind === 'val') return this;
    return Obj.fromBytes(this.prog, this.type, this.bytes(), this.bitShift, this.bitSize);
  }

  /** An integer, enum, bool or pointer as bigint (signed per the type). */
  int(): bigint {
    const r = this.resolvedType;
    let signed: boolean;
    let size: number;
    switch (r.kind) {
      case 'int': signed = r.signed; size = r.size; break;
      case 'enum': signed = r.signed; size = r.size; break;
      case 'pointer': signed = false; size = r.size; break;
      default: throw new ObjectError(`${describe(this.type)} is not an integer`);
    }
    const b = this.bytes();
    if (this.bitSize !== undefined) {
      const raw = (leUnsigned(b) >> BigInt(this.bitShift)) & ((1n << BigInt(this.bitSize)) - 1n);
      return signed ? BigInt.asIntN(this.bitSize, raw) : raw;
    }
    const u = leUnsigned(b.subarray(0, size));
    const bits = r.kind === 'int' && (r as IntType).bits !== undefined ? (r as IntType).bits! : size * 8;
    return signed ? BigInt.asIntN(bits, u) : BigInt.asUintN(bits, u);
  }

  /** int() as a JS number (for counts, pids, small fields). */
  toNumber(): number {
    const r = this.resolvedType;
    if (r.kind === 'float') return this.float();
    return Number(this.int());
  }

  /** A floating-point value. */
  float(): number {
    const r = this.resolvedType;
    if (r.kind !== 'float') throw new ObjectError(`${describe(this.type)} is not a floating type`);
    const b = this.bytes();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (r.size === 4) return dv.getFloat32(0, true);
    if (r.size === 8) return dv.getFloat64(0, true);
    throw new ObjectError(`cannot read a ${r.size}-byte float`);
  }

  /** C truthiness: non-zero integer, pointer or float. */
  truth(): boolean {
    const r = this.resolvedType;
    if (r.kind === 'float') return this.float() !== 0;
    if (r.kind === 'array' || r.kind === 'function') return this.pointerValue() !== 0n;
    return this.int() !== 0n;
  }

  /** The address a pointer holds; an array's or function's own address (decay). */
  pointerValue(): bigint {
    const r = this.resolvedType;
    if (r.kind === 'pointer') return this.int();
    if (r.kind === 'array' || r.kind === 'function') return this.addressOrThrow('decay');
    throw new ObjectError(`${describe(this.type)} is not a pointer`);
  }

  /** True for a NULL pointer. */
  isNull(): boolean {
    return this.pointerValue() === 0n;
  }

  /**
   * A char array up to its first NUL, or the C string a char pointer points to
   * (at most `max` bytes). Bytes are kept as latin1 characters.
   */
  string(max?: number): string {
    const r = this.resolvedType;
    if (r.kind === 'array' && isCharType(r.element)) {
      if (r.count === undefined || r.count === 0) return this.prog.readString(this.addressOrThrow('read'), max);
      let b = this.bytes();
      if (max !== undefined && b.length > max) b = b.subarray(0, max);
      const z = b.indexOf(0);
      return Buffer.from(z >= 0 ? b.subarray(0, z) : b).toString('latin1');
    }
    if (r.kind === 'pointer' && isCharType(r.target)) return this.prog.readString(this.pointerValue(), max);
    throw new ObjectError(`${describe(this.type)} is not a string (char array or char pointer)`);
  }
}
