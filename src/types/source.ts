/**
 * TypeSource: what every format that yields C types offers (DWARF now; CTF and
 * BTF next). Lookups are lazy: asking for one struct decodes that struct and
 * what it points to, not the whole file.
 */
import type { Type, Variable } from './model.js';

/** Kinds that can be looked up by name. */
export type NamedKind = 'struct' | 'union' | 'enum' | 'typedef' | 'int' | 'float';

export interface TypeSource {
  /** "dwarf", "ctf", "btf". */
  readonly format: string;
  /**
   * The first complete definition of a named type (a struct that is only
   * declared is returned as a `forward` only if no definition exists).
   * Without `kind`, any of the named kinds, tried in the order struct, union,
   * enum, typedef, int, float.
   */
  lookup(name: string, kind?: NamedKind): Type | undefined;
  /** A variable (its defining declaration preferred over `extern` ones). */
  variable(name: string): Variable | undefined;
  /** Every named type, first definition per kind and name, in file order. */
  types(): Iterable<Type>;
}
