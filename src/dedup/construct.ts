/**
 * CTF construction: the global type table -> one CTF dict per module (the
 * seed's construct_ctf / die_to_ctf / assemble_ctf_*), as CtfDictData for
 * ctf/'s writer.
 *
 * A dict holds exactly the types whose module is its module. The parent
 * (shared_ctf) numbers its types from 1; a child numbers its own from
 * 0x80000001 and refers to the parent's by their parent ids. Every reference
 * must land in the dict itself or in the parent; one that does not is a
 * deduplication bug, reported like the seed's "lookup of X found in
 * different file" and the referring type is left out.
 *
 * Types that cannot be assembled (a member offset CTF cannot express, a DWARF
 * tag CTF has no kind for) are left out with a warning naming them, and so
 * is every type that refers to a left-out type, found by walking the edges
 * backwards: the dict stays consistent.
 *
 * Per kind: integers and floats as they are; pointers, typedefs and
 * qualifiers refer to their target; arrays to element and index type (a
 * flexible array has 0 elements); structs and unions list their members
 * with bit offsets (anonymous members already folded in by the scan), a
 * bitfield member through a SLICE of its type; enums with 32-bit values;
 * forwards for opaque types; the catch-all function type as `int (...)`.
 */
import {
  CTF_F_NEWFUNCINFO, CTF_K_ARRAY, CTF_K_ENUM, CTF_K_FLOAT, CTF_K_FORWARD, CTF_K_FUNCTION, CTF_K_INTEGER,
  CTF_K_STRUCT, CTF_K_UNION, CTF_MAX_VLEN,
} from '../ctf/constants.js';
import type { CtfDictData } from '../ctf/dict.js';
import { sliceOf as ctfSlice, type CtfType } from '../ctf/records.js';
import { K_ARRAY, K_FLOAT, K_FORWARD, K_FUNCTION, K_INTEGER, K_ENUM, K_STRUCT, K_UNION, type TypeDef } from './defs.js';
import { SHARED_MODULE, type TypeGraph } from './graph.js';

const CHILD_BASE = 0x80000000;

export interface BuiltDict {
  module: string;
  data: CtfDictData;
  /** Global type index -> CTF id in this dict. */
  ids: Map<number, number>;
  types: number;
  variables: number;
}

/** Types that cannot be assembled, and every type that refers to one (for CTF). */
export function brokenTypes(g: TypeGraph, warn: (s: string) => void): Uint8Array {
  const n = g.ids.length;
  const broken = new Uint8Array(n);
  const reasons: string[] = [];
  const queue: number[] = [];
  const refsOf = (d: TypeDef): number[] => {
    const out: number[] = [];
    if (d.ref >= 0) out.push(d.ref);
    if (d.kind === K_ARRAY && d.index >= 0) out.push(d.index);
    if (d.members) for (const m of d.members) out.push(m.type);
    return out;
  };
  for (let i = 0; i < n; i++) {
    const d = g.defs[i];
    let why: string | undefined;
    if (!d) why = 'no definition';
    else if (d.error) why = d.error;
    else if ((d.members?.length ?? 0) > CTF_MAX_VLEN || (d.values?.length ?? 0) > CTF_MAX_VLEN) why = 'too many members for CTF';
    else {
      // Every reference must be in the same dict or in shared_ctf.
      const m = g.module[i];
      for (const r of refsOf(d)) {
        const rm = g.module[r];
        if (rm !== m && rm !== SHARED_MODULE) { why = `internal error: lookup of ${g.ids[r]} found in different file (${g.moduleNames[rm]}, not ${g.moduleNames[m]})`; break; }
      }
    }
    if (why) { broken[i] = 1; reasons[i] = why; queue.push(i); }
  }
  if (!queue.length) return broken;
  // Reverse edges, then everything that reaches a broken type is broken.
  const users: number[][] = [];
  for (let i = 0; i < n; i++) {
    const d = g.defs[i];
    if (!d) continue;
    for (const r of refsOf(d)) (users[r] ??= []).push(i);
  }
  let reported = 0;
  for (const i of queue) {
    if (reported++ < 200) warn(`left out ${describe(g, i)}: ${reasons[i]}`);
  }
  let cascaded = 0;
  while (queue.length) {
    const i = queue.pop()!;
    for (const u of users[i] ?? []) {
      if (broken[u]) continue;
      broken[u] = 1;
      cascaded++;
      if (reported++ < 200) warn(`left out ${describe(g, u)}: refers to left-out ${describe(g, i)}`);
      queue.push(u);
    }
  }
  if (reported > 200) warn(`... ${reported - 200} more types left out`);
  return broken;
}

function describe(g: TypeGraph, i: number): string {
  const d = g.defs[i];
  const id = g.ids[i];
  return d && d.name && d.where ? `${kindWord(d.kind)}${d.name} (${d.where})` : id;
}

