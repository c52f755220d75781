/**
 * The follower of seed 000 (virt-mem's generated *_follower functions): from
 * a root structure, load every kernel structure reachable through pointers to
 * known struct types and through list_heads, into an address map
 * (address -> struct type, size), with counts and bytes per type.
 *
 * Passes, per kernel:
 *   1. Compile a struct parser per known struct type (follow-spec.ts): the
 *      members that lead on, each with its offset, destination type and, for
 *      a list_head, its adjustment (the offset of the linking member in the
 *      destination type: container_of). A parser is generated code reading
 *      those words at fixed offsets, keyed by its layout, and shared by every
 *      kernel whose layout is identical (the seed's minimizer): two dumps of
 *      one vmlinux, or two releases where a struct did not change.
 *   2. Walk from the root with a worklist (never recursion). Loading a struct
 *      reads its bytes once and runs its parser. A pointer member queues its
 *      target. A list_head member at offset O with adjustment A queues
 *      `next - A` and marks `addr + O - A` in the map as an *implied* struct
 *      (when O != A): the base a container_of of this head would compute. An
 *      implied entry never overwrites a real one, and blocks loading at that
 *      address, so walking around a list whose head sits in another struct
 *      never loads the head as an entry. In C:
 *
 *          struct task_struct { ... struct list_head children;   // head, O
 *                                   struct list_head sibling; }; // node, A
 *
 *      The last child's sibling.next points at the parent's `children`;
 *      `next - A` is parent + O - A, which the parent marked implied.
 *      List targets wait in a second, lower-priority queue until pointer
 *      targets are done, so a parent (reached by pointer) is usually parsed,
 *      and its implied bases marked, before a list walk reaches them.
 *   3. Global list heads (anchors such as `modules`) are marked implied too.
 *
 * Guards: addresses must be canonical kernel addresses (not NULL, not
 * ERR_PTR, not list poison) and aligned; an unreadable structure is recorded
 * as a fault and the walk goes on; at most `max` structures are loaded, after
 * which the result is marked truncated. Nothing here can loop forever: every
 * address is loaded at most once.
 */
import { VirtmemError } from '../bytes/index.js';
import { MemoryFault } from '../memory/index.js';
import { alignof, isComposite, resolve, type Member, type StructType, type Type } from '../types/index.js';
import { KERNEL_FOLLOW, type FollowSpec, type ListField } from './follow-spec.js';
import type { Program } from './program.js';

/** A layout the follower needs is missing from the kernel's types. */
export class FollowError extends VirtmemError {
  override name = 'FollowError';
}

/** One member that leads on, compiled for one layout. */
export interface CompiledField {
  name: string;
  kind: 'pointer' | 'list';
  /** Byte offset of the member in the struct. */
  offset: number;
  /** Struct type found at the other end. */
  dest: string;
  /** list_head only: offset of the linking member in `dest` (container_of). */
  adjustment: number;
}

/** A struct parser: which words of a struct's bytes lead where. */
export interface StructParser {
  struct: string;
  size: number;
  align: number;
  fields: readonly CompiledField[];
  /** The layout key parsers are shared by. */
  key: string;
  /** The leading words of `bytes` (one per field: the pointer, or the list_head's next), unsigned. */
  parse(bytes: Uint8Array): BigUint64Array;
}

const SHARED = new Map<string, StructParser>();

/** How many distinct struct parsers exist in this process (for tests and reports). */
export function sharedParserCount(): number { return SHARED.size; }

function layoutKey(struct: string, size: number, align: number, fields: CompiledField[]): string {
  return `${struct}/${size}/${align}:` + fields.map((f) => `${f.kind[0]}${f.offset}>${f.dest}-${f.adjustment}`).join(',');
}

/** Generate the parser for a layout, or reuse the one already made for an identical layout. */
function parserFor(struct: string, size: number, align: number, fields: CompiledField[]): StructParser {
  const key = layoutKey(struct, size, align, fields);
  const hit = SHARED.get(key);
  if (hit) return hit;
  // Only integers computed here go into the generated source.
  const body = [
    'const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);',
    `const out = new BigUint64Array(${fields.length});`,
    ...fields.map((f, i) => `out[${i}] = dv.getBigUint64(${f.offset | 0}, true);`),
    'return out;',
  ].join('\n');
  const parse = new Function('b', body) as (b: Uint8Array) => BigUint64Array;
  const p: StructParser = { struct, size, align, fields, key, parse };
  SHARED.set(key, p);
  return p;
}

