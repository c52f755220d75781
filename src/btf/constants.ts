/**
 * BTF constants, named as in the kernel's include/uapi/linux/btf.h, one table
 * per family with name lookup for messages and listings.
 */

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** Size of the header this reader knows; a file's hdr_len may be larger. */
export const BTF_HEADER_SIZE = 24;
/** Largest type id and string offset the kernel accepts. */
export const BTF_MAX_TYPE = 0x000fffff;
export const BTF_MAX_NAME_OFFSET = 0x00ffffff;
export const BTF_MAX_VLEN = 0xffff;

export const BTF_KIND_UNKN = 0;
export const BTF_KIND_INT = 1;
export const BTF_KIND_PTR = 2;
export const BTF_KIND_ARRAY = 3;
export const BTF_KIND_STRUCT = 4;
export const BTF_KIND_UNION = 5;
export const BTF_KIND_ENUM = 6;
export const BTF_KIND_FWD = 7;
export const BTF_KIND_TYPEDEF = 8;
export const BTF_KIND_VOLATILE = 9;
export const BTF_KIND_CONST = 10;
export const BTF_KIND_RESTRICT = 11;
export const BTF_KIND_FUNC = 12;
export const BTF_KIND_FUNC_PROTO = 13;
export const BTF_KIND_VAR = 14;
export const BTF_KIND_DATASEC = 15;
export const BTF_KIND_FLOAT = 16;
export const BTF_KIND_DECL_TAG = 17;
export const BTF_KIND_TYPE_TAG = 18;
export const BTF_KIND_ENUM64 = 19;

/** Kind names without the BTF_KIND_ prefix, as bpftool prints them. */
export const BTF_KIND_NAMES: Record<number, string> = {
  0: 'UNKNOWN', 1: 'INT', 2: 'PTR', 3: 'ARRAY', 4: 'STRUCT', 5: 'UNION', 6: 'ENUM', 7: 'FWD', 8: 'TYPEDEF',
  9: 'VOLATILE', 10: 'CONST', 11: 'RESTRICT', 12: 'FUNC', 13: 'FUNC_PROTO', 14: 'VAR', 15: 'DATASEC',
  16: 'FLOAT', 17: 'DECL_TAG', 18: 'TYPE_TAG', 19: 'ENUM64',
};

// BTF_KIND_INT encoding bits.
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

// Linkage of FUNC (in vlen) and VAR.
export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

export function btfKindName(kind: number): string {
  return BTF_KIND_NAMES[kind] ?? `unknown kind ${kind}`;
}
