/**
 * Type names of the expression language turned into types/ Types: tags and
 * typedefs come from the kernel's type source; C's builtin arithmetic types
 * (`unsigned long`, `char`, `_Bool`) are made here with x86-64 LP64 sizes,
 * since DWARF spells them differently ("long unsigned int") and BTF may not
 * carry every one.
 */
import { VOID, type ArrayType, type FloatType, type IntType, type Type } from '../types/index.js';
import { LookupError } from './errors.js';
import type { TypeName } from './parser.js';
import type { Program } from './program.js';

const SYNTH = { format: 'synthetic', id: 0 };

function int(name: string, size: number, signed: boolean, encoding: IntType['encoding'] = 'plain'): IntType {
  return { kind: 'int', name, size, signed, encoding, origin: SYNTH };
}

/** The builtin types used by the evaluator for literals and results. */
export const BUILTIN = {
  int: int('int', 4, true),
  uint: int('unsigned int', 4, false),
  long: int('long', 8, true),
  ulong: int('unsigned long', 8, false),
  char: int('char', 1, true, 'char'),
  bool: int('_Bool', 1, false, 'bool'),
  double: { kind: 'float', name: 'double', size: 8, origin: SYNTH } as FloatType,
} as const;

const cache = new Map<string, Type>();

/** The builtin type for a list of C type words ("unsigned", "long", "long"), or a LookupError. */
export function builtinType(words: string[]): Type {
  const key = [...words].sort().join(' ');
  const hit = cache.get(key);
  if (hit) return hit;
  const count = (w: string) => words.filter((x) => x === w).length;
  const longs = count('long');
  const unsigned = count('unsigned') > 0;
  const signed = count('signed') > 0;
  const rest = words.filter((w) => w !== 'long' && w !== 'unsigned' && w !== 'signed');
  const core = rest.length ? rest[0] : 'int';
  let t: Type | undefined;
  if (rest.length > 1 || (unsigned && signed)) t = undefined;
  else if (core === 'void' && words.length === 1) t = VOID;
  else if ((core === '_Bool' || core === 'bool') && words.length === 1) t = BUILTIN.bool;
  else if (core === 'char' && !longs) t = unsigned ? int('unsigned char', 1, false, 'char') : signed ? int('signed char', 1, true, 'char') : BUILTIN.char;
  else if (core === 'short' && !longs) t = unsigned ? int('unsigned short', 2, false) : int('short', 2, true);
  else if (core === '__int128' && !longs) t = unsigned ? int('unsigned __int128', 16, false) : int('__int128', 16, true);
  else if (core === 'float' && words.length === 1) t = { kind: 'float', name: 'float', size: 4, origin: SYNTH };
  else if (core === 'double' && !unsigned && !signed && longs <= 1) t = longs ? { kind: 'float', name: 'long double', size: 16, origin: SYNTH } : BUILTIN.double;
  else if (core === 'int') {
    if (longs === 0) t = unsigned ? BUILTIN.uint : BUILTIN.int;
    else if (longs === 1) t = unsigned ? BUILTIN.ulong : BUILTIN.long;
    else if (longs === 2) t = unsigned ? int('unsigned long long', 8, false) : int('long long', 8, true);
  }
  if (!t) throw new LookupError(`'${words.join(' ')}' is not a C type`);
  cache.set(key, t);
  return t;
}

/** The Type a parsed type name denotes in `prog`. */
export function resolveTypeName(prog: Program, tn: TypeName): Type {
  let t: Type;
  const b = tn.base;
  if (b.k === 'builtin') t = builtinType(b.words);
  else if (b.k === 'tag') t = b.tag === 'struct' ? prog.structType(b.name) : prog.namedType(b.name, b.tag);
  else t = prog.namedType(b.name, 'typedef');
  for (const op of tn.ops) {
    if (op.k === 'ptr') t = prog.pointerTo(t);
    else t = { kind: 'array', element: t, count: op.n, origin: SYNTH } as ArrayType;
  }
  return t;
}
