/**
 * BTF -> the type model (types/), lazily, with the create-cache-then-fill
 * work queue the DWARF and CTF converters share (types/lazy.ts) (no recursion; cycles close
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
  LazyTypeBuilder, VOID, type ArrayType, type FunctionType, type IntType, type NamedKind, type PointerType, type StructType, type Type, type TypeSource,
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

/**
 * A pointer whose target is converted on first read: C's by-reference edges
 * are where a struct's closure explodes (task_struct reaches thousands of
 * types through pointers), so a lookup converts what is needed by value and
 * stops at pointers. Reading `target` converts it (a FormatError there if the
 * target's record is bad); identity is as for any type: one object per id.
 */
class BtfPointer implements PointerType {
  readonly kind = 'pointer' as const;
  origin?: PointerType['origin'];
  #src: BtfTypes | undefined;
  #id: BtfTypeId;
  #target: Type | undefined;

  constructor(src: BtfTypes, id: BtfTypeId, readonly size: number) {
    this.#src = src;
    this.#id = id;
  }

  get target(): Type {
    if (this.#target === undefined) {
      this.#target = this.#src!.typeOf(this.#id);
      this.#src = undefined;
    }
    return this.#target;
  }

  set target(t: Type) { this.#target = t; this.#src = undefined; }
}

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

export class BtfTypes extends LazyTypeBuilder<BtfTypeId> implements TypeSource {
  readonly format = 'btf';
  private readonly pointerSize: number;

  constructor(readonly btf: Btf, opts: BtfTypesOptions = {}) {
    super();
    this.pointerSize = opts.pointerSize ?? 8;
  }

  /** The model type of BTF type `id` (0 is void). */
  override typeOf(id: BtfTypeId): Type {
    return id === 0 ? VOID : super.typeOf(id);
  }

  /** Store `t` for `id` and queue filling in its references. */
  private putFilled<T extends Type>(id: BtfTypeId, t: T): T {
    this.put(id, t);
    this.defer(() => this.fill(id));
    return t;
  }

  /** The blob holding `id` (throws as Btf.type does when none does). */
  private blob(id: BtfTypeId): Btf {
    const b = this.btf.owner(id);
    if (b) return b;
    this.btf.type(id);
    throw new FormatError(`no type ${id}`, this.btf.place);
  }

  /** Name at `off` of record `id` in `b`, failing as decoding the record would. */
  private nameOf(b: Btf, off: number, id: BtfTypeId): string {
    if (off === 0) return '';
    try { return b.name(off); } catch (e) {
      if (e instanceof FormatError) throw b.check(id) ?? e;
      throw e;
    }
  }

  /** Follow TYPE_TAGs (transparent in the model). */
  private untag(id: BtfTypeId): BtfTypeId {
    for (let i = 0; id !== 0 && this.btf.kindOf(id) === BTF_KIND_TYPE_TAG; i++) {
      if (i > MAX_CHAIN) throw new FormatError(`type tag chain from ${id} too long`, this.btf.place);
      const b = this.blob(id);
      id = b.words[b.start(id) + 2];
    }
    return id;
  }

