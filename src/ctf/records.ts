/**
 * CTF v3 type records, close to the bytes: one interface per kind family,
 * decoded from and encoded to the type section. Ids are not stored in the
 * records: a record's id is its position (from 1, or 0x80000001 in a child).
 *
 * Record layout (ctf_stype_t / ctf_type_t): {u32 name, u32 info, u32
 * size_or_type}, and when size_or_type is CTF_LSIZE_SENT two more u32
 * {lsizehi, lsizelo}. info = kind<<26 | isroot<<25 | vlen. Then kind data:
 *   INTEGER, FLOAT  u32 encoding<<24 | offset<<16 | bits
 *   ARRAY           {u32 contents, u32 index, u32 nelems}
 *   FUNCTION        vlen × u32 argument type, padded to an even count;
 *                   a last argument 0 means "...".
 *   STRUCT, UNION   vlen × {name, offset, type} (ctf_member_t), or when the
 *                   size is ≥ CTF_LSTRUCT_THRESH vlen × {name, offhi, type,
 *                   offlo} (ctf_lmember_t)
 *   ENUM            vlen × {u32 name, s32 value}
 *   SLICE           {u32 type, u16 offset, u16 bits}
 * POINTER, TYPEDEF, VOLATILE, CONST, RESTRICT (size_or_type = referenced
 * type), FORWARD (size_or_type = the kind it stands for) and UNKNOWN (padding)
 * have nothing after the record.
 */
import { Reader, Writer } from '../bytes/index.js';
import {
  CTF_K_ARRAY, CTF_K_CONST, CTF_K_ENUM, CTF_K_FLOAT, CTF_K_FORWARD, CTF_K_FUNCTION, CTF_K_INTEGER,
  CTF_K_POINTER, CTF_K_RESTRICT, CTF_K_SLICE, CTF_K_STRUCT, CTF_K_TYPEDEF, CTF_K_UNION, CTF_K_UNKNOWN,
  CTF_K_VOLATILE, CTF_LSIZE_SENT, CTF_LSTRUCT_THRESH, CTF_MAX_SIZE, CTF_MAX_VLEN, kindName,
} from './constants.js';

/** A CTF type id: 1..0x7fffffff in a parent, 0x80000001.. for a child's own types; 0 is "none". */
export type CtfTypeId = number;

interface Common {
  /** Name ("" for anonymous). */
  name: string;
  /** The isroot bit: visible by name (a non-root type is hidden by a same-named one). */
  isRoot: boolean;
}

export interface CtfIntType extends Common {
  kind: typeof CTF_K_INTEGER | typeof CTF_K_FLOAT;
  size: number;
  /** CTF_INT_* bits for integers, a CTF_FP_* value for floats. */
  encoding: number;
  /** Bit offset of the value inside the storage (almost always 0). */
  bitOffset: number;
  bits: number;
}

export interface CtfRefType extends Common {
  kind: typeof CTF_K_POINTER | typeof CTF_K_TYPEDEF | typeof CTF_K_VOLATILE | typeof CTF_K_CONST | typeof CTF_K_RESTRICT;
  ref: CtfTypeId;
}

export interface CtfArrayType extends Common {
  kind: typeof CTF_K_ARRAY;
  contents: CtfTypeId;
  index: CtfTypeId;
  /** 0 for a flexible array. */
  nelems: number;
  /** ctt_size as stored (writers put 0; the real size is nelems × the element's). */
  size: number;
}

export interface CtfFunctionType extends Common {
  kind: typeof CTF_K_FUNCTION;
  ret: CtfTypeId;
  args: CtfTypeId[];
  varargs: boolean;
}

export interface CtfMember {
  name: string;
  type: CtfTypeId;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
}

export interface CtfStructType extends Common {
  kind: typeof CTF_K_STRUCT | typeof CTF_K_UNION;
  size: number;
  members: CtfMember[];
}

export interface CtfEnumerator {
  name: string;
  value: number;
}

export interface CtfEnumType extends Common {
  kind: typeof CTF_K_ENUM;
  size: number;
  values: CtfEnumerator[];
}

export interface CtfForwardType extends Common {
  kind: typeof CTF_K_FORWARD;
  /** The kind this stands for: CTF_K_STRUCT, CTF_K_UNION or CTF_K_ENUM (0 from old writers means struct). */
  fwdKind: number;
}

export interface CtfSliceType extends Common {
  kind: typeof CTF_K_SLICE;
  size: number;
  type: CtfTypeId;
  bitOffset: number;
  bits: number;
}

export interface CtfUnknownType extends Common {
  kind: typeof CTF_K_UNKNOWN;
  size: number;
}

