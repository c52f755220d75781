/**
 * The bytes DWARF is read from, and the offset types that keep them apart.
 *
 * The DWARF layer never looks at ELF: it takes a `DwarfSections` of section
 * contents (already decompressed and, for ET_REL objects, relocated — elf/
 * does that) and the byte order. Offsets into different sections are branded
 * numbers, so a .debug_str offset cannot be passed where a .debug_info offset
 * is expected.
 */

/** Section contents by role. Absent sections are undefined. */
export interface DwarfSections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  str?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  lineStr?: Uint8Array;
  /** .debug_types (DWARF 4 type units, gcc -fdebug-types-section). */
  types?: Uint8Array;
  line?: Uint8Array;
  littleEndian: boolean;
  /** Address size to assume where a unit does not say (DWARF 5 units always say). */
  addressSize?: number;
  /** File name for messages. */
  source?: string;
  /** The supplementary object (DW_FORM_ref_sup*, strp_sup; dwz's .gnu_debugaltlink), if loaded. */
  sup?: DwarfSections;
  /** Where the supplementary file was looked for (.gnu_debugaltlink or .debug_sup), loaded or not. */
  supPath?: string;
  /**
   * Sections read on demand (lazy-load.ts): makes bytes [start, end) of a
   * unit of `section` present. DwarfInfo calls it before reading a unit.
   */
  ensure?: (section: UnitSection, start: number, end: number) => void;
}

/** Section names as they appear in messages, by role. */
export const SECTION_NAMES = {
  info: '.debug_info', abbrev: '.debug_abbrev', str: '.debug_str', strOffsets: '.debug_str_offsets',
  addr: '.debug_addr', lineStr: '.debug_line_str', types: '.debug_types', line: '.debug_line',
} as const;

declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

/** Offset into .debug_info. */
export type InfoOffset = Branded<number, '.debug_info'>;
/** Offset into .debug_types. */
export type TypesOffset = Branded<number, '.debug_types'>;
/** Offset into .debug_abbrev. */
export type AbbrevOffset = Branded<number, '.debug_abbrev'>;
/** Offset into .debug_str. */
export type StrOffset = Branded<number, '.debug_str'>;
/** Offset into .debug_line_str. */
export type LineStrOffset = Branded<number, '.debug_line_str'>;

/** Which section a unit lives in. */
export type UnitSection = 'info' | 'types';

/**
 * A DIE anywhere: a .debug_info offset as is, a .debug_types offset with bit
 * 48 set, a DIE of the supplementary file with bit 49 set. A plain number, so
 * it can key maps and fill typed arrays.
 */
export type DieKey = Branded<number, 'DieKey'>;

const TYPES_BIT = 2 ** 48;
const SUP_BIT = 2 ** 49;

export function dieKey(section: UnitSection, offset: number): DieKey {
  return (section === 'types' ? TYPES_BIT + offset : offset) as DieKey;
}

/** The section and offset a DieKey stands for. */
export function splitDieKey(k: DieKey): { section: UnitSection | 'sup'; offset: number } {
  if (k >= SUP_BIT) return { section: 'sup', offset: k - SUP_BIT };
  if (k >= TYPES_BIT) return { section: 'types', offset: k - TYPES_BIT };
  return { section: 'info', offset: k };
}

export function supDieKey(offset: number): DieKey {
  return (SUP_BIT + offset) as DieKey;
}
