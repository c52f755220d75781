/**
 * The C type model: one discriminated union of kinds that DWARF, CTF and BTF
 * all convert to and from (see index.ts for the overview).
 *
 * Types are plain objects that point at each other directly, so a graph can
 * have cycles (struct list_head { struct list_head *next; }). A converter
 * creates the object for a type, puts it in its cache, and only then fills in
 * what points elsewhere (members, targets): the recursion meets the cached
 * object instead of looping. That is why the pointing fields are mutable.
 */

/** Every kind of C type. Qualifiers are kinds of their own, wrapping a target. */
export type Kind =
  | 'void' | 'int' | 'float' | 'pointer' | 'array' | 'struct' | 'union' | 'enum'
  | 'typedef' | 'const' | 'volatile' | 'restrict' | 'atomic' | 'function' | 'forward';

/** Where a type came from: a format name and that format's own id for it. */
export interface TypeOrigin {
  /** "dwarf", "ctf", "btf", or "synthetic" for types made by code. */
  format: string;
  /**
   * The format's id: a DIE offset for DWARF (.debug_types offsets have bit 48
   * set), a type id for CTF and BTF. Unique within one TypeSource.
   */
  id: number;
}

interface Base {
  /** Per-source identity; absent for types built by hand. */
  origin?: TypeOrigin;
}

export interface VoidType extends Base { kind: 'void'; }

/** What an integer holds: a plain number, a character, or a boolean. */
export type IntEncoding = 'plain' | 'char' | 'bool';

export interface IntType extends Base {
  kind: 'int';
  name: string;
  /** Size in bytes. */
  size: number;
  signed: boolean;
  encoding: IntEncoding;
  /** A base type narrower than its storage (DWARF DW_AT_bit_size on a base type, CTF slices). */
  bits?: number;
}

export interface FloatType extends Base {
  kind: 'float';
  name: string;
  /** Size in bytes (4, 8, 10/12/16 for long double). */
  size: number;
  /** A complex type (two floats of size/2 each). */
  complex?: boolean;
}

export interface PointerType extends Base {
  kind: 'pointer';
  target: Type;
  /** Size in bytes: the address size of the object the type came from. */
  size: number;
}

export interface ArrayType extends Base {
  kind: 'array';
  element: Type;
  /**
   * Number of elements; undefined for a flexible array member (`int a[]`).
   * Zero for a zero-length array (`int a[0]`). Multi-dimensional arrays are
   * arrays of arrays: `int a[2][3]` is array(2) of array(3) of int.
   */
  count: number | undefined;
}

export interface Member {
  /** undefined for an anonymous struct/union member or an unnamed bitfield. */
  name: string | undefined;
  type: Type;
  /** Offset of the member's first bit from the start of the containing type. */
  bitOffset: number;
  /** Width of a bitfield in bits; undefined for an ordinary member. */
  bitSize?: number;
  /** Alignment in bytes the source declared explicitly (DW_AT_alignment), if any. */
  align?: number;
}

export interface StructType extends Base {
  kind: 'struct' | 'union';
  /** undefined for an anonymous struct or union. */
  name: string | undefined;
  /** Size in bytes. */
  size: number;
  members: Member[];
  /** Alignment in bytes the source declared explicitly (DW_AT_alignment), if any. */
  align?: number;
}

export interface Enumerator {
  name: string;
  value: bigint;
}

export interface EnumType extends Base {
  kind: 'enum';
  name: string | undefined;
  /** Size in bytes of the enum's storage (4 usually; 1, 2 or 8 when packed or 64-bit). */
  size: number;
  /** Whether values are read as signed (from the underlying type or a negative value). */
  signed: boolean;
  values: Enumerator[];
}

export interface TypedefType extends Base {
  kind: 'typedef';
  name: string;
  target: Type;
}

export type QualifierKind = 'const' | 'volatile' | 'restrict' | 'atomic';

export interface QualifiedType extends Base {
  kind: QualifierKind;
  target: Type;
}

export interface Parameter {
  name: string | undefined;
  type: Type;
}

export interface FunctionType extends Base {
  kind: 'function';
  /** Return type (void for none). */
  returns: Type;
  params: Parameter[];
  /** Ends in `...`. */
  varargs: boolean;
  /** False for an old-style `int f()` declaration with unknown parameters. */
  prototyped: boolean;
}

/** A struct, union or enum that is declared but not defined here. */
export interface ForwardType extends Base {
  kind: 'forward';
  name: string;
  of: 'struct' | 'union' | 'enum';
}

export type Type =
  | VoidType | IntType | FloatType | PointerType | ArrayType | StructType
  | EnumType | TypedefType | QualifiedType | FunctionType | ForwardType;

/** A named object with a type, e.g. a global variable. */
export interface Variable {
  name: string;
  type: Type;
  /** Link-time address, when the source knows it (DW_AT_location DW_OP_addr). */
  address?: bigint;
  /** Only declared here (extern), defined elsewhere. */
  declaration?: boolean;
  origin?: TypeOrigin;
}

/** The one void. */
export const VOID: VoidType = Object.freeze({ kind: 'void' }) as VoidType;

/** True for a struct or union. */
export function isComposite(t: Type): t is StructType {
  return t.kind === 'struct' || t.kind === 'union';
}

/** True for const, volatile, restrict and _Atomic. */
export function isQualifier(t: Type): t is QualifiedType {
  return t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'atomic';
}

/** The name of a type as C spells a tag or typedef (`struct foo`, `bar_t`), or undefined. */
export function typeName(t: Type): string | undefined {
  switch (t.kind) {
    case 'void': return 'void';
    case 'int': case 'float': case 'typedef': return t.name;
    case 'struct': case 'union': case 'enum': return t.name === undefined ? undefined : `${t.kind} ${t.name}`;
    case 'forward': return `${t.of} ${t.name}`;
    default: return undefined;
  }
}