/**
 * The SLICE record describing a `bits`-wide bitfield of type `base`: its byte
 * size is the smallest power of two that holds the bits (as gcc and libctf
 * write them); the bit offset lives in the member.
 */
export function sliceOf(base: CtfTypeId, bits: number): CtfSliceType {
  let bytes = 1;
  while (bytes * 8 < bits) bytes *= 2;
  return { kind: CTF_K_SLICE, name: '', isRoot: false, size: bytes, type: base, bitOffset: 0, bits };
}

export type CtfType =
  | CtfIntType | CtfRefType | CtfArrayType | CtfFunctionType | CtfStructType
  | CtfEnumType | CtfForwardType | CtfSliceType | CtfUnknownType;

/** Bytes of kind data after a record (libctf's "vbytes"); -1 for a kind this version does not know. */
export function vbytes(kind: number, vlen: number, size: number): number {
  switch (kind) {
    case CTF_K_INTEGER: case CTF_K_FLOAT: return 4;
    case CTF_K_SLICE: return 8;
    case CTF_K_ARRAY: return 12;
    case CTF_K_FUNCTION: return 4 * (vlen + (vlen & 1));
    case CTF_K_STRUCT: case CTF_K_UNION: return (size >= CTF_LSTRUCT_THRESH ? 16 : 12) * vlen;
    case CTF_K_ENUM: return 8 * vlen;
    case CTF_K_UNKNOWN: case CTF_K_POINTER: case CTF_K_FORWARD: case CTF_K_TYPEDEF:
    case CTF_K_VOLATILE: case CTF_K_CONST: case CTF_K_RESTRICT: return 0;
    default: return -1;
  }
}

/** Where one record starts and what its fixed part says, found by the index pass. */
export interface RecordHead {
  kind: number;
  vlen: number;
  isRoot: boolean;
  nameRef: number;
  /** size_or_type, or the long size. */
  sizeOrType: number;
  /** Offset of the kind data, relative to the type section. */
  dataAt: number;
}

/** Read the fixed part of the record at r.pos and advance past the whole record. */
export function readRecordHead(r: Reader): RecordHead {
  const nameRef = r.u32();
  const info = r.u32();
  const kind = info >>> 26;
  const isRoot = ((info >>> 25) & 1) === 1;
  const vlen = info & CTF_MAX_VLEN;
  let sizeOrType = r.u32();
  if (sizeOrType === CTF_LSIZE_SENT) {
    // libctf honours the sentinel in every kind; so must we, to find the same record boundaries.
    const hi = r.u32();
    const lo = r.u32();
    if (hi >= 0x200000) throw r.error(`size 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} of a ${kindName(kind)} is too large`);
    sizeOrType = hi * 2 ** 32 + lo;
  }
  const dataAt = r.pos;
  const n = vbytes(kind, vlen, sizeOrType);
  if (n < 0) throw r.error(`unknown type kind ${kind}`, dataAt - 12);
  if (n > r.remaining) throw r.error(`${kindName(kind)} with vlen ${vlen} needs ${n} bytes of data, ${r.remaining} left in the type section`, dataAt);
  r.pos += n;
  return { kind, vlen, isRoot, nameRef, sizeOrType, dataAt };
}

/** Decode a record whose head was read; `name` resolves a name reference (it may throw). */
export function decodeRecord(r: Reader, h: RecordHead, name: (ref: number) => string): CtfType {
  r.pos = h.dataAt;
  const common = { name: name(h.nameRef), isRoot: h.isRoot };
  switch (h.kind) {
    case CTF_K_INTEGER: case CTF_K_FLOAT: {
      const d = r.u32();
      return { ...common, kind: h.kind, size: h.sizeOrType, encoding: d >>> 24, bitOffset: (d >>> 16) & 0xff, bits: d & 0xffff };
    }
    case CTF_K_POINTER: case CTF_K_TYPEDEF: case CTF_K_VOLATILE: case CTF_K_CONST: case CTF_K_RESTRICT:
      return { ...common, kind: h.kind, ref: h.sizeOrType };
    case CTF_K_ARRAY:
      return { ...common, kind: h.kind, contents: r.u32(), index: r.u32(), nelems: r.u32(), size: h.sizeOrType };
    case CTF_K_FUNCTION: {
      const args: number[] = [];
      for (let i = 0; i < h.vlen; i++) args.push(r.u32());
      const varargs = args.length > 0 && args[args.length - 1] === 0;
      if (varargs) args.pop();
      return { ...common, kind: h.kind, ret: h.sizeOrType, args, varargs };
    }
    case CTF_K_STRUCT: case CTF_K_UNION: {
      const members: CtfMember[] = [];
      const large = h.sizeOrType >= CTF_LSTRUCT_THRESH;
      for (let i = 0; i < h.vlen; i++) {
        const nm = r.u32();
        if (large) {
          const hi = r.u32();
          const type = r.u32();
          const lo = r.u32();
          members.push({ name: name(nm), type, bitOffset: hi * 2 ** 32 + lo });
        } else {
          const off = r.u32();
          members.push({ name: name(nm), type: r.u32(), bitOffset: off });
        }
      }
      return { ...common, kind: h.kind, size: h.sizeOrType, members };
    }
    case CTF_K_ENUM: {
      const values: CtfEnumerator[] = [];
      for (let i = 0; i < h.vlen; i++) values.push({ name: name(r.u32()), value: r.i32() });
      return { ...common, kind: h.kind, size: h.sizeOrType, values };
    }
    case CTF_K_FORWARD:
      return { ...common, kind: h.kind, fwdKind: h.sizeOrType };
    case CTF_K_SLICE: {
      const type = r.u32();
      const bitOffset = r.u16();
      const bits = r.u16();
      return { ...common, kind: h.kind, size: h.sizeOrType, type, bitOffset, bits };
    }
    case CTF_K_UNKNOWN:
      return { ...common, kind: h.kind, size: h.sizeOrType };
    default:
      throw r.error(`unknown type kind ${h.kind}`);
  }
}

