/**
 * CTF -> the type model (types/), lazily.
 *
 * `typeOf(id)` builds one type and what it refers to through types/lazy.ts
 * (LazyTypeBuilder, shared with the DWARF and BTF converters), with a work queue instead of recursion so a kernel-sized
 * graph cannot overflow the stack:
 *   1. `shallow(id)` makes the object with what needs no other type (name,
 *      size, encoding), caches it, and queues a task filling in what points
 *      elsewhere (targets, members, arguments);
 *   2. tasks run until the queue is empty; a reference to a cached id gets the
 *      cached object, so cycles (struct list_head) close.
 * If a task fails, the objects made during the call are dropped from the
 * cache and the id is remembered as broken with its FormatError.
 *
 * Mapping (CTF has less to say than the model; the choices):
 * - gcc 12's void, an INTEGER named "void" of size 0, and id 0 are VOID.
 * - A member whose type is a SLICE is a bitfield: the member's type is what the
 *   slice cuts, bitOffset = member offset + slice offset, bitSize = slice bits.
 *   A slice met elsewhere becomes its integer with `bits` set.
 * - CTF writes `int a[]` and `int a[0]` both as 0 elements: a struct's last
 *   member of such an array is flexible (count undefined), others count 0.
 * - gcc 12 writes `T a[2][3]` as [3] of [2] (gcc PR debug/114186); with
 *   `gccArrayOrder` the dimensions of nested arrays are put back in order.
 * - Enum signedness is not stored: an enum is signed when a value is negative.
 * - Functions are prototyped; CTF does not keep parameter names.
 * - Pointer sizes come from the data model (`pointerSize`).
 */
import { FormatError } from '../bytes/index.js';
import {
  LazyTypeBuilder, VOID, type ArrayType, type EnumType, type ForwardType, type FunctionType, type IntType, type NamedKind,
  type StructType, type Type, type TypeSource, type Variable,
} from '../types/index.js';
import {
  CTF_FP_CPLX, CTF_FP_DCPLX, CTF_FP_LDCPLX, CTF_INT_BOOL, CTF_INT_CHAR, CTF_INT_SIGNED, CTF_K_ARRAY,
  CTF_K_CONST, CTF_K_ENUM, CTF_K_FLOAT, CTF_K_FORWARD, CTF_K_FUNCTION, CTF_K_INTEGER, CTF_K_POINTER,
  CTF_K_RESTRICT, CTF_K_SLICE, CTF_K_STRUCT, CTF_K_TYPEDEF, CTF_K_UNION, CTF_K_UNKNOWN, CTF_K_VOLATILE,
} from './constants.js';
import type { CtfDict } from './dict.js';
import type { CtfType, CtfTypeId } from './records.js';

export interface CtfTypesOptions {
  /** Size of pointers (the data model: 8 for LP64, 4 for ILP32). Default 8. */
  pointerSize?: number;
  /** Undo gcc 12's reversed dimensions of multi-dimensional arrays. */
  gccArrayOrder?: boolean;
}

const LOOKUP_ORDER: NamedKind[] = ['struct', 'union', 'enum', 'typedef', 'int', 'float'];
/** Most slices/qualifiers followed to find what a slice cuts. */
const MAX_CHAIN = 64;

function namedKindOf(t: CtfType): NamedKind | undefined {
  switch (t.kind) {
    case CTF_K_STRUCT: return 'struct';
    case CTF_K_UNION: return 'union';
    case CTF_K_ENUM: return 'enum';
    case CTF_K_TYPEDEF: return 'typedef';
    case CTF_K_INTEGER: return t.name === 'void' && t.size === 0 ? undefined : 'int';
    case CTF_K_FLOAT: return 'float';
    default: return undefined;
  }
}

/** The types of one CTF dict (and, for a child, its parent) as a TypeSource. */
export class CtfTypes extends LazyTypeBuilder<CtfTypeId> implements TypeSource {
  readonly format = 'ctf';
  private index?: Map<string, CtfTypeId[]>;
  private readonly pointerSize: number;
  private readonly gccArrayOrder: boolean;

  constructor(readonly dict: CtfDict, opts: CtfTypesOptions = {}) {
    super();
    this.pointerSize = opts.pointerSize ?? 8;
    this.gccArrayOrder = opts.gccArrayOrder ?? false;
  }

  /** The model type of CTF type `id` (0 is void). Throws the FormatError of a broken type. */
  override typeOf(id: CtfTypeId): Type {
    return id === 0 ? VOID : super.typeOf(id);
  }

  private raw(id: CtfTypeId): CtfType {
    return this.dict.type(id);
  }