function kindWord(k: number): string {
  return k === K_STRUCT ? 'struct ' : k === K_UNION ? 'union ' : k === K_ENUM ? 'enum ' : k === K_FORWARD ? 'opaque ' : '';
}

/**
 * Build the dict of module `m`. `parent` is the shared dict's id map (for a
 * child), undefined for the parent itself and for standalone dicts.
 */
export function buildDict(g: TypeGraph, m: number, types: number[], broken: Uint8Array, parent: Map<number, number> | undefined, opts: { littleEndian: boolean; parentName: string }): BuiltDict {
  const isChild = parent !== undefined;
  const ids = new Map<number, number>();
  const order: number[] = [];
  for (const t of types) {
    if (broken[t]) continue;
    order.push(t);
    ids.set(t, (isChild ? CHILD_BASE : 0) + order.length);
  }
  const extra: CtfType[] = [];
  const slices = new Map<string, number>();
  const idOf = (t: number): number => {
    const own = ids.get(t);
    if (own !== undefined) return own;
    const p = parent?.get(t);
    if (p !== undefined) return p;
    throw new RangeError(`type ${g.ids[t]} is in neither ${g.moduleNames[m]} nor its parent`);
  };
  const sliceOf = (t: number, bits: number): number => {
    const base = idOf(t);
    const key = `${base}:${bits}`;
    let id = slices.get(key);
    if (id === undefined) {
      extra.push(ctfSlice(base, bits));
      id = (isChild ? CHILD_BASE : 0) + order.length + extra.length;
      slices.set(key, id);
    }
    return id;
  };
  const roots = new Set<string>();
  const isRoot = (kind: number, name: string): boolean => {
    if (!name) return true;
    const k = `${kind === K_FORWARD ? K_STRUCT : kind} ${name}`;
    if (roots.has(k)) return false;
    roots.add(k);
    return true;
  };
  const out: CtfType[] = order.map((t): CtfType => {
    const d = g.defs[t];
    switch (d.kind) {
      case K_INTEGER: case K_FLOAT:
        return { kind: d.kind === K_INTEGER ? CTF_K_INTEGER : CTF_K_FLOAT, name: d.name, isRoot: isRoot(d.kind, d.name), size: d.size, encoding: d.enc, bitOffset: 0, bits: d.bits };
      case K_ARRAY:
        return { kind: CTF_K_ARRAY, name: '', isRoot: true, contents: idOf(d.ref), index: idOf(d.index), nelems: d.count < 0 ? 0 : d.count, size: 0 };
      case K_FUNCTION:
        return { kind: CTF_K_FUNCTION, name: '', isRoot: true, ret: d.ref >= 0 ? idOf(d.ref) : 0, args: [], varargs: true };
      case K_STRUCT: case K_UNION:
        return {
          kind: d.kind === K_STRUCT ? CTF_K_STRUCT : CTF_K_UNION, name: d.name, isRoot: isRoot(d.kind, d.name), size: d.size,
          members: (d.members ?? []).map((mm) => ({ name: mm.name, bitOffset: mm.off, type: mm.bits ? sliceOf(mm.type, mm.bits) : idOf(mm.type) })),
        };
      case K_ENUM:
        return { kind: CTF_K_ENUM, name: d.name, isRoot: isRoot(d.kind, d.name), size: d.size, values: (d.values ?? []).map(([name, value]) => ({ name, value })) };
      case K_FORWARD:
        return { kind: CTF_K_FORWARD, name: d.name, isRoot: isRoot(d.fwd, d.name), fwdKind: d.fwd };
      default:
        // Pointer, typedef, volatile, const, restrict: the CTF kinds have the same numbers.
        return { kind: d.kind as 3 | 10 | 11 | 12 | 13, name: d.name, isRoot: isRoot(d.kind, d.name), ref: idOf(d.ref) };
    }
  });
  const variables: { name: string; type: number }[] = [];
  for (const [name, t] of g.vars[m]) {
    if (broken[t]) continue;
    if (!ids.has(t) && !parent?.has(t)) continue;
    variables.push({ name, type: idOf(t) });
  }
  const data: CtfDictData = {
    littleEndian: opts.littleEndian, flags: CTF_F_NEWFUNCINFO, parentLabel: '', parentName: isChild ? opts.parentName : '',
    cuName: g.moduleNames[m], labels: [], objects: [], functions: [], objectsIndexed: false, functionsIndexed: false,
    // (concat, not spread: the spread's iterator met arrays of other shapes, and the code built for
    // it was thrown away about 30 times a run)
    variables, types: extra.length ? out.concat(extra) : out,
  };
  return { module: g.moduleNames[m], data, ids, types: data.types.length, variables: variables.length };
}
