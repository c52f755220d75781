/**
 * CTF format v3 constants, named as in binutils' include/ctf.h (the reference
 * libctf 2.40 reads and writes), each family in one table with name lookup so
 * messages can say "CTF_K_STRUCT" instead of "6".
 */

export const CTF_MAGIC = 0xdff2;
/** The magic as read in the other byte order. */
export const CTF_MAGIC_SWAPPED = 0xf2df;
/** On-disk version number of format v3 (v1 = 1, v1 upgraded = 2, v2 = 3). */
export const CTF_VERSION_3 = 4;
/** Size of the v3 header in bytes. */
export const CTF_HEADER_SIZE = 52;

// Header flags.
export const CTF_F_COMPRESS = 0x1;
export const CTF_F_NEWFUNCINFO = 0x2;
export const CTF_F_IDXSORTED = 0x4;
export const CTF_F_DYNSTR = 0x8;
export const CTF_F_MAX = CTF_F_COMPRESS | CTF_F_NEWFUNCINFO | CTF_F_IDXSORTED | CTF_F_DYNSTR;
export const CTF_FLAG_NAMES: Record<number, string> = {
  [CTF_F_COMPRESS]: 'CTF_F_COMPRESS',
  [CTF_F_NEWFUNCINFO]: 'CTF_F_NEWFUNCINFO',
  [CTF_F_IDXSORTED]: 'CTF_F_IDXSORTED',
  [CTF_F_DYNSTR]: 'CTF_F_DYNSTR',
};

/** Largest parent type id; child ids have bit 31 set. */
export const CTF_MAX_PTYPE = 0x7fffffff;
export const CTF_MAX_TYPE = 0xfffffffe;
export const CTF_MAX_NAME = 0x7fffffff;
export const CTF_MAX_VLEN = 0xffffff;
/** Largest size that fits ctt_size; larger sizes use the lsize form. */
export const CTF_MAX_SIZE = 0xfffffffe;
/** ctt_size value announcing {lsizehi, lsizelo} after the record. */
export const CTF_LSIZE_SENT = 0xffffffff;
/** Structs/unions at least this many bytes store members as ctf_lmember_t. */
export const CTF_LSTRUCT_THRESH = 536870912;

export const CTF_STRTAB_0 = 0;
export const CTF_STRTAB_1 = 1;

// Type kinds.
export const CTF_K_UNKNOWN = 0;
export const CTF_K_INTEGER = 1;
export const CTF_K_FLOAT = 2;
export const CTF_K_POINTER = 3;
export const CTF_K_ARRAY = 4;
export const CTF_K_FUNCTION = 5;
export const CTF_K_STRUCT = 6;
export const CTF_K_UNION = 7;
export const CTF_K_ENUM = 8;
export const CTF_K_FORWARD = 9;
export const CTF_K_TYPEDEF = 10;
export const CTF_K_VOLATILE = 11;
export const CTF_K_CONST = 12;
export const CTF_K_RESTRICT = 13;
export const CTF_K_SLICE = 14;
export const CTF_K_MAX = 63;

export const CTF_KIND_NAMES: Record<number, string> = {
  [CTF_K_UNKNOWN]: 'CTF_K_UNKNOWN',
  [CTF_K_INTEGER]: 'CTF_K_INTEGER',
  [CTF_K_FLOAT]: 'CTF_K_FLOAT',
  [CTF_K_POINTER]: 'CTF_K_POINTER',
  [CTF_K_ARRAY]: 'CTF_K_ARRAY',
  [CTF_K_FUNCTION]: 'CTF_K_FUNCTION',
  [CTF_K_STRUCT]: 'CTF_K_STRUCT',
  [CTF_K_UNION]: 'CTF_K_UNION',
  [CTF_K_ENUM]: 'CTF_K_ENUM',
  [CTF_K_FORWARD]: 'CTF_K_FORWARD',
  [CTF_K_TYPEDEF]: 'CTF_K_TYPEDEF',
  [CTF_K_VOLATILE]: 'CTF_K_VOLATILE',
  [CTF_K_CONST]: 'CTF_K_CONST',
  [CTF_K_RESTRICT]: 'CTF_K_RESTRICT',
  [CTF_K_SLICE]: 'CTF_K_SLICE',
};

// Integer encodings (CTF_INT_ENCODING bits).
export const CTF_INT_SIGNED = 0x01;
export const CTF_INT_CHAR = 0x02;
export const CTF_INT_BOOL = 0x04;
export const CTF_INT_VARARGS = 0x08;

// Float encodings (CTF_FP_ENCODING values).
export const CTF_FP_SINGLE = 1;
export const CTF_FP_DOUBLE = 2;
export const CTF_FP_CPLX = 3;
export const CTF_FP_DCPLX = 4;
export const CTF_FP_LDCPLX = 5;
export const CTF_FP_LDOUBLE = 6;
export const CTF_FP_INTRVL = 7;
export const CTF_FP_DINTRVL = 8;
export const CTF_FP_LDINTRVL = 9;
export const CTF_FP_IMAGRY = 10;
export const CTF_FP_DIMAGRY = 11;
export const CTF_FP_LDIMAGRY = 12;
export const CTF_FP_NAMES: Record<number, string> = {
  1: 'CTF_FP_SINGLE', 2: 'CTF_FP_DOUBLE', 3: 'CTF_FP_CPLX', 4: 'CTF_FP_DCPLX', 5: 'CTF_FP_LDCPLX',
  6: 'CTF_FP_LDOUBLE', 7: 'CTF_FP_INTRVL', 8: 'CTF_FP_DINTRVL', 9: 'CTF_FP_LDINTRVL',
  10: 'CTF_FP_IMAGRY', 11: 'CTF_FP_DIMAGRY', 12: 'CTF_FP_LDIMAGRY',
};

// Archives (.ctfa, and what ld puts in .ctf when dicts conflict). Little-endian always.
export const CTFA_MAGIC = 0x8b47f2a4d7623eebn;
export const CTFA_HEADER_SIZE = 40;
/** Data models stored in ctfa_model. */
export const CTF_MODEL_ILP32 = 1;
export const CTF_MODEL_LP64 = 2;
/** The name libctf gives the parent dict in an archive (_CTF_SECTION). */
export const CTF_SECTION_NAME = '.ctf';

/** Name of a constant for messages: "CTF_K_STRUCT", or "unknown kind 42". */
export function kindName(kind: number): string {
  return CTF_KIND_NAMES[kind] ?? `unknown kind ${kind}`;
}

/** Flag names joined by ", " (as objdump prints them). */
export function flagNames(flags: number): string {
  const out: string[] = [];
  for (let b = 1; b <= 0x80; b <<= 1) if (flags & b) out.push(CTF_FLAG_NAMES[b] ?? `0x${b.toString(16)}`);
  return out.join(', ');
}
