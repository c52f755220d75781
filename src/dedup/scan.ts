/**
 * The scan: one object file's DWARF -> type IDs, type descriptions and, per
 * module, the IDs it saw and the variables it defines (a FileSummary). This
 * is the only pass that reads DWARF; everything after it works on the
 * summaries (see index.ts for the whole algorithm).
 *
 * Per compile unit (type units are reached through DW_AT_signature, never
 * walked on their own; partial units through references):
 *  - every type DIE at file scope, every struct/union/enum defined inside a
 *    function or lexical block, and every type DIE those reach by reference
 *    gets a type ID (typeIdOf). IDs are built on the way back from the base
 *    type, so a pointer's ID is its target's ID plus " *";
 *  - a struct or union definition goes on a work list (no recursion) and is
 *    either settled (settledStruct: nothing in it is news to this thread or
 *    file, so no description is built) or described; other definitions of
 *    the same ID in this file are merged as the main thread merges them (the
 *    one with most members is kept, the others' member types become edges);
 *  - externally visible variables with a definition here are recorded.
 *
 * DIEs are decoded in one pass over the abbreviation (readNode, following a
 * per-abbreviation plan: readOps), into reused Nodes, and only the attributes
 * dwarf2ctf looks at are materialised. Names are interned across files
 * (ByteInterner) and looked up by their numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteInterner, StampedIntMap, FormatError, type Reader } from '../bytes/index.js';
// (modules, not the packages' index files: a scanning process loads only what it runs, and starts
// sooner; through the index files it loaded 560 KB of code, the CTF reader and C printer among it)
import {
  CTF_FP_CPLX, CTF_FP_DCPLX, CTF_FP_DOUBLE, CTF_FP_LDCPLX, CTF_FP_LDOUBLE, CTF_FP_SINGLE, CTF_INT_BOOL, CTF_INT_CHAR, CTF_INT_SIGNED,
} from '../ctf/constants.js';
import type { Abbrev, AbbrevTable } from '../dwarf/abbrev.js';
import * as C from '../dwarf/constants.js';
import { MAX_DIE_DEPTH } from '../dwarf/die.js';
import { formSize, readForm, skipForm, type AttrValue } from '../dwarf/form.js';
import type { DwarfInfo, Unit } from '../dwarf/info.js';
import { readLineFiles, type LineFileTable } from '../dwarf/line.js';
import { tagName } from '../dwarf/names.js';
import { dieKey, type DieKey } from '../dwarf/sections.js';
import type { UnitHeader } from '../dwarf/unit.js';
import {
  FP_ID, K_ARRAY, K_CONST, K_ENUM, K_FLOAT, K_FORWARD, K_FUNCTION, K_INTEGER, K_POINTER, K_RESTRICT, K_STRUCT, K_TYPEDEF,
  K_UNION, K_VOLATILE, VOID_ID, edgeUnion, newDef, type FileSummary, type MemberDef, type ModuleSeen, type TypeDef,
} from './defs.js';


/** Declaration lines below this are looked up by (file, line) numbers (computeId, Sites). */
const LINE_CODES = 1 << 22;

/** Depth limit of type-ID chains (typedef of const of pointer of ...) and of anonymous-member folding. */
const MAX_CHAIN = 256;

export interface ScanOptions {
  /** The module a compile unit belongs to; undefined skips the unit. */
  moduleOf(cuName: string): string | undefined;
  /** Modules whose type IDs are private to them (dedup.blacklist; every module in -e mode is not: see namespace). */
  namespaced(module: string): boolean;
  /** Only these compile units (indices into the .debug_info unit list), for splitting a file between workers. */
  unitRange?: [number, number];
  /** Type-ID tables to reuse from the previous files this thread scanned (default: fresh ones). */
  tables?: ScanTables;
  /** Also scan struct/union/enum definitions inside functions (the seed does). Default true. */
  functionTypes?: boolean;
  /**
   * Every compile unit belongs to one module (a module object; not a kernel
   * image): what the module saw is then what the file met, and no per-module
   * set is kept.
   */
  singleModule?: boolean;
}

/** A DIE with the attributes dwarf2ctf uses, decoded once. */
interface Node {
  key: DieKey;
  unit: Unit;
  tag: number;
  hasChildren: boolean;
  /** Offset of the first child (just past the attributes). */
  childrenAt: number;
  sibling?: number;
  /** The name, when decoded; a name found in the interner is left as nameId until nameOf() asks (most are never read as strings). */
  name?: string;
  /** The interner's number for name (-1: none, or decoded another way; NAME_HASHED: see nameHash). */
  nameId: number;
  /** The name's bytes hashed (two 32-bit lanes), when read in hashing mode (FileScanner.hashNames), instead of interned. */
  nameHash: number;
  nameHash2: number;
  type?: DieKey;
  sig?: DieKey;
  spec?: DieKey;
  byteSize?: number;
  bitSize?: number;
  encoding?: number;
  declaration: boolean;
  external: boolean;
  hasLocation: boolean;
  file?: number;
  line?: number;
  memberLoc?: AttrValue;
  /** DW_AT_data_member_location when it is a plain constant (the common forms, decoded without a bigint). */
  memberLocNum?: number;
  dataBitOffset?: number;
  bitOffset?: number;
  upper?: AttrValue;
  /** DW_AT_upper_bound / DW_AT_count in the common forms, as numbers (see fast). */
  upperNum?: number;
  countNum?: number;
  lower?: AttrValue;
  count?: AttrValue;
  constValue?: AttrValue;
  /** DW_AT_const_value in a data form or LEB128, without a bigint: the value as stored, and the width of a data form (0: LEB128). */
  constNum?: number;
  constBits: number;
}

interface UnitFiles {
  /** The unit's file table (none: no line program, or a broken one). */
  table?: LineFileTable;
  first: number; dir: string | undefined; canon: string[]; nos: number[];
  /** The line program's offset in .debug_line. */
  stmt?: number;
}

/** Thrown while describing a type that CTF cannot be built for; the type is marked, not dropped here. */
class AssemblyError extends Error {}

/**
 * Where a DW_TAG_member abbreviation keeps what the settled check needs,
 * worked out once per abbreviation and unit shape: the offset of DW_AT_type
 * from the first attribute (all attributes before it of fixed size), whether
 * the member is named or a bitfield, and whether it is skipped (a C++ static
 * member). null: decode such members the slow way.
 */
interface MemberPlan { shape: number; typeIdx: number; typeAt: number; typeForm: number; named: boolean; bitfield: boolean; skipped: boolean }
const NO_TYPE = -2;
/** typeAt when an attribute before DW_AT_type varies in size (an inline name): skip to it form by form. */
const VARIES = -1;

/**
 * The description of a type this thread has already handed to the main
 * thread, exactly as this file would describe it again: the file records that
 * it met the type, and sends no description (see summary).
 */
const SETTLED: TypeDef = Object.freeze(newDef(0, '', 'settled')) as TypeDef;

/** Variables that are the internal workings of macros (EXPORT_SYMBOL, module_param, initcalls, ...). */
const MACRO_INTERNALS = /^(__ksymtab|__kstrtab|__kcrctab|__crc_|__UNIQUE_ID|__initcall|__exitcall|__setup_|__param_|__mod_|__addressable_|__export_symbol|_note_|__tracepoint_ptr_|__bpf_trace_tp_map|__event_|__TRACE_SYSTEM|__SCK__|__SCT__)/;

function num(v: AttrValue): number | undefined {
  if (v.cls !== 'constant') return undefined;
  return Number(v.value);
}

const realpathCache = new Map<string, string>();
/** Directories known not to exist here: nothing under them needs a system call (a kernel's build tree usually is elsewhere). */
const missingDirs = new Set<string>();

/** The seed canonicalises with realpath(); a path that does not exist here is normalised lexically. */
export function canonicalPath(p: string): string {
  let c = realpathCache.get(p);
  if (c === undefined) {
    const abs = path.resolve(p);
    const dir = path.dirname(abs);
    if (missingDirs.has(dir) && !p.includes('..')) { // ('..' after a symlink resolves elsewhere)
      c = abs;
    } else {
      try {
        c = fs.realpathSync(p);
      } catch {
        c = abs;
        if (!fs.existsSync(dir)) missingDirs.add(dir);
      }
    }
    realpathCache.set(p, c);
  }
  return c;
}

let nextTablesId = 0;
const TABLES_PER_PARTICIPANT = 1 << 20;
/** This process's number among the scanning processes of a run (0: the one that merges). */
let participant = 0;
/** Set once, in a scanning child process (run.ts Scanner), so that its tables' IDs differ from every other participant's. */
export function setParticipant(k: number): void { participant = k; }

/**
 * The type IDs a thread has met, kept from one file to the next (a worker
 * scans many): each ID string is built, hashed and sent to the main thread
 * once per thread, not once per file, and a header type met again in the
 * next module is found by its short key. A FileSummary names IDs by their
 * index here ("w-index"); the main thread keeps one w-index -> global index
 * map per ScanTables (graph.ts merge).
 */
/** An anonymous type's contents as numbers, their hash, and the Sites of that hash (once looked up). */
interface AnonEntry { seq: Float64Array; hash: string; sites?: Sites }

export class ScanTables {
  /** .debug_str offset -> name, for the file being scanned (FileScanner.strCache). */
  readonly strNames = new OffsetCache();
  /** Names: one string object per distinct name, whichever file it came from. */
  readonly interner = new ByteInterner();
  /** The interner's number for the empty name, once met (-1 before). */
  emptyName = -1;
  /** Identifies this table in summaries (unique among the processes of a run). */
  readonly id = participant * TABLES_PER_PARTICIPANT + (nextTablesId++ % TABLES_PER_PARTICIPANT);
  readonly ids = new Map<string, number>();
  readonly idList: string[] = [];
  /** Per w-index: 1 for a non-opaque named struct/union/enum or a type based on one (alias fixup). */
  readonly aliasable: number[] = [];
  /** Short keys (see computeId) -> w-index. */
  readonly keys = new Map<string, number>();
  /** Named structs, unions and enums outside any namespace: name -> (file, line, keyword) code -> w-index. */
  readonly tagged = new NameTable<Sites>();
  /** Opaque structs, unions, enums outside any namespace: name -> w-index. */
  readonly forwards = [new NameTable<number>(), new NameTable<number>(), new NameTable<number>()];
  /** Typedefs: name -> (base w-index, 0) -> w-index (Sites: a typedef name nearly always names one base). */
  readonly typedefs = new NameTable<Sites>();
  /** Arrays: element w-index -> (index type, count + 1) -> w-index. */
  readonly arrays: (Sites | undefined)[] = [];
  /** Canonical file numbers (fileNos) by comp_dir, the line table's directory 0 and the entry's directory (LineFileTable.dirKeys), and name (FileScanner.fileName). */
  readonly canonical = new Map<string, Map<string, Map<string, Map<string, number>>>>();
  /** Anonymous types' contents as a number (see contentsHash) -> the numbers it stands for, and their hash. */
  readonly contentsNum = new Map<number, AnonEntry>();
  /** Anonymous structs, unions and enums outside any namespace: contents hash -> (file, line, keyword) code -> w-index. */
  readonly anon = new Map<string, Sites>();
  /** Per w-index t, 1 + the w-index of the pointer to t, t const, t volatile, t restrict (4 slots each). */
  derivedOf = new Int32Array(4096);
  /** Canonical file name -> a small number, for short lookup keys. */
  readonly fileNos = new Map<string, number>();
  /** fileNos backwards. */
  readonly fileList: string[] = [];
  /** IDs [0, sent) have been handed out in a summary already. */
  sent = 0;
  /** Per w-index: 1 + its index in the current file's table, 0 when the file has not met it. */
  local = new Int32Array(1024);
  /**
   * Per w-index: 2 + the most members of a description already handed out
   * (1: one without members; 0: none; see sentCount). A description that
   * cannot change the merged result is not sent again. (Typed arrays side by
   * side, not arrays of objects: a struct met again is checked against these
   * millions of times, and each object was a cache miss or two.)
   */
  sentMembers = new Int32Array(1024);
  /**
   * Per struct/union w-index: the types of the direct members (before
   * anonymous members are folded in) of every description handed out. A later
   * definition with no more members, all of them of these types, cannot change
   * the merged result: it is settled, and its members are not built (see
   * FileScanner.settledStruct).
   */
  readonly sentDirect: (Set<number> | undefined)[] = [];
  /**
   * Per struct/union w-index: the direct member types, in order, of the first
   * description handed out (the usual case: a definition with just these), as
   * 1 + where they start in orderPool (0: none) and how many.
   */
  orderAt = new Int32Array(1024);
  orderLen = new Int32Array(1024);
  orderPool = new Int32Array(0);
  private orderUsed = 0;

  constructor() {
    // (stored a second time as the tables are made, as NumStack's array: the pool first grows at the
    // end of the first file, long after the code that reads it was optimized)
    this.orderPool = new Int32Array(1024);
  }

  /** Record `order` as w's first order handed out. */
  setOrder(w: number, order: readonly number[]): void {
    if (this.orderUsed + order.length > this.orderPool.length) {
      const grown = new Int32Array(Math.max(this.orderPool.length * 2, this.orderUsed + order.length));
      grown.set(this.orderPool.subarray(0, this.orderUsed));
      this.orderPool = grown;
    }
    this.orderAt[w] = this.orderUsed + 1;
    this.orderLen[w] = order.length;
    for (let i = 0; i < order.length; i++) this.orderPool[this.orderUsed++] = order[i];
  }

  /** The most members of a description of w handed out (-1: none had members), or undefined when none was. */
  sentCount(w: number): number | undefined {
    const c = this.sentMembers[w];
    return c === 0 ? undefined : c - 2;
  }
  /** Zeroed flag arrays for modules' seen sets (IdSet), reused from file to file. */
  readonly flagPool: Uint8Array[] = [];
  /**
   * The table of the file being scanned (FileScanner; one file at a time per
   * ScanTables), kept from file to file: a module meets thousands of types,
   * and arrays grown afresh per file were a sixth of everything the scan
   * allocated. Entry i: the w-index (fileIds), its description (SETTLED
   * when none is built), and for a struct/union defined here its direct
   * member types, as a set and in order.
   */
  fileIds = new Int32Array(0); // (grown at its first use, before any code is optimized: see NumStack)
  readonly fileDefs: TypeDef[] = [];
  readonly fileDirect: (Set<number> | undefined)[] = [];
  readonly fileOrder: (number[] | undefined)[] = [];