  protected shallow(id: CtfTypeId): Type {
    if (id === 0) return VOID;
    const hit = this.cached(id);
    if (hit) return hit;
    const r = this.raw(id);
    switch (r.kind) {
      case CTF_K_INTEGER: {
        if (r.size === 0 && (r.name === 'void' || r.bits === 0)) return VOID;
        const t: IntType = {
          kind: 'int', name: r.name, size: r.size, signed: (r.encoding & CTF_INT_SIGNED) !== 0,
          encoding: r.encoding & CTF_INT_BOOL ? 'bool' : r.encoding & CTF_INT_CHAR ? 'char' : 'plain',
        };
        if (r.bits && r.bits !== r.size * 8) t.bits = r.bits;
        return this.put(id, t);
      }
      case CTF_K_FLOAT: {
        const complex = r.encoding === CTF_FP_CPLX || r.encoding === CTF_FP_DCPLX || r.encoding === CTF_FP_LDCPLX;
        return this.put(id, complex ? { kind: 'float', name: r.name, size: r.size, complex } : { kind: 'float', name: r.name, size: r.size });
      }
      case CTF_K_POINTER: {
        const t = this.put(id, { kind: 'pointer', target: VOID as Type, size: this.pointerSize });
        this.defer(() => { t.target = this.shallow(r.ref); });
        return t;
      }
      case CTF_K_TYPEDEF: {
        const t = this.put(id, { kind: 'typedef', name: r.name, target: VOID as Type });
        this.defer(() => { t.target = this.shallow(r.ref); });
        return t;
      }
      case CTF_K_CONST: case CTF_K_VOLATILE: case CTF_K_RESTRICT: {
        const kind = r.kind === CTF_K_CONST ? 'const' : r.kind === CTF_K_VOLATILE ? 'volatile' : 'restrict';
        const t = this.put(id, { kind, target: VOID as Type });
        this.defer(() => { t.target = this.shallow(r.ref); });
        return t;
      }
      case CTF_K_ARRAY: {
        const t = this.put(id, { kind: 'array', element: VOID, count: r.nelems } as ArrayType);
        this.defer(() => {
          if (this.gccArrayOrder && this.raw(r.contents).kind === CTF_K_ARRAY) this.fixArrayOrder(id, t);
          else t.element = this.shallow(r.contents);
        });
        return t;
      }
      case CTF_K_FUNCTION: {
        const t = this.put(id, { kind: 'function', returns: VOID, params: [], varargs: r.varargs, prototyped: true } as FunctionType);
        this.defer(() => {
          t.returns = this.shallow(r.ret);
          t.params = r.args.map((a) => ({ name: undefined, type: this.shallow(a) }));
        });
        return t;
      }
      case CTF_K_STRUCT: case CTF_K_UNION: {
        const t = this.put(id, { kind: r.kind === CTF_K_STRUCT ? 'struct' : 'union', name: r.name || undefined, size: r.size, members: [] } as StructType);
        this.defer(() => {
          const last = r.members.length - 1;
          t.members = r.members.map((m, i) => {
            const cut = this.sliceOf(m.type);
            if (cut) return { name: m.name || undefined, type: this.shallow(cut.type), bitOffset: m.bitOffset + cut.bitOffset, bitSize: cut.bits };
            const mt = this.shallow(m.type);
            return { name: m.name || undefined, type: i === last && t.kind === 'struct' ? this.flexible(mt) : mt, bitOffset: m.bitOffset };
          });
        });
        return t;
      }
      case CTF_K_ENUM: {
        const t: EnumType = {
          kind: 'enum', name: r.name || undefined, size: r.size, signed: r.values.some((v) => v.value < 0),
          values: r.values.map((v) => ({ name: v.name, value: BigInt(v.value) })),
        };
        return this.put(id, t);
      }
      case CTF_K_FORWARD: {
        const of = r.fwdKind === CTF_K_UNION ? 'union' : r.fwdKind === CTF_K_ENUM ? 'enum' : 'struct';
        return this.put(id, { kind: 'forward', name: r.name, of } as ForwardType);
      }
      case CTF_K_SLICE: {
        const cut = this.sliceOf(id)!;
        const base = this.shallow(cut.type);
        if (base.kind === 'int') return this.put(id, { ...base, bits: cut.bits });
        return base;
      }
      case CTF_K_UNKNOWN:
        return VOID;
    }
  }

  /** What a slice (or a slice of a slice) cuts, with the accumulated offset; undefined if `id` is not a slice. */
  private sliceOf(id: CtfTypeId): { type: CtfTypeId; bitOffset: number; bits: number } | undefined {
    if (id === 0) return undefined;
    let r = this.raw(id);
    if (r.kind !== CTF_K_SLICE) return undefined;
    const bits = r.bits;
    let off = 0;
    for (let i = 0; r.kind === CTF_K_SLICE; i++) {
      if (i > MAX_CHAIN) throw new FormatError(`slice chain from type 0x${id.toString(16)} too long`, this.dict.place);
      off += r.bitOffset;
      id = r.type;
      r = this.raw(id);
    }
    return { type: id, bitOffset: off, bits };
  }

