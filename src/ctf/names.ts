/**
 * C spellings of raw CTF types, for listings and messages: "const char *",
 * "int (*)(int, ...)", "struct node [4]". Built by composing the declarator
 * from the outside in, with a depth limit so a cycle of references prints
 * "..." instead of looping. (The types/ printers are the full C printers;
 * this is only the raw view's.)
 */
import {
  CTF_K_ARRAY, CTF_K_CONST, CTF_K_ENUM, CTF_K_FLOAT, CTF_K_FORWARD, CTF_K_FUNCTION, CTF_K_INTEGER,
  CTF_K_POINTER, CTF_K_RESTRICT, CTF_K_SLICE, CTF_K_STRUCT, CTF_K_TYPEDEF, CTF_K_UNION, CTF_K_UNKNOWN, CTF_K_VOLATILE,
} from './constants.js';
import type { CtfDict } from './dict.js';
import type { CtfType, CtfTypeId } from './records.js';

const MAX_DEPTH = 64;
/** Most types one name may visit (function arguments can make the graph fan out). */
const MAX_VISITS = 2000;

function tagged(kind: number, name: string): string {
  const tag = kind === CTF_K_STRUCT ? 'struct' : kind === CTF_K_UNION ? 'union' : 'enum';
  return name ? `${tag} ${name}` : `${tag} (anon)`;
}

function join(base: string, inner: string): string {
  return inner ? `${base} ${inner}` : base;
}

/** The C name of type `id` as seen from `dict` (parent types resolved). */
export function ctfTypeName(dict: CtfDict, id: CtfTypeId): string {
  return decl(dict, id, '', 0, { left: MAX_VISITS });
}

function lookup(dict: CtfDict, id: CtfTypeId): CtfType | undefined {
  try { return dict.type(id); } catch { return undefined; }
}

function decl(dict: CtfDict, id: CtfTypeId, inner: string, depth: number, budget: { left: number }): string {
  if (id === 0) return join('void', inner);
  if (depth > MAX_DEPTH || --budget.left < 0) return join('...', inner);
  const t = lookup(dict, id);
  if (!t) return join(`(bad type 0x${id.toString(16)})`, inner);
  switch (t.kind) {
    case CTF_K_INTEGER: case CTF_K_FLOAT: case CTF_K_TYPEDEF:
      return join(t.name || '(anon)', inner);
    case CTF_K_STRUCT: case CTF_K_UNION: case CTF_K_ENUM:
      return join(tagged(t.kind, t.name), inner);
    case CTF_K_FORWARD:
      return join(tagged(t.fwdKind === CTF_K_UNION || t.fwdKind === CTF_K_ENUM ? t.fwdKind : CTF_K_STRUCT, t.name), inner);
    case CTF_K_POINTER: {
      const target = lookup(dict, t.ref);
      const p = '*' + inner;
      const wrap = target && (target.kind === CTF_K_ARRAY || target.kind === CTF_K_FUNCTION);
      return decl(dict, t.ref, wrap ? `(${p})` : p, depth + 1, budget);
    }
    case CTF_K_CONST: case CTF_K_VOLATILE: case CTF_K_RESTRICT: {
      const q = t.kind === CTF_K_CONST ? 'const' : t.kind === CTF_K_VOLATILE ? 'volatile' : 'restrict';
      const target = lookup(dict, t.ref);
      if (target && target.kind === CTF_K_POINTER) return decl(dict, t.ref, inner ? `${q} ${inner}` : q, depth + 1, budget);
      return `${q} ${decl(dict, t.ref, inner, depth + 1, budget)}`;
    }
    case CTF_K_ARRAY:
      return decl(dict, t.contents, `${inner}[${t.nelems}]`, depth + 1, budget);
    case CTF_K_FUNCTION: {
      const args = t.args.map((a) => decl(dict, a, '', depth + 1, budget));
      if (t.varargs) args.push('...');
      return decl(dict, t.ret, `${inner}(${args.join(', ') || 'void'})`, depth + 1, budget);
    }
    case CTF_K_SLICE:
      return join(`${decl(dict, t.type, '', depth + 1, budget)}:${t.bits}`, inner);
    case CTF_K_UNKNOWN:
      return join('(unknown)', inner);
  }
}