  create(id: string, aliasable: boolean): number {
    const w = this.idList.length;
    this.ids.set(id, w);
    this.idList.push(id);
    this.aliasable.push(aliasable ? 1 : 0);
    if (w >= this.local.length) {
      const n = this.local.length * 2;
      this.local = growTo(this.local, n);
      this.derivedOf = growTo(this.derivedOf, 4 * n);
      this.sentMembers = growTo(this.sentMembers, n);
      this.orderAt = growTo(this.orderAt, n);
      this.orderLen = growTo(this.orderLen, n);
    }
    return w;
  }
}

/** `a` copied into a new array of `n` (zeros after). */
function growTo(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const g = new Int32Array(n);
  g.set(a);
  return g;
}

export class FileScanner {
  private readonly ids: Map<string, number>;
  private readonly keys: Map<string, number>;
  private readonly fileNos: Map<string, number>;
  private readonly idList: string[];
  private readonly aliasable: number[];
  private readonly t: ScanTables;
  /** How many types this file has met: entries [0, met) of the tables' file table (ScanTables.fileIds). */
  private met = 0;
  /** The file table's descriptions (in the order first met). */
  private readonly defs: TypeDef[];
  /** Per entry of defs: the direct member types of this file's definitions of a struct/union. */
  private readonly direct: (Set<number> | undefined)[];
  /** Per entry of defs: the direct member types, in order, of the definition last built. */
  private readonly order: (number[] | undefined)[];
  /** A DIE decoded in place, for walking members without allocating a Node each. */
  private readonly scratch = blankNode();
  /** The unit's child being processed, decoded in place (see scanUnit). */
  private readonly topScratch = blankNode();
  private readonly mods = new Map<string, { seen: IdSet; vars: [string, number][]; varNames: Set<string>; units: number }>();
  private readonly warnings: string[] = [];
  /** DIEs decoded on demand (by reference) in the current compile unit. */
  private readonly nodes = new Map<number, Node>();
  private readonly lineTables = new Map<number, LineFileTable | null>();
  private readonly doneUnits = new Set<string>();
  // Per compile unit:
  private readonly memo = new DieMemo();
  private readonly walkedTypeUnits = new Set<number>();
  /** The work list (structs whose members are to be built or checked), as three stacks: DIE, w-index, check only. */
  private readonly workKeys: DieKey[] = [];
  private readonly workIdx: number[] = [];
  private readonly workVerify: boolean[] = [];
  private readonly workUnit: Unit[] = [];
  private readonly workChildren: number[] = [];
  /** Nodes for acquire(), and how many are in use. */
  private readonly pool: Node[] = [];
  private poolTop = 0;
  /** The DIE of the work item being drained. */
  private readonly drainScratch = blankNode();
  /** collectMembers' Node for the members at each depth of anonymous nesting. */
  private readonly memberScratch: Node[] = [];
  /** definitionOf's Node in settledStruct. */
  private readonly defScratch = blankNode();
  /** contentsHash's numbers. */
  private readonly seq = new NumStack();
  private seen!: IdSet;
  /** w-indices of void and the function type in the current unit's namespace (-1: not yet). */
  private voidW = -1;
  private fpW = -1;
  /** The last unit asked for its file table, and the table. */
  private filesUnit = -1;
  private files?: UnitFiles;
  private ns = '';
  private readonly unitFiles = new Map<number, UnitFiles>();
  private cuName = '';
  /** The compile unit being scanned. */
  private unit?: Unit;

  constructor(readonly dwarf: DwarfInfo, readonly file: string, private readonly opts: ScanOptions) {
    const t = (this.t = opts.tables ?? new ScanTables());
    dwarf.interner ??= t.interner;
    t.strNames.forFile(dwarf);
    this.ids = t.ids;
    this.keys = t.keys;
    this.fileNos = t.fileNos;
    this.idList = t.idList;
    this.aliasable = t.aliasable;
    this.defs = t.fileDefs;
    this.direct = t.fileDirect;
    this.order = t.fileOrder;
  }

  /** Scan every compile unit (or the range given) and return the summary. */
  scan(): FileSummary {
    for (const p of this.dwarf.problems) this.warn(p.message);
    const units = this.dwarf.infoUnitList();
    const [from, to] = this.opts.unitRange ?? [0, units.length];
    for (let i = from; i < Math.min(to, units.length); i++) {
      const u = units[i];
      const ut = u.header.unitType;
      if (ut !== C.DW_UT_compile) continue;
      try {
        this.scanUnit(u);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        this.warn(`compile unit at 0x${u.offset.toString(16)}: ${e.message}`);
      }
      // Nodes of this unit are not needed again (type units' nodes stay cached), nor its abbreviations.
      if (this.unitFiles.size > 10_000) this.unitFiles.clear();
      this.forgetUnitFiles(u);
      u.releaseAbbrevs();
    }
    return this.summary();
  }

  /** The file's summary; the tables forget the file (call once, at the end). */
  summary(): FileSummary {
    const t = this.t;
    const defs = this.defs;
    // Only the descriptions that can change the merged result are sent (with where they go in ids).
    const sentDefs: TypeDef[] = [];
    const defAt: number[] = [];
    const fileIds = t.fileIds, met = this.met;
    for (let i = 0; i < met; i++) {
      const w = fileIds[i];
      t.local[w] = 0;
      // Skip a description the main thread already has one at least as large as, with these member types.
      const d = defs[i];
      defs[i] = SETTLED; // (the tables keep no description past its file)
      if (d === SETTLED) continue;
      const members = d.members, error = d.error, extra = d.extra; // (read on every turn: read only after a first file, they had no type feedback, and optimized code was thrown away 34 times)
      const count = members?.length ?? -1;
      const sent = t.sentCount(w);
      const mine = this.direct[i];
      let theirs = t.sentDirect[w];
      if (sent !== undefined && count <= sent && !error && !extra && (!members || (mine && theirs && isSubset(mine, theirs)))) continue;
      sentDefs.push(d);
      defAt.push(i);
      if (sent === undefined || count > sent) t.sentMembers[w] = count + 2;
      if (mine) {
        if (t.orderAt[w] === 0 && this.order[i]) t.setOrder(w, this.order[i]!);
        theirs ??= t.sentDirect[w] = new Set();
        for (const x of mine) theirs.add(x);
      }
    }
    const ids = fileIds.slice(0, met);
    this.direct.fill(undefined, 0, met);
    this.order.fill(undefined, 0, met);
    this.met = 0;
    const s: FileSummary = {
      file: this.file,
      littleEndian: this.dwarf.sections.littleEndian,
      tables: t.id,
      ids,
      firstNew: t.sent,
      newIds: this.idList.slice(t.sent),
      newAliasable: Uint8Array.from(this.aliasable.slice(t.sent)),
      defs: sentDefs,
      defAt: Int32Array.from(defAt),
      modules: [...this.mods].map(([module, m]): ModuleSeen => ({ module, seen: this.opts.singleModule ? ids.slice() : m.seen.release(t.flagPool), vars: m.vars, units: m.units })),
      warnings: this.warnings,
    };
    t.sent = this.idList.length;
    return s;
  }

  private warn(s: string): void {
    if (this.warnings.length < 10_000) this.warnings.push(`${this.file}: ${s}`);
  }

  private scanUnit(u: Unit): void {
    this.unit = u;
    const root = this.readNode(u, u.header.firstDie);
    if (!root) return;
    const cuName = this.nameOf(root) ?? `<unit 0x${u.offset.toString(16)}>`;
    const module = this.opts.moduleOf(cuName);
    if (module === undefined) return;
    const tuKey = `${module}\0${cuName}`;
    if (this.doneUnits.has(tuKey)) return; // the same translation unit linked in twice
    this.doneUnits.add(tuKey);
    let m = this.mods.get(module);
    if (!m) {
      if (this.opts.singleModule && this.mods.size) throw new Error(`${this.file}: a second module (${module}) in a file scanned as one module`);
      m = { seen: this.opts.singleModule ? NO_SET : new IdSet(this.t.flagPool.pop() ?? new Uint8Array(1024)), vars: [], varNames: new Set(), units: 0 };
      this.mods.set(module, m);
    }
    m.units++;
    this.seen = m.seen;
    this.memo.reset(u.header.section === 'info' ? u.header.offset : 0, u.header.section === 'info' ? u.header.end : 0);
    this.walkedTypeUnits.clear();
    this.ns = this.opts.namespaced(module) ? `{${module}}` : '';
    this.voidW = this.fpW = -1;
    this.cuName = cuName;
    this.special(VOID_ID); // every dict that stands alone (and shared_ctf) has void
    const functionTypes = this.opts.functionTypes ?? true;
    this.nodes.clear();
    if (!root.hasChildren) return;
    // The unit's children, decoded into one scratch Node; a type already computed (reached by
    // reference) is skipped undecoded, and a function's attributes are never decoded.
    const r = u.reader;
    const h = u.header;
    const abbrevs = u.abbrevs;
    const top = this.topScratch;
    let pos = root.childrenAt;
    for (;;) {
      if (pos >= h.end) throw r.error('children of the unit DIE not terminated', pos);
      r.pos = pos;
      const code = r.uleb128();
      if (code === 0) break;
      const a = abbrevs.get(code);
      if (!a) throw r.error(`unknown abbreviation code ${code}`, pos);
      const tag = a.tag;
      if (tag === C.DW_TAG_subprogram) {
        skipAttrs(r, a, h);
        const at = r.pos;
        if (!a.hasChildren) { pos = at; continue; }
        if (!functionTypes) { pos = this.skipFrom(u, at, 1); continue; }
        try {
          pos = this.functionScope(u, at);
          this.drain();
          continue;
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          this.clearWork();
          this.warn(`${cuName}: ${e.message}`);
        }
        pos = this.skipFrom(u, at, 1);
        continue;
      }
      const isType = isTypeTag(tag);
      if (isType && this.memo.get(dieKey(h.section, pos)) !== undefined) {
        // Computed already (reached by reference): skipped, through DW_AT_sibling where it sits at a fixed place.
        if (!a.hasChildren) { skipAttrs(r, a, h); pos = r.pos; continue; }
        const to = siblingOf(r, a, h);
        if (to >= 0) { pos = to; continue; }
        r.pos = pos;
      }
      if (isType && !a.hasChildren && code < 0x80 && r.le && h.section === 'info') {
        // A pointer, cv-qualified or function type read straight from its bytes (derivedFast).
        const l = derivedL.for(abbrevs, h);
        const kind = l[code << 2] === LAYOUT_UNKNOWN ? fillDerivedLayout(l, code, a, h) : l[code << 2];
        if (kind >= 0 && pos + 1 + l[(code << 2) | 2] <= h.end) {
          const next = pos + 1 + l[(code << 2) | 2];
          try {
            const w = this.derivedFast(pos as DieKey, 0);
            if (w >= 0) {
              this.memo.set(pos as DieKey, w);
              this.seen.add(w);
              this.drain();
              pos = next;
              continue;
            }
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
            this.clearWork();
            this.warn(`${cuName}: ${e.message}`);
            pos = next;
            continue;
          }
        }
        r.pos = pos;
      }
      const child = this.readNode(u, pos, top)!;
      const next = this.skipSubtree(child);
      if (isType || tag === C.DW_TAG_variable) {
        try {
          if (isType) this.typeIdOf(child.key, 0, child);
          else this.variable(child, m);
          this.drain();
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
          this.clearWork();
          this.warn(`${cuName}: ${e.message}`);
        }
      }
      pos = next;
    }
  }

  /** Drop a scanned compile unit's file table (thousands of units would keep theirs live to the end). */
  private forgetUnitFiles(u: Unit): void {
    const k = u.key as number;
    const f = this.unitFiles.get(k);
    if (!f) return;
    this.unitFiles.delete(k);
    if (f.stmt !== undefined) this.lineTables.delete(f.stmt);
    if (this.filesUnit === k) { this.filesUnit = -1; this.files = undefined; }
  }

