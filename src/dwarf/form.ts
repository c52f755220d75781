/**
 * Attribute values: reading and skipping every DWARF 2-5 form (section 7.5.6)
 * and the GNU forms of dwz and split DWARF.
 *
 * Values are classified as the spec does (constant, block, flag, reference,
 * string, address, section offset). Strings and indexed forms (strx*, addrx*)
 * are resolved through the unit's FormContext, which knows .debug_str,
 * .debug_str_offsets, .debug_addr and .debug_line_str. References come back
 * as DieKeys: unit-relative forms are made absolute here.
 */
import type { Reader } from '../bytes/index.js';
import * as F from './constants.js';
import { formName } from './names.js';
import { dieKey, supDieKey, type DieKey } from './sections.js';
import type { UnitHeader } from './unit.js';

export type AttrValue =
  /** data1/2/4/8 (raw unsigned, `size` bytes: the reader of the attribute decides the sign), udata, sdata, implicit_const. */
  | { cls: 'constant'; form: number; value: bigint; size: number; signed: boolean }
  /** block*, exprloc, data16. `offset` is where the bytes start in the section. */
  | { cls: 'block'; form: number; bytes: Uint8Array; offset: number }
  | { cls: 'flag'; form: number; value: boolean }
  /** ref1/2/4/8/udata, ref_addr, ref_sup4/8, GNU_ref_alt. */
  | { cls: 'ref'; form: number; key: DieKey }
  | { cls: 'sig8'; form: number; sig: bigint }
  | { cls: 'string'; form: number; value: string }
  | { cls: 'address'; form: number; value: bigint }
  /** sec_offset (an offset into another section) or loclistx/rnglistx (an index). */
  | { cls: 'secoffset'; form: number; value: number };

/** What form decoding needs from the unit it is in. */
export interface FormContext {
  readonly header: UnitHeader;
  str(offset: number): string;
  lineStr(offset: number): string;
  strSup(offset: number): string;
  /** The string at index `i` of the unit's .debug_str_offsets contribution. */
  strx(i: number): string;
  /** The address at index `i` of the unit's .debug_addr contribution. */
  addrx(i: number): bigint;
}

/** Size in bytes of a fixed-size form in this unit; -1 for variable-size forms; -2 for unknown forms. */
export function formSize(form: number, h: UnitHeader): number {
  switch (form) {
    case F.DW_FORM_flag_present: case F.DW_FORM_implicit_const: return 0;
    case F.DW_FORM_data1: case F.DW_FORM_ref1: case F.DW_FORM_flag: case F.DW_FORM_strx1: case F.DW_FORM_addrx1: return 1;
    case F.DW_FORM_data2: case F.DW_FORM_ref2: case F.DW_FORM_strx2: case F.DW_FORM_addrx2: return 2;
    case F.DW_FORM_strx3: case F.DW_FORM_addrx3: return 3;
    case F.DW_FORM_data4: case F.DW_FORM_ref4: case F.DW_FORM_ref_sup4: case F.DW_FORM_strx4: case F.DW_FORM_addrx4: return 4;
    case F.DW_FORM_data8: case F.DW_FORM_ref8: case F.DW_FORM_ref_sig8: case F.DW_FORM_ref_sup8: return 8;
    case F.DW_FORM_data16: return 16;
    case F.DW_FORM_addr: return h.addressSize;
    case F.DW_FORM_ref_addr: return h.version <= 2 ? h.addressSize : h.offsetSize;
    case F.DW_FORM_strp: case F.DW_FORM_sec_offset: case F.DW_FORM_line_strp: case F.DW_FORM_strp_sup:
    case F.DW_FORM_GNU_ref_alt: case F.DW_FORM_GNU_strp_alt:
      return h.offsetSize;
    case F.DW_FORM_block1: case F.DW_FORM_block2: case F.DW_FORM_block4: case F.DW_FORM_block: case F.DW_FORM_exprloc:
    case F.DW_FORM_string: case F.DW_FORM_sdata: case F.DW_FORM_udata: case F.DW_FORM_ref_udata: case F.DW_FORM_indirect:
    case F.DW_FORM_strx: case F.DW_FORM_addrx: case F.DW_FORM_loclistx: case F.DW_FORM_rnglistx:
    case F.DW_FORM_GNU_addr_index: case F.DW_FORM_GNU_str_index:
      return -1;
    default:
      return -2;
  }
}