/** Members directly in a struct or in its anonymous structs (not unions: a pointer there may be something else). */
function* leadingMembers(s: StructType, base = 0, depth = 0): Generator<{ m: Member; offset: number }> {
  if (depth > 8) return;
  for (const m of s.members) {
    if (m.name === undefined) {
      const r = resolve(m.type);
      if (r.kind === 'struct') yield* leadingMembers(r, base + m.bitOffset, depth + 1);
      continue;
    }
    if (m.bitSize !== undefined) continue;
    yield { m, offset: (base + m.bitOffset) >> 3 };
  }
}

/** The compiled follower of one kernel: a parser per known struct type present in it. */
export class Follower {
  readonly parsers = new Map<string, StructParser>();
  /** Struct types of the spec that this kernel lacks. */
  readonly missing: string[] = [];

  constructor(readonly prog: Program, readonly spec: FollowSpec = KERNEL_FOLLOW) {
    const known = new Map<string, StructType>();
    for (const name of Object.keys(spec.structs)) {
      const t = prog.types.lookup(name, 'struct');
      const r = t && resolve(t);
      if (r && isComposite(r)) known.set(name, r);
      else this.missing.push(name);
    }
    const nameOf = new Map<Type, string>([...known].map(([n, t]) => [t, n]));
    for (const [name, st] of known) {
      const fields: CompiledField[] = [];
      const lists = spec.structs[name];
      const seen = new Set<string>();
      for (const { m, offset } of leadingMembers(st)) {
        const lf: ListField | undefined = Object.hasOwn(lists, m.name!) ? lists[m.name!] : undefined;
        if (lf) {
          seen.add(m.name!);
          const dest = lf.list === 'self' ? name : lf.list.of;
          const via = lf.list === 'self' ? m.name! : lf.list.via;
          const destType = known.get(dest);
          if (!destType) {
            if (lf.optional) continue;
            throw new FollowError(`struct ${name}.${m.name} links struct ${dest}, which is not in the types of ${prog.describe()}`);
          }
          let adjustment: number;
          try { adjustment = prog.offsetof(destType, via); } catch (e) {
            if (lf.optional && e instanceof VirtmemError) continue;
            throw new FollowError(`struct ${dest} has no member '${via}' (the list of struct ${name}.${m.name}) in ${prog.describe()}`);
          }
          fields.push({ name: m.name!, kind: 'list', offset, dest, adjustment });
          continue;
        }
        const r = resolve(m.type);
        if (r.kind !== 'pointer') continue;
        const target = resolve(r.target);
        // A pointer's target may be a declaration only (`struct nsproxy;` in the unit that defined task_struct).
        const tname = isComposite(target) ? target.name : target.kind === 'forward' && target.of !== 'enum' ? target.name : undefined;
        const dest = nameOf.get(target) ?? (tname !== undefined && known.has(tname) ? tname : undefined);
        if (dest) fields.push({ name: m.name!, kind: 'pointer', offset, dest, adjustment: 0 });
      }
      for (const [field, lf] of Object.entries(lists)) {
        if (seen.has(field) || lf.optional) continue;
        throw new FollowError(`struct ${name} has no member '${field}' in ${prog.describe()}; the follower's table needs it (mark it optional if kernels differ)`);
      }
      // Alignment only screens addresses (capped at a word): DWARF says 64 for
      // ____cacheline_aligned structs, BTF says nothing; the layouts are the same.
      this.parsers.set(name, parserFor(name, st.size, Math.min(alignof(st), 8), fields));
    }
  }

  /** The parser of a struct type, or a FollowError naming the kernel. */
  parser(struct: string): StructParser {
    const p = this.parsers.get(struct);
    if (!p) throw new FollowError(`struct ${struct} is not followed (not in the table or not in the types of ${this.prog.describe()})`);
    return p;
  }

  /** Load everything reachable from `root` (a struct of a known type at an address). */
  follow(root: { struct: string; address: bigint }, opts: FollowOptions = {}): FollowResult {
    return runFollow(this, root, opts);
  }
}

