/**
 * DWARF -> the type model, lazily and without recursion.
 *
 * `typeAt(key)` builds the type of one DIE and what it refers to. Building is
 * done the Go debug/dwarf way, but with a work queue instead of recursion (a
 * kernel struct reaches thousands of types through pointers; recursion would
 * overflow the stack), by LazyTypeBuilder (lazy.ts, shared with CTF and BTF):
 *   1. `shallow(key)` makes the object for a DIE with everything that needs no
 *      other DIE (name, size, encoding), caches it, and queues a task to fill
 *      in what points elsewhere (targets, members, parameters);
 *   2. tasks run until the queue is empty; a reference to a DIE already in the
 *      cache gets the cached object, so cycles (struct list_head) close;
 *   3. late fix-ups that need complete types run (legacy DW_AT_bit_offset
 *      without DW_AT_byte_size needs the member type's size);
 *   4. chains of typedefs/qualifiers/arrays are checked for cycles, which C
 *      cannot express and bad input can.
 * If anything fails, every object made during the call is dropped from the
 * cache and the DIE is remembered as broken with its FormatError; other types
 * stay readable.
 *
 * Member positions: DW_AT_data_bit_offset (DWARF 4+), DW_AT_data_member_location
 * as a constant or a location expression (DW_OP_plus_uconst, DWARF 2/3), and
 * the legacy DW_AT_bit_offset counted from the most significant bit of a
 * DW_AT_byte_size storage unit (converted per byte order).
 */
import { FormatError } from '../bytes/index.js';
import * as C from '../dwarf/constants.js';
import {
  DwarfInfo, NameIndex, constantValue, findByName, tagName, type AttrValue, type Die, type DieKey, type DwarfSections,
} from '../dwarf/index.js';
import { BulkLoader, baseType as makeBaseType, type BulkTypes } from './dwarf-bulk.js';
import { MAX_TYPE_DEPTH, trySizeof } from './helpers.js';
import { LazyTypeBuilder } from './lazy.js';
import {
  VOID, type ArrayType, type EnumType, type FunctionType, type IntType, type Member, type PointerType, type QualifiedType,
  type StructType, type Type, type TypedefType, type Variable,
} from './model.js';
import type { NamedKind, TypeSource } from './source.js';

const TAGS_FOR: Record<NamedKind, ReadonlySet<number>> = {
  struct: new Set([C.DW_TAG_structure_type, C.DW_TAG_class_type]),
  union: new Set([C.DW_TAG_union_type]),
  enum: new Set([C.DW_TAG_enumeration_type]),
  typedef: new Set([C.DW_TAG_typedef]),
  int: new Set([C.DW_TAG_base_type]),
  float: new Set([C.DW_TAG_base_type]),
};
const LOOKUP_ORDER: NamedKind[] = ['struct', 'union', 'enum', 'typedef', 'int', 'float'];
const VARIABLE_TAGS: ReadonlySet<number> = new Set([C.DW_TAG_variable]);
const LOOKUP_TAGS: ReadonlySet<number> = new Set(LOOKUP_ORDER.flatMap((k) => [...TAGS_FOR[k]]));

/**
 * Remembers which DIE answered a lookup, so a later run over the same file
 * need not search for it (kernel/lookup-cache.ts keeps one on disk per
 * vmlinux build-id). Queries are "struct task_struct", "* name" (any kind),
 * "variable init_task"; answers a DieKey, or null for "none".
 */
export interface DwarfLookupMemo {
  /** The answer given earlier, or undefined if there is none. */
  get(query: string): DieKey | null | undefined;
  set(query: string, answer: DieKey | null): void;
}

export class DwarfTypes extends LazyTypeBuilder<DieKey> implements TypeSource {
  readonly format = 'dwarf';
  private index?: NameIndex;
  private bulk?: BulkTypes;

  constructor(readonly dwarf: DwarfInfo, private readonly memo?: DwarfLookupMemo) {
    super();
  }

  /** Build the whole-file name index now (else lookups scan the file each time). */
  buildIndex(): NameIndex {
    return (this.index ??= NameIndex.build(this.dwarf));
  }

  /** The type the DIE at `key` describes. */
  typeAt(key: DieKey): Type {
    return this.typeOf(key);
  }

  /** The type a reference attribute points at; void when absent. */
  private ref(d: Die, at = C.DW_AT_type): Type {
    const k = d.ref(at);
    return k === undefined ? VOID : this.typeAt(k);
  }