  /** The file table of a unit's line program, with its compilation directory (cached per unit). */
  private filesOf(u: Unit): UnitFiles {
    const k = u.key as number;
    if (k === this.filesUnit && this.files) return this.files;
    let f = this.unitFiles.get(k);
    if (f) { this.filesUnit = k; this.files = f; }
    if (f) return f;
    f = { first: 1, dir: undefined, canon: [], nos: [] };
    this.unitFiles.set(k, f);
    const d = u.root();
    const cd = d.attr(C.DW_AT_comp_dir);
    if (cd && cd.cls === 'string') f.dir = cd.value;
    const sl = d.attr(C.DW_AT_stmt_list);
    if (!sl || (sl.cls !== 'secoffset' && sl.cls !== 'constant')) return f;
    const stmt = Number(sl.value);
    f.stmt = stmt;
    let t = this.lineTables.get(stmt);
    if (t === undefined) {
      try { t = readLineFiles(u, stmt, f.dir); } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        this.warn(`unit at 0x${u.offset.toString(16)}: ${e.message}`);
        t = null;
      }
      this.lineTables.set(stmt, t);
    }
    if (t) { f.table = t; f.first = t.firstIndex; }
    return f;
  }

  /** The number of the file that declares `n` (after fileName has been asked for it). */
  private fileNo(n: Node): number {
    const f = this.filesOf(n.unit);
    return f.nos[n.file! - f.first] ?? -1;
  }

  /** The canonical path of the file that declares `n` ('' when it has none). */
  private fileName(n: Node): string {
    if (n.file === undefined) return '';
    const f = this.filesOf(n.unit);
    const i = n.file - f.first;
    let c = f.canon[i];
    if (c === undefined) {
      const name = f.table?.names[i];
      if (name !== undefined) {
        // Cached by its parts (comp_dir, the table's directory 0, the entry's directory, name:
        // interned strings, met again in the next file as the same objects, whose hashes V8 keeps),
        // so the path is neither joined nor canonicalised again in the next unit or file.
        const tab = f.table!;
        let byComp = this.t.canonical.get(f.dir ?? '');
        if (!byComp) { byComp = new Map(); this.t.canonical.set(f.dir ?? '', byComp); }
        let byBase = byComp.get(tab.dirBase);
        if (!byBase) { byBase = new Map(); byComp.set(tab.dirBase, byBase); }
        const dir = tab.dirKeys[i];
        let byDir = byBase.get(dir);
        if (!byDir) { byDir = new Map(); byBase.set(dir, byDir); }
        let no = byDir.get(name);
        if (no === undefined) {
          const raw = f.table!.file(i)!;
          no = this.fileNoOf(canonicalPath(f.dir && !raw.startsWith('/') ? `${f.dir}/${raw}` : raw));
          byDir.set(name, no);
        }
        f.nos[i] = no;
        c = this.t.fileList[no];
      } else {
        c = '';
        f.nos[i] = this.fileNoOf(c);
      }
      f.canon[i] = c;
    }
    return c;
  }

  /** The small number of a canonical file name (fileNos). */
  private fileNoOf(c: string): number {
    let no = this.fileNos.get(c);
    if (no === undefined) { no = this.fileNos.size; this.fileNos.set(c, no); this.t.fileList.push(c); }
    return no;
  }

  // ------------------------------------------------------------- DIE decoding

  /** The DIE at `key`, decoded and cached for the unit (for DIEs asked for more than once). */
  private node(key: DieKey): Node {
    let n = this.nodes.get(key);
    if (n) return n;
    n = this.readAt(key);
    this.nodes.set(key, n);
    return n;
  }

  /** Decode the DIE at `key` (into `into`, when given). */
  private readAt(key: DieKey, into?: Node): Node {
    let rn: Node | null;
    const cu = this.unit;
    if (cu && key >= cu.header.firstDie && key < cu.header.end && cu.header.section === 'info') {
      // The common case: a DIE of the unit being scanned (info keys are plain offsets).
      rn = this.readNode(cu, key, into);
      if (!rn) throw cu.reader.error('reference to a null entry', key);
    } else {
      const die = this.dwarf.die(key); // finds the unit; we decode ourselves
      rn = this.readNode(die.unit, die.offset, into);
      if (!rn) throw die.error('reference to a null entry');
    }
    return rn;
  }

  /**
   * A Node from a stack of them, for a DIE decoded while its type ID is
   * computed (typeIdOf): released when that returns, so the millions of DIEs
   * reached by reference allocate nothing. Nothing may keep it (the work list
   * keeps DIE keys).
   */
  private acquire(key: DieKey): Node {
    const pool = this.pool;
    if (this.poolTop === pool.length) pool.push(blankNode());
    const n = pool[this.poolTop];
    this.readAt(key, n);
    this.poolTop++;
    return n;
  }

  /** Decode the DIE at `pos` of `u` (into `into`, when given, instead of a new Node); null for a null entry. */
  private readNode(u: Unit, pos: number, into?: Node): Node | null {
    const r = u.reader;
    r.pos = pos;
    const code = r.uleb128();
    if (code === 0) return null;
    const a = u.abbrevs.get(code);
    if (!a) throw r.error(`unknown abbreviation code ${code}`, pos);
    const n = into ? resetNode(into) : blankNode();
    n.key = dieKey(u.header.section, pos);
    n.unit = u;
    n.tag = a.tag;
    n.hasChildren = a.hasChildren;
    const ats = a.ats, forms = a.forms, consts = a.consts;
    const h = u.header;
    const sizes = a.layout(h).sizes;
    const ops = readOps(a, h, r.le);
    const b = r.bytes;
    const end = r.length;
    for (let i = 0; i < ops.length; i++) {
      const p = r.pos;
      // The commonest attribute/form pairs straight from the bytes (little-endian units), the rest through fast/readForm.
      switch (ops[i]) {
        case OP_SKIP: {
          const sz = sizes[i];
          if (sz >= 0 && p + sz <= end) r.pos = p + sz;
          else skipForm(r, forms[i], h);
          break;
        }
        case OP_NAME_STRP4:
          if (p + 4 > end) { this.generic(n, ats[i], forms[i], r, u, consts?.[i]); break; }
          r.pos = p + 4;
          this.strName(n, u, (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0);
          break;
        case OP_TYPE_REF4: case OP_SIBLING_REF4: {
          if (p + 4 > end) { this.generic(n, ats[i], forms[i], r, u, consts?.[i]); break; }
          const o = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
          const abs = h.offset + o;
          if (abs >= h.end) { this.generic(n, ats[i], forms[i], r, u, consts?.[i]); break; } // (reports it)
          r.pos = p + 4;
          if (ops[i] === OP_TYPE_REF4) n.type = dieKey(h.section, abs);
          else n.sibling = abs;
          break;
        }
        case OP_D1_BYTE_SIZE: case OP_D1_FILE: case OP_D1_LINE: case OP_D1_MEMBER_LOC: {
          if (p + 1 > end) { this.generic(n, ats[i], forms[i], r, u, consts?.[i]); break; }
          const v = b[p];
          r.pos = p + 1;
          const op = ops[i];
          if (op === OP_D1_BYTE_SIZE) n.byteSize = v;
          else if (op === OP_D1_FILE) n.file = v;
          else if (op === OP_D1_LINE) n.line = v;
          else n.memberLocNum = v;
          break;
        }
        case OP_D2_LINE: case OP_D2_MEMBER_LOC: case OP_D2_BYTE_SIZE: {
          if (p + 2 > end) { this.generic(n, ats[i], forms[i], r, u, consts?.[i]); break; }
          const v = b[p] | (b[p + 1] << 8);
          r.pos = p + 2;
          const op = ops[i];
          if (op === OP_D2_LINE) n.line = v;
          else if (op === OP_D2_MEMBER_LOC) n.memberLocNum = v;
          else n.byteSize = v;
          break;
        }
        case OP_DECLARATION: n.declaration = true; break;
        case OP_EXTERNAL: n.external = true; break;
        default:
          this.generic(n, ats[i], forms[i], r, u, consts?.[i]);
      }
    }
    n.childrenAt = r.pos;
    return n;
  }

  /** An attribute dwarf2ctf looks at, in any form. */
  private generic(n: Node, at: number, form: number, r: Reader, u: Unit, ic: bigint | undefined): void {
    if (this.fast(n, at, form, r, u, ic)) return;
    const v = readForm(r, form, u, ic);
    const next = r.pos;
    this.setAttr(n, at, v);
    r.pos = next;
  }

  /** The common forms of the common attributes, without allocating an AttrValue; false: use readForm. */
  private fast(n: Node, at: number, form: number, r: Reader, u: Unit, implicitConst: bigint | undefined): boolean {
    const h = u.header;
    switch (at) {
      case C.DW_AT_name:
        if (form === C.DW_FORM_strp) { this.strName(n, u, h.offsetSize === 8 ? r.u64n() : r.u32()); return true; }
        if (form === C.DW_FORM_line_strp) { n.name = u.lineStr(h.offsetSize === 8 ? r.u64n() : r.u32()); return true; }
        if (form === C.DW_FORM_strx1) { this.strName(n, u, u.strxOffset(r.u8())); return true; }
        if (form === C.DW_FORM_strx2) { this.strName(n, u, u.strxOffset(r.u16())); return true; }
        if (form === C.DW_FORM_string) {
          if (this.hashNames) {
            const e = hashName(n, r.bytes, r.pos);
            if (e < 0) return false;
            r.pos = e + 1;
            return true;
          }
          const it = this.t.interner;
          const s = it.internZ(r.bytes, r.pos);
          if (s === undefined) return false;
          n.name = s;
          n.nameId = it.lastId;
          r.pos = it.lastEnd + 1;
          return true;
        }
        return false;
      case C.DW_AT_type: case C.DW_AT_sibling: {
        let o: number;
        if (form === C.DW_FORM_ref4) o = r.u32();
        else if (form === C.DW_FORM_ref2) o = r.u16();
        else if (form === C.DW_FORM_ref1) o = r.u8();
        else return false;
        const abs = h.offset + o;
        if (abs >= h.end) throw r.error(`reference 0x${o.toString(16)} outside its unit`);
        if (at === C.DW_AT_type) n.type = dieKey(h.section, abs);
        else n.sibling = abs;
        return true;
      }
      case C.DW_AT_byte_size: case C.DW_AT_decl_file: case C.DW_AT_decl_line: case C.DW_AT_encoding: case C.DW_AT_bit_size:
      case C.DW_AT_data_bit_offset: {
        let v: number;
        if (form === C.DW_FORM_data1) v = r.u8();
        else if (form === C.DW_FORM_data2) v = r.u16();
        else if (form === C.DW_FORM_data4) v = r.u32();
        else if (form === C.DW_FORM_udata) v = r.uleb128();
        else if (form === C.DW_FORM_implicit_const) v = Number(implicitConst ?? 0n); // DWARF 5 abbreviations: pointer sizes, encodings
        else return false;
        if (at === C.DW_AT_byte_size) n.byteSize = v;
        else if (at === C.DW_AT_decl_file) n.file = v;
        else if (at === C.DW_AT_decl_line) n.line = v;
        else if (at === C.DW_AT_encoding) n.encoding = v;
        else if (at === C.DW_AT_bit_size) n.bitSize = v;
        else n.dataBitOffset = v;
        return true;
      }
      case C.DW_AT_data_member_location:
        if (form === C.DW_FORM_data1) { n.memberLocNum = r.u8(); return true; }
        if (form === C.DW_FORM_data2) { n.memberLocNum = r.u16(); return true; }
        if (form === C.DW_FORM_data4) { n.memberLocNum = r.u32(); return true; }
        if (form === C.DW_FORM_implicit_const) { n.memberLocNum = Number(implicitConst ?? 0n); return true; }
        return false;
      case C.DW_AT_const_value:
        if (form === C.DW_FORM_data1) { n.constNum = r.u8(); n.constBits = 8; return true; }
        if (form === C.DW_FORM_data2) { n.constNum = r.u16(); n.constBits = 16; return true; }
        if (form === C.DW_FORM_data4) { n.constNum = r.u32(); n.constBits = 32; return true; }
        if (form === C.DW_FORM_sdata) { const at = r.pos; const v = r.sleb128(); if (Number.isSafeInteger(v)) { n.constNum = v; return true; } r.pos = at; return false; }
        if (form === C.DW_FORM_udata) { const at = r.pos; const v = r.uleb128(); if (Number.isSafeInteger(v)) { n.constNum = v; return true; } r.pos = at; return false; }
        return false;
      case C.DW_AT_upper_bound: case C.DW_AT_count: {
        // Array bounds without a bigint: data forms of up to 4 bytes and LEB128 (upper bounds in
        // fixed-size forms are signed, as subrangeCount reads them; counts are not).
        const up = at === C.DW_AT_upper_bound;
        let v: number;
        if (form === C.DW_FORM_data1) { v = r.u8(); if (up) v = (v << 24) >> 24; }
        else if (form === C.DW_FORM_data2) { v = r.u16(); if (up) v = (v << 16) >> 16; }
        else if (form === C.DW_FORM_data4) v = up ? r.i32() : r.u32();
        else if (form === C.DW_FORM_udata) v = r.uleb128();
        else if (form === C.DW_FORM_sdata) v = r.sleb128();
        else return false;
        if (up) n.upperNum = v;
        else n.countNum = v;
        return true;
      }
      case C.DW_AT_declaration: case C.DW_AT_external:
        if (form === C.DW_FORM_flag_present) { if (at === C.DW_AT_declaration) n.declaration = true; else n.external = true; return true; }
        return false;
      case C.DW_AT_location:
        n.hasLocation = true;
        skipForm(r, form, h);
        return true;
      default:
        return false;
    }
  }

  /** `n`'s name (undefined: none). */
  private nameOf(n: Node): string | undefined {
    const s = n.name;
    if (s !== undefined || n.nameId < 0) return s;
    return (n.name = this.t.interner.stringAt(n.nameId));
  }

  /** What a NameTable is asked with besides the number: the string only when there is no number. */
  private nameKey(n: Node): string {
    return n.nameId >= 0 ? '' : (n.name ?? '');
  }

  /** Whether `n` has a name, without making its string. */
  private static hasName(n: Node): boolean {
    return n.name !== undefined || n.nameId >= 0;
  }

  /** DW_AT_name at `offset` of .debug_str, through the interner (its number kept for the name tables). */
  private strName(n: Node, u: Unit, offset: number): void {
    const bytes = u.dwarf.sections.str;
    if (this.hashNames && bytes && offset >= 0 && offset < bytes.length && hashName(n, bytes, offset) >= 0) return;
    const it = this.t.interner;
    const cache = this.t.strNames.names;
    const mine = u.dwarf === this.dwarf && offset >= 0 && offset < 0x7fffffff;
    const known = mine ? cache.get(offset) : -1;
    if (known >= 0) {
      n.nameId = known; // (the string when nameOf asks)
      if (known === this.t.emptyName) n.name = ''; // (so a name left as a number is never empty)
      return;
    }
    const s = bytes && offset >= 0 && offset < bytes.length ? it.internZ(bytes, offset) : undefined;
    if (s === undefined) { n.name = u.str(offset); return; } // (which reports what is wrong)
    n.name = s;
    n.nameId = it.lastId;
    if (s === '') this.t.emptyName = it.lastId;
    if (mine) cache.set(offset, it.lastId);
  }


  /**
   * While set, DIE names are hashed where they lie, not interned (contentsHash's members: a name
   * met there is often met nowhere else, and interning it costs a lookup in a large table).
   */
  private hashNames = false;
  /** The contents entry the last contentsHash found its hash in (computeId takes its Sites from it). */
  private anonHit?: AnonEntry;

  private setAttr(n: Node, at: number, v: AttrValue): void {
    switch (at) {
      case C.DW_AT_name: if (v.cls === 'string') n.name = v.value; break;
      case C.DW_AT_type: n.type = this.refOf(n, v); break;
      case C.DW_AT_signature: n.sig = this.refOf(n, v); break;
      case C.DW_AT_specification: n.spec = this.refOf(n, v); break;
      case C.DW_AT_byte_size: n.byteSize = num(v); break;
      case C.DW_AT_bit_size: n.bitSize = num(v); break;
      case C.DW_AT_encoding: n.encoding = num(v); break;
      case C.DW_AT_declaration: n.declaration = v.cls === 'flag' && v.value; break;
      case C.DW_AT_external: n.external = v.cls === 'flag' && v.value; break;
      case C.DW_AT_decl_file: n.file = num(v); break;
      case C.DW_AT_decl_line: n.line = num(v); break;
      case C.DW_AT_data_member_location: n.memberLoc = v; break;
      case C.DW_AT_data_bit_offset: n.dataBitOffset = num(v); break;
      case C.DW_AT_bit_offset: if (v.cls === 'constant') n.bitOffset = Number(v.signed || !v.size ? v.value : BigInt.asIntN(v.size * 8, v.value)); break;
      case C.DW_AT_upper_bound: n.upper = v; break;
      case C.DW_AT_lower_bound: n.lower = v; break;
      case C.DW_AT_count: n.count = v; break;
      case C.DW_AT_const_value: n.constValue = v; break;
      case C.DW_AT_sibling: if (v.cls === 'ref') n.sibling = v.key - (n.unit.header.section === 'types' ? 2 ** 48 : 0); break;
      case C.DW_AT_location: n.hasLocation = true; break;
    }
  }

  private refOf(n: Node, v: AttrValue): DieKey | undefined {
    if (v.cls === 'ref') return v.key;
    if (v.cls === 'sig8') return n.unit.dwarf.typeBySignature(v.sig);
    return undefined;
  }

  /** The children of a node, decoded; subtrees are skipped. */
  private *children(n: Node): Generator<Node> {
    if (!n.hasChildren) return;
    const u = n.unit;
    let pos = n.childrenAt;
    for (let i = 0; ; i++) {
      if (pos >= u.header.end) throw u.reader.error(`children of DIE 0x${(n.key % 2 ** 48).toString(16)} not terminated`, pos);
      const c = this.readNode(u, pos);
      if (!c) return;
      yield c;
      pos = this.skipSubtree(c);
    }
  }

  /** The child of `n` at `pos`, decoded into `into`; null at the end of the children. */
  private childInPlace(n: Node, pos: number, into: Node): Node | null {
    const u = n.unit;
    if (pos >= u.header.end) throw u.reader.error(`children of DIE 0x${(n.key % 2 ** 48).toString(16)} not terminated`, pos);
    return this.readNode(u, pos, into);
  }

  /** Offset after `n` and its subtree. */
  private skipSubtree(n: Node): number {
    if (!n.hasChildren) return n.childrenAt;
    const h = n.unit.header;
    if (n.sibling !== undefined && n.sibling > n.childrenAt - 1 && n.sibling <= h.end) return n.sibling;
    return this.skipFrom(n.unit, n.childrenAt, 1);
  }

  /** Skip entries from `pos` until `depth` levels of children are closed. */
  private skipFrom(u: Unit, pos: number, depth: number, typesInside = false): number {
    const r = u.reader;
    const h = u.header;
    const abbrevs = u.abbrevs;
    while (depth > 0) {
      if (pos >= h.end) throw r.error('DIE children not terminated before the end of the unit', pos);
      r.pos = pos;
      const code = r.uleb128();
      if (code === 0) { depth--; pos = r.pos; continue; }
      const a = abbrevs.get(code);
      if (!a) throw r.error(`unknown abbreviation code ${code}`, pos);
      if (typesInside && (a.tag === C.DW_TAG_structure_type || a.tag === C.DW_TAG_union_type || a.tag === C.DW_TAG_enumeration_type)) {
        // A type defined inside a function: its ID (and what it refers to); its subtree is skipped whole.
        const k = dieKey(h.section, pos);
        const n = this.node(k);
        if (!n.declaration) this.typeIdOf(k, 0, n);
        pos = this.skipSubtree(n);
        continue;
      }
      if (typesInside && a.hasChildren && (a.tag === C.DW_TAG_inlined_subroutine || a.tag === C.DW_TAG_call_site || a.tag === C.DW_TAG_GNU_call_site)) {
        // No type is defined in these: a call site holds its parameters' values, and an inlined
        // copy of a function refers to the abstract instance (a subprogram of this unit, scanned
        // as such) for what it declares. Over the whole subtree through DW_AT_sibling, when that
        // sits at a fixed place (most of a function's entries are in these).
        const to = siblingOf(r, a, h);
        if (to >= 0) { pos = to; continue; }
      }
      skipAttrs(r, a, h);
      pos = r.pos;
      if (a.hasChildren && ++depth > MAX_DIE_DEPTH) throw r.error(`DIEs nested deeper than ${MAX_DIE_DEPTH}`, pos);
    }
    return pos;
  }

  /** Struct, union and enum definitions anywhere inside a function whose children start at `at`; returns the offset past them. */
  private functionScope(u: Unit, at: number): number {
    return this.skipFrom(u, at, 1, true);
  }

  // ------------------------------------------------------------- type IDs

  private intern(id: string, make: () => TypeDef, aliasable: boolean): number {
    const w = this.ids.get(id);
    if (w !== undefined) return this.use(w, make);
    const def = make(); // first: if it throws, the tables stay consistent
    return this.add(this.t.create(id, aliasable), def);
  }

  /** `w` in this file, described by make() the first time the file meets it (unless settled). */
  private use(w: number, make: () => TypeDef): number {
    if (this.t.local[w] !== 0) return w;
    if (this.settledPlain(w)) return w;
    return this.add(w, make());
  }

  /**
   * A type without members is described by its ID alone: once handed out, it
   * is settled (recorded for the file without a description). False: the
   * caller describes it.
   */
  private settledPlain(w: number): boolean {
    if (this.t.sentMembers[w] === 0) return false;
    this.add(w, SETTLED);
    return true;
  }

  private add(w: number, def: TypeDef): number {
    const t = this.t;
    const i = this.met++;
    if (i >= t.fileIds.length) t.fileIds = growTo(t.fileIds, Math.max(4096, 2 * i));
    t.fileIds[i] = w;
    // (stores: past the first files, into places the arrays have already)
    if (i < this.defs.length) {
      this.defs[i] = def;
    } else {
      this.defs.push(def);
      this.direct.push(undefined);
      this.order.push(undefined);
    }
    t.local[w] = i + 1;
    return w;
  }

  /** This file's description of `w` (which the file has met). */
  private defOf(w: number): TypeDef {
    return this.defs[this.t.local[w] - 1];
  }

  /**
   * A pointer to t (slot 0) or t const, volatile, restrict (slots 1-3):
   * found through an array indexed by t, so the ID string is built once per
   * thread, and nothing is allocated when the file has met it already.
   */
  private derivedSlot(t: number, slot: number, kind: number): number {
    const at = t * 4 + slot;
    const w = this.t.derivedOf[at] - 1;
    if (w >= 0 && (this.t.local[w] !== 0 || this.settledPlain(w))) return w;
    return this.derivedSlotNew(t, slot, kind, w);
  }

  // (Closures live in the slow paths only: a function that makes one allocates its context on every call.)
  private derivedSlotNew(t: number, slot: number, kind: number, w: number): number {
    const at = t * 4 + slot;
    const make = () => { const d = newDef(kind, '', ''); d.ref = t; return d; };
    if (w >= 0) return this.add(w, make());
    const id = slot === 0
      ? (this.idList[t] === this.ns + FP_ID ? `${this.ns}${FP_ID}*` : `${this.idList[t]} *`)
      : `${this.idList[t]} ${slot === 1 ? 'const' : slot === 2 ? 'volatile' : 'restrict'}`;
    const idx = this.intern(id, make, this.aliasable[t] === 1);
    this.t.derivedOf[at] = idx + 1;
    return idx;
  }

  /**
   * A type based on another: looked up by a short key (kind, base index,
   * name) so the full ID string is built and hashed only once per thread.
   */
  private derived(key: string, id: () => string, make: () => TypeDef, aliasable: boolean): number {
    const w = this.keys.get(key);
    if (w !== undefined) return this.t.local[w] !== 0 ? w : this.use(w, make);
    const idx = this.intern(id(), make, aliasable);
    this.keys.set(key, idx);
    return idx;
  }

  private special(bare: string): number {
    // void and the function type are met on every other DIE: remembered for the unit (whose namespace is fixed).
    const isVoid = bare === VOID_ID;
    const known = isVoid ? this.voidW : bare === FP_ID ? this.fpW : -1;
    if (known >= 0 && this.t.local[known] !== 0) { this.seen.add(known); return known; }
    const w = this.specialUncached(bare);
    if (isVoid) this.voidW = w;
    else if (bare === FP_ID) this.fpW = w;
    return w;
  }

  private specialUncached(bare: string): number {
    const id = this.ns + bare;
    const r = this.intern(id, () => {
      if (bare === VOID_ID) { const d = newDef(K_INTEGER, 'void', 'void'); d.enc = CTF_INT_SIGNED; return d; }
      // The catch-all function returns int (the seed's "pointer to function returning int").
      const d = newDef(K_FUNCTION, '', 'function'); d.ref = this.intType(); return d;
    }, false);
    this.seen.add(r);
    return r;
  }

  /** The index of the type ID of the DIE at `key` (computed once per compile unit). */
  typeIdOf(key: DieKey | undefined, depth = 0, known?: Node): number {
    if (key === undefined) return this.special(VOID_ID);
    const m = this.memo.get(key);
    if (m !== undefined) return m;
    if (depth > MAX_CHAIN) throw this.node(key).unit.reader.error(`type chain longer than ${MAX_CHAIN} at DIE 0x${(key % 2 ** 48).toString(16)}`, key % 2 ** 48);
    if (!known) {
      const w = this.derivedFast(key, depth);
      if (w >= 0) {
        this.memo.set(key, w);
        this.seen.add(w);
        return w;
      }
    }
    const n = known ?? this.acquire(key);
    let idx: number;
    try {
      if (n.sig !== undefined) {
        if (n.sig === key) throw n.unit.reader.error('DW_AT_signature refers to itself', key % 2 ** 48);
        idx = this.typeIdOf(n.sig, depth + 1);
      } else {
        idx = this.computeId(n, depth);
      }
      if (n.unit.header.unitType === C.DW_UT_type) this.walkTypeUnit(n.unit);
    } finally {
      if (!known) this.poolTop--;
    }
    this.memo.set(key, idx);
    this.seen.add(idx);
    return idx;
  }

  /**
   * A pointer, cv-qualified type or function type of the unit being scanned
   * whose attributes all have fixed sizes (and whose base, if any, is a ref4),
   * read straight from its bytes through a table by abbreviation code: its ID
   * as computeId makes it, with no DIE decoded. -1: not such a DIE (the caller
   * decodes it).
   */
  private derivedFast(key: DieKey, depth: number): number {
    const cu = this.unit;
    if (cu === undefined) return -1;
    const h = cu.header;
    if (key < h.firstDie || key >= h.end || h.section !== 'info') return -1;
    const r = cu.reader;
    if (!r.le) return -1;
    const b = r.bytes;
    const code = b[key];
    if (code === 0 || code >= 0x80) return -1;
    const l = derivedL.for(cu.abbrevs, h);
    const k = code << 2;
    let kind = l[k];
    if (kind === LAYOUT_UNKNOWN) kind = fillDerivedLayout(l, code, cu.abbrevs.get(code), h);
    if (kind < 0) return -1;
    const at = key + 1;
    if (at + l[k + 2] > h.end) return -1;
    if (kind === D_FUNCTION) return this.special(FP_ID);
    const typeAt = l[k + 1];
    let t: number;
    if (typeAt < 0) {
      t = this.typeIdOf(undefined, depth + 1);
    } else {
      const q = at + typeAt;
      const o = (b[q] | (b[q + 1] << 8) | (b[q + 2] << 16) | (b[q + 3] << 24)) >>> 0;
      if (h.offset + o >= h.end) return -1; // (decoded the long way, which reports it)
      t = this.typeIdOf(dieKey('info', h.offset + o), depth + 1);
    }
    return this.derivedSlot(t, kind, DERIVED_KINDS[kind]);
  }

  /**
   * Every type DIE of a type unit the compile unit uses: what the compile
   * unit would hold itself without -fdebug-types-section, so both builds see
   * the same types.
   */
  private walkTypeUnit(u: Unit): void {
    const k = u.key as number;
    if (this.walkedTypeUnits.has(k)) return;
    this.walkedTypeUnits.add(k);
    const root = this.readNode(u, u.header.firstDie);
    if (!root) return;
    for (const c of this.children(root)) {
      if (isTypeTag(c.tag)) this.typeIdOf(c.key, 0, c);
    }
  }

  private where(n: Node): string {
    const f = this.fileName(n);
    return f ? `${f}:${n.line ?? 0}` : `${this.cuName} DIE 0x${(n.key % 2 ** 48).toString(16)}`;
  }

  private computeId(n: Node, depth: number): number {
    const ns = this.ns;
    switch (n.tag) {
      case C.DW_TAG_base_type:
        return this.baseTypeId(n);
      case C.DW_TAG_unspecified_type:
        return this.special(VOID_ID);
      case C.DW_TAG_structure_type: case C.DW_TAG_class_type: case C.DW_TAG_union_type: case C.DW_TAG_enumeration_type: {
        const kw = n.tag === C.DW_TAG_union_type ? 'union' : n.tag === C.DW_TAG_enumeration_type ? 'enum' : 'struct';
        const kind = n.tag === C.DW_TAG_union_type ? K_UNION : n.tag === C.DW_TAG_enumeration_type ? K_ENUM : K_STRUCT;
        // (the name's string is made only when needed: most are found by its number)
        const named = n.name !== undefined ? n.name !== '' : n.nameId >= 0;
        const key0 = this.nameKey(n);
        if (n.declaration) {
          // Found by name (no ID string built) outside namespaces.
          const byName = ns ? undefined : this.t.forwards[kind === K_UNION ? 1 : kind === K_ENUM ? 2 : 0];
          const w = byName?.get(key0, n.nameId);
          if (w !== undefined) return this.t.local[w] !== 0 || this.settledPlain(w) ? w : this.add(w, forwardDef(kind, kw, this.nameOf(n) ?? ''));
          const idx = this.forwardId(kind, kw, this.nameOf(n) ?? '');
          byName?.set(key0, n.nameId, idx);
          return idx;
        }
        const file = this.fileName(n);
        // An anonymous type is told apart by its contents too: one macro line can declare several
        // (DECLARE_FLEX_ARRAY: struct { struct { } __empty_x; T x[]; }), nested in each other.
        this.anonHit = undefined;
        const hash = named ? '' : this.contentsHash(n, depth);
        const line = n.line;
        let idx = -1;
        let sites: Sites | undefined, siteFile = 0, siteLine = 0, key = '';
        if (!ns && (line === undefined || line < LINE_CODES - 1)) {
          // The common case, found without building a string: name (or contents), then (file, line,
          // keyword) as a number, nearly always the one place the name is declared (Sites).
          siteFile = file ? this.fileNo(n) + 1 : 0;
          siteLine = (line === undefined ? 0 : line + 1) * 4 + (kind === K_UNION ? 1 : kind === K_ENUM ? 2 : 0);
          if (named) {
            sites = this.t.tagged.get(key0, n.nameId);
            if (!sites) { sites = new Sites(); this.t.tagged.set(key0, n.nameId, sites); }
          } else {
            // (the contents' entry keeps its Sites: no lookup by the hash string when it was found by numbers)
            const e = this.anonHit as AnonEntry | undefined; // (set by contentsHash above)
            sites = e !== undefined && e.hash === hash ? e.sites : undefined;
            if (!sites) {
              sites = this.t.anon.get(hash);
              if (!sites) { sites = new Sites(); this.t.anon.set(hash, sites); }
              if (e !== undefined && e.hash === hash) e.sites = sites;
            }
          }
          idx = sites.get(siteFile, siteLine);
        } else {
          const name = this.nameOf(n) ?? '';
          key = `${ns}${file ? this.fileNo(n) : -1}:${line ?? ''}:${kw} ${name}${name ? '' : ` {${hash}}`}`;
          idx = this.keys.get(key) ?? -1;
        }
        if (idx < 0) {
          const name = this.nameOf(n) ?? '';
          const id = `${ns}${file}//${line ?? ''}//${kw}${name ? ' ' + name : ''}${name ? '' : ` {${hash}}`}`;
          idx = this.ids.get(id) ?? this.t.create(id, !ns && !!name && !!file);
          if (sites) sites.set(siteFile, siteLine, idx);
          else this.keys.set(key, idx);
        }
        if (this.t.local[idx] === 0) {
          // First met in this file: settled when this thread handed out a description it could not change.
          if (this.t.sentMembers[idx] !== 0) {
            this.add(idx, SETTLED);
            // (structs: if its members turn out to be no news; checked from the work list, as members refer back)
            if (kind !== K_ENUM) this.push(n, idx, true);
            return idx;
          }
          const d = newDef(kind, this.nameOf(n) ?? '', this.where(n));
          this.add(idx, d);
          if (kind === K_ENUM) this.fillEnum(n, d);
          else this.push(n, idx, false);
          return idx;
        }
        // Met again in a later unit (enums: the first definition is the one).
        if (kind !== K_ENUM) this.push(n, idx, true);
        return idx;
      }
      case C.DW_TAG_pointer_type: case C.DW_TAG_reference_type: case C.DW_TAG_rvalue_reference_type:
      case C.DW_TAG_const_type: case C.DW_TAG_volatile_type: case C.DW_TAG_restrict_type: {
        const t = this.typeIdOf(n.type, depth + 1);
        const slot = n.tag === C.DW_TAG_const_type ? D_CONST : n.tag === C.DW_TAG_volatile_type ? D_VOLATILE : n.tag === C.DW_TAG_restrict_type ? D_RESTRICT : D_POINTER;
        return this.derivedSlot(t, slot, DERIVED_KINDS[slot]);
      }
      case C.DW_TAG_atomic_type:
        // CTF has no _Atomic: the qualifier is transparent.
        return this.typeIdOf(n.type, depth + 1);
      case C.DW_TAG_typedef: {
        const t = this.typeIdOf(n.type, depth + 1);
        const key0 = this.nameKey(n);
        // Found by name (its number, or a string met before, its hash cached), then base: no key string.
        let byName = this.t.typedefs.get(key0, n.nameId);
        if (!byName) { byName = new Sites(); this.t.typedefs.set(key0, n.nameId, byName); }
        const found = byName.get(t, 0);
        const w = found < 0 ? undefined : found;
        if (w !== undefined && (this.t.local[w] !== 0 || this.settledPlain(w))) return w;
        return this.typedefNew(n, t, this.nameOf(n) ?? '', w, byName);
      }
      case C.DW_TAG_array_type:
        return this.arrayId(n, depth);
      case C.DW_TAG_subroutine_type:
        return this.special(FP_ID);
      default:
        return this.unexpressibleId(n);
    }
  }

  private baseTypeId(n: Node): number {
    const name = this.nameOf(n) ?? '';
    return this.intern(`${this.ns}////${name}`, () => baseDef(n, name), false);
  }

  private forwardId(kind: number, kw: string, name: string): number {
    return this.intern(`${this.ns}////${kw} ${name}`, () => forwardDef(kind, kw, name), false);
  }

  private typedefNew(n: Node, t: number, name: string, w: number | undefined, byName: Sites): number {
    const make = () => { const d = newDef(K_TYPEDEF, name, this.where(n)); d.ref = t; return d; };
    if (w !== undefined) return this.add(w, make());
    const idx = this.intern(`${this.idList[t]} typedef ${name}`, make, this.aliasable[t] === 1);
    byName.set(t, 0, idx);
    return idx;
  }

  /** Something CTF cannot describe (a C++ pointer-to-member, ...): an ID of its own, marked unassemblable. */
  private unexpressibleId(n: Node): number {
    const id = `${this.ns}////<${tagName(n.tag)}> @${this.cuName}:${(n.key % 2 ** 48).toString(16)}`;
    return this.intern(id, () => { const d = newDef(K_INTEGER, '', this.where(n)); d.error = `${tagName(n.tag)} cannot be expressed in CTF`; return d; }, false);
  }

  /**
   * A hash of an anonymous struct/union/enum's members (names, type IDs,
   * offsets) or enumerators. Safe from cycles: an anonymous type cannot
   * refer to itself, and a named type's ID never depends on its members.
   */
  private contentsHash(n: Node, depth: number): string {
    // Found by numbers first: per member its name's interned number, width, bit offset and type
    // w-index (per enumerator its name and value), hashed into a number and confirmed against the
    // numbers kept; the string forms below are worked out once per thread per anonymous type.
    // (seq is a stack: an anonymous member type's own contents are worked out above ours)
    const seq = this.seq;
    const start = seq.length;
    try {
      return this.contentsFrom(n, depth, seq, start);
    } finally {
      seq.length = start;
    }
  }

  private contentsFrom(n: Node, depth: number, seq: NumStack, start: number): string {
    let exact = true;
    if (n.hasChildren) {
      const c = this.scratch;
      for (let pos = n.childrenAt; ;) {
        this.hashNames = true;
        let read: Node | null;
        try { read = this.childInPlace(n, pos, c); } finally { this.hashNames = false; }
        if (!read) break;
        const next = this.skipSubtree(c);
        if (c.tag === C.DW_TAG_member || c.tag === C.DW_TAG_enumerator) {
          // The name as two hash lanes (absent: -2, 0); a name in another form makes the numbers inexact.
          const nid = c.nameId === NAME_HASHED ? c.nameHash : !FileScanner.hasName(c) ? -2 : -1;
          const nid2 = c.nameId === NAME_HASHED ? c.nameHash2 : 0;
          if (nid === -1) exact = false;
          if (c.tag === C.DW_TAG_member) {
            let off = -1;
            try { off = this.memberOffset(c); } catch (e) { if (!(e instanceof AssemblyError)) throw e; }
            const bits = c.bitSize ?? -1;
            const tw = this.typeIdOf(c.type, depth + 1); // (c is not used after: typeIdOf may decode into it)
            seq.push5(1, nid, bits, off, tw);
            seq.push5(nid2, 0, 0, 0, 0);
          } else {
            const v = c.constValue;
            if (c.constNum !== undefined) seq.push5(2, nid, c.constNum, 1, nid2);
            else if (!v || v.cls !== 'constant') seq.push5(2, nid, 0, 0, nid2);
            else if (v.value >= -(2n ** 52n) && v.value < 2n ** 52n) seq.push5(2, nid, Number(v.value), 1, nid2);
            else exact = false;
          }
        }
        pos = next;
      }
    }
    seq.push5(3, n.byteSize ?? -1, 0, 0, 0);
    if (!exact) return this.contentsByString(n, depth);
    let a = 0x811c9dc5, b = 0x050c5d1f;
    for (let i = start; i < seq.length; i++) {
      const x = seq.at(i);
      const lo = x | 0, hi = (x / 4294967296) | 0;
      a = Math.imul(a ^ lo, 0x01000193);
      b = Math.imul(b ^ lo, 0x01000193) ^ (a >>> 13);
      a = Math.imul(a ^ hi, 0x01000193);
    }
    const key = (a ^ Math.imul(b, 0x9e3779b1)) & 0x3fffffff; // (a small integer: no heap number as a Map key; hits are confirmed)
    const hit = this.t.contentsNum.get(key);
    if (hit && sameRun(hit.seq, seq, start)) {
      this.anonHit = hit;
      return hit.hash;
    }
    const saved = seq.slice(start);
    const hash = this.contentsByString(n, depth);
    if (!hit) this.t.contentsNum.set(key, { seq: saved, hash });
    return hash;
  }

  /** contentsHash the long way, by the type ID strings (once per thread per anonymous type, or when its numbers are inexact). */
  private contentsByString(n: Node, depth: number): string {
    return hash64(this.contentsLong(n, depth));
  }

  /** What contentsHash hashes: members with their type ID strings, or enumerators, and the size. */
  private contentsLong(n: Node, depth: number): string {
    const parts: string[] = [];
    for (const c of this.children(n)) {
      if (c.tag === C.DW_TAG_member) {
        let off = '?';
        try { off = String(this.memberOffset(c)); } catch (e) { if (!(e instanceof AssemblyError)) throw e; }
        const name = this.nameOf(c) ?? ''; // (before typeIdOf, which may decode into c)
        parts.push(`${name}:${this.idList[this.typeIdOf(c.type, depth + 1)]}:${c.bitSize ?? ''}@${off}`);
      } else if (c.tag === C.DW_TAG_enumerator) {
        parts.push(`${this.nameOf(c) ?? ''}=${constText(c)}`);
      }
    }
    parts.push(`size ${n.byteSize ?? ''}`);
    return parts.join(';');
  }

  private arrayId(n: Node, depth: number): number {
    const elem = this.typeIdOf(n.type, depth + 1);
    // The first dimension in locals (nearly every array has one), further ones as (count, index) pairs.
    let dims = 0, count0 = -1, index0 = -1;
    let more: number[] | undefined;
    if (n.hasChildren) {
      // The subranges, decoded in place (c is not used after typeIdOf, which may decode into it).
      const c = this.scratch;
      for (let pos = n.childrenAt; ;) {
        if (!this.childInPlace(n, pos, c)) break;
        const next = this.skipSubtree(c);
        if (c.tag === C.DW_TAG_subrange_type || c.tag === C.DW_TAG_generic_subrange) {
          let count: number;
          try { count = subrangeCount(c); } catch (e) {
            if (!(e instanceof AssemblyError)) throw e;
            this.warn(`${this.cuName}: array at DIE 0x${(n.key % 2 ** 48).toString(16)}: ${e.message}; taken as flexible`);
            count = -1;
          }
          const index = c.type !== undefined ? this.typeIdOf(c.type, depth + 1) : this.indexType();
          if (dims === 0) { count0 = count; index0 = index; } else (more ??= []).push(count, index);
          dims++;
        }
        pos = next;
      }
    }
    if (dims === 0) { count0 = -1; index0 = this.indexType(); dims = 1; }
    // T a[2][3]: the innermost dimension wraps the element first.
    let cur = elem;
    const al = this.aliasable[elem] === 1;
    for (let i = dims - 1; i >= 0; i--) {
      const count = i === 0 ? count0 : more![2 * i - 2];
      const index = i === 0 ? index0 : more![2 * i - 1];
      const prev = cur;
      let w = -1;
      let byElem: Sites | undefined;
      if (count >= -1 && count < 2 ** 31) {
        // Element, then (index type, count): no key string.
        byElem = this.t.arrays[prev];
        if (!byElem) byElem = this.t.arrays[prev] = new Sites();
        w = byElem.get(index, count + 1);
      }
      cur = w >= 0 && (this.t.local[w] !== 0 || this.settledPlain(w)) ? w : this.arrayNew(prev, index, count, al, w, byElem);
      this.seen.add(cur);
    }
    return cur;
  }

  private arrayNew(prev: number, index: number, count: number, al: boolean, w: number, byElem: Sites | undefined): number {
    const make = () => { const d = newDef(K_ARRAY, '', ''); d.ref = prev; d.index = index; d.count = count; return d; };
    const id = () => `${this.idList[prev]} [${count < 0 ? '' : `${this.idList[index]} ${count}`}]`;
    if (w >= 0) return this.add(w, make());
    if (!byElem) return this.derived(`[${prev} ${index} ${count}`, id, make, al);
    const idx = this.intern(id(), make, al);
    byElem.set(index, count + 1, idx);
    return idx;
  }

  /** `int`, which the catch-all function type returns. */
  private intType(): number {
    const r = this.intern(`${this.ns}////int`, () => {
      const d = newDef(K_INTEGER, 'int', 'int'); d.size = 4; d.bits = 32; d.enc = CTF_INT_SIGNED; return d;
    }, false);
    this.seen.add(r);
    return r;
  }

  /** An index type for arrays whose subrange has none. */
  private indexType(): number {
    const r = this.intern(`${this.ns}////long unsigned int`, () => {
      const d = newDef(K_INTEGER, 'long unsigned int', 'long unsigned int');
      d.size = this.dwarf.sections.addressSize ?? 8; d.bits = d.size * 8; return d;
    }, false);
    this.seen.add(r);
    return r;
  }

  /**
   * Whether the definition `n` of struct/union w is no news: no more members
   * than a description of w this thread handed out or this file holds, and
   * every direct member of a type some such description had. Then building it
   * could change nothing the main thread merges (graph.ts), and it is not
   * built. The members are not decoded: their abbreviations say where the
   * type is (memberPlan). Their types are computed as collectMembers would, so
   * the module sees the same types.
   */
  private settledStruct(w: number, u: Unit, childrenAt: number, local: TypeDef): boolean {
    const t = this.t;
    const sent = t.sentCount(w);
    const mine = local === SETTLED ? undefined : local;
    if (sent === undefined && !mine) return false;
    const most = Math.max(sent ?? -1, mine ? (mine.members?.length ?? -1) : -1);
    const theirs = t.sentDirect[w];
    const inAt = t.orderAt[w] - 1, inLen = t.orderLen[w], pool = t.orderPool;
    let i = 0;
    const ours = mine ? this.direct[t.local[w] - 1] : undefined;
    const ourOrder = mine ? this.order[t.local[w] - 1] : undefined;
    if (childrenAt < 0) return most >= 0;
    const r = u.reader;
    const h = u.header;
    const abbrevs = u.abbrevs;
    let pos = childrenAt, count = 0;
    const b = r.bytes, end = h.end, base = h.offset, memo = this.memo, le = r.le;
    const keyBase = dieKey(h.section, 0);
    const layouts = memberL.for(abbrevs, h);
    for (;;) {
      if (pos >= end) return false;
      let code = b[pos];
      let key: DieKey | undefined;
      let flags: number;
      const k = code << 2;
      let size = code < 0x80 && le ? (k < layouts.length ? layouts[k] : LAYOUT_SLOW) : LAYOUT_SLOW;
      if (size === LAYOUT_UNKNOWN) size = fillMemberLayout(layouts, code, abbrevs.get(code), h);
      let at = pos + 1;
      if (size >= 0 && layouts[k + 3] !== 0) {
        // (its name an inline string first: stepped over to its NUL)
        while (at < end && b[at] !== 0) at++;
        at++;
      }
      if (size >= 0 && at + size <= end) {
        // The common member, from a table by abbreviation code: every attribute of fixed size (but
        // an inline name first), the type a ref4.
        const q = at + layouts[k + 1];
        const o = (b[q] | (b[q + 1] << 8) | (b[q + 2] << 16) | (b[q + 3] << 24)) >>> 0;
        if (base + o >= end) return false;
        key = (keyBase + base + o) as DieKey;
        flags = layouts[k + 2];
        pos = at + size;
      } else {
        at = pos + 1;
        if (code >= 0x80) { r.pos = pos; code = r.uleb128(); at = r.pos; }
        if (code === 0) { pos = at; break; }
        const a = abbrevs.get(code);
        if (!a || a.tag !== C.DW_TAG_member || a.hasChildren) return false;
        const plan = memberPlan(a, h);
        if (!plan) return false;
        flags = planFlags(plan);
        r.pos = at;
        if (plan.typeAt !== NO_TYPE) {
          if (plan.typeAt === VARIES) {
            const forms = a.forms;
            for (let j = 0; j < plan.typeIdx; j++) skipForm(r, forms[j], h);
          } else {
            r.pos = at + plan.typeAt;
          }
          const f = plan.typeForm;
          const o = f === C.DW_FORM_ref4 ? r.u32() : f === C.DW_FORM_ref2 ? r.u16() : f === C.DW_FORM_ref1 ? r.u8() : r.uleb128();
          if (base + o >= end) return false;
          key = dieKey(h.section, base + o);
        }
        r.pos = at;
        skipAttrs(r, a, h);
        pos = r.pos;
      }
      if (flags & M_SKIPPED) continue;
      const known = key === undefined ? undefined : memo.get(key);
      const tw = known !== undefined ? known : this.typeIdOf(key); // (may move the reader: pos is kept)
      if (!(ourOrder !== undefined ? ourOrder[i] === tw : inAt >= 0 && i < inLen && pool[inAt + i] === tw) && !theirs?.has(tw) && !ours?.has(tw)) return false;
      i++;
      if (!(flags & (M_NAMED | M_BITFIELD)) && key !== undefined) {
        const inner = this.definitionOf(key, this.defScratch);
        if (inner && (inner.tag === C.DW_TAG_structure_type || inner.tag === C.DW_TAG_union_type || inner.tag === C.DW_TAG_class_type) && !inner.declaration) {
          // An anonymous member: its members count, folded in.
          const iw = this.typeIdOf(inner.key);
          const d = t.local[iw] !== 0 ? this.defOf(iw) : undefined;
          const c = d && d !== SETTLED ? (d.members?.length ?? -1) : t.sentCount(iw) ?? -1;
          if (c < 0) return false;
          count += c;
          continue;
        }
      }
      count++;
    }
    return count <= most;
  }

  private fillEnum(n: Node, d: TypeDef): void {
    d.size = n.byteSize ?? 4;
    d.values = [];
    for (const c of this.children(n)) {
      if (c.tag !== C.DW_TAG_enumerator) continue;
      const v = c.constValue;
      let value = 0;
      if (c.constNum !== undefined) {
        // A data form is as wide as it says (sign-extended); then to 32 bits.
        const b = c.constBits;
        value = b === 8 ? (c.constNum << 24) >> 24 : b === 16 ? (c.constNum << 16) >> 16 : c.constNum | 0;
      } else if (v && v.cls === 'constant') {
        value = Number(BigInt.asIntN(32, v.signed || !v.size ? v.value : BigInt.asIntN(v.size * 8, v.value)));
      }
      d.values.push([this.nameOf(c) ?? '', value]);
    }
  }

  /** Work for a struct/union `n` (ID `idx`): its unit and where its children start are kept, so verifying it needs no second decode. */
  private push(n: Node, idx: number, verify: boolean): void {
    this.workKeys.push(n.key);
    this.workIdx.push(idx);
    this.workVerify.push(verify);
    this.workUnit.push(n.unit);
    this.workChildren.push(n.hasChildren ? n.childrenAt : -1);
  }

  private clearWork(): void {
    this.workKeys.length = this.workIdx.length = this.workVerify.length = this.workUnit.length = this.workChildren.length = 0;
  }

  /** Build (or verify) the member lists queued by computeId (no recursion: member types queue their own). */
  private drain(): void {
    while (this.workKeys.length) {
      const key = this.workKeys.pop()!, idx = this.workIdx.pop()!, verify = this.workVerify.pop()!;
      const unit = this.workUnit.pop()!, childrenAt = this.workChildren.pop()!;
      if (verify && this.settledStruct(idx, unit, childrenAt, this.defs[this.t.local[idx] - 1])) continue;
      const node = this.readAt(key, this.drainScratch);
      const at = this.t.local[idx] - 1;
      const local = this.defs[at];
      const d = verify ? newDef(node.tag === C.DW_TAG_union_type ? K_UNION : K_STRUCT, this.nameOf(node) ?? '', this.where(node)) : local;
      const members: MemberDef[] = [];
      const direct: number[] = [];
      try {
        this.collectMembers(node, 0, members, 0, direct);
        d.size = node.byteSize ?? 0;
      } catch (e) {
        if (!(e instanceof AssemblyError)) throw e;
        d.error = e.message;
      }
      d.members = members;
      this.order[at] = direct;
      let ds = this.direct[at];
      if (!ds) ds = this.direct[at] = new Set();
      for (const x of direct) ds.add(x);
      if (d === local) continue;
      if (local === SETTLED) { this.defs[at] = d; continue; }
      // Another definition of the same ID in this file: merged as the main thread merges (graph.ts).
      if (members.length > (local.members?.length ?? -1)) {
        d.extra = edgeUnion(local.extra ?? [], local.members);
        this.defs[at] = d;
      } else {
        local.extra = edgeUnion(local.extra ?? [], members);
      }
    }
  }

  private collectMembers(n: Node, bias: number, out: MemberDef[], depth: number, direct?: number[]): void {
    if (depth > MAX_CHAIN) throw new AssemblyError('anonymous members nested too deep');
    if (!n.hasChildren) return;
    // The children decoded one after the other into one Node per depth (nothing keeps a member's
    // Node past its turn), not a Node each: a kernel has millions of members.
    const u = n.unit;
    const c = (this.memberScratch[depth] ??= blankNode());
    for (let pos = n.childrenAt; ; pos = this.skipSubtree(c)) {
      if (pos >= u.header.end) throw u.reader.error(`children of DIE 0x${(n.key % 2 ** 48).toString(16)} not terminated`, pos);
      if (!this.readNode(u, pos, c)) return;
      if (c.tag !== C.DW_TAG_member) {
        // Types defined inside the struct are seen here too (the seed's mark_seen_contained).
        if (isTypeTag(c.tag)) this.typeIdOf(c.key, 0, c);
        continue;
      }
      if (c.external || c.declaration) continue; // C++ static members
      const off = bias + this.memberOffset(c);
      const t = this.typeIdOf(c.type);
      direct?.push(t);
      if (!FileScanner.hasName(c) && c.bitSize === undefined && c.type !== undefined) {
        const inner = this.definitionOf(c.type);
        if (inner && (inner.tag === C.DW_TAG_structure_type || inner.tag === C.DW_TAG_union_type || inner.tag === C.DW_TAG_class_type) && !inner.declaration) {
          // An anonymous struct/union member: its members fold into ours, moved by its offset.
          this.collectMembers(inner, off, out, depth + 1);
          continue;
        }
      }
      out.push({ name: this.nameOf(c) ?? '', off, bits: c.bitSize ?? 0, type: t });
    }
  }

  /**
   * Follow DW_AT_signature and qualifiers to the DIE that defines a type (an
   * anonymous member may be qualified: `const struct { ... };` in struct vm_fault).
   */
  private definitionOf(key: DieKey, scratch?: Node): Node | undefined {
    // (with scratch: decoded into it, valid until the next such call)
    let k: DieKey = key;
    for (let i = 0; i < MAX_CHAIN; i++) {
      const n = scratch ? this.readAt(k, scratch) : this.node(k);
      if (n.sig !== undefined) k = n.sig;
      else if ((n.tag === C.DW_TAG_const_type || n.tag === C.DW_TAG_volatile_type || n.tag === C.DW_TAG_atomic_type) && n.type !== undefined) k = n.type;
      else return n;
    }
    return undefined;
  }

  /**
   * A member's offset in bits, the five cases of the seed: DW_AT_data_bit_offset
   * as is; DW_AT_data_member_location as a constant (bytes, plus the legacy
   * DW_AT_bit_offset of a bitfield); as a block holding DW_OP_plus_uconst N;
   * anything else (a location list, another expression) cannot be assembled;
   * no attribute at all: offset 0.
   */
  private memberOffset(c: Node): number {
    if (c.dataBitOffset !== undefined) return c.dataBitOffset;
    const loc = c.memberLoc;
    let bytes = 0;
    if (c.memberLocNum !== undefined) {
      bytes = c.memberLocNum;
    } else if (loc) {
      if (loc.cls === 'constant') bytes = Number(loc.value);
      else if (loc.cls === 'block') bytes = plusUconst(loc.bytes, this.nameOf(c));
      else throw new AssemblyError(`member ${this.nameOf(c) ?? '(unnamed)'}: DW_AT_data_member_location is a location list`);
    }
    let bits = bytes * 8;
    if (c.bitOffset !== undefined && c.bitSize !== undefined) {
      // DWARF 2/3 bitfields: bit_offset counts from the most significant bit of the storage unit.
      const storage = c.byteSize ?? this.sizeOf(c.type);
      if (this.dwarf.sections.littleEndian) bits += storage * 8 - c.bitOffset - c.bitSize;
      else bits += c.bitOffset;
    }
    return bits;
  }

  private sizeOf(key: DieKey | undefined): number {
    for (let i = 0; key !== undefined && i < MAX_CHAIN; i++) {
      const n = this.node(key);
      if (n.byteSize !== undefined) return n.byteSize;
      key = n.sig ?? n.type;
    }
    throw new AssemblyError('bitfield of a type without a size');
  }

  private variable(v: Node, m: { vars: [string, number][]; varNames: Set<string> }): void {
    if (v.declaration) return;
    const spec = v.spec !== undefined ? this.node(v.spec) : undefined;
    const name = this.nameOf(v) ?? (spec ? this.nameOf(spec) : undefined);
    const external = v.external || (spec?.external ?? false);
    if (!name || !external || MACRO_INTERNALS.test(name)) return;
    if (!v.hasLocation && !spec) return; // optimised away: nothing at run time
    const t = this.typeIdOf(v.type ?? spec?.type);
    if (m.varNames.has(name)) return;
    m.varNames.add(name);
    m.vars.push([name, t]);
  }
}