/** Number of entries in the variable part (vlen) of a record. */
function vlenOf(t: CtfType): number {
  switch (t.kind) {
    case CTF_K_FUNCTION: return t.args.length + (t.varargs ? 1 : 0);
    case CTF_K_STRUCT: case CTF_K_UNION: return t.members.length;
    case CTF_K_ENUM: return t.values.length;
    default: return 0;
  }
}

/** Encode one record; `str` gives the name reference of a string (adding it to the table). */
export function encodeRecord(w: Writer, t: CtfType, str: (s: string) => number): void {
  const vlen = vlenOf(t);
  if (vlen > CTF_MAX_VLEN) throw new RangeError(`${kindName(t.kind)} ${t.name || '(anon)'} has ${vlen} entries, more than CTF's ${CTF_MAX_VLEN}`);
  const info = ((t.kind << 26) | ((t.isRoot ? 1 : 0) << 25) | vlen) >>> 0;
  w.u32(str(t.name)).u32(info);
  const size = (s: number) => {
    if (s > CTF_MAX_SIZE) w.u32(CTF_LSIZE_SENT).u32(Math.floor(s / 2 ** 32)).u32(s >>> 0);
    else w.u32(s);
  };
  switch (t.kind) {
    case CTF_K_INTEGER: case CTF_K_FLOAT:
      size(t.size);
      w.u32(((t.encoding & 0xff) << 24 | (t.bitOffset & 0xff) << 16 | (t.bits & 0xffff)) >>> 0);
      return;
    case CTF_K_POINTER: case CTF_K_TYPEDEF: case CTF_K_VOLATILE: case CTF_K_CONST: case CTF_K_RESTRICT:
      w.u32(t.ref);
      return;
    case CTF_K_ARRAY:
      size(t.size);
      w.u32(t.contents).u32(t.index).u32(t.nelems);
      return;
    case CTF_K_FUNCTION:
      w.u32(t.ret);
      for (const a of t.args) w.u32(a);
      if (t.varargs) w.u32(0);
      if (vlen & 1) w.u32(0);
      return;
    case CTF_K_STRUCT: case CTF_K_UNION: {
      const large = t.size >= CTF_LSTRUCT_THRESH;
      // libctf 2.40 walks lmembers for any size ≥ CTF_LSTRUCT_THRESH but its
      // member iterator reads them as lmembers only when the size is in the
      // long form; so large structs always get the (equally valid) long form.
      if (large) w.u32(CTF_LSIZE_SENT).u32(Math.floor(t.size / 2 ** 32)).u32(t.size >>> 0);
      else size(t.size);
      for (const m of t.members) {
        if (large) w.u32(str(m.name)).u32(Math.floor(m.bitOffset / 2 ** 32)).u32(m.type).u32(m.bitOffset >>> 0);
        else {
          if (m.bitOffset > 0xffffffff) throw new RangeError(`member ${m.name} offset ${m.bitOffset} needs the large-struct form`);
          w.u32(str(m.name)).u32(m.bitOffset).u32(m.type);
        }
      }
      return;
    }
    case CTF_K_ENUM:
      size(t.size);
      for (const v of t.values) w.u32(str(v.name)).i32(v.value);
      return;
    case CTF_K_FORWARD:
      w.u32(t.fwdKind);
      return;
    case CTF_K_SLICE:
      size(t.size);
      w.u32(t.type).u16(t.bitOffset).u16(t.bits);
      return;
    case CTF_K_UNKNOWN:
      size(t.size);
      return;
  }
}
