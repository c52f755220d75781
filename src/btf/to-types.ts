/**
 * BTF -> the type model (types/), lazily, with the same create-cache-then-fill
 * work queue as the DWARF and CTF converters (no recursion; cycles close
 * through the cache; a failure drops what the call made and marks the id
 * broken).
 *
 * Mapping:
 * - id 0 is void; FUNC_PROTO is a function type (prototyped, parameter names
 *   kept), FUNC and DECL_TAG are declarations, not types; TYPE_TAG is
 *   transparent (the model has no type tags); VAR gives variables.
 * - Members: with the struct's kind_flag the bitfield size is in the member;
 *   without it, a member whose INT type is narrower than its storage (or
 *   offset inside it) is a bitfield too, the old encoding.
 * - BTF writes `int a[]` and `int a[0]` both as 0 elements: a struct's last
 *   member of such an array is flexible (count undefined), others count 0.
 * - ENUM and ENUM64 values are bigint, signed per kind_flag.
 * - Pointer size is not in BTF: `pointerSize` (default 8).
 */
import { FormatError } from '../bytes/index.js';
import {
  VOID, type ArrayType, type FunctionType, type IntType, type NamedKind, type StructType, type Type, type TypeSource,
  type Variable,
} from '../types/index.js';
import type { Btf } from './btf.js';
import {
  BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION,
  BTF_KIND_VAR, BTF_KIND_VOLATILE, btfKindName,
} from './constants.js';
import type { BtfTypeId } from './records.js';

const LOOKUP_ORDER: NamedKind[] = ['struct', 'union', 'enum', 'typedef', 'int', 'float'];
const KIND_FOR: Record<NamedKind, number[]> = {
  struct: [BTF_KIND_STRUCT], union: [BTF_KIND_UNION], enum: [BTF_KIND_ENUM, BTF_KIND_ENUM64],
  typedef: [BTF_KIND_TYPEDEF], int: [BTF_KIND_INT], float: [BTF_KIND_FLOAT],
};
const MAX_CHAIN = 64;

export interface BtfTypesOptions {
  /** Pointer size in bytes (BTF does not say; 8 for 64-bit kernels). */
  pointerSize?: number;
}

export class BtfTypes implements TypeSource {
  readonly format = 'btf';
  private readonly cache = new Map<BtfTypeId, Type>();
  private readonly broken = new Map<BtfTypeId, FormatError>();
  private queue: (() => void)[] = [];
  private made: BtfTypeId[] = [];
  private building = false;
  private readonly pointerSize: number;

  constructor(readonly btf: Btf, opts: BtfTypesOptions = {}) {
    this.pointerSize = opts.pointerSize ?? 8;
  }

  /** The model type of BTF type `id` (0 is void). */
  typeOf(id: BtfTypeId): Type {
    if (id === 0) return VOID;
    const c = this.cache.get(id);
    if (c) return c;
    const b = this.broken.get(id);
    if (b) throw b;
    if (this.building) return this.shallow(id);
    this.building = true;
    try {
      const t = this.shallow(id);
      for (let i = 0; i < this.queue.length; i++) this.queue[i]();
      return t;
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      for (const k of this.made) this.cache.delete(k);
      this.broken.set(id, e);
      throw e;
    } finally {
      this.queue = [];
      this.made = [];
      this.building = false;
    }
  }

  private put<T extends Type>(id: BtfTypeId, t: T): T {
    t.origin = { format: 'btf', id };
    this.cache.set(id, t);
    this.made.push(id);
    return t;
  }

  /** Follow TYPE_TAGs (transparent in the model). */
  private untag(id: BtfTypeId): BtfTypeId {
    for (let i = 0; id !== 0 && this.btf.kindOf(id) === BTF_KIND_TYPE_TAG; i++) {
      if (i > MAX_CHAIN) throw new FormatError(`type tag chain from ${id} too long`, this.btf.place);
      const t = this.btf.type(id);
      if (t.kind !== BTF_KIND_TYPE_TAG) break;
      id = t.type;
    }
    return id;
  }