/**
 * A Node made by a constructor, not a literal: objects a constructor makes
 * share one tree of shapes, which settleShapes settles as the module loads
 * (a literal's shape is its own, and could not be settled ahead).
 */
class DieNode implements Node {
  key = 0 as DieKey;
  unit = undefined as unknown as Unit;
  tag = 0;
  hasChildren = false;
  childrenAt = 0;
  sibling: number | undefined = undefined;
  name: string | undefined = undefined;
  nameId = -1;
  nameHash = 0;
  nameHash2 = 0;
  type: DieKey | undefined = undefined;
  sig: DieKey | undefined = undefined;
  spec: DieKey | undefined = undefined;
  byteSize: number | undefined = undefined;
  bitSize: number | undefined = undefined;
  encoding: number | undefined = undefined;
  declaration = false;
  external = false;
  hasLocation = false;
  file: number | undefined = undefined;
  line: number | undefined = undefined;
  memberLoc: AttrValue | undefined = undefined;
  memberLocNum: number | undefined = undefined;
  dataBitOffset: number | undefined = undefined;
  bitOffset: number | undefined = undefined;
  upper: AttrValue | undefined = undefined;
  lower: AttrValue | undefined = undefined;
  count: AttrValue | undefined = undefined;
  constValue: AttrValue | undefined = undefined;
  upperNum: number | undefined = undefined;
  countNum: number | undefined = undefined;
  constNum: number | undefined = undefined;
  constBits = 0;
}