export interface FollowOptions {
  /** Most structures to load (default 1,000,000); the result is marked truncated past it. */
  max?: number;
}

/** One entry of the address map. */
export interface AddrEntry {
  struct: string;
  size: number;
  /** A list_head's implied struct base, not a structure that was loaded. */
  implied: boolean;
}

export interface FollowResult {
  kernel: string;
  root: { struct: string; address: bigint };
  /** address -> what is there. */
  map: Map<bigint, AddrEntry>;
  /** Per struct type: loaded structures, their bytes, implied entries. */
  counts: Map<string, { count: number; bytes: number; implied: number }>;
  /** Structures that could not be read (address, type, why). */
  faults: { address: bigint; struct: string; reason: string }[];
  /** Stopped at `max` structures. */
  truncated: boolean;
}

const KERNEL_MIN = 0xffff800000000000n;
const ERR_PTR_MIN = 0xfffffffffffff001n;

function plausible(addr: bigint, align: number): boolean {
  return addr >= KERNEL_MIN && addr < ERR_PTR_MIN && addr % BigInt(Math.min(align, 8)) === 0n;
}

function runFollow(f: Follower, root: { struct: string; address: bigint }, opts: FollowOptions): FollowResult {
  const prog = f.prog;
  const max = opts.max ?? 1_000_000;
  const map = new Map<bigint, AddrEntry>();
  const faults: FollowResult['faults'] = [];
  const faulted = new Set<bigint>();
  let truncated = false;
  let loaded = 0;

  // Anchors: global list heads imply a struct base that must never be loaded.
  for (const [name, a] of Object.entries(f.spec.anchors)) {
    const p = f.parsers.get(a.of);
    const h = prog.symbolAddress(name);
    if (!p || h === undefined) continue;
    const adj = BigInt(prog.offsetof(prog.structType(a.of), a.via));
    const base = h - adj;
    if (!map.has(base)) map.set(base, { struct: a.of, size: p.size, implied: true });
  }

  // Two queues: pointer targets first, list targets after (see the header).
  const high: [string, bigint][] = [[root.struct, root.address]];
  const low: [string, bigint][] = [];
  f.parser(root.struct);
  let hi = 0, lo = 0;
  for (;;) {
    let item: [string, bigint];
    if (hi < high.length) item = high[hi++];
    else if (lo < low.length) item = low[lo++];
    else break;
    const [struct, addr] = item;
    if (map.has(addr) || faulted.has(addr)) continue;
    const p = f.parsers.get(struct);
    if (!p || !plausible(addr, p.align)) continue;
    if (loaded >= max) { truncated = true; break; }
    let bytes: Uint8Array;
    try {
      bytes = prog.read(addr, p.size);
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      faulted.add(addr);
      faults.push({ address: addr, struct, reason: e.message });
      continue;
    }
    loaded++;
    map.set(addr, { struct, size: p.size, implied: false });
    const words = p.parse(bytes);
    for (let i = 0; i < p.fields.length; i++) {
      const fd = p.fields[i];
      const w = words[i];
      if (fd.kind === 'pointer') { high.push([fd.dest, w]); continue; }
      const dp = f.parsers.get(fd.dest)!;
      if (fd.offset !== fd.adjustment) {
        const base = addr + BigInt(fd.offset - fd.adjustment);
        if (!map.has(base)) map.set(base, { struct: fd.dest, size: dp.size, implied: true });
      }
      low.push([fd.dest, BigInt.asUintN(64, w - BigInt(fd.adjustment))]);
    }
  }

  const counts = new Map<string, { count: number; bytes: number; implied: number }>();
  for (const e of map.values()) {
    let c = counts.get(e.struct);
    if (!c) { c = { count: 0, bytes: 0, implied: 0 }; counts.set(e.struct, c); }
    if (e.implied) c.implied++;
    else { c.count++; c.bytes += e.size; }
  }
  return { kernel: prog.release, root, map, counts, faults, truncated };
}

/** Compile the follower for `prog` and follow from `root`. */
export function follow(prog: Program, root: { struct: string; address: bigint }, opts: FollowOptions & { spec?: FollowSpec } = {}): FollowResult {
  return new Follower(prog, opts.spec).follow(root, opts);
}
