/**
 * What the scan of one object file hands to the rest of dwarf2ctf: a table of
 * type IDs with, for each, the description CTF construction needs (`TypeDef`),
 * and per module the IDs it saw and the variables it defines. Plain data only
 * (arrays, typed arrays, strings, numbers), so a scanning process can send
 * it over its IPC channel (V8's serializer).
 *
 * References between descriptions are indices into the same file's table;
 * the merge (graph.ts) renumbers them into the global table.
 */

/** Kinds: CTF's own numbers (CTF_K_*), so construction maps them one to one. */
export {
  CTF_K_INTEGER as K_INTEGER, CTF_K_FLOAT as K_FLOAT, CTF_K_POINTER as K_POINTER, CTF_K_ARRAY as K_ARRAY,
  CTF_K_FUNCTION as K_FUNCTION, CTF_K_STRUCT as K_STRUCT, CTF_K_UNION as K_UNION, CTF_K_ENUM as K_ENUM,
  CTF_K_FORWARD as K_FORWARD, CTF_K_TYPEDEF as K_TYPEDEF, CTF_K_VOLATILE as K_VOLATILE, CTF_K_CONST as K_CONST,
  CTF_K_RESTRICT as K_RESTRICT,
} from '../ctf/constants.js';
import { CTF_K_ARRAY as K_ARRAY } from '../ctf/constants.js';

/** The type ID of void (what a pointer without DW_AT_type points to). */
export const VOID_ID = '////void';
/**
 * The type ID of "a function": every DW_TAG_subroutine_type maps to it, as in
 * the seed, and CTF gets one catch-all `int (...)` function type for it.
 */
export const FP_ID = '//fp//';

export interface MemberDef {
  /** '' for an unnamed bitfield. */
  name: string;
  /** Bits from the start of the outermost struct (anonymous members folded in). */
  off: number;
  /** Bitfield width; 0 for an ordinary member. */
  bits: number;
  /** Index of the member's type in the same table. */
  type: number;
}

export interface TypeDef {
  kind: number;
  /** '' when anonymous. */
  name: string;
  /** Bytes: integers, floats, structs, unions, enums. */
  size: number;
  /** Integers: CTF_INT_* bits; floats: CTF_FP_*. */
  enc: number;
  /** Integers: width in bits. */
  bits: number;
  /** Pointer, typedef, qualifier: the target; array: the element. -1 when none. */
  ref: number;
  /** Array: index type. */
  index: number;
  /** Array: element count; -1 for a flexible array. */
  count: number;
  /** Forward: the CTF kind it stands for. */
  fwd: number;
  members?: MemberDef[];
  values?: [string, number][];
  /** Where the type was declared ("file:line" or the DIE offset), for messages. */
  where: string;
  /** Why this type cannot be assembled into CTF (it is then left out, with a warning). */
  error?: string;
  /**
   * Member types of other definitions of the same struct (the same type ID
   * with other members, e.g. after a #define): sharedness spreads through
   * them too.
   */
  extra?: number[];
}

export interface ModuleSeen {
  module: string;
  /** Indices of every type ID met in this module's translation units. */
  seen: Int32Array;
  /** Externally visible variables defined here: [name, type index]. */
  vars: [string, number][];
  /** Translation units (CU names) of this module in the file. */
  units: number;
}

export interface FileSummary {
  file: string;
  littleEndian: boolean;
  /** The ScanTables the w-indices below belong to (one per scanning thread). */
  tables: number;
  /** The file's type IDs as w-indices, in the order the scan met them. */
  ids: Int32Array;
  /** ID strings of w-indices firstNew, firstNew+1, ... (those the tables had not handed out before). */
  firstNew: number;
  newIds: string[];
  /**
   * Per new ID, 1 when it is a non-opaque named struct/union/enum or a type
   * based on one: alias fixup looks for its opaque cousin.
   */
  newAliasable: Uint8Array;
  /**
   * Descriptions (references are w-indices) of the entries of `ids` at
   * `defAt`; the others are left out, as an earlier summary from the same
   * tables already sent one that this one could not change (as large, no new
   * member types).
   */
  defs: TypeDef[];
  defAt: Int32Array;
  /** `seen` and variable types are w-indices. */
  modules: ModuleSeen[];
  warnings: string[];
}

/**
 * `first`, then the types of `members`, then `then`, each type once, in that
 * order: the edges of a description merged with another of the same ID.
 * Edge lists are only ever made by this (or remapped one to one), so
 * `first` holds no type twice, and the result is longer than `first`
 * exactly when something was added. (Plain loops, not spread over a Set:
 * the spread's iterators threw optimized code away, drain's six times a
 * run and merge's over a hundred.)
 */
export function edgeUnion(first: readonly number[], members: readonly MemberDef[] | undefined, then: readonly number[] = []): number[] {
  const out: number[] = [];
  const had = new Set<number>();
  for (let i = 0; i < first.length; i++) if (!had.has(first[i])) { had.add(first[i]); out.push(first[i]); }
  if (members) {
    for (let i = 0; i < members.length; i++) {
      const t = members[i].type;
      if (!had.has(t)) { had.add(t); out.push(t); }
    }
  }
  for (let i = 0; i < then.length; i++) if (!had.has(then[i])) { had.add(then[i]); out.push(then[i]); }
  return out;
}

/** The edges sharedness spreads along: base type, array index, members, other variants' members. */
export function edgesOf(d: TypeDef): number[] {
  const out: number[] = [];
  if (d.ref >= 0) out.push(d.ref);
  if (d.kind === K_ARRAY && d.index >= 0) out.push(d.index);
  if (d.members) for (const m of d.members) out.push(m.type);
  if (d.extra) out.push(...d.extra);
  return out;
}

/**
 * A description with nothing filled in yet. Every field is there from the
 * start, the optional ones undefined, so that all descriptions share one
 * shape: added as needed, they came in five, and the code reading them
 * (summary, merge, construction) fell back to generic property access and
 * was deoptimized again and again (34 times in one run for summary alone).
 */
export function newDef(kind: number, name: string, where: string): TypeDef {
  return { kind, name, size: 0, enc: 0, bits: 0, ref: -1, index: -1, count: -1, fwd: 0, members: undefined, values: undefined, where, error: undefined, extra: undefined };
}

/** The opaque cousin of an aliasable ID: file and line replaced by nothing ("////struct foo *"). */
export function opaqueCousin(id: string): string | undefined {
  const a = id.indexOf('//');
  if (a < 0) return undefined;
  const b = id.indexOf('//', a + 2);
  if (b < 0) return undefined;
  return '////' + id.slice(b + 2);
}
