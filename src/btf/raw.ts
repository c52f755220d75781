/**
 * The "raw" listing of BTF, line for line as `bpftool btf dump file F`
 * prints it, so the peer's output is the judge of our reading:
 *   [1] INT 'long unsigned int' size=8 bits_offset=0 nr_bits=64 encoding=(none)
 *   [89] STRUCT '(anon)' size=4 vlen=1
 *   	'counter' type_id=21 bits_offset=0
 */
import {
  BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_DATASEC, BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FLOAT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPEDEF, BTF_KIND_TYPE_TAG, BTF_KIND_UNION,
  BTF_KIND_VAR, BTF_KIND_VOLATILE, btfKindName,
} from './constants.js';
import type { Btf } from './btf.js';
import type { BtfType, BtfTypeId } from './records.js';

function q(name: string): string {
  return `'${name || '(anon)'}'`;
}

function intEncoding(e: number): string {
  switch (e) {
    case 0: return '(none)';
    case BTF_INT_SIGNED: return 'SIGNED';
    case BTF_INT_CHAR: return 'CHAR';
    case BTF_INT_BOOL: return 'BOOL';
    default: return 'UNKN';
  }
}

function funcLinkage(l: number): string {
  return ['static', 'global', 'extern'][l] ?? 'unknown';
}

function varLinkage(l: number): string {
  return ['static', 'global', 'extern'][l] ?? 'unknown';
}

/** One type as bpftool's raw format prints it (several lines for kinds with members). */
export function formatBtfRaw(btf: Btf, id: BtfTypeId, t: BtfType): string {
  const head = `[${id}] ${btfKindName(t.kind)} ${q(t.name)}`;
  switch (t.kind) {
    case BTF_KIND_INT:
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`;
    case BTF_KIND_PTR: case BTF_KIND_CONST: case BTF_KIND_VOLATILE: case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF: case BTF_KIND_TYPE_TAG:
      return `${head} type_id=${t.type}`;
    case BTF_KIND_ARRAY:
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      const lines = [`${head} size=${t.size} vlen=${t.members.length}`];
      for (const m of t.members) {
        lines.push(`\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`);
      }
      return lines.join('\n');
    }
    case BTF_KIND_ENUM: case BTF_KIND_ENUM64: {
      const lines = [`${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`];
      const suffix = t.kind === BTF_KIND_ENUM64 ? (t.signed ? 'LL' : 'ULL') : '';
      for (const v of t.values) lines.push(`\t${q(v.name)} val=${v.value}${suffix}`);
      return lines.join('\n');
    }
    case BTF_KIND_FWD:
      return `${head} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case BTF_KIND_FUNC:
      return `${head} type_id=${t.type} linkage=${funcLinkage(t.linkage)}`;
    case BTF_KIND_FUNC_PROTO: {
      const n = t.params.length + (t.varargs ? 1 : 0);
      const lines = [`${head} ret_type_id=${t.ret} vlen=${n}`];
      for (const p of t.params) lines.push(`\t${q(p.name)} type_id=${p.type}`);
      if (t.varargs) lines.push(`\t'(anon)' type_id=0`);
      return lines.join('\n');
    }
    case BTF_KIND_VAR:
      return `${head} type_id=${t.type}, linkage=${varLinkage(t.linkage)}`;
    case BTF_KIND_DATASEC: {
      const lines = [`${head} size=${t.size} vlen=${t.vars.length}`];
      for (const v of t.vars) {
        let what = '';
        try {
          const vt = btf.type(v.type);
          what = ` (${btfKindName(vt.kind)} ${q(vt.name)})`;
        } catch { /* a bad id prints without the name */ }
        lines.push(`\ttype_id=${v.type} offset=${v.offset} size=${v.size}${what}`);
      }
      return lines.join('\n');
    }
    case BTF_KIND_FLOAT:
      return `${head} size=${t.size}`;
    case BTF_KIND_DECL_TAG:
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}
