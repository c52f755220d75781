/**
 * The type model -> one CTF dict (CtfDictData for write.ts).
 *
 * Two passes: (1) walk the graph from the roots and the variables with an
 * explicit stack, giving each model object (identity) a CTF id in the order
 * met, the types it needs first where possible; (2) encode each object as a
 * record now that every id is known (members may point forward, as CTF
 * allows). What CTF cannot express is mapped, and listed in `lossy`:
 * - void is gcc's convention, an INTEGER "void" of size 0 (made on first use);
 * - bitfield members refer to a SLICE of their type (offset 0, the member
 *   keeps the bit offset, as gcc writes them), slices shared per (type, bits);
 * - flexible arrays (count undefined) get 0 elements; each array needs an
 *   index type: "long unsigned int" (LP64) or "unsigned int" (ILP32);
 * - _Atomic is dropped (CTF has no such qualifier), enum values must fit in
 *   32 bits (others are truncated), parameter names and member alignment are
 *   not kept.
 * A second type of the same kind and name is written non-root, as libctf does.
 */
import { MAX_TYPE_DEPTH, type Type } from '../types/index.js';
import {
  CTF_FP_CPLX, CTF_FP_DCPLX, CTF_FP_DOUBLE, CTF_FP_LDCPLX, CTF_FP_LDOUBLE, CTF_FP_SINGLE, CTF_INT_BOOL,
  CTF_INT_CHAR, CTF_INT_SIGNED, CTF_K_ARRAY, CTF_K_CONST, CTF_K_ENUM, CTF_K_FLOAT, CTF_K_FORWARD,
  CTF_K_FUNCTION, CTF_K_INTEGER, CTF_K_POINTER, CTF_K_RESTRICT, CTF_K_STRUCT, CTF_K_TYPEDEF,
  CTF_K_UNION, CTF_K_VOLATILE, CTF_F_NEWFUNCINFO, CTF_MAX_PTYPE,
} from './constants.js';
import type { CtfDictData, CtfNamedType } from './dict.js';
import { sliceOf as sliceRecord, type CtfType, type CtfTypeId } from './records.js';

export interface TypesToCtfOptions {
  littleEndian?: boolean;
  cuName?: string;
  /** 8 (LP64, default) or 4 (ILP32): picks the array index type. */
  pointerSize?: number;
}

export interface TypesToCtfResult {
  data: CtfDictData;
  /** What could not be expressed exactly, one sentence each. */
  lossy: string[];
  /** The CTF id given to each model object. */
  ids: Map<Type, CtfTypeId>;
}