  protected shallow(key: DieKey): Type {
    const d = this.dwarf.die(key);
    const tag = d.tag;
    // A declaration standing for a type in a type unit (gcc -fdebug-types-section).
    if (d.abbrev.indexOf(C.DW_AT_signature) >= 0) {
      const k = d.ref(C.DW_AT_signature)!;
      if (k === key) throw d.error('DW_AT_signature refers to itself');
      return this.remember(key, this.typeAt(k));
    }
    switch (tag) {
      case C.DW_TAG_base_type: return this.put(key, baseType(d));
      case C.DW_TAG_unspecified_type: return this.put(key, { kind: 'void' });
      case C.DW_TAG_pointer_type: case C.DW_TAG_reference_type: case C.DW_TAG_rvalue_reference_type: {
        const t: PointerType = this.put(key, { kind: 'pointer', target: VOID, size: d.udata(C.DW_AT_byte_size) ?? d.unit.header.addressSize });
        this.defer(() => { t.target = this.ref(d); });
        return t;
      }
      case C.DW_TAG_const_type: case C.DW_TAG_volatile_type: case C.DW_TAG_restrict_type: case C.DW_TAG_atomic_type: {
        const kind = tag === C.DW_TAG_const_type ? 'const' : tag === C.DW_TAG_volatile_type ? 'volatile' : tag === C.DW_TAG_restrict_type ? 'restrict' : 'atomic';
        const t: QualifiedType = this.put(key, { kind, target: VOID });
        this.defer(() => { t.target = this.ref(d); });
        return t;
      }
      case C.DW_TAG_typedef: {
        const t: TypedefType = this.put(key, { kind: 'typedef', name: d.name() ?? '', target: VOID });
        this.defer(() => { t.target = this.ref(d); });
        return t;
      }
      case C.DW_TAG_structure_type: case C.DW_TAG_class_type: case C.DW_TAG_union_type: {
        const of = tag === C.DW_TAG_union_type ? 'union' : 'struct';
        const name = d.name();
        if (d.flag(C.DW_AT_declaration)) return this.put(key, { kind: 'forward', name: name ?? '', of });
        const t: StructType = this.put(key, { kind: of, name, size: d.udata(C.DW_AT_byte_size) ?? 0, members: [] });
        const align = d.udata(C.DW_AT_alignment);
        if (align) t.align = align;
        this.defer(() => this.fillMembers(d, t));
        return t;
      }
      case C.DW_TAG_enumeration_type: {
        const name = d.name();
        if (d.flag(C.DW_AT_declaration)) return this.put(key, { kind: 'forward', name: name ?? '', of: 'enum' });
        const t: EnumType = this.put(key, { kind: 'enum', name, size: d.udata(C.DW_AT_byte_size) ?? 4, signed: false, values: [] });
        this.defer(() => this.fillEnum(d, t));
        return t;
      }
      case C.DW_TAG_array_type: {
        const t: ArrayType = this.put(key, { kind: 'array', element: VOID, count: undefined });
        this.defer(() => this.fillArray(d, t));
        return t;
      }
      case C.DW_TAG_subroutine_type: case C.DW_TAG_subprogram: {
        const t: FunctionType = this.put(key, { kind: 'function', returns: VOID, params: [], varargs: false, prototyped: d.flag(C.DW_AT_prototyped) });
        this.defer(() => this.fillFunction(d, t));
        return t;
      }
      default:
        throw d.error(`${tagName(tag)} is not a type`);
    }
  }

  private fillMembers(d: Die, t: StructType): void {
    const bigEndian = !this.dwarf.sections.littleEndian;
    for (const c of d.children()) {
      if (c.tag !== C.DW_TAG_member) continue;
      if (c.flag(C.DW_AT_declaration) || c.flag(C.DW_AT_external)) continue; // C++ static members
      const m: Member = { name: c.name(), type: this.ref(c), bitOffset: 0 };
      const bitSize = c.udata(C.DW_AT_bit_size);
      if (bitSize !== undefined) m.bitSize = bitSize;
      const align = c.udata(C.DW_AT_alignment);
      if (align) m.align = align;
      const dbo = c.attr(C.DW_AT_data_bit_offset);
      if (dbo) {
        m.bitOffset = numberOf(c, dbo, 'DW_AT_data_bit_offset');
      } else {
        const loc = c.attr(C.DW_AT_data_member_location);
        const byteOffset = loc ? memberLocation(c, loc) : 0;
        m.bitOffset = byteOffset * 8;
        const legacy = c.attr(C.DW_AT_bit_offset);
        if (legacy && bitSize !== undefined) {
          const bo = Number(constantValue(legacy, true) ?? 0n);
          const storage = c.udata(C.DW_AT_byte_size);
          const place = (bytes: number) => {
            m.bitOffset = bigEndian ? byteOffset * 8 + bo : byteOffset * 8 + bytes * 8 - bo - bitSize;
          };
          if (storage !== undefined) place(storage);
          else this.after(() => place(trySizeof(m.type) ?? 0));
        }
      }
      t.members.push(m);
    }
  }