  private shallow(id0: BtfTypeId): Type {
    const id = this.untag(id0);
    if (id === 0) return VOID;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const r = this.btf.type(id);
    switch (r.kind) {
      case BTF_KIND_INT: {
        const t: IntType = {
          kind: 'int', name: r.name, size: r.size, signed: (r.encoding & BTF_INT_SIGNED) !== 0,
          encoding: r.encoding & BTF_INT_BOOL ? 'bool' : r.encoding & BTF_INT_CHAR ? 'char' : 'plain',
        };
        // C's char has no encoding bit in kernel BTF; its name says what it is.
        if (t.encoding === 'plain' && /^(signed |unsigned )?char$/.test(r.name)) t.encoding = 'char';
        if (r.bits !== r.size * 8) t.bits = r.bits;
        return this.put(id, t);
      }
      case BTF_KIND_FLOAT:
        return this.put(id, { kind: 'float', name: r.name, size: r.size });
      case BTF_KIND_PTR: {
        const t = this.put(id, { kind: 'pointer', target: VOID as Type, size: this.pointerSize });
        this.queue.push(() => { t.target = this.shallow(r.type); });
        return t;
      }
      case BTF_KIND_TYPEDEF: {
        const t = this.put(id, { kind: 'typedef', name: r.name, target: VOID as Type });
        this.queue.push(() => { t.target = this.shallow(r.type); });
        return t;
      }
      case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT: {
        const kind = r.kind === BTF_KIND_CONST ? 'const' : r.kind === BTF_KIND_VOLATILE ? 'volatile' : 'restrict';
        const t = this.put(id, { kind, target: VOID as Type });
        this.queue.push(() => { t.target = this.shallow(r.type); });
        return t;
      }
      case BTF_KIND_ARRAY: {
        const t = this.put(id, { kind: 'array', element: VOID, count: r.nelems } as ArrayType);
        this.queue.push(() => { t.element = this.shallow(r.type); });
        return t;
      }
      case BTF_KIND_FUNC_PROTO: {
        const t = this.put(id, { kind: 'function', returns: VOID, params: [], varargs: r.varargs, prototyped: true } as FunctionType);
        this.queue.push(() => {
          t.returns = this.shallow(r.ret);
          t.params = r.params.map((p) => ({ name: p.name || undefined, type: this.shallow(p.type) }));
        });
        return t;
      }
      case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        const t = this.put(id, { kind: r.kind === BTF_KIND_STRUCT ? 'struct' : 'union', name: r.name || undefined, size: r.size, members: [] } as StructType);
        this.queue.push(() => {
          const last = r.members.length - 1;
          t.members = r.members.map((m, i) => {
            const mtype = this.shallow(m.type);
            const type = i === last && t.kind === 'struct' ? this.flexible(mtype) : mtype;
            if (r.kindFlag) {
              return m.bitfieldSize ? { name: m.name || undefined, type, bitOffset: m.bitOffset, bitSize: m.bitfieldSize } : { name: m.name || undefined, type, bitOffset: m.bitOffset };
            }
            // Without kind_flag a bitfield is a member whose INT type is narrower than its storage.
            const mt = this.btf.kindOf(this.untag(m.type)) === BTF_KIND_INT ? this.btf.type(this.untag(m.type)) : undefined;
            if (mt && mt.kind === BTF_KIND_INT && (mt.bits !== mt.size * 8 || mt.bitOffset)) {
              return { name: m.name || undefined, type, bitOffset: m.bitOffset + mt.bitOffset, bitSize: mt.bits };
            }
            return { name: m.name || undefined, type, bitOffset: m.bitOffset };
          });
        });
        return t;
      }
      case BTF_KIND_ENUM:
        return this.put(id, { kind: 'enum', name: r.name || undefined, size: r.size, signed: r.signed, values: r.values.map((v) => ({ name: v.name, value: BigInt(v.value) })) });
      case BTF_KIND_ENUM64:
        return this.put(id, { kind: 'enum', name: r.name || undefined, size: r.size, signed: r.signed, values: r.values.map((v) => ({ name: v.name, value: v.value })) });
      case BTF_KIND_FWD:
        return this.put(id, { kind: 'forward', name: r.name, of: r.union ? 'union' : 'struct' });
      case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_DATASEC: case BTF_KIND_DECL_TAG: case BTF_KIND_TYPE_TAG:
        throw new FormatError(`type ${id0} is a ${btfKindName(r.kind)}, not a C type`, this.btf.place);
    }
  }

  /**
   * A struct's last member of a 0-element array type is a flexible array
   * (`int a[]`): the format writes both `[]` and `[0]` as 0 elements, and only
   * the last member can be flexible. Elsewhere `[0]` stays a zero-length array.
   */
  private flexible(t: Type): Type {
    if (t.kind !== 'array' || t.count !== 0) return t;
    const f: ArrayType = { kind: 'array', element: t.element, count: undefined };
    if (t.origin) f.origin = t.origin;
    this.queue.push(() => { f.element = t.element; });
    return f;
  }

  lookup(name: string, kind?: NamedKind): Type | undefined {
    for (const k of kind ? [kind] : LOOKUP_ORDER) {
      for (const id of this.btf.lookup(name)) {
        if (!KIND_FOR[k].includes(this.btf.kindOf(id))) continue;
        try { return this.typeOf(id); } catch (e) { if (!(e instanceof FormatError)) throw e; }
      }
    }
    if (!kind || kind === 'struct' || kind === 'union') {
      for (const id of this.btf.lookup(name, BTF_KIND_FWD)) {
        const t = this.typeOf(id);
        if (!kind || (t.kind === 'forward' && t.of === kind)) return t;
      }
    }
    return undefined;
  }

  /** A VAR (kernel BTF has them for per-CPU variables only). */
  variable(name: string): Variable | undefined {
    for (const id of this.btf.lookup(name, BTF_KIND_VAR)) {
      const v = this.btf.type(id);
      if (v.kind === BTF_KIND_VAR) return { name, type: this.typeOf(v.type), origin: { format: 'btf', id } };
    }
    return undefined;
  }

  /** Every named type of this BTF (not its base's), first per kind and name, in id order. */
  *types(): Generator<Type> {
    const seen = new Set<string>();
    for (let id = this.btf.firstId; id < this.btf.nextId; id++) {
      const k = this.btf.kindOf(id);
      if (![BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_TYPEDEF, BTF_KIND_INT, BTF_KIND_FLOAT].includes(k)) continue;
      let t: Type;
      try { t = this.typeOf(id); } catch (e) { if (e instanceof FormatError) continue; throw e; }
      const name = 'name' in t ? t.name : undefined;
      if (!name) continue;
      const key = `${t.kind} ${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      yield t;
    }
  }

  problems(): FormatError[] {
    return [...this.broken.values()];
  }
}