/** A Node with nothing decoded; every field present from the start, so all Nodes share one shape. */
function blankNode(): Node {
  return new DieNode();
}

function resetNode(n: Node): Node {
  n.sibling = n.name = n.type = n.sig = n.spec = n.byteSize = n.bitSize = n.encoding = undefined;
  n.file = n.line = n.memberLoc = n.memberLocNum = n.dataBitOffset = n.bitOffset = undefined;
  n.upper = n.lower = n.count = n.constValue = n.upperNum = n.countNum = n.constNum = undefined;
  n.constBits = 0;
  n.declaration = n.external = n.hasLocation = false;
  n.nameId = -1;
  return n;
}

/** A set of w-indices that remembers the order they were added in (a module's seen IDs). */
class IdSet {
  readonly list: number[] = [];

  /**
   * `flags`: all zero (from ScanTables.flagPool: a module's set is as large as
   * the thread's tables, not allocated and zeroed per module); none: a set
   * that keeps nothing (ScanOptions.singleModule: the file's own table is
   * the module's).
   */
  constructor(private flags?: Uint8Array) {}

  /** The members, as sent; the flags go back to `pool`, zeroed where they were set. */
  release(pool: Uint8Array[]): Int32Array {
    const out = Int32Array.from(this.list);
    const f = this.flags;
    if (!f) return out;
    clearFlags(f, out);
    pool.push(f);
    return out;
  }