  private fillEnum(d: Die, t: EnumType): void {
    let signed = false;
    const base = d.ref(C.DW_AT_type);
    if (base !== undefined) {
      const bd = this.dwarf.die(base);
      const enc = bd.tag === C.DW_TAG_base_type ? bd.udata(C.DW_AT_encoding) : undefined;
      signed = enc === C.DW_ATE_signed || enc === C.DW_ATE_signed_char;
    }
    const raw: [string, AttrValue | undefined][] = [];
    for (const c of d.children()) {
      if (c.tag !== C.DW_TAG_enumerator) continue;
      const v = c.attr(C.DW_AT_const_value);
      if (v && v.cls === 'constant' && v.signed && v.value < 0n) signed = true;
      raw.push([c.name() ?? '', v]);
    }
    t.signed = signed;
    for (const [name, v] of raw) {
      let value = 0n;
      if (v && v.cls === 'constant') value = signed && !v.signed && v.size ? BigInt.asIntN(v.size * 8, v.value) : v.value;
      else if (v && v.cls === 'block' && v.bytes.length <= 8) value = bytesValue(v.bytes, this.dwarf.sections.littleEndian, signed);
      t.values.push({ name, value });
    }
  }

  private fillArray(d: Die, t: ArrayType): void {
    const element = this.ref(d);
    const dims: (number | undefined)[] = [];
    for (const c of d.children()) {
      if (c.tag !== C.DW_TAG_subrange_type && c.tag !== C.DW_TAG_generic_subrange) continue;
      dims.push(subrangeCount(c));
    }
    if (dims.length === 0) dims.push(undefined);
    // int a[2][3]: the outermost dimension is this object, inner ones are new arrays.
    let inner: Type = element;
    for (let i = dims.length - 1; i >= 1; i--) inner = { kind: 'array', element: inner, count: dims[i] };
    t.element = inner;
    t.count = dims[0];
  }

  private fillFunction(d: Die, t: FunctionType): void {
    t.returns = this.ref(d);
    for (const c of d.children()) {
      if (c.tag === C.DW_TAG_formal_parameter) t.params.push({ name: c.name(), type: this.ref(c) });
      else if (c.tag === C.DW_TAG_unspecified_parameters) t.varargs = true;
    }
  }