/** Skip one value of `form` at r.pos. */
export function skipForm(r: Reader, form: number, h: UnitHeader, depth = 0): void {
  const n = formSize(form, h);
  if (n >= 0) {
    if (r.pos + n > r.length) r.skip(n); // throws the standard "unexpected end" error
    r.pos += n;
    return;
  }
  switch (form) {
    case F.DW_FORM_block1: r.skip(r.u8()); return;
    case F.DW_FORM_block2: r.skip(r.u16()); return;
    case F.DW_FORM_block4: r.skip(r.u32()); return;
    case F.DW_FORM_block: case F.DW_FORM_exprloc: r.skip(r.uleb128()); return;
    case F.DW_FORM_string: {
      const e = r.bytes.indexOf(0, r.pos);
      if (e < 0) throw r.error('unterminated string', r.pos);
      r.pos = e + 1;
      return;
    }
    case F.DW_FORM_sdata: case F.DW_FORM_udata: case F.DW_FORM_ref_udata: case F.DW_FORM_strx: case F.DW_FORM_addrx:
    case F.DW_FORM_loclistx: case F.DW_FORM_rnglistx: case F.DW_FORM_GNU_addr_index: case F.DW_FORM_GNU_str_index: {
      r.skipLeb128(); // (any length)
      return;
    }
    case F.DW_FORM_indirect: {
      if (depth > 4) throw r.error('DW_FORM_indirect nested too deep');
      skipForm(r, r.uleb128(), h, depth + 1);
      return;
    }
    default:
      throw r.error(`unknown attribute form ${formName(form)}`);
  }
}