  add(w: number): void {
    if (!this.flags) return;
    if (w >= this.flags.length) {
      const grown = new Uint8Array(Math.max(w + 1, this.flags.length * 2));
      grown.set(this.flags);
      this.flags = grown;
    }
    if (this.flags[w]) return;
    this.flags[w] = 1;
    this.list.push(w);
  }
}

/**
 * Zero flags[ids[i]] for each i. (A function of its own: the loop, tens of
 * thousands of turns for a kernel-image slice, is compiled while it runs,
 * and that code, left at the loop's end for code never run before, was
 * thrown away about 80 times a run.)
 */
function clearFlags(flags: Uint8Array, ids: Int32Array): void {
  for (let i = 0; i < ids.length; i++) flags[ids[i]] = 0;
}

/** The seen-set of a single-module file's module: keeps nothing (its members are the file's table). */
const NO_SET = new IdSet();

/**
 * DIE -> w-index for one compile unit: a StampedIntMap by offset within the
 * unit (reused from unit to unit; starting a unit clears nothing), a map for
 * DIEs elsewhere (type units, other units).
 */
class DieMemo {
  private readonly map = new StampedIntMap(1 << 13);
  private readonly other = new Map<number, number>();
  private start = 0;
  private end = 0;

  /** Start a unit: entries of earlier units are forgotten. */
  reset(start: number, end: number): void {
    // (a table sized to the unit: about one type DIE met per 64 bytes of unit)
    this.map.clear((end - start) / 64);
    if (this.other.size) this.other.clear();
    if (end - start >= 0x7fffffff) end = start; // (offsets in it would not fit the map's keys: the Map alone)
    this.start = start;
    this.end = end;
  }

