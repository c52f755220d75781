/**
 * The global type table and the duplicate-detection passes, on the merged
 * summaries of every scanned file (no DWARF is read here):
 *
 *  merge()       file tables -> one table keyed by type ID; a struct defined
 *                with more members somewhere keeps that definition, and the
 *                member types of all definitions stay edges;
 *  detect()      the module of each ID: its only module, or shared_ctf when
 *                two modules (or a module and vmlinux) saw it;
 *  spread()      sharedness is contagious along edges (base type, array
 *                index, member types): a work list, with the shared flag as
 *                the guard against cycles (struct one -> struct two -> one);
 *  aliasFixup()  an opaque "////struct foo" and its non-opaque cousin
 *                "/f.h//3//struct foo" (and every type built on them) share
 *                each other's fate; repeated until a round marks nothing.
 */
import { FP_ID, VOID_ID, edgeUnion, edgesOf, opaqueCousin, type FileSummary, type TypeDef } from './defs.js';
import { SHARED, VMLINUX } from './modules.js';

/** Module index of shared_ctf; vmlinux is 1; loadable and built-in modules follow. */
export const SHARED_MODULE = 0;
const UNSET = -1;

export class TypeGraph {
  readonly ids: string[] = [];
  readonly index = new Map<string, number>();
  readonly defs: TypeDef[] = [];
  /** Per type: module index, UNSET before detection. */
  module: number[] = [];
  aliasable: number[] = [];
  readonly moduleNames: string[] = [SHARED, VMLINUX];
  private readonly moduleIndex = new Map<string, number>([[SHARED, 0], [VMLINUX, 1]]);
  /** Per module: [name, type] of the variables it defines. */
  readonly vars: [string, number][][] = [[], []];
  private readonly varNames: Set<string>[] = [new Set(), new Set()];
  /** Per module: how many translation units it had. */
  readonly units: number[] = [0, 0];
  readonly warnings: string[] = [];
  /** Types marked shared by each pass, for the trace. */
  readonly stats = { duplicates: 0, sharedByDuplication: 0, sharedBySpread: 0, sharedByAlias: 0, aliasRounds: 0 };

  constructor(readonly sharing: boolean) {}

  moduleOf(name: string): number {
    let m = this.moduleIndex.get(name);
    if (m === undefined) {
      m = this.moduleNames.length;
      this.moduleNames.push(name);
      this.moduleIndex.set(name, m);
      this.vars.push([]);
      this.varNames.push(new Set());
      this.units.push(0);
    }
    return m;
  }

  private intern(id: string): number {
    let g = this.index.get(id);
    if (g === undefined) {
      g = this.ids.length;
      this.ids.push(id);
      this.index.set(id, g);
      this.module.push(UNSET);
      this.aliasable.push(0);
      this.defs.push(undefined as unknown as TypeDef);
    }
    return g;
  }

  /**
   * Merge one file's summary and record which module saw which ID (the
   * seed's detect_duplicates). Call in a fixed file order: the output
   * depends on it only through type order within dicts.
   */
  merge(s: FileSummary): void {
    let src = this.sources.get(s.tables);
    if (!src) { src = { map: [], strings: [], aliasable: [] }; this.sources.set(s.tables, src); }
    for (let j = 0; j < s.newIds.length; j++) {
      src.strings[s.firstNew + j] = s.newIds[j];
      src.aliasable[s.firstNew + j] = s.newAliasable[j];
    }
    const map = src.map;
    for (let i = 0; i < s.ids.length; i++) {
      const w = s.ids[i];
      if (map[w] === undefined) {
        const g = this.intern(src.strings[w]);
        map[w] = g;
        if (src.aliasable[w]) this.aliasable[g] = 1;
      }
    }
    for (let j = 0; j < s.defs.length; j++) {
      const g = map[s.ids[s.defAt[j]]];
      const d = remap(s.defs[j], map);
      const old = this.defs[g];
      if (!old) this.defs[g] = d;
      else if ((d.members?.length ?? -1) > (old.members?.length ?? -1)) {
        d.extra = edgeUnion(d.extra ?? [], undefined, edgesOf(old));
        this.defs[g] = d;
      } else if (d.members && old.members) {
        // Same or fewer members: keep the old definition, but its member types are edges too.
        const before = old.extra ?? [];
        const extra = edgeUnion(before, d.members, d.extra ?? []);
        if (extra.length > before.length) old.extra = extra;
      }
    }
    // (Indexed loops here, no iterators: this runs on summaries from this process and from
    // others, deserialized, and a for-of over the warnings, empty in nearly every summary,
    // threw its optimized code away 134 times a run.)
    const mods = s.modules;
    for (let k = 0; k < mods.length; k++) {
      const ms = mods[k];
      const m = this.moduleOf(ms.module);
      this.units[m] += ms.units;
      const seen = ms.seen;
      for (let j = 0; j < seen.length; j++) {
        const g = map[seen[j]];
        const cur = this.module[g];
        if (cur === UNSET) this.module[g] = m;
        else if (cur !== m && cur !== SHARED_MODULE) {
          this.stats.duplicates++;
          if (this.sharing) { this.module[g] = SHARED_MODULE; this.pending.push(g); this.stats.sharedByDuplication++; }
        }
      }
      const names = this.varNames[m];
      const vars = ms.vars;
      for (let j = 0; j < vars.length; j++) {
        const name = vars[j][0];
        if (names.has(name)) continue;
        names.add(name);
        this.vars[m].push([name, map[vars[j][1]]]);
      }
    }
    const ws = s.warnings;
    for (let j = 0; j < ws.length; j++) this.warnings.push(ws[j]);
  }