  /** Typedef/qualifier/array chains must end; C cannot make them loop. */
  protected override check(made: readonly DieKey[]): void {
    for (const k of made) {
      let t: Type | undefined = this.cached(k);
      for (let i = 0; t && i <= MAX_TYPE_DEPTH; i++) {
        if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'atomic') t = t.target;
        else if (t.kind === 'array') t = t.element;
        else t = undefined;
        if (i === MAX_TYPE_DEPTH) {
          throw this.dwarf.die(k).error('reference cycle through typedefs, qualifiers or arrays');
        }
      }
    }
  }

  // ------------------------------------------------------------ lookups

  private *hits(name: string, tags: ReadonlySet<number>) {
    if (this.index) yield* this.index.lookup(name, tags);
    else yield* findByName(this.dwarf, name, tags);
  }

  lookup(name: string, kind?: NamedKind): Type | undefined {
    const q = `${kind ?? '*'} ${name}`;
    let key = this.remembered(q, name, false);
    if (key === undefined) {
      key = this.lookupKey(name, kind) ?? null;
      this.memo?.set(q, key);
    }
    return key === null ? undefined : this.typeAt(key);
  }

  /** The DIE whose type lookup(name, kind) gives. */
  private lookupKey(name: string, kind?: NamedKind): DieKey | undefined {
    for (const k of kind ? [kind] : LOOKUP_ORDER) {
      let fallback: DieKey | undefined;
      for (const h of this.hits(name, TAGS_FOR[k])) {
        if (h.declaration) { fallback ??= h.key; continue; }
        const t = this.typeAt(h.key);
        if ((k === 'int' || k === 'float') && t.kind !== k) continue;
        if (t.kind === 'forward') { fallback ??= h.key; continue; }
        return h.key;
      }
      if (fallback !== undefined && k !== 'int' && k !== 'float') return fallback;
    }
    return undefined;
  }

  variable(name: string): Variable | undefined {
    const q = `variable ${name}`;
    let key = this.remembered(q, name, true);
    if (key === undefined) {
      key = this.variableKey(name) ?? null;
      this.memo?.set(q, key);
    }
    return key === null ? undefined : this.variableOf(this.dwarf.die(key), name);
  }

  /** The DIE variable(name) describes the variable by (a definition, else the first declaration). */
  private variableKey(name: string): DieKey | undefined {
    let decl: DieKey | undefined;
    for (const h of this.hits(name, VARIABLE_TAGS)) {
      const d = this.dwarf.die(h.key);
      if (!h.declaration && variableAddress(d) !== undefined) return h.key;
      // A definition may live elsewhere in the unit, pointing back with DW_AT_specification.
      const def = this.definitionOf(d);
      if (def) return def;
      decl ??= h.key;
    }
    return decl;
  }

  /**
   * The memo's answer to `query`, if it has one that still fits this file: a
   * DIE named `name` (for a variable, maybe through DW_AT_specification), or
   * null for "none". Undefined when it must be worked out.
   */
  private remembered(query: string, name: string, variable: boolean): DieKey | null | undefined {
    const m = this.memo?.get(query);
    if (m === undefined || m === null) return m;
    try {
      const d = this.dwarf.die(m);
      if (variable ? d.tag !== C.DW_TAG_variable : !LOOKUP_TAGS.has(d.tag)) return undefined;
      let named = d.name();
      if (named === undefined && variable) {
        const spec = d.ref(C.DW_AT_specification);
        if (spec !== undefined) named = this.dwarf.die(spec).name();
      }
      return named === name ? m : undefined;
    } catch (e) {
      if (e instanceof FormatError) return undefined;
      throw e;
    }
  }

  private variableOf(d: Die, name: string): Variable {
    let typeDie: Die = d;
    const spec = d.ref(C.DW_AT_specification);
    if (d.abbrev.indexOf(C.DW_AT_type) < 0 && spec !== undefined) typeDie = this.dwarf.die(spec);
    const v: Variable = { name, type: this.ref(typeDie), origin: { format: 'dwarf', id: d.key } };
    const a = variableAddress(d);
    if (a !== undefined) v.address = a;
    if (d.flag(C.DW_AT_declaration)) v.declaration = true;
    return v;
  }

  /** A top-level variable of decl's unit whose DW_AT_specification is decl. */
  private definitionOf(decl: Die): DieKey | undefined {
    const key = decl.key;
    for (const c of decl.unit.root().children()) {
      if (c.tag !== C.DW_TAG_variable || c.abbrev.indexOf(C.DW_AT_specification) < 0) continue;
      if (c.ref(C.DW_AT_specification) !== key) continue;
      return c.key;
    }
    return undefined;
  }

  /**
   * Every type of the file at once (dwarf-bulk.ts): one scan per unit, named
   * types deduplicated across units by kind, name and size, function-local
   * types included. Done once; later calls return the same result.
   */
  loadAll(): BulkTypes {
    return (this.bulk ??= new BulkLoader(this.dwarf, (k) => this.typeAt(k)).load());
  }

  /** Every named type (first definition per kind and name, in file order), from loadAll. */
  *types(): Generator<Type> {
    const seen = new Set<string>();
    for (const t of this.loadAll().named) {
      if (t.kind === 'forward') continue;
      const name = typeNameOf(t);
      if (name === undefined) continue;
      const k = `${t.kind} ${name}`;
      if (seen.has(k)) continue;
      seen.add(k);
      yield t;
    }
  }

  /** Problems met so far: broken units and DIEs that could not be converted. */
  problems(): FormatError[] {
    return [...this.dwarf.problems, ...(this.index?.problems ?? []), ...(this.bulk?.problems ?? []), ...this.broken.values()];
  }
}

function typeNameOf(t: Type): string | undefined {
  switch (t.kind) {
    case 'int': case 'float': case 'typedef': case 'struct': case 'union': case 'enum': return t.name;
    default: return undefined;
  }
}

function baseType(d: Die): Type {
  return makeBaseType(d.name() ?? '', d.udata(C.DW_AT_byte_size) ?? 0, d.udata(C.DW_AT_encoding) ?? 0, d.udata(C.DW_AT_bit_size) ?? NaN);
}