  get(key: number): number | undefined {
    if (key >= this.start && key < this.end) {
      const w = this.map.get(key - this.start);
      return w < 0 ? undefined : w;
    }
    return this.other.get(key);
  }

  set(key: number, w: number): void {
    if (key >= this.start && key < this.end) this.map.set(key - this.start, w);
    else this.other.set(key, w);
  }
}

/**
 * .debug_str offset -> interned name number, one table per scanner, reused
 * from file to file and cleared (in O(1)) when a file starts; kept as is
 * while one file is scanned in several slices.
 */
class OffsetCache {
  readonly names = new StampedIntMap(1 << 14);
  private file?: DwarfInfo;

  /** Start on file `d` (unless it is the one being scanned already). */
  forFile(d: DwarfInfo): void {
    if (this.file === d) return;
    this.file = d;
    // (a table sized to the file: about one name met per 64 bytes of .debug_str; it grows when more come)
    this.names.clear((d.sections.str?.length ?? 0) / 64);
  }
}

/**
 * Two small integers -> w-index for one name (its (file, line, keyword)
 * declaration sites, a typedef name's bases, an element type's array shapes):
 * the first pair kept in fields (a name is nearly always declared in one
 * place, and a code above 2^31 would be boxed into a heap number as a Map
 * key), others in a Map.
 */
class Sites {
  private file0 = -1;
  private line0 = -1;
  private w0 = -1;
  private more?: Map<number | string, number>;

  /** By two non-negative integers (a declaration's file and line; an array's index type and count). */
  get(file: number, line: number): number {
    if (file === this.file0 && line === this.line0) return this.w0;
    return this.more?.get(siteKey(file, line)) ?? -1;
  }

  set(file: number, line: number, w: number): void {
    if (this.w0 < 0) { this.file0 = file; this.line0 = line; this.w0 = w; return; }
    (this.more ??= new Map()).set(siteKey(file, line), w);
  }
}

/** One Map key for two non-negative integers: a number when both fit in 53 bits together (char[16], char[32], ... of one element type are common), else a string. */
function siteKey(a: number, b: number): number | string {
  return a < 0x200000 && b < 0x100000000 ? a * 0x100000000 + b : `${a}:${b}`;
}

/** A table by name: by the interner's number when the name has one (an array index), else by the string. */
class NameTable<V> {
  private readonly byId: (V | undefined)[] = [];
  private readonly byString = new Map<string, V>();

  get(name: string, id: number): V | undefined {
    return id >= 0 ? this.byId[id] : this.byString.get(name);
  }

  set(name: string, id: number, v: V): void {
    if (id < 0) { this.byString.set(name, v); return; }
    const a = this.byId;
    while (a.length <= id) a.push(undefined); // dense, so element access stays fast
    a[id] = v;
  }
}

/** Node.nameId of a name read in hashing mode. */
const NAME_HASHED = -4;

/**
 * Hash the NUL-terminated name at `at` of `b` into n (two FNV-1a lanes; a
 * collision would need both 32-bit lanes to agree); the NUL's offset, or -1
 * when there is none.
 */
function hashName(n: Node, b: Uint8Array, at: number): number {
  let h1 = 0x811c9dc5, h2 = 0x050c5d1f;
  const len = b.length;
  let i = at;
  for (; i < len; i++) {
    const c = b[i];
    if (c === 0) break;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h1 >>> 13);
  }
  if (i >= len) return -1;
  n.nameId = NAME_HASHED;
  n.nameHash = h1 >>> 0;
  n.nameHash2 = (h2 >>> 0) ^ (i - at); // (and the length)
  n.name = '';
  return i;
}

/** Whether `a` equals b[start..]. */
function sameRun(a: Float64Array, b: NumStack, start: number): boolean {
  if (a.length !== b.length - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b.at(start + i)) return false;
  return true;
}