  private pending: number[] = [];
  /** Per ScanTables of the summaries: w-index -> global index, and what is known of w-indices not yet met. */
  private readonly sources = new Map<number, { map: number[]; strings: string[]; aliasable: number[] }>();

  /** Run sharedness spreading and alias fixup to a fixpoint. */
  finish(): void {
    if (this.sharing) {
      for (const special of [VOID_ID, FP_ID]) {
        const g = this.index.get(special);
        if (g !== undefined) this.markShared(g);
      }
      this.spread();
      for (;;) {
        this.stats.aliasRounds++;
        if (!this.aliasFixup()) break;
      }
    }
  }

  private markShared(g: number): void {
    if (this.module[g] === SHARED_MODULE) return;
    this.module[g] = SHARED_MODULE;
    this.pending.push(g);
  }

  /** Spread sharedness along edges until nothing is pending. The shared flag guards cycles. */
  private spread(): number {
    let n = 0;
    while (this.pending.length) {
      const g = this.pending.pop()!;
      const d = this.defs[g];
      if (!d) continue;
      for (const e of edgesOf(d)) {
        if (this.module[e] !== SHARED_MODULE) { this.module[e] = SHARED_MODULE; this.pending.push(e); n++; this.stats.sharedBySpread++; }
      }
    }
    return n;
  }

  /** Per type, the index of its opaque cousin (-1: none, or not aliasable); worked out in the first round of alias fixup. */
  private cousins?: Int32Array;

  /** One round of alias fixup; true when it marked anything. */
  private aliasFixup(): boolean {
    let marked = false;
    let cousins = this.cousins;
    if (!cousins) {
      // (the cousin's ID string is made and looked up once, not once per round)
      cousins = this.cousins = new Int32Array(this.ids.length).fill(-1);
      for (let g = 0; g < this.ids.length; g++) {
        if (!this.aliasable[g]) continue;
        const cousinId = opaqueCousin(this.ids[g]);
        const c = cousinId === undefined ? undefined : this.index.get(cousinId);
        if (c !== undefined) cousins[g] = c;
      }
    }
    for (let g = 0; g < cousins.length; g++) {
      const c = cousins[g];
      if (c < 0) continue;
      const a = this.module[g] === SHARED_MODULE, b = this.module[c] === SHARED_MODULE;
      if (a === b) continue;
      this.markShared(a ? c : g);
      this.stats.sharedByAlias++;
      marked = true;
    }
    if (marked) this.spread();
    return marked;
  }

  /** Types per module index, in table order. */
  typesByModule(): number[][] {
    const out: number[][] = this.moduleNames.map(() => []);
    for (let g = 0; g < this.ids.length; g++) {
      const m = this.module[g];
      if (m >= 0) out[m].push(g);
    }
    return out;
  }
}

/** `d` with its references renumbered to global indices (in place: the summary is the merge's). */
function remap(d: TypeDef, map: number[]): TypeDef {
  if (d.ref >= 0) d.ref = map[d.ref];
  if (d.index >= 0) d.index = map[d.index];
  const ms = d.members;
  if (ms) for (let i = 0; i < ms.length; i++) ms[i].type = map[ms[i].type];
  const ex = d.extra;
  if (ex) for (let i = 0; i < ex.length; i++) ex[i] = map[ex[i]];
  return d;
}
