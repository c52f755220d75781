/**
 * Unit headers (DWARF 5 section 7.5.1; DWARF 2-4 section 7.5.1.1 and 7.5.2).
 *
 * A unit is a compile unit, a type unit (.debug_types in DWARF 4, DW_UT_type
 * in DWARF 5's .debug_info), a partial unit (dwz), or a skeleton/split unit.
 * 32-bit DWARF has a 4-byte unit_length and 4-byte section offsets; 64-bit
 * DWARF starts with 0xffffffff, then an 8-byte length, and uses 8-byte offsets.
 * Only the header is read here; the DIEs are read on demand (die.ts).
 */
import type { Reader } from '../bytes/index.js';
import { DW_UT_compile, DW_UT_skeleton, DW_UT_split_compile, DW_UT_split_type, DW_UT_type } from './constants.js';
import { dwName } from './names.js';
import type { AbbrevOffset, UnitSection } from './sections.js';

export interface UnitHeader {
  section: UnitSection;
  /** Offset of the unit_length field in its section. */
  offset: number;
  /** Offset just past the unit. */
  end: number;
  version: number;
  /** DW_UT_*; for DWARF 2-4: DW_UT_compile in .debug_info, DW_UT_type in .debug_types. */
  unitType: number;
  /** 4 for 32-bit DWARF, 8 for 64-bit DWARF. */
  offsetSize: 4 | 8;
  addressSize: number;
  abbrevOffset: AbbrevOffset;
  /** Offset of the first DIE. */
  firstDie: number;
  /** Type units: the 8-byte signature DW_FORM_ref_sig8 refers to. */
  typeSignature?: bigint;
  /** Type units: offset of the type's DIE, relative to the unit's start. */
  typeOffset?: number;
  /** Skeleton and split units: the DWO id. */
  dwoId?: bigint;
}

/**
 * Read the unit header at r.pos (r covers the whole section). Leaves r.pos at
 * the first DIE. Errors name the section and offset.
 */
export function readUnitHeader(r: Reader, section: UnitSection): UnitHeader {
  const offset = r.pos;
  let length = r.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    offsetSize = 8;
    length = r.u64n();
  } else if (length >= 0xfffffff0) {
    throw r.error(`reserved unit_length 0x${length.toString(16)}`);
  }
  const end = r.pos + length;
  if (end > r.length) throw r.error(`unit of 0x${length.toString(16)} bytes runs past the end of the section (0x${r.length.toString(16)})`, offset);
  const version = r.u16();
  if (version < 2 || version > 5) throw r.error(`unsupported DWARF version ${version}`);
  const off = () => (offsetSize === 8 ? r.u64n() : r.u32());
  let unitType: number;
  let addressSize: number;
  let abbrevOffset: number;
  let typeSignature: bigint | undefined;
  let typeOffset: number | undefined;
  let dwoId: bigint | undefined;
  if (version >= 5) {
    unitType = r.u8();
    addressSize = r.u8();
    abbrevOffset = off();
    if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) dwoId = r.u64();
    else if (unitType === DW_UT_type || unitType === DW_UT_split_type) {
      typeSignature = r.u64();
      typeOffset = off();
    } else if (unitType < 1 || unitType > 6) {
      throw r.error(`unknown unit type ${dwName('DW_UT', unitType)}`);
    }
  } else {
    abbrevOffset = off();
    addressSize = r.u8();
    if (section === 'types') {
      unitType = DW_UT_type;
      typeSignature = r.u64();
      typeOffset = off();
    } else {
      unitType = DW_UT_compile;
    }
  }
  if (![1, 2, 4, 8].includes(addressSize)) throw r.error(`unsupported address size ${addressSize}`, offset);
  const firstDie = r.pos;
  if (firstDie > end) throw r.error('unit header longer than the unit', offset);
  if (typeOffset !== undefined && (typeOffset < firstDie - offset || offset + typeOffset >= end)) {
    throw r.error(`type_offset 0x${typeOffset.toString(16)} outside its unit`, offset);
  }
  return { section, offset, end, version, unitType, offsetSize, addressSize, abbrevOffset: abbrevOffset as AbbrevOffset, firstDie, typeSignature, typeOffset, dwoId };
}
