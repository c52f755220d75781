/**
 * types/: THE C type model. DWARF (types/dwarf.ts, here because types/ sits
 * below dwarf/ in the layers), CTF and BTF convert to it and from it; the
 * printers and program/ (typed objects, container_of, list iteration) use it.
 *
 * The model, for engineers writing a converter:
 * - A `Type` is a discriminated union on `kind`: void, int, float, pointer,
 *   array, struct, union, enum, typedef, const, volatile, restrict, atomic
 *   (qualifiers wrap a `target`), function, forward (a declared-only
 *   struct/union/enum).
 * - Sizes are in bytes (`size`). Member positions are in bits: `bitOffset`
 *   counts from the start of the containing struct/union, for every member,
 *   not only bitfields; `bitSize` is set only on bitfields. That is CTF's and
 *   BTF's convention too, and DWARF's data_member_location, data_bit_offset and
 *   legacy bit_offset all map onto it.
 * - Arrays: `count` undefined is a flexible array member (`int a[]`), 0 a
 *   zero-length array; multi-dimensional arrays nest (`int a[2][3]` is
 *   array 2 of array 3 of int) as in CTF and BTF.
 * - Enums: values are bigint; `signed` says how to read them; `size` is the
 *   storage size (1, 2, 4 or 8).
 * - Ints: `encoding` plain/char/bool with `signed`; `bits` for a base type
 *   narrower than its storage.
 * - Identity is object identity. Types point at each other directly and may
 *   form cycles through pointers (self- and mutually-referencing structs). A
 *   converter builds them the way Go's debug/dwarf does: create the object,
 *   put it in the cache keyed by the format's id, then fill in members and
 *   targets, so the recursion finds the cached object. lazy.ts
 *   (LazyTypeBuilder) does this for all three converters: a subclass writes
 *   `shallow(id)` with `put` and `defer`.
 * - `origin` ({format, id}) carries the format's own id (a DIE offset, a CTF or
 *   BTF type id) so a writer can number types and a reader can report them.
 * - A `TypeSource` (the DWARF reader, later CTF/BTF) answers lookups by name
 *   lazily and lists its named types.
 *
 * Helpers (helpers.ts): resolve (strip typedefs/qualifiers), sizeof, alignof,
 * findMember (through anonymous members, with the accumulated bit offset),
 * flatMembers, arrayCount. Printers: C declarations (print-c.ts) and the
 * pahole-style layout (layout.ts).
 */
export * from './model.js';
export {
  MAX_TYPE_DEPTH, TypeModelError, alignof, arrayCount, describe, findMember, flatMembers, resolve, sizeof,
  trySizeof, unqualified, type FoundMember,
} from './helpers.js';
export { CPrinter, declarator, definition, printC, type PrintOptions } from './print-c.js';
export { layout, summarize, typeToJson, type LayoutOptions, type LayoutSummary } from './layout.js';
export type { TypeSource, NamedKind } from './source.js';
export { LazyTypeBuilder } from './lazy.js';
export { DwarfTypes, openDwarfTypes } from './dwarf.js';
