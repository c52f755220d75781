/**
 * Questions every user of the type model asks: what is under the typedefs,
 * how big is it, how aligned, where is member x (through anonymous members),
 * how many elements has this array. Each walk has a depth limit, so a cycle
 * that a bad file smuggled in (typedef A -> typedef B -> typedef A) becomes a
 * TypeModelError instead of a hang.
 */
import { VirtmemError } from '../bytes/index.js';
import { isComposite, isQualifier, type Member, type StructType, type Type } from './model.js';

/** A question the type cannot answer: sizeof(void), a typedef cycle, ... */
export class TypeModelError extends VirtmemError {
  override name = 'TypeModelError';
}

/** How deep a chain of typedefs/qualifiers/arrays/anonymous members may go. */
export const MAX_TYPE_DEPTH = 256;

/** The type with typedefs and qualifiers removed (`const foo_t` -> `struct foo`). */
export function resolve(t: Type): Type {
  for (let i = 0; i < MAX_TYPE_DEPTH; i++) {
    if (t.kind === 'typedef' || isQualifier(t)) t = t.target;
    else return t;
  }
  throw new TypeModelError(`typedef/qualifier chain deeper than ${MAX_TYPE_DEPTH} (a cycle?)`);
}

/** The type with qualifiers (but not typedefs) removed. */
export function unqualified(t: Type): Type {
  for (let i = 0; i < MAX_TYPE_DEPTH; i++) {
    if (isQualifier(t)) t = t.target;
    else return t;
  }
  throw new TypeModelError(`qualifier chain deeper than ${MAX_TYPE_DEPTH} (a cycle?)`);
}

/** Size in bytes, or undefined for an incomplete type (void, function, forward, flexible array). */
export function trySizeof(t: Type, depth = 0): number | undefined {
  if (depth > MAX_TYPE_DEPTH) throw new TypeModelError(`type nested deeper than ${MAX_TYPE_DEPTH} (a cycle?)`);
  switch (t.kind) {
    case 'int': case 'float': case 'pointer': case 'struct': case 'union': case 'enum':
      return t.size;
    case 'array': {
      if (t.count === undefined) return undefined;
      if (t.count === 0) return 0;
      const e = trySizeof(t.element, depth + 1);
      return e === undefined ? undefined : e * t.count;
    }
    case 'typedef': case 'const': case 'volatile': case 'restrict': case 'atomic':
      return trySizeof(t.target, depth + 1);
    default:
      return undefined;
  }
}

/** Size in bytes; a TypeModelError for an incomplete type. */
export function sizeof(t: Type): number {
  const s = trySizeof(t);
  if (s === undefined) throw new TypeModelError(`sizeof incomplete type ${describe(t)}`);
  return s;
}

/**
 * Alignment in bytes. An explicit alignment (DW_AT_alignment) wins; scalars are
 * aligned to their size (capped at `maxScalarAlign`, 16 by default; pass 4 for
 * i386's long long and double inside structs); a struct or union takes the
 * largest alignment of its members, or 1 if its layout shows it is packed
 * (a member off its alignment, or a size that is not a multiple of it).
 */
export function alignof(t: Type, maxScalarAlign = 16, depth = 0): number {
  return alignIn(t, maxScalarAlign, depth, new Map());
}