function numberOf(d: Die, v: AttrValue, what: string): number {
  const n = constantValue(v);
  if (n === undefined || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw d.error(`${what} is not a usable constant`);
  return Number(n);
}

/** DW_AT_data_member_location: a constant, or an expression adding to the struct's address. */
function memberLocation(d: Die, v: AttrValue): number {
  if (v.cls === 'constant') return numberOf(d, v, 'DW_AT_data_member_location');
  if (v.cls !== 'block') throw d.error('DW_AT_data_member_location is a location list, not supported for members');
  const b = v.bytes;
  const stack: number[] = [0];
  let p = 0;
  const uleb = () => {
    let r = 0, m = 1;
    for (;;) {
      if (p >= b.length) throw d.error('truncated DW_AT_data_member_location expression');
      const x = b[p++];
      r += (x & 0x7f) * m;
      if (!(x & 0x80)) return r;
      m *= 128;
      if (m > 2 ** 53) throw d.error('DW_AT_data_member_location operand too large');
    }
  };
  for (let steps = 0; p < b.length; steps++) {
    if (steps > 64) throw d.error('DW_AT_data_member_location expression too long');
    const op = b[p++];
    if (op === C.DW_OP_plus_uconst) stack.push(stack.pop()! + uleb());
    else if (op === C.DW_OP_constu) stack.push(uleb());
    else if (op >= C.DW_OP_lit0 && op <= C.DW_OP_lit0 + 31) stack.push(op - C.DW_OP_lit0);
    else if (op === C.DW_OP_const1u) { if (p >= b.length) break; stack.push(b[p++]); }
    else if (op === C.DW_OP_plus) { if (stack.length < 2) throw d.error('DW_OP_plus on a short stack'); stack.push(stack.pop()! + stack.pop()!); }
    else throw d.error(`DW_AT_data_member_location uses unsupported operation 0x${op.toString(16)}`);
  }
  return stack[stack.length - 1];
}

/** Element count of a DW_TAG_subrange_type; undefined when unknown (flexible or variable-length). */
function subrangeCount(d: Die): number | undefined {
  const count = d.attr(C.DW_AT_count);
  if (count) {
    const n = constantValue(count);
    return n === undefined ? undefined : Number(n);
  }
  const ub = d.attr(C.DW_AT_upper_bound);
  if (!ub || ub.cls !== 'constant') return undefined;
  const upper = boundValue(ub);
  const lb = d.attr(C.DW_AT_lower_bound);
  const lower = lb && lb.cls === 'constant' ? boundValue(lb) : 0n;
  const n = upper - lower + 1n;
  if (n < 0n) return 0; // gcc's zero-length arrays: upper bound -1
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw d.error('array bound too large');
  return Number(n);
}

/**
 * An array bound: gcc writes bounds unsigned in the smallest data form (char
 * a[256] has upper bound 0xff as data1) and -1 (zero-length array) as data8
 * all-ones or sdata; so data1/2/4 read unsigned, data8 and sdata signed.
 */
function boundValue(v: AttrValue): bigint {
  if (v.cls !== 'constant') return 0n;
  return v.size === 8 ? BigInt.asIntN(64, v.value) : v.value;
}

function bytesValue(b: Uint8Array, le: boolean, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[le ? b.length - 1 - i : i]);
  return signed ? BigInt.asIntN(b.length * 8, v) : v;
}

/** A static variable's address from DW_AT_location (DW_OP_addr or DW_OP_addrx), if that is all it is. */
function variableAddress(d: Die): bigint | undefined {
  const v = d.attr(C.DW_AT_location);
  if (!v || v.cls !== 'block' || v.bytes.length === 0) return undefined;
  const b = v.bytes;
  const h = d.unit.header;
  if (b[0] === C.DW_OP_addr && b.length === 1 + h.addressSize) {
    let a = 0n;
    const le = d.unit.reader.le;
    for (let i = 0; i < h.addressSize; i++) a = (a << 8n) | BigInt(b[le ? h.addressSize - i : 1 + i]);
    return a;
  }
  if (b[0] === C.DW_OP_addrx || b[0] === C.DW_OP_GNU_addr_index) {
    let idx = 0, m = 1, p = 1;
    for (; p < b.length; p++) { idx += (b[p] & 0x7f) * m; m *= 128; if (!(b[p] & 0x80)) break; }
    if (p === b.length - 1) return d.unit.addrx(idx);
  }
  return undefined;
}

/** A type source over section bytes (the ELF layer provides them). */
export function openDwarfTypes(sections: DwarfSections): DwarfTypes {
  return new DwarfTypes(new DwarfInfo(sections));
}
