/**
 * BTF type records, close to the bytes. Every record is {u32 name_off, u32
 * info, u32 size_or_type}; info = kind_flag<<31 | kind<<24 (5 bits) | vlen
 * (16 bits). Then per kind:
 *   INT         u32 encoding<<24 | offset<<16 | bits
 *   ARRAY       {u32 type, u32 index_type, u32 nelems}
 *   STRUCT/UNION vlen × {name_off, type, offset}; with kind_flag the offset is
 *               bitfield_size<<24 | bit_offset
 *   ENUM        vlen × {name_off, s32 val} (kind_flag: signed)
 *   ENUM64      vlen × {name_off, u32 lo, u32 hi} (kind_flag: signed)
 *   FUNC_PROTO  vlen × {name_off, type}; a last {0, 0} means "..."
 *   VAR         {u32 linkage}
 *   DATASEC     vlen × {type, offset, size}
 *   DECL_TAG    {s32 component_idx}
 * PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC (vlen = linkage),
 * FLOAT and TYPE_TAG have nothing after the record.
 */
import {
  BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG, BTF_KIND_ENUM, BTF_KIND_ENUM64,
  BTF_KIND_FLOAT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT, BTF_KIND_PTR,
  BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION, BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
} from './constants.js';

/** A BTF type id: 0 is void; a split BTF's ids continue after its base's. */
export type BtfTypeId = number;

interface Common {
  name: string;
  kindFlag: boolean;
}

export interface BtfInt extends Common { kind: typeof BTF_KIND_INT; size: number; encoding: number; bitOffset: number; bits: number }
export interface BtfRef extends Common {
  kind: typeof BTF_KIND_PTR | typeof BTF_KIND_TYPEDEF | typeof BTF_KIND_VOLATILE | typeof BTF_KIND_CONST
    | typeof BTF_KIND_RESTRICT | typeof BTF_KIND_TYPE_TAG;
  type: BtfTypeId;
}
export interface BtfArray extends Common { kind: typeof BTF_KIND_ARRAY; type: BtfTypeId; indexType: BtfTypeId; nelems: number }
export interface BtfMember { name: string; type: BtfTypeId; bitOffset: number; /** 0 unless a bitfield (kind_flag set). */ bitfieldSize: number }
export interface BtfStruct extends Common { kind: typeof BTF_KIND_STRUCT | typeof BTF_KIND_UNION; size: number; members: BtfMember[] }
export interface BtfEnum extends Common { kind: typeof BTF_KIND_ENUM; size: number; signed: boolean; values: { name: string; value: number }[] }
export interface BtfEnum64 extends Common { kind: typeof BTF_KIND_ENUM64; size: number; signed: boolean; values: { name: string; value: bigint }[] }
export interface BtfFwd extends Common { kind: typeof BTF_KIND_FWD; union: boolean }
export interface BtfFunc extends Common { kind: typeof BTF_KIND_FUNC; type: BtfTypeId; linkage: number }
export interface BtfFuncProto extends Common { kind: typeof BTF_KIND_FUNC_PROTO; ret: BtfTypeId; params: { name: string; type: BtfTypeId }[]; varargs: boolean }
export interface BtfVar extends Common { kind: typeof BTF_KIND_VAR; type: BtfTypeId; linkage: number }
export interface BtfDatasec extends Common { kind: typeof BTF_KIND_DATASEC; size: number; vars: { type: BtfTypeId; offset: number; size: number }[] }
export interface BtfFloat extends Common { kind: typeof BTF_KIND_FLOAT; size: number }
export interface BtfDeclTag extends Common { kind: typeof BTF_KIND_DECL_TAG; type: BtfTypeId; componentIdx: number }

export type BtfType =
  | BtfInt | BtfRef | BtfArray | BtfStruct | BtfEnum | BtfEnum64 | BtfFwd | BtfFunc | BtfFuncProto
  | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag;

/** Words (u32) after the 3-word record for `kind` with `vlen` entries; -1 for an unknown kind. */
export function btfVwords(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG: return 1;
    case BTF_KIND_ARRAY: return 3;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM64: case BTF_KIND_DATASEC: return 3 * vlen;
    case BTF_KIND_ENUM: case BTF_KIND_FUNC_PROTO: return 2 * vlen;
    case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG: return 0;
    default: return -1;
  }
}