  /** Create type `id` without its references (members, targets): `fill` adds those. */
  protected shallow(id0: BtfTypeId): Type {
    const id = this.untag(id0);
    if (id === 0) return VOID;
    const hit = this.cached(id);
    if (hit) return hit;
    const b = this.blob(id);
    const w = b.words;
    const p = b.start(id);
    const info = w[p + 1];
    const kind = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    const size = w[p + 2];
    switch (kind) {
      case BTF_KIND_INT: {
        const name = this.nameOf(b, w[p], id);
        const d = w[p + 3];
        const enc = (d >>> 24) & 0x0f;
        const bits = d & 0xff;
        const t: IntType = {
          kind: 'int', name, size, signed: (enc & BTF_INT_SIGNED) !== 0,
          encoding: enc & BTF_INT_BOOL ? 'bool' : enc & BTF_INT_CHAR ? 'char' : 'plain',
        };
        // C's char has no encoding bit in kernel BTF; its name says what it is.
        if (t.encoding === 'plain' && /^(signed |unsigned )?char$/.test(name)) t.encoding = 'char';
        if (bits !== size * 8) t.bits = bits;
        return this.put(id, t);
      }
      case BTF_KIND_FLOAT:
        return this.put(id, { kind: 'float', name: this.nameOf(b, w[p], id), size });
      case BTF_KIND_PTR: {
        this.nameOf(b, w[p], id);
        // Not queued: the target is made when first read (see BtfPointer).
        return this.put(id, new BtfPointer(this, size, this.pointerSize));
      }
      case BTF_KIND_TYPEDEF:
        return this.putFilled(id, { kind: 'typedef', name: this.nameOf(b, w[p], id), target: VOID as Type });
      case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT:
        this.nameOf(b, w[p], id);
        return this.putFilled(id, { kind: kind === BTF_KIND_CONST ? 'const' : kind === BTF_KIND_VOLATILE ? 'volatile' : 'restrict', target: VOID as Type });
      case BTF_KIND_ARRAY:
        this.nameOf(b, w[p], id);
        return this.putFilled(id, { kind: 'array', element: VOID, count: w[p + 5] } as ArrayType);
      case BTF_KIND_FUNC_PROTO: {
        this.nameOf(b, w[p], id);
        const vlen = info & 0xffff;
        const varargs = vlen > 0 && w[p + 3 + 2 * (vlen - 1)] === 0 && w[p + 4 + 2 * (vlen - 1)] === 0;
        return this.putFilled(id, { kind: 'function', returns: VOID, params: [], varargs, prototyped: true } as FunctionType);
      }
      case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
        const name = this.nameOf(b, w[p], id);
        return this.putFilled(id, { kind: kind === BTF_KIND_STRUCT ? 'struct' : 'union', name: name || undefined, size, members: [] } as StructType);
      }
      case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
        const name = this.nameOf(b, w[p], id);
        const vlen = info & 0xffff;
        const values: { name: string; value: bigint }[] = new Array(vlen);
        if (kind === BTF_KIND_ENUM) {
          for (let i = 0, q = p + 3; i < vlen; i++, q += 2) values[i] = { name: this.nameOf(b, w[q], id), value: BigInt(kindFlag ? w[q + 1] | 0 : w[q + 1]) };
        } else {
          for (let i = 0, q = p + 3; i < vlen; i++, q += 3) {
            const u = (BigInt(w[q + 2]) << 32n) | BigInt(w[q + 1]);
            values[i] = { name: this.nameOf(b, w[q], id), value: kindFlag ? BigInt.asIntN(64, u) : u };
          }
        }
        return this.put(id, { kind: 'enum', name: name || undefined, size, signed: kindFlag, values });
      }
      case BTF_KIND_FWD:
        return this.put(id, { kind: 'forward', name: this.nameOf(b, w[p], id), of: kindFlag ? 'union' : 'struct' });
      default:
        this.nameOf(b, w[p], id);
        throw new FormatError(`type ${id0} is a ${btfKindName(kind)}, not a C type`, this.btf.place);
    }
  }

  /** Add the references of type `id` (made by shallow), creating what they point at. */
  private fill(id: BtfTypeId): void {
    const t = this.cached(id)!;
    const b = this.blob(id);
    const w = b.words;
    const p = b.start(id);
    switch (t.kind) {
      case 'typedef': case 'const': case 'volatile': case 'restrict':
        t.target = this.shallow(w[p + 2]);
        return;
      case 'array':
        t.element = this.shallow(w[p + 3]);
        return;
      case 'function': {
        t.returns = this.shallow(w[p + 2]);
        const n = (w[p + 1] & 0xffff) - (t.varargs ? 1 : 0);
        const params: FunctionType['params'] = new Array(n);
        for (let i = 0, q = p + 3; i < n; i++, q += 2) {
          const name = this.nameOf(b, w[q], id);
          params[i] = { name: name || undefined, type: this.shallow(w[q + 1]) };
        }
        t.params = params;
        return;
      }
      case 'struct': case 'union': {
        const info = w[p + 1];
        const kindFlag = info >>> 31 === 1;
        const vlen = info & 0xffff;
        const members: StructType['members'] = new Array(vlen);
        for (let i = 0, q = p + 3; i < vlen; i++, q += 3) {
          const name = this.nameOf(b, w[q], id) || undefined;
          const mid = w[q + 1];
          const off = w[q + 2];
          const mtype = this.shallow(mid);
          const type = i === vlen - 1 && t.kind === 'struct' ? this.flexible(mtype, mid) : mtype;
          if (kindFlag) {
            const bitfieldSize = off >>> 24;
            members[i] = bitfieldSize ? { name, type, bitOffset: off & 0xffffff, bitSize: bitfieldSize } : { name, type, bitOffset: off & 0xffffff };
            continue;
          }
          // Without kind_flag a bitfield is a member whose INT type is narrower than its storage (or offset inside it).
          if (mtype.kind === 'int') {
            const ib = this.blob(this.untag(mid));
            const d = ib.words[ib.start(this.untag(mid)) + 3];
            const bo = (d >>> 16) & 0xff;
            const bits = d & 0xff;
            if (bits !== mtype.size * 8 || bo) {
              members[i] = { name, type, bitOffset: off + bo, bitSize: bits };
              continue;
            }
          }
          members[i] = { name, type, bitOffset: off };
        }
        t.members = members;
        return;
      }
      default:
        return;
    }
  }

  /**
   * A struct's last member of a 0-element array type is a flexible array
   * (`int a[]`): the format writes both `[]` and `[0]` as 0 elements, and only
   * the last member can be flexible. Elsewhere `[0]` stays a zero-length array.
   */
  private flexible(t: Type, id: BtfTypeId): Type {
    if (t.kind !== 'array' || t.count !== 0) return t;
    const aid = this.untag(id);
    const b = this.blob(aid);
    const f: ArrayType = { kind: 'array', element: this.shallow(b.words[b.start(aid) + 3]), count: undefined };
    if (t.origin) f.origin = t.origin;
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