  /** gcc 12 reverses the dimensions of T[a][b]...: rebuild the chain in order (new objects; inner arrays may be shared). */
  private fixArrayOrder(id: CtfTypeId, outer: ArrayType): void {
    const counts: (number | undefined)[] = [];
    let r = this.raw(id);
    for (let i = 0; r.kind === CTF_K_ARRAY; i++) {
      if (i > MAX_CHAIN) throw new FormatError(`array chain from type 0x${id.toString(16)} too long`, this.dict.place);
      counts.push(r.nelems);
      id = r.contents;
      r = this.raw(id);
    }
    const elem = this.shallow(id);
    counts.reverse();
    let inner: Type = elem;
    for (let i = counts.length - 1; i >= 1; i--) inner = { kind: 'array', element: inner, count: counts[i] };
    outer.count = counts[0];
    outer.element = inner;
  }

  private buildIndex(): Map<string, CtfTypeId[]> {
    if (this.index) return this.index;
    const ix = new Map<string, CtfTypeId[]>();
    const add = (d: CtfDict) => {
      for (const e of d.entries()) {
        if (!e.type || !e.type.name) continue;
        const k = namedKindOf(e.type);
        if (!k) continue;
        const key = `${k} ${e.type.name}`;
        const l = ix.get(key);
        if (l) l.push(e.id); else ix.set(key, [e.id]);
      }
    };
    add(this.dict);
    if (this.dict.isChild && this.dict.parent) add(this.dict.parent);
    return (this.index = ix);
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
    this.defer(() => { f.element = t.element; });
    return f;
  }

  lookup(name: string, kind?: NamedKind): Type | undefined {
    const ix = this.buildIndex();
    for (const k of kind ? [kind] : LOOKUP_ORDER) {
      for (const id of ix.get(`${k} ${name}`) ?? []) {
        try { return this.typeOf(id); } catch (e) { if (!(e instanceof FormatError)) throw e; }
      }
    }
    // A declared-only struct/union/enum.
    if (!kind || kind === 'struct' || kind === 'union' || kind === 'enum') {
      for (const d of [this.dict, this.dict.isChild ? this.dict.parent : undefined]) {
        if (!d) continue;
        for (const e of d.entries()) {
          if (e.type?.kind === CTF_K_FORWARD && e.type.name === name) {
            const of = e.type.fwdKind === CTF_K_UNION ? 'union' : e.type.fwdKind === CTF_K_ENUM ? 'enum' : 'struct';
            if (!kind || kind === of) return this.typeOf(e.id);
          }
        }
      }
    }
    return undefined;
  }

  /** A variable from the variable section, else from the named data objects. */
  variable(name: string): Variable | undefined {
    for (const v of this.dict.variables()) if (v.name === name) return { name, type: this.typeOf(v.type), origin: { format: 'ctf', id: v.type } };
    if (this.dict.objectsIndexed) {
      for (const o of this.dict.objects()) if (o.name === name) return { name, type: this.typeOf(o.type), origin: { format: 'ctf', id: o.type } };
    }
    return undefined;
  }

  /** Every variable: the variable section, then named data objects not already listed. */
  variables(): Variable[] {
    const out: Variable[] = [];
    const seen = new Set<string>();
    const add = (name: string, type: CtfTypeId) => {
      if (seen.has(name)) return;
      seen.add(name);
      try { out.push({ name, type: this.typeOf(type), origin: { format: 'ctf', id: type } }); } catch (e) { if (!(e instanceof FormatError)) throw e; }
    };
    for (const v of this.dict.variables()) add(v.name, v.type);
    if (this.dict.objectsIndexed) for (const o of this.dict.objects()) if (o.name) add(o.name, o.type);
    return out;
  }

  /** Every named type of this dict (its own, not its parent's), first per kind and name, in id order. */
  *types(): Generator<Type> {
    const seen = new Set<string>();
    for (const e of this.dict.entries()) {
      if (!e.type || !e.type.name) continue;
      const k = namedKindOf(e.type);
      if (!k) continue;
      const key = `${k} ${e.type.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try { yield this.typeOf(e.id); } catch (err) { if (!(err instanceof FormatError)) throw err; }
    }
  }

  /** Every own type id's model type, or its error (for dumps). */
  *all(): Generator<{ id: CtfTypeId; type?: Type; error?: FormatError }> {
    for (const e of this.dict.entries()) {
      if (e.error) { yield { id: e.id, error: e.error }; continue; }
      try { yield { id: e.id, type: this.typeOf(e.id) }; } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        yield { id: e.id, error: err };
      }
    }
  }

  problems(): FormatError[] {
    return [...this.broken.values()];
  }
}