/**
 * Decode the record at word `at` of the type section `w` (u32 words in host
 * order); `name` resolves a name offset (it may throw). The index pass has
 * checked the kind and that the record fits.
 */
export function decodeBtfRecord(w: Uint32Array, at: number, name: (off: number) => string): BtfType {
  const info = w[at + 1];
  const sizeOrType = w[at + 2];
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kindFlag = info >>> 31 === 1;
  const nm = name(w[at]);
  let p = at + 3;
  switch (kind) {
    case BTF_KIND_INT: {
      const d = w[p];
      return { name: nm, kindFlag, kind, size: sizeOrType, encoding: (d >>> 24) & 0x0f, bitOffset: (d >>> 16) & 0xff, bits: d & 0xff };
    }
    case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
      return { name: nm, kindFlag, kind, type: sizeOrType };
    case BTF_KIND_ARRAY:
      return { name: nm, kindFlag, kind, type: w[p], indexType: w[p + 1], nelems: w[p + 2] };
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      const members: BtfMember[] = new Array(vlen);
      for (let i = 0; i < vlen; i++, p += 3) {
        const mn = name(w[p]);
        const type = w[p + 1];
        const off = w[p + 2];
        members[i] = kindFlag
          ? { name: mn, type, bitOffset: off & 0xffffff, bitfieldSize: off >>> 24 }
          : { name: mn, type, bitOffset: off, bitfieldSize: 0 };
      }
      return { name: nm, kindFlag, kind, size: sizeOrType, members };
    }
    case BTF_KIND_ENUM: {
      const values: { name: string; value: number }[] = new Array(vlen);
      for (let i = 0; i < vlen; i++, p += 2) values[i] = { name: name(w[p]), value: kindFlag ? w[p + 1] | 0 : w[p + 1] };
      return { name: nm, kindFlag, kind, size: sizeOrType, signed: kindFlag, values };
    }
    case BTF_KIND_ENUM64: {
      const values: { name: string; value: bigint }[] = new Array(vlen);
      for (let i = 0; i < vlen; i++, p += 3) {
        const u = (BigInt(w[p + 2]) << 32n) | BigInt(w[p + 1]);
        values[i] = { name: name(w[p]), value: kindFlag ? BigInt.asIntN(64, u) : u };
      }
      return { name: nm, kindFlag, kind, size: sizeOrType, signed: kindFlag, values };
    }
    case BTF_KIND_FWD:
      return { name: nm, kindFlag, kind, union: kindFlag };
    case BTF_KIND_FUNC:
      return { name: nm, kindFlag, kind, type: sizeOrType, linkage: vlen };
    case BTF_KIND_FUNC_PROTO: {
      const params: { name: string; type: BtfTypeId }[] = [];
      for (let i = 0; i < vlen; i++, p += 2) params.push({ name: name(w[p]), type: w[p + 1] });
      const last = params[params.length - 1];
      const varargs = !!last && last.type === 0 && last.name === '';
      if (varargs) params.pop();
      return { name: nm, kindFlag, kind, ret: sizeOrType, params, varargs };
    }
    case BTF_KIND_VAR:
      return { name: nm, kindFlag, kind, type: sizeOrType, linkage: w[p] };
    case BTF_KIND_DATASEC: {
      const vars: { type: BtfTypeId; offset: number; size: number }[] = [];
      for (let i = 0; i < vlen; i++, p += 3) vars.push({ type: w[p], offset: w[p + 1], size: w[p + 2] });
      return { name: nm, kindFlag, kind, size: sizeOrType, vars };
    }
    case BTF_KIND_FLOAT:
      return { name: nm, kindFlag, kind, size: sizeOrType };
    case BTF_KIND_DECL_TAG:
      return { name: nm, kindFlag, kind, type: sizeOrType, componentIdx: w[p] | 0 };
    default:
      throw new Error(`unknown BTF kind ${kind} past the index pass`);
  }
}