/** Build one CTF dict holding `roots`, `variables` and everything they reach. */
export function typesToCtf(roots: Iterable<Type>, variables: Iterable<{ name: string; type: Type }>, opts: TypesToCtfOptions = {}): TypesToCtfResult {
  const ids = new Map<Type, CtfTypeId>();
  const order: Type[] = [];
  const lossy: string[] = [];
  const extra: CtfType[] = []; // void, the index type and slices, appended after the model's types
  let voidId: CtfTypeId | undefined;
  let indexId: CtfTypeId | undefined;
  const slices = new Map<string, CtfTypeId>();
  const vars = [...variables];

  // Pass 1: number every reachable object (atomic qualifiers are transparent).
  const strip = (t: Type): Type => {
    let n = 0;
    while (t.kind === 'atomic') {
      if (++n > MAX_TYPE_DEPTH) throw new RangeError('_Atomic chain too deep');
      if (!lossy.includes('_Atomic qualifiers dropped')) lossy.push('_Atomic qualifiers dropped');
      t = t.target;
    }
    return t;
  };
  const stack: Type[] = [...[...roots].reverse(), ...vars.map((v) => v.type).reverse()];
  while (stack.length) {
    const t = strip(stack.pop()!);
    if (t.kind === 'void' || ids.has(t)) continue;
    ids.set(t, order.length + 1);
    order.push(t);
    if (order.length > CTF_MAX_PTYPE - 1) throw new RangeError('too many types for one CTF dict');
    const next: Type[] = [];
    switch (t.kind) {
      case 'pointer': case 'typedef': case 'const': case 'volatile': case 'restrict': next.push(t.target); break;
      case 'array': next.push(t.element); break;
      case 'function': next.push(t.returns, ...t.params.map((p) => p.type)); break;
      case 'struct': case 'union': next.push(...t.members.map((m) => m.type)); break;
      default: break;
    }
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
  }

  const newExtra = (t: CtfType): CtfTypeId => { extra.push(t); return order.length + extra.length; };
  const idOf = (t: Type): CtfTypeId => {
    t = strip(t);
    if (t.kind === 'void') return (voidId ??= newExtra({ kind: CTF_K_INTEGER, name: 'void', isRoot: true, size: 0, encoding: CTF_INT_SIGNED, bitOffset: 0, bits: 0 }));
    const id = ids.get(t);
    if (id === undefined) throw new RangeError(`type not numbered: ${t.kind}`);
    return id;
  };
  const indexType = (): CtfTypeId => {
    const wide = (opts.pointerSize ?? 8) === 8;
    return (indexId ??= newExtra({ kind: CTF_K_INTEGER, name: wide ? 'long unsigned int' : 'unsigned int', isRoot: true, size: wide ? 8 : 4, encoding: 0, bitOffset: 0, bits: wide ? 64 : 32 }));
  };
  const sliceOf = (t: Type, bits: number): CtfTypeId => {
    const base = idOf(t);
    const key = `${base}:${bits}`;
    let id = slices.get(key);
    if (id === undefined) {
      id = newExtra(sliceRecord(base, bits));
      slices.set(key, id);
    }
    return id;
  };
  const roots32 = new Set<string>();
  const isRoot = (kind: string, name: string | undefined): boolean => {
    if (!name) return true;
    const k = `${kind} ${name}`;
    if (roots32.has(k)) return false;
    roots32.add(k);
    return true;
  };
  const i32 = (v: bigint, where: string): number => {
    if (v < -(2n ** 31n) || v >= 2n ** 32n) lossy.push(`${where}: value ${v} does not fit CTF's 32 bits`);
    return Number(BigInt.asIntN(32, v));
  };

  // Pass 2: encode.
  const types: CtfType[] = order.map((t): CtfType => {
    switch (t.kind) {
      case 'int': {
        const enc = (t.signed ? CTF_INT_SIGNED : 0) | (t.encoding === 'char' ? CTF_INT_CHAR : 0) | (t.encoding === 'bool' ? CTF_INT_BOOL : 0);
        return { kind: CTF_K_INTEGER, name: t.name, isRoot: isRoot('int', t.name), size: t.size, encoding: enc, bitOffset: 0, bits: t.bits ?? t.size * 8 };
      }
      case 'float': {
        const enc = t.complex
          ? (t.size <= 8 ? CTF_FP_CPLX : t.size <= 16 ? CTF_FP_DCPLX : CTF_FP_LDCPLX)
          : (t.size <= 4 ? CTF_FP_SINGLE : t.size <= 8 ? CTF_FP_DOUBLE : CTF_FP_LDOUBLE);
        return { kind: CTF_K_FLOAT, name: t.name, isRoot: isRoot('float', t.name), size: t.size, encoding: enc, bitOffset: 0, bits: t.size * 8 };
      }
      case 'pointer': return { kind: CTF_K_POINTER, name: '', isRoot: true, ref: idOf(t.target) };
      case 'typedef': return { kind: CTF_K_TYPEDEF, name: t.name, isRoot: isRoot('typedef', t.name), ref: idOf(t.target) };
      case 'const': return { kind: CTF_K_CONST, name: '', isRoot: true, ref: idOf(t.target) };
      case 'volatile': return { kind: CTF_K_VOLATILE, name: '', isRoot: true, ref: idOf(t.target) };
      case 'restrict': return { kind: CTF_K_RESTRICT, name: '', isRoot: true, ref: idOf(t.target) };
      case 'array': return { kind: CTF_K_ARRAY, name: '', isRoot: true, contents: idOf(t.element), index: indexType(), nelems: t.count ?? 0, size: 0 };
      case 'function':
        return { kind: CTF_K_FUNCTION, name: '', isRoot: true, ret: idOf(t.returns), args: t.params.map((p) => idOf(p.type)), varargs: t.varargs };
      case 'struct': case 'union':
        return {
          kind: t.kind === 'struct' ? CTF_K_STRUCT : CTF_K_UNION, name: t.name ?? '', isRoot: isRoot(t.kind, t.name), size: t.size,
          members: t.members.map((m) => ({ name: m.name ?? '', type: m.bitSize !== undefined ? sliceOf(m.type, m.bitSize) : idOf(m.type), bitOffset: m.bitOffset })),
        };
      case 'enum':
        return {
          kind: CTF_K_ENUM, name: t.name ?? '', isRoot: isRoot('enum', t.name), size: t.size,
          values: t.values.map((v) => ({ name: v.name, value: i32(v.value, `enum ${t.name ?? '(anon)'} ${v.name}`) })),
        };
      case 'forward':
        return { kind: CTF_K_FORWARD, name: t.name, isRoot: isRoot(t.of, t.name), fwdKind: t.of === 'union' ? CTF_K_UNION : t.of === 'enum' ? CTF_K_ENUM : CTF_K_STRUCT };
      default:
        throw new RangeError(`cannot encode ${t.kind}`);
    }
  });
  const variablesOut: CtfNamedType[] = [];
  const seenVar = new Set<string>();
  for (const v of vars) {
    if (seenVar.has(v.name)) continue;
    seenVar.add(v.name);
    variablesOut.push({ name: v.name, type: idOf(v.type) });
  }
  const data: CtfDictData = {
    littleEndian: opts.littleEndian ?? true, flags: CTF_F_NEWFUNCINFO, parentLabel: '', parentName: '', cuName: opts.cuName ?? '',
    labels: [], objects: [], functions: [], objectsIndexed: false, functionsIndexed: false,
    variables: variablesOut, types: [...types, ...extra],
  };
  return { data, lossy, ids };
}