/** A stack of numbers that keeps its storage (contentsHash's, which nested anonymous types share). */
class NumStack {
  private a = new Float64Array(0);
  length = 0;
  constructor() {
    // (stored twice as it is made: V8 takes a field stored only once for a constant, and the first
    // time it is stored again, when the stack grows, throws away the code that relied on that)
    this.a = new Float64Array(1024);
  }
  push5(v0: number, v1: number, v2: number, v3: number, v4: number): void {
    if (this.length + 5 > this.a.length) {
      const grown = new Float64Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    const a = this.a, l = this.length;
    a[l] = v0; a[l + 1] = v1; a[l + 2] = v2; a[l + 3] = v3; a[l + 4] = v4;
    this.length = l + 5;
  }
  at(i: number): number { return this.a[i]; }
  slice(from: number): Float64Array { return this.a.slice(from, this.length); }
}

function isSubset(a: Set<number>, b: Set<number>): boolean {
  if (a.size > b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** memberLayouts entries: 4 ints per abbreviation code (size or LAYOUT_*, type offset, M_* flags, 1 when an inline-string name comes first: sizes and offsets count from after it). */
const LAYOUT_UNKNOWN = -2;
/** Not a member of fixed-size attributes with a ref4 type (or a code of two bytes, a big-endian unit): the general path. */
const LAYOUT_SLOW = -1;
const M_SKIPPED = 1, M_NAMED = 2, M_BITFIELD = 4;

/**
 * One per-code table for the abbreviation table last asked about (a unit at
 * a time is scanned: refilled when another table comes, not allocated per
 * unit).
 */
class LayoutCache {
  private readonly l = new Int32Array(0x80 * 4).fill(LAYOUT_UNKNOWN);
  private table?: AbbrevTable;
  private shape = -1;

  for(table: AbbrevTable, h: UnitHeader): Int32Array {
    const shape = h.version * 256 + h.offsetSize * 16 + h.addressSize;
    if (this.table !== table || this.shape !== shape) {
      this.l.fill(LAYOUT_UNKNOWN);
      this.table = table;
      this.shape = shape;
    }
    return this.l;
  }
}
/** Per abbreviation code (below 0x80): how settledStruct steps over a member DIE of that code (fillMemberLayout). */
const memberL = new LayoutCache();
/** Per abbreviation code (below 0x80): how derivedFast reads a pointer, cv-qualified or function type DIE (fillDerivedLayout). */
const derivedL = new LayoutCache();

function fillMemberLayout(l: Int32Array, code: number, a: Abbrev | undefined, h: UnitHeader): number {
  const k = code << 2;
  l[k] = LAYOUT_SLOW;
  const plan = a && a.tag === C.DW_TAG_member && !a.hasChildren ? memberPlan(a, h) : null;
  if (!plan || plan.typeForm !== C.DW_FORM_ref4) return LAYOUT_SLOW;
  // Every attribute of fixed size; but a short name gcc stores inline (DW_FORM_string) may come first.
  const forms = a!.forms;
  const inlineFirst = forms[0] === C.DW_FORM_string && plan.typeIdx > 0 ? 1 : 0;
  let size = 0, typeAt = -1;
  for (let i = inlineFirst; i < forms.length; i++) {
    if (i === plan.typeIdx) typeAt = size;
    const n = formSize(forms[i], h);
    if (n < 0) return LAYOUT_SLOW;
    size += n;
  }
  l[k] = size;
  l[k + 1] = typeAt;
  l[k + 2] = planFlags(plan);
  l[k + 3] = inlineFirst;
  return size;
}

/** A MemberPlan's flags as M_* bits. */
function planFlags(p: MemberPlan): number {
  return (p.skipped ? M_SKIPPED : 0) | (p.named ? M_NAMED : 0) | (p.bitfield ? M_BITFIELD : 0);
}

/** derivedLayouts entries: 4 ints per abbreviation code (D_* kind or LAYOUT_*, where the ref4 type is or -1, the attributes' size, unused). */
const D_POINTER = 0, D_CONST = 1, D_VOLATILE = 2, D_RESTRICT = 3, D_FUNCTION = 4;
/**
 * The kind of the derived type in each derivedSlot slot (indexed by D_POINTER
 * to D_RESTRICT, which are the slots): one call site for the four, so that
 * a volatile or restrict met for the first time late in a run (they are
 * rare) does not throw optimized code away for a call it had no feedback for.
 */
const DERIVED_KINDS = [K_POINTER, K_CONST, K_VOLATILE, K_RESTRICT];

/** What derivedFast needs of abbreviation `a`, stored at `code` of `l`: its kind, or LAYOUT_SLOW. */
function fillDerivedLayout(l: Int32Array, code: number, a: Abbrev | undefined, h: UnitHeader): number {
  const k = code << 2;
  l[k] = LAYOUT_SLOW;
  if (!a) return LAYOUT_SLOW;
  const kind = a.tag === C.DW_TAG_pointer_type || a.tag === C.DW_TAG_reference_type || a.tag === C.DW_TAG_rvalue_reference_type ? D_POINTER
    : a.tag === C.DW_TAG_const_type ? D_CONST : a.tag === C.DW_TAG_volatile_type ? D_VOLATILE : a.tag === C.DW_TAG_restrict_type ? D_RESTRICT
      : a.tag === C.DW_TAG_subroutine_type ? D_FUNCTION : -1;
  if (kind < 0) return LAYOUT_SLOW;
  let off = 0, typeAt = -1;
  for (let i = 0; i < a.ats.length; i++) {
    const at = a.ats[i], f = a.forms[i];
    if (at === C.DW_AT_signature) return LAYOUT_SLOW;
    if (at === C.DW_AT_type) {
      if (f !== C.DW_FORM_ref4) return LAYOUT_SLOW;
      typeAt = off;
    }
    const size = formSize(f, h);
    if (size < 0) return LAYOUT_SLOW;
    off += size;
  }
  l[k] = kind;
  l[k + 1] = typeAt;
  l[k + 2] = off;
  return kind;
}

/** See MemberPlan. */
function memberPlan(a: Abbrev, h: UnitHeader): MemberPlan | null {
  const shape = h.version * 256 + h.offsetSize * 16 + h.addressSize;
  let p = a.scanPlan as MemberPlan | null | undefined;
  if (p !== undefined && (p === null || p.shape === shape)) return p;
  p = { shape, typeIdx: -1, typeAt: NO_TYPE, typeForm: 0, named: false, bitfield: false, skipped: false };
  let off = 0;
  for (let i = 0; i < a.ats.length; i++) {
    const s = { at: a.ats[i], form: a.forms[i] };
    switch (s.at) {
      case C.DW_AT_type:
        if (s.form !== C.DW_FORM_ref4 && s.form !== C.DW_FORM_ref2 && s.form !== C.DW_FORM_ref1 && s.form !== C.DW_FORM_ref_udata) p = null;
        else { p.typeIdx = i; p.typeAt = off < 0 ? VARIES : off; p.typeForm = s.form; }
        break;
      case C.DW_AT_name: p.named = true; break;
      case C.DW_AT_bit_size: p.bitfield = true; break;
      case C.DW_AT_external: case C.DW_AT_declaration:
        if (s.form === C.DW_FORM_flag_present) p.skipped = true;
        else p = null;
        break;
    }
    if (!p) break;
    const size = formSize(s.form, h);
    off = off < 0 || size < 0 ? -1 : off + size;
  }
  a.scanPlan = p;
  return p;
}

/**
 * The DW_AT_sibling of the entry of abbreviation `a` whose attributes start
 * at r.pos, when it sits at a fixed place and points forward inside the unit
 * (-1 otherwise, r.pos unmoved): where the entry's subtree ends.
 */
function siblingOf(r: Reader, a: Abbrev, h: UnitHeader): number {
  const sib = siblingAt(a, h);
  if (sib < 0) return -1;
  const at = r.pos;
  r.pos = at + sib;
  const f = a.forms[a.siblingIdx];
  const to = h.offset + (f === C.DW_FORM_ref4 ? r.u32() : f === C.DW_FORM_ref2 ? r.u16() : r.u8());
  r.pos = at;
  return to > at && to <= h.end ? to : -1;
}

/** Where DW_AT_sibling (ref1/2/4) sits from an entry's first attribute, when everything before it has a fixed size; -1 otherwise. */
function siblingAt(a: Abbrev, h: UnitHeader): number {
  const shape = h.version * 256 + h.offsetSize * 16 + h.addressSize;
  let p = a.siblingPlan as { shape: number; at: number } | undefined;
  if (p && p.shape === shape) return p.at;
  let at = -1;
  const i = a.siblingIdx;
  const f = i >= 0 ? a.forms[i] : 0;
  if (f === C.DW_FORM_ref4 || f === C.DW_FORM_ref2 || f === C.DW_FORM_ref1) {
    at = 0;
    for (let j = 0; j < i && at >= 0; j++) {
      const size = formSize(a.forms[j], h);
      at = size < 0 ? -1 : at + size;
    }
  }
  p = { shape, at };
  a.siblingPlan = p;
  return at;
}

// readNode's operations per attribute (readOps).
const OP_SKIP = 0, OP_GENERIC = 1, OP_NAME_STRP4 = 2, OP_TYPE_REF4 = 3, OP_SIBLING_REF4 = 4, OP_D1_BYTE_SIZE = 5, OP_D1_FILE = 6,
  OP_D1_LINE = 7, OP_D1_MEMBER_LOC = 8, OP_D2_LINE = 9, OP_D2_MEMBER_LOC = 10, OP_D2_BYTE_SIZE = 11, OP_DECLARATION = 12, OP_EXTERNAL = 13;

/** The attributes readNode decodes (the others are skipped). */
function wanted(at: number): boolean {
  switch (at) {
    case C.DW_AT_name: case C.DW_AT_type: case C.DW_AT_signature: case C.DW_AT_specification: case C.DW_AT_byte_size:
    case C.DW_AT_bit_size: case C.DW_AT_encoding: case C.DW_AT_declaration: case C.DW_AT_external: case C.DW_AT_decl_file:
    case C.DW_AT_decl_line: case C.DW_AT_data_member_location: case C.DW_AT_data_bit_offset: case C.DW_AT_bit_offset:
    case C.DW_AT_upper_bound: case C.DW_AT_lower_bound: case C.DW_AT_count: case C.DW_AT_const_value: case C.DW_AT_sibling:
    case C.DW_AT_location:
      return true;
    default:
      return false;
  }
}

/** Per attribute of `a`, what readNode does with it in units of this shape (kept on the abbreviation). */
function readOps(a: Abbrev, h: UnitHeader, le: boolean): number[] {
  const shape = h.version * 256 + h.offsetSize * 16 + h.addressSize + (h.section === 'info' ? 0 : 1 << 20) + (le ? 1 << 21 : 0);
  if (a.readShape === shape) return a.readPlan as number[];
  const ops = new Array<number>(a.ats.length);
  for (let i = 0; i < ops.length; i++) {
    const at = a.ats[i], f = a.forms[i];
    let op = wanted(at) ? OP_GENERIC : OP_SKIP;
    if (op === OP_GENERIC && le) {
      if (at === C.DW_AT_name && f === C.DW_FORM_strp && h.offsetSize === 4) op = OP_NAME_STRP4;
      else if (at === C.DW_AT_type && f === C.DW_FORM_ref4) op = OP_TYPE_REF4;
      else if (at === C.DW_AT_sibling && f === C.DW_FORM_ref4 && h.section === 'info') op = OP_SIBLING_REF4;
      else if (f === C.DW_FORM_data1 && at === C.DW_AT_byte_size) op = OP_D1_BYTE_SIZE;
      else if (f === C.DW_FORM_data1 && at === C.DW_AT_decl_file) op = OP_D1_FILE;
      else if (f === C.DW_FORM_data1 && at === C.DW_AT_decl_line) op = OP_D1_LINE;
      else if (f === C.DW_FORM_data1 && at === C.DW_AT_data_member_location) op = OP_D1_MEMBER_LOC;
      else if (f === C.DW_FORM_data2 && at === C.DW_AT_decl_line) op = OP_D2_LINE;
      else if (f === C.DW_FORM_data2 && at === C.DW_AT_data_member_location) op = OP_D2_MEMBER_LOC;
      else if (f === C.DW_FORM_data2 && at === C.DW_AT_byte_size) op = OP_D2_BYTE_SIZE;
      else if (f === C.DW_FORM_flag_present && at === C.DW_AT_declaration) op = OP_DECLARATION;
      else if (f === C.DW_FORM_flag_present && at === C.DW_AT_external) op = OP_EXTERNAL;
    }
    ops[i] = op;
  }
  a.readPlan = ops;
  a.readShape = shape;
  return ops;
}

/** Skip the attributes of an entry of abbreviation `a` at r.pos: in one step when all their forms have fixed sizes. */
function skipAttrs(r: Reader, a: Abbrev, h: UnitHeader): void {
  const { sizes, fixed } = a.layout(h);
  if (fixed >= 0 && r.pos + fixed <= r.length) { r.pos += fixed; return; }
  // Fixed-size runs stepped over, the others (inline strings, LEB128s, blocks) decoded for their length.
  const f = a.forms;
  for (let j = 0; j < f.length; j++) {
    const sz = sizes[j];
    if (sz >= 0 && r.pos + sz <= r.length) r.pos += sz;
    else skipForm(r, f[j], h);
  }
}

/** 64 bits of FNV-1a (two 32-bit lanes) as hex: short, stable across runs and threads. */
export function hash64(str: string): string {
  let a = 0x811c9dc5, b = 0x050c5d1f;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function isTypeTag(tag: number): boolean {
  switch (tag) {
    case C.DW_TAG_base_type: case C.DW_TAG_structure_type: case C.DW_TAG_class_type: case C.DW_TAG_union_type:
    case C.DW_TAG_enumeration_type: case C.DW_TAG_pointer_type: case C.DW_TAG_const_type: case C.DW_TAG_volatile_type:
    case C.DW_TAG_restrict_type: case C.DW_TAG_atomic_type: case C.DW_TAG_typedef: case C.DW_TAG_array_type:
    case C.DW_TAG_subroutine_type: case C.DW_TAG_unspecified_type:
      return true;
    default:
      return false;
  }
}

/** An enumerator's value as contentsHash writes it (the value as stored; '' without one). */
function constText(c: Node): string {
  if (c.constNum !== undefined) return String(c.constNum);
  const v = c.constValue;
  return v && v.cls === 'constant' ? String(v.value) : '';
}

function forwardDef(kind: number, kw: string, name: string): TypeDef {
  const d = newDef(K_FORWARD, name, `${kw} ${name}`);
  d.fwd = kind;
  return d;
}

function baseDef(n: Node, name: string): TypeDef {
  const size = n.byteSize ?? 0;
  const enc = n.encoding ?? 0;
  switch (enc) {
    case C.DW_ATE_float: case C.DW_ATE_decimal_float: case C.DW_ATE_imaginary_float: case C.DW_ATE_complex_float: {
      const d = newDef(K_FLOAT, name, name);
      d.size = size;
      d.bits = size * 8;
      const cplx = enc === C.DW_ATE_complex_float;
      d.enc = cplx ? (size <= 8 ? CTF_FP_CPLX : size <= 16 ? CTF_FP_DCPLX : CTF_FP_LDCPLX) : size <= 4 ? CTF_FP_SINGLE : size <= 8 ? CTF_FP_DOUBLE : CTF_FP_LDOUBLE;
      return d;
    }
    default: {
      const d = newDef(K_INTEGER, name, name);
      d.size = size;
      d.bits = n.bitSize ?? size * 8;
      const signed = enc === C.DW_ATE_signed || enc === C.DW_ATE_signed_char || enc === C.DW_ATE_signed_fixed;
      const chr = enc === C.DW_ATE_signed_char || enc === C.DW_ATE_unsigned_char || enc === C.DW_ATE_UTF;
      d.enc = (signed ? CTF_INT_SIGNED : 0) | (chr ? CTF_INT_CHAR : 0) | (enc === C.DW_ATE_boolean ? CTF_INT_BOOL : 0);
      return d;
    }
  }
}

/** Elements of a subrange: DW_AT_count, or upper - lower + 1; bounds that are not constants are flexible (-1). */
function subrangeCount(c: Node): number {
  if (c.countNum !== undefined) return c.countNum;
  if (c.count) return c.count.cls === 'constant' ? Number(c.count.value) : -1;
  if (c.upperNum !== undefined && !c.lower) {
    const n = c.upperNum + 1;
    if (n < 0) return 0;
    if (n > 0xffffffff) throw new AssemblyError('array bound too large for CTF');
    return n;
  }
  let up: bigint;
  if (c.upperNum !== undefined) up = BigInt(c.upperNum);
  else if (!c.upper || c.upper.cls !== 'constant') return -1;
  else up = c.upper.signed || !c.upper.size ? c.upper.value : BigInt.asIntN(c.upper.size * 8, c.upper.value);
  const lo = c.lower && c.lower.cls === 'constant' ? c.lower.value : 0n;
  const n = up - lo + 1n;
  if (n < 0n) return 0;
  if (n > 0xffffffffn) throw new AssemblyError('array bound too large for CTF');
  return Number(n);
}

/** DW_AT_data_member_location as an expression: only DW_OP_plus_uconst N (gcc's DWARF 2 form). */
function plusUconst(b: Uint8Array, name: string | undefined): number {
  if (b.length >= 2 && b[0] === C.DW_OP_plus_uconst) {
    let v = 0, m = 1, p = 1;
    for (; p < b.length; p++) {
      v += (b[p] & 0x7f) * m;
      m *= 128;
      if (!(b[p] & 0x80)) break;
    }
    if (p === b.length - 1) return v;
  }
  throw new AssemblyError(`member ${name ?? '(unnamed)'}: DW_AT_data_member_location expression is not DW_OP_plus_uconst`);
}

/** Scan one file's DWARF. */
export function scanFile(dwarf: DwarfInfo, file: string, opts: ScanOptions): FileSummary {
  return new FileScanner(dwarf, file, opts).scan();
}

/**
 * The shape of a DIE Node (and of a module's seen-set), settled as this
 * module loads, before any code is optimized. V8 records, per object shape,
 * what each field has held so far (only undefined; small integers; one kind
 * of object; stored once), and optimized code relies on it. Unsettled, the
 * first time a field held something new (the first name hash above 2^31, a
 * DW_AT_specification, an AttrValue of another form) the Nodes took a new
 * shape mid-run, and every function that had relied on the old one was
 * thrown away and compiled again: the scanner's largest, at unpredictable
 * times. Settled, no Node changes shape in a whole-kernel run (checked with
 * V8's %HaveSameMap); instructions on a tenth of the kernel -3%.
 */
function settleShapes(): void {
  new IdSet(new Uint8Array(1)).add(0); // (NO_SET has no flags: a set with some too, before any code relies on either)
  // (V8 fixes the size of a constructor's objects after its first few: settled after that, the
  // shapes stay; settled before, the objects made later took other shapes, unsettled)
  for (let i = 0; i < 32; i++) blankNode();
  const n = blankNode() as DieNode;
  // Every field, in the order the constructor makes them (a field settled after one made later
  // did not keep its settling), given the kinds of value it will hold, and overwritten.
  const a = { cls: 'a' } as unknown as AttrValue, b = { cls: 'b', value: 0 } as unknown as AttrValue;
  const f = n as unknown as Record<string, unknown>;
  for (const k of Object.keys(n)) {
    const v = f[k];
    if (typeof v === 'boolean') { f[k] = !v; f[k] = v; } else if (k === 'nameHash' || k === 'nameHash2') {
      f[k] = 2 ** 32 - 1; f[k] = v; // (unsigned 32-bit hashes: half of them are not small integers)
    } else if (typeof v === 'number') { f[k] = v + 1; f[k] = v; } else if (k === 'unit' || k === 'memberLoc' || k === 'upper' || k === 'lower' || k === 'count' || k === 'constValue') {
      f[k] = a; f[k] = b; f[k] = undefined;
    } else if (k === 'name') { f[k] = 'a'; f[k] = undefined; } else { f[k] = 1; f[k] = undefined; }
  }
  resetNode(n);
}
settleShapes();