/** alignof with the structs already answered (a corrupt graph may share structs level after level). */
function alignIn(t: Type, maxScalarAlign: number, depth: number, memo: Map<Type, number>): number {
  if (depth > MAX_TYPE_DEPTH) throw new TypeModelError(`type nested deeper than ${MAX_TYPE_DEPTH} (a cycle?)`);
  switch (t.kind) {
    case 'int': case 'float': case 'pointer': case 'enum':
      // _Complex aligns as its real part.
      return Math.max(1, Math.min(floorPow2(t.kind === 'float' && t.complex ? t.size / 2 : t.size), maxScalarAlign));
    case 'array':
      return alignIn(t.element, maxScalarAlign, depth + 1, memo);
    case 'typedef': case 'const': case 'volatile': case 'restrict': case 'atomic':
      return alignIn(t.target, maxScalarAlign, depth + 1, memo);
    case 'struct': case 'union': {
      if (t.align) return t.align;
      const known = memo.get(t);
      if (known !== undefined) return known;
      let a = 1;
      let packed = false;
      for (const m of t.members) {
        const ma = m.align ?? alignIn(m.type, maxScalarAlign, depth + 1, memo);
        if (m.bitSize === undefined) {
          if (m.bitOffset % (8 * ma) !== 0) packed = true;
          a = Math.max(a, ma);
        } else if (m.name !== undefined) {
          a = Math.max(a, ma); // unnamed bitfields do not align the struct (SysV ABI)
        }
      }
      const r = packed || (t.size % a) !== 0 ? 1 : a;
      memo.set(t, r);
      return r;
    }
    default:
      return 1;
  }
}

function floorPow2(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** Element count of an array type (through typedefs); undefined if flexible or not an array. */
export function arrayCount(t: Type): number | undefined {
  const r = resolve(t);
  return r.kind === 'array' ? r.count : undefined;
}

/** A member found by name, possibly inside anonymous members. */
export interface FoundMember {
  member: Member;
  /** Bit offset from the start of the outer type (anonymous members' offsets added up). */
  bitOffset: number;
  /** The members walked through, outermost first, ending with `member`. */
  path: Member[];
}

/**
 * Find member `name` of a struct or union (through typedefs and qualifiers),
 * looking inside anonymous struct and union members as C does.
 */
export function findMember(t: Type, name: string): FoundMember | undefined {
  const r = resolve(t);
  if (!isComposite(r)) return undefined;
  return findIn(r, name, 0, [], 0);
}

function findIn(s: StructType, name: string, base: number, path: Member[], depth: number): FoundMember | undefined {
  if (depth > MAX_TYPE_DEPTH) throw new TypeModelError(`anonymous members nested deeper than ${MAX_TYPE_DEPTH}`);
  for (const m of s.members) {
    if (m.name === name) return { member: m, bitOffset: base + m.bitOffset, path: [...path, m] };
  }
  for (const m of s.members) {
    if (m.name !== undefined) continue;
    const inner = resolve(m.type);
    if (!isComposite(inner)) continue;
    const f = findIn(inner, name, base + m.bitOffset, [...path, m], depth + 1);
    if (f) return f;
  }
  return undefined;
}

/** Every member, with anonymous struct/union members flattened (bit offsets accumulated). */
export function* flatMembers(t: Type, base = 0, depth = 0): Generator<FoundMember> {
  if (depth > MAX_TYPE_DEPTH) throw new TypeModelError(`anonymous members nested deeper than ${MAX_TYPE_DEPTH}`);
  const r = resolve(t);
  if (!isComposite(r)) return;
  for (const m of r.members) {
    const inner = m.name === undefined ? resolve(m.type) : undefined;
    if (inner && isComposite(inner)) {
      for (const f of flatMembers(inner, base + m.bitOffset, depth + 1)) yield { ...f, path: [m, ...f.path] };
    } else {
      yield { member: m, bitOffset: base + m.bitOffset, path: [m] };
    }
  }
}

/** A short description for messages: `struct foo`, `pointer to int`, ... */
export function describe(t: Type, depth = 0): string {
  if (depth > 8) return '...';
  switch (t.kind) {
    case 'void': return 'void';
    case 'int': case 'float': case 'typedef': return t.name;
    case 'struct': case 'union': case 'enum': return `${t.kind} ${t.name ?? '<anonymous>'}`;
    case 'forward': return `${t.of} ${t.name} (declared only)`;
    case 'pointer': return `pointer to ${describe(t.target, depth + 1)}`;
    case 'array': return `array[${t.count ?? ''}] of ${describe(t.element, depth + 1)}`;
    case 'function': return 'function';
    default: return `${t.kind} ${describe(t.target, depth + 1)}`;
  }
}