/** Read one value of `form` at r.pos. `unitBase` is the unit's offset (for unit-relative references). */
export function readForm(r: Reader, form: number, ctx: FormContext, implicitConst?: bigint, depth = 0): AttrValue {
  const h = ctx.header;
  const unitRef = (o: number): AttrValue => {
    const abs = h.offset + o;
    if (o < 0 || abs >= h.end) throw r.error(`reference 0x${o.toString(16)} outside its unit (unit at 0x${h.offset.toString(16)}, 0x${(h.end - h.offset).toString(16)} bytes)`);
    return { cls: 'ref', form, key: dieKey(h.section, abs) };
  };
  const off = () => (h.offsetSize === 8 ? r.u64n() : r.u32());
  switch (form) {
    case F.DW_FORM_addr: return { cls: 'address', form, value: r.uintN(h.addressSize) };
    case F.DW_FORM_data1: return { cls: 'constant', form, value: BigInt(r.u8()), size: 1, signed: false };
    case F.DW_FORM_data2: return { cls: 'constant', form, value: BigInt(r.u16()), size: 2, signed: false };
    case F.DW_FORM_data4: return { cls: 'constant', form, value: BigInt(r.u32()), size: 4, signed: false };
    case F.DW_FORM_data8: return { cls: 'constant', form, value: r.u64(), size: 8, signed: false };
    case F.DW_FORM_sdata: return { cls: 'constant', form, value: r.sleb128Big(), size: 0, signed: true };
    case F.DW_FORM_udata: return { cls: 'constant', form, value: r.uleb128Big(), size: 0, signed: false };
    case F.DW_FORM_implicit_const: return { cls: 'constant', form, value: implicitConst ?? 0n, size: 0, signed: true };
    case F.DW_FORM_data16: { const o = r.pos; return { cls: 'block', form, bytes: r.bytesN(16), offset: r.base + o }; }
    case F.DW_FORM_block1: { const n = r.u8(); const o = r.pos; return { cls: 'block', form, bytes: r.bytesN(n), offset: r.base + o }; }
    case F.DW_FORM_block2: { const n = r.u16(); const o = r.pos; return { cls: 'block', form, bytes: r.bytesN(n), offset: r.base + o }; }
    case F.DW_FORM_block4: { const n = r.u32(); const o = r.pos; return { cls: 'block', form, bytes: r.bytesN(n), offset: r.base + o }; }
    case F.DW_FORM_block: case F.DW_FORM_exprloc: { const n = r.uleb128(); const o = r.pos; return { cls: 'block', form, bytes: r.bytesN(n), offset: r.base + o }; }
    case F.DW_FORM_flag: return { cls: 'flag', form, value: r.u8() !== 0 };
    case F.DW_FORM_flag_present: return { cls: 'flag', form, value: true };
    case F.DW_FORM_string: return { cls: 'string', form, value: r.cstring() };
    case F.DW_FORM_strp: return { cls: 'string', form, value: ctx.str(off()) };
    case F.DW_FORM_line_strp: return { cls: 'string', form, value: ctx.lineStr(off()) };
    case F.DW_FORM_strp_sup: case F.DW_FORM_GNU_strp_alt: return { cls: 'string', form, value: ctx.strSup(off()) };
    case F.DW_FORM_strx: case F.DW_FORM_GNU_str_index: return { cls: 'string', form, value: ctx.strx(r.uleb128()) };
    case F.DW_FORM_strx1: return { cls: 'string', form, value: ctx.strx(r.u8()) };
    case F.DW_FORM_strx2: return { cls: 'string', form, value: ctx.strx(r.u16()) };
    case F.DW_FORM_strx3: return { cls: 'string', form, value: ctx.strx(u24(r)) };
    case F.DW_FORM_strx4: return { cls: 'string', form, value: ctx.strx(r.u32()) };
    case F.DW_FORM_addrx: case F.DW_FORM_GNU_addr_index: return { cls: 'address', form, value: ctx.addrx(r.uleb128()) };
    case F.DW_FORM_addrx1: return { cls: 'address', form, value: ctx.addrx(r.u8()) };
    case F.DW_FORM_addrx2: return { cls: 'address', form, value: ctx.addrx(r.u16()) };
    case F.DW_FORM_addrx3: return { cls: 'address', form, value: ctx.addrx(u24(r)) };
    case F.DW_FORM_addrx4: return { cls: 'address', form, value: ctx.addrx(r.u32()) };
    case F.DW_FORM_ref1: return unitRef(r.u8());
    case F.DW_FORM_ref2: return unitRef(r.u16());
    case F.DW_FORM_ref4: return unitRef(r.u32());
    case F.DW_FORM_ref8: return unitRef(r.u64n());
    case F.DW_FORM_ref_udata: return unitRef(r.uleb128());
    case F.DW_FORM_ref_addr: {
      const o = h.version <= 2 ? r.uintNn(h.addressSize) : off();
      return { cls: 'ref', form, key: dieKey('info', o) };
    }
    case F.DW_FORM_ref_sup4: return { cls: 'ref', form, key: supDieKey(r.u32()) };
    case F.DW_FORM_ref_sup8: return { cls: 'ref', form, key: supDieKey(r.u64n()) };
    case F.DW_FORM_GNU_ref_alt: return { cls: 'ref', form, key: supDieKey(off()) };
    case F.DW_FORM_ref_sig8: return { cls: 'sig8', form, sig: r.u64() };
    case F.DW_FORM_sec_offset: return { cls: 'secoffset', form, value: off() };
    case F.DW_FORM_loclistx: case F.DW_FORM_rnglistx: return { cls: 'secoffset', form, value: r.uleb128() };
    case F.DW_FORM_indirect: {
      if (depth > 4) throw r.error('DW_FORM_indirect nested too deep');
      return readForm(r, r.uleb128(), ctx, implicitConst, depth + 1);
    }
    default:
      throw r.error(`unknown attribute form ${formName(form)}`);
  }
}

function u24(r: Reader): number {
  const a = r.u8(), b = r.u8(), c = r.u8();
  return r.le ? a | (b << 8) | (c << 16) : (a << 16) | (b << 8) | c;
}

/** A constant attribute's value as a number (sign-extended if `signed`); undefined if not a constant. */
export function constantValue(v: AttrValue | undefined, signed = false): bigint | undefined {
  if (!v || v.cls !== 'constant') return undefined;
  if (signed && !v.signed && v.size) return BigInt.asIntN(v.size * 8, v.value);
  return v.value;
}
