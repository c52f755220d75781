/**
 * DWARF -> the type model for the whole file at once (`DwarfTypes.loadAll`,
 * behind `virtmem types --sizes` and `--all`): the work `pahole --sizes` does.
 *
 * The lazy converter (dwarf.ts) materialises a Die and an AttrValue per
 * attribute and builds every unit's copy of every type; a kernel repeats
 * `struct task_struct` in hundreds of units. This loader instead:
 * - scans each unit once, front to back, with no per-DIE objects: attributes
 *   are decoded straight into typed-array columns, and only for the tags that
 *   make types (types, members, enumerators, subranges, parameters); other
 *   DIEs are skipped by their abbreviation's fixed size when it has one;
 * - interns names by their .debug_str offset, so a string is decoded once;
 * - deduplicates named types across units while scanning: a struct, union,
 *   enum, typedef or base type whose (kind, name, size) was already built is
 *   mapped to that object and its children are skipped without decoding;
 * - builds only the new types (and the unnamed ones they reach) with a work
 *   queue, never recursion.
 * Anything unusual (type units' DW_AT_signature and ref_sig8, location
 * expressions for member offsets, legacy DW_AT_bit_offset, 64-bit enumerator
 * values, references out of the unit that were not built yet) is handed to
 * the lazy converter for that one type, so results equal the lazy path's.
 * Types local to functions are found too (the scan descends everywhere).
 */
import { FormatError, utf8 } from '../bytes/index.js';
import * as C from '../dwarf/constants.js';
import { formSize, supDieKey, type Abbrev, type DieKey, type DwarfInfo, type Unit } from '../dwarf/index.js';
import { MAX_TYPE_DEPTH, trySizeof } from './helpers.js';
import {
  VOID, type ArrayType, type EnumType, type FunctionType, type IntType, type Member, type QualifiedType, type StructType, type Type,
} from './model.js';

/** Nesting limit for DIE trees (as die.ts). */
const MAX_DEPTH = 512;
const TYPES_BIT = 2 ** 48;
const SUP_BIT = 2 ** 49;
const SUP_STR = 2 ** 40;

// flags column
const F_DECL = 1, F_EXTERNAL = 2, F_PROTOTYPED = 4, F_SLOW = 8, F_CV_SIGNED = 16, F_HAS_SIG = 32, F_TOP = 64;

/** What a tag is to the scanner: 1 a type DIE, 2 a child of a type DIE, 0 nothing to record. */
const ROLE = new Uint8Array(0x50);
for (const t of [
  C.DW_TAG_base_type, C.DW_TAG_unspecified_type, C.DW_TAG_pointer_type, C.DW_TAG_reference_type, C.DW_TAG_rvalue_reference_type,
  C.DW_TAG_const_type, C.DW_TAG_volatile_type, C.DW_TAG_restrict_type, C.DW_TAG_atomic_type, C.DW_TAG_typedef,
  C.DW_TAG_structure_type, C.DW_TAG_class_type, C.DW_TAG_union_type, C.DW_TAG_enumeration_type, C.DW_TAG_array_type,
  C.DW_TAG_subroutine_type,
]) ROLE[t] = 1;
for (const t of [C.DW_TAG_member, C.DW_TAG_enumerator, C.DW_TAG_subrange_type, C.DW_TAG_generic_subrange, C.DW_TAG_formal_parameter, C.DW_TAG_unspecified_parameters]) ROLE[t] = 2;

/** The parent tag a child tag is recorded under. */
function childOf(parent: number, child: number): boolean {
  switch (child) {
    case C.DW_TAG_member: return parent === C.DW_TAG_structure_type || parent === C.DW_TAG_class_type || parent === C.DW_TAG_union_type;
    case C.DW_TAG_enumerator: return parent === C.DW_TAG_enumeration_type;
    case C.DW_TAG_subrange_type: case C.DW_TAG_generic_subrange: return parent === C.DW_TAG_array_type;
    default: return parent === C.DW_TAG_subroutine_type;
  }
}

/** Per abbreviation and unit shape: the size of each attribute (-1 variable) and of all (-1 if any is variable). */
interface Plan { shape: number; sizes: readonly number[]; fixed: number; }
const NO_SPEC: { implicitConst?: bigint } = {};

/** A resizable set of typed-array columns, one row per recorded DIE of the current unit. */
class Columns {
  cap = 0;
  off = new Float64Array(0);
  tag = new Uint16Array(0);
  parent = new Int32Array(0);
  end = new Int32Array(0);
  name = new Int32Array(0);
  size = new Float64Array(0);
  ref = new Float64Array(0);
  loc = new Float64Array(0);
  dbo = new Float64Array(0);
  /** Legacy DW_AT_bit_offset (from the most significant bit of the storage unit). */
  lbo = new Float64Array(0);
  bits = new Float64Array(0);
  count = new Float64Array(0);
  align = new Float64Array(0);
  enc = new Uint8Array(0);
  flags = new Uint8Array(0);
  cvSize = new Uint8Array(0);

  grow(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2, 4096);
    const g = <T extends Float64Array | Uint16Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(cap); b.set(a); return b; };
    this.off = g(this.off, (n) => new Float64Array(n));
    this.tag = g(this.tag, (n) => new Uint16Array(n));
    this.parent = g(this.parent, (n) => new Int32Array(n));
    this.end = g(this.end, (n) => new Int32Array(n));
    this.name = g(this.name, (n) => new Int32Array(n));
    this.size = g(this.size, (n) => new Float64Array(n));
    this.ref = g(this.ref, (n) => new Float64Array(n));
    this.loc = g(this.loc, (n) => new Float64Array(n));
    this.dbo = g(this.dbo, (n) => new Float64Array(n));
    this.lbo = g(this.lbo, (n) => new Float64Array(n));
    this.bits = g(this.bits, (n) => new Float64Array(n));
    this.count = g(this.count, (n) => new Float64Array(n));
    this.align = g(this.align, (n) => new Float64Array(n));
    this.enc = g(this.enc, (n) => new Uint8Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.cvSize = g(this.cvSize, (n) => new Uint8Array(n));
    this.cap = cap;
  }
}

/** What loadAll gives: every type it built (named ones deduplicated by kind, name and size). */
export interface BulkTypes {
  /** Named types in file order of the DIE they were built from. */
  named: Type[];
  /** Units or types that could not be read, with why. */
  problems: FormatError[];
}

export class BulkLoader {
  private readonly cols = new Columns();
  private n = 0;
  /** DIE offset (from the unit start) -> row, for the current unit; checked against `off`. */
  private rowAt = new Int32Array(0);
  /** Row -> built or deduplicated type, for the current unit. */
  private memo: (Type | undefined)[] = [];
  private queue: number[] = [];
  private late: (() => void)[] = [];
  private fresh: Type[] = [];
  /** Names interned by .debug_str offset (sup strings offset by 2^40) and by text. */
  private readonly byOff = new Map<number, number>();
  /** Name id + 1 by offset in the file's own .debug_str (0: not seen yet). */
  private readonly mainNames: Int32Array;
  private readonly byText = new Map<string, number>();
  private readonly names: string[] = [];
  /** Built named types per name id. */
  private canon: (Type[] | undefined)[] = [];
  /** Every type built here, by DieKey (for references between units, as dwz makes). */
  private readonly built = new Map<number, Type>();
  private readonly named: Type[] = [];
  private readonly problems: FormatError[] = [];

  // scanner state
  private b: Uint8Array = new Uint8Array(0);
  private p = 0;
  private le = true;
  private unit!: Unit;
  private uStart = 0;
  private uEnd = 0;
  private keyBias = 0;
  /** Added to .debug_info offsets (DW_FORM_ref_addr) and .debug_str offsets: non-zero in the supplementary file. */
  private infoBias = 0;
  private strBias = 0;

  constructor(private readonly dwarf: DwarfInfo, private readonly lazy: (key: DieKey) => Type) {
    this.mainNames = new Int32Array((dwarf.sections.str?.length ?? 0) + 1);
  }

  load(): BulkTypes {
    // The supplementary file (dwz -m) first: the main file's units point into it.
    if (this.dwarf.sup) this.loadUnits(this.dwarf.sup.units(), SUP_BIT, SUP_STR);
    this.loadUnits(this.dwarf.units(), 0, 0);
    this.named.sort((a, b) => a.origin!.id - b.origin!.id);
    return { named: this.named, problems: this.problems };
  }

  private loadUnits(units: Unit[], infoBias: number, strBias: number): void {
    this.infoBias = infoBias;
    this.strBias = strBias;
    for (const u of units) {
      try {
        this.scanUnit(u);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        this.problems.push(e);
        // Build nothing from a unit that could not be scanned.
        for (let i = 0; i < this.n; i++) this.memo[i] = undefined;
        this.n = 0;
      }
      this.buildUnit();
    }
  }

  // ------------------------------------------------------------ scanning

  private plan(a: Abbrev): Plan {
    const h = this.unit.header;
    const shape = (h.version << 8) | (h.offsetSize << 4) | h.addressSize;
    let p = a.bulkPlan as Plan | undefined;
    if (p && p.shape === shape) return p;
    const { sizes, fixed } = a.layout(h);
    const bad = sizes.indexOf(-2);
    if (bad >= 0) throw this.unit.reader.error(`unknown attribute form 0x${a.forms[bad].toString(16)} in an abbreviation of tag 0x${a.tag.toString(16)}`);
    p = { shape, sizes, fixed };
    a.bulkPlan = p;
    return p;
  }

  private uleb(): number {
    const b = this.b;
    let p = this.p;
    let x = b[p++];
    if (x < 0x80) { this.p = p; return x; }
    let r = x & 0x7f, m = 128;
    for (;;) {
      x = b[p++];
      if (x === undefined) throw this.unit.reader.error('unexpected end of data in LEB128', this.p);
      r += (x & 0x7f) * m;
      if (x < 0x80) break;
      m *= 128;
      if (m > 2 ** 63) throw this.unit.reader.error('LEB128 too long', this.p);
    }
    this.p = p;
    return r;
  }

  private sleb(): number {
    const b = this.b;
    let p = this.p;
    let r = 0, m = 1, x: number;
    do {
      x = b[p++];
      if (x === undefined) throw this.unit.reader.error('unexpected end of data in LEB128', this.p);
      r += (x & 0x7f) * m;
      m *= 128;
      if (m > 2 ** 70) throw this.unit.reader.error('LEB128 too long', this.p);
    } while (x & 0x80);
    if (x & 0x40) r -= m;
    this.p = p;
    return r;
  }

  private un(n: number): number {
    const b = this.b;
    const p = this.p;
    this.p = p + n;
    if (this.le) {
      switch (n) {
        case 1: return b[p];
        case 2: return b[p] | (b[p + 1] << 8);
        case 3: return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
        case 4: return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
        case 8: {
          const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
          const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
          return hi * 2 ** 32 + lo;
        }
      }
    } else {
      switch (n) {
        case 1: return b[p];
        case 2: return (b[p] << 8) | b[p + 1];
        case 3: return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
        case 4: return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
        case 8: {
          const hi = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
          const lo = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
          return hi * 2 ** 32 + lo;
        }
      }
    }
    throw this.unit.reader.error(`unsupported value size ${n}`, p);
  }

  /** Skip one value of a variable-size form. */
  private skipVar(form: number, depth = 0): void {
    switch (form) {
      case C.DW_FORM_block1: this.p += 1 + this.b[this.p]; return;
      case C.DW_FORM_block2: { const n = this.un(2); this.p += n; return; }
      case C.DW_FORM_block4: { const n = this.un(4); this.p += n; return; }
      case C.DW_FORM_block: case C.DW_FORM_exprloc: { const n = this.uleb(); this.p += n; return; }
      case C.DW_FORM_string: {
        const e = this.b.indexOf(0, this.p);
        if (e < 0) throw this.unit.reader.error('unterminated string', this.p);
        this.p = e + 1;
        return;
      }
      case C.DW_FORM_indirect: {
        if (depth > 4) throw this.unit.reader.error('DW_FORM_indirect nested too deep', this.p);
        const f = this.uleb();
        const s = formSize(f, this.unit.header);
        if (s === -2) throw this.unit.reader.error(`unknown attribute form 0x${f.toString(16)}`, this.p);
        if (s >= 0) this.p += s;
        else this.skipVar(f, depth + 1);
        return;
      }
      default: { // LEB128 forms
        const b = this.b;
        let p = this.p;
        while (b[p] & 0x80) p++;
        this.p = p + 1;
      }
    }
  }

  /** An unsigned number-valued form (constants, offsets, references, flags, string indexes); NaN for others (skipped). */
  private num(form: number, spec: { implicitConst?: bigint }): number {
    switch (form) {
      case C.DW_FORM_data1: case C.DW_FORM_ref1: case C.DW_FORM_flag: case C.DW_FORM_strx1: return this.un(1);
      case C.DW_FORM_data2: case C.DW_FORM_ref2: case C.DW_FORM_strx2: return this.un(2);
      case C.DW_FORM_strx3: return this.un(3);
      case C.DW_FORM_data4: case C.DW_FORM_ref4: case C.DW_FORM_ref_sup4: case C.DW_FORM_strx4: return this.un(4);
      case C.DW_FORM_data8: case C.DW_FORM_ref8: case C.DW_FORM_ref_sup8: return this.un(8);
      case C.DW_FORM_udata: case C.DW_FORM_ref_udata: case C.DW_FORM_strx: case C.DW_FORM_GNU_str_index: return this.uleb();
      case C.DW_FORM_sdata: return this.sleb();
      case C.DW_FORM_implicit_const: return Number(spec.implicitConst ?? 0n);
      case C.DW_FORM_flag_present: return 1;
      case C.DW_FORM_strp: case C.DW_FORM_sec_offset: case C.DW_FORM_line_strp: case C.DW_FORM_strp_sup:
      case C.DW_FORM_GNU_ref_alt: case C.DW_FORM_GNU_strp_alt:
        return this.un(this.unit.header.offsetSize);
      case C.DW_FORM_ref_addr: { const h = this.unit.header; return this.un(h.version <= 2 ? h.addressSize : h.offsetSize); }
      case C.DW_FORM_addr: return this.un(this.unit.header.addressSize);
      default: {
        const s = formSize(form, this.unit.header);
        if (s >= 0) this.p += s;
        else this.skipVar(form);
        return NaN;
      }
    }
  }

  /**
   * An array bound. gcc writes them unsigned in the smallest data form (char a[256]
   * has upper bound 0xff as data1), and -1 (a zero-length array) as data8 all-ones
   * or sdata; so data1/2/4 are unsigned, data8 and sdata signed.
   */
  private bound(form: number, spec: { implicitConst?: bigint }): number {
    switch (form) {
      case C.DW_FORM_data1: case C.DW_FORM_data2: case C.DW_FORM_data4: return this.num(form, spec);
      default: return this.snum(form, spec);
    }
  }

  /** A signed constant: data forms sign-extended from their size. NaN for non-constants. */
  private snum(form: number, spec: { implicitConst?: bigint }): number {
    switch (form) {
      case C.DW_FORM_data1: { const v = this.un(1); return v >= 0x80 ? v - 0x100 : v; }
      case C.DW_FORM_data2: { const v = this.un(2); return v >= 0x8000 ? v - 0x10000 : v; }
      case C.DW_FORM_data4: { const v = this.un(4); return v >= 2 ** 31 ? v - 2 ** 32 : v; }
      case C.DW_FORM_data8: {
        const p = this.p;
        const lo = this.un(4), hi = this.un(4);
        if (!this.le) { this.p = p; const h2 = this.un(4), l2 = this.un(4); return h2 >= 2 ** 31 ? (h2 - 2 ** 32) * 2 ** 32 + l2 : h2 * 2 ** 32 + l2; }
        return hi >= 2 ** 31 ? (hi - 2 ** 32) * 2 ** 32 + lo : hi * 2 ** 32 + lo;
      }
      case C.DW_FORM_sdata: return this.sleb();
      case C.DW_FORM_udata: return this.uleb();
      case C.DW_FORM_implicit_const: return Number(spec.implicitConst ?? 0n);
      default: return this.num(form, spec), NaN;
    }
  }

  /** A reference form as a DieKey; NaN if the form is not a plain reference. Sets F_SLOW on row `i` for ref_sig8. */
  private refKey(form: number, i: number): number {
    const h = this.unit.header;
    switch (form) {
      case C.DW_FORM_ref1: case C.DW_FORM_ref2: case C.DW_FORM_ref4: case C.DW_FORM_ref8: case C.DW_FORM_ref_udata: {
        const o = this.num(form, NO_SPEC);
        return this.keyBias + h.offset + o;
      }
      case C.DW_FORM_ref_addr: return this.infoBias + this.num(form, NO_SPEC);
      case C.DW_FORM_ref_sup4: case C.DW_FORM_ref_sup8: case C.DW_FORM_GNU_ref_alt: return supDieKey(this.num(form, NO_SPEC));
      default:
        this.num(form, NO_SPEC);
        this.cols.flags[i] |= F_SLOW;
        return NaN;
    }
  }

  /** A name attribute's value as an interned name id. */
  private nameOf(form: number): number {
    let key: number;
    switch (form) {
      case C.DW_FORM_strp: key = this.un(this.unit.header.offsetSize); break;
      case C.DW_FORM_string: {
        const b = this.b;
        const s = this.p;
        const e = b.indexOf(0, s);
        if (e < 0) throw this.unit.reader.error('unterminated string', s);
        this.p = e + 1;
        let text = '';
        let ascii = true;
        for (let q = s; q < e; q++) if (b[q] >= 0x80) { ascii = false; break; }
        if (ascii && e - s < 64) for (let q = s; q < e; q++) text += String.fromCharCode(b[q]);
        else text = utf8(b.subarray(s, e));
        return this.internText(text);
      }
      case C.DW_FORM_strx: case C.DW_FORM_GNU_str_index: case C.DW_FORM_strx1: case C.DW_FORM_strx2: case C.DW_FORM_strx3: case C.DW_FORM_strx4:
        key = this.unit.strxOffset(this.num(form, NO_SPEC));
        break;
      case C.DW_FORM_strp_sup: case C.DW_FORM_GNU_strp_alt: {
        const o = this.un(this.unit.header.offsetSize);
        key = SUP_STR + o;
        let id = this.byOff.get(key);
        if (id === undefined) { id = this.internText(this.unit.strSup(o)); this.byOff.set(key, id); }
        return id;
      }
      default:
        this.num(form, NO_SPEC);
        return -1;
    }
    if (this.strBias === 0 && key < this.mainNames.length) {
      const known = this.mainNames[key];
      if (known > 0) return known - 1;
      const id = this.internText(this.unit.dwarf.str(key));
      this.mainNames[key] = id + 1;
      return id;
    }
    let id = this.byOff.get(this.strBias + key);
    if (id === undefined) { id = this.internText(this.unit.dwarf.str(key)); this.byOff.set(this.strBias + key, id); }
    return id;
  }

  private internText(s: string): number {
    let id = this.byText.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(s);
      this.byText.set(s, id);
    }
    return id;
  }

  private scanUnit(u: Unit): void {
    const h = u.header;
    this.unit = u;
    this.b = u.reader.bytes;
    this.le = u.reader.le;
    this.uStart = h.offset;
    this.uEnd = h.end;
    this.keyBias = h.section === 'types' ? TYPES_BIT : this.infoBias;
    this.n = 0;
    if (this.rowAt.length < h.end - h.offset) this.rowAt = new Int32Array(Math.max(h.end - h.offset, this.rowAt.length * 2));
    const abbrevs = u.abbrevs;
    const cols = this.cols;
    const rowAt = this.rowAt;
    const rowOf = new Int32Array(MAX_DEPTH + 1); // recorded row of the open DIE at each depth, -1 if none
    const tagOf = new Uint16Array(MAX_DEPTH + 1);
    let depth = 0;
    this.p = h.firstDie;
    const end = h.end;
    while (this.p < end) {
      const at = this.p;
      const code = this.uleb();
      if (code === 0) {
        if (depth === 0) break; // padding after the unit DIE
        depth--;
        const r = rowOf[depth + 1];
        if (r >= 0) {
          cols.end[r] = this.n;
          const tg = cols.tag[r];
          if ((tg === C.DW_TAG_structure_type || tg === C.DW_TAG_class_type || tg === C.DW_TAG_union_type) && this.sameAsBuilt(r)) this.n = r + 1;
        }
        if (depth === 0) break;
        continue;
      }
      const a = abbrevs.get(code);
      if (!a) throw u.reader.error(`unknown abbreviation code ${code}`, at);
      const pl = this.plan(a);
      const tag = a.tag;
      const role = tag < ROLE.length ? ROLE[tag] : 0;
      const parentRow = depth > 0 ? rowOf[depth] : -1;
      let record = role === 1 || (role === 2 && parentRow >= 0 && childOf(tagOf[depth], tag));
      let row = -1;
      if (!record) {
        if (pl.fixed >= 0) this.p += pl.fixed;
        else {
          const s = pl.sizes, f = a.forms;
          for (let j = 0; j < s.length; j++) { if (s[j] >= 0) this.p += s[j]; else this.skipVar(f[j]); }
        }
      } else {
        row = this.n++;
        if (row >= cols.cap) cols.grow(row + 1);
        this.decode(a, row, at, parentRow);
        if (depth === 1) cols.flags[row] |= F_TOP;
        if (parentRow >= 0 && cols.flags[row] & F_SLOW) cols.flags[parentRow] |= F_SLOW;
        rowAt[at - this.uStart] = row;
        // An enum already built from another unit: map it there and skip its children undecoded.
        // (Structs and unions are compared member by member when their children are read.)
        if (tag === C.DW_TAG_enumeration_type && a.hasChildren && this.dedup(row) !== undefined) {
          cols.end[row] = row + 1;
          this.skipChildren(u, a, at);
          continue;
        }
      }
      if (this.p > end) throw u.reader.error(`DIE at 0x${at.toString(16)} runs past the end of its unit`, at);
      if (a.hasChildren) {
        if (++depth > MAX_DEPTH) throw u.reader.error(`DIEs nested deeper than ${MAX_DEPTH}`, at);
        rowOf[depth] = record ? row : -1;
        tagOf[depth] = tag;
      } else if (record) {
        cols.end[row] = row + 1;
        if (tag === C.DW_TAG_structure_type || tag === C.DW_TAG_class_type || tag === C.DW_TAG_union_type) this.sameAsBuilt(row);
      }
    }
    if (depth > 0) {
      // Children left open at the end of the unit: close them for the builder, but say so.
      for (; depth > 0; depth--) if (rowOf[depth] >= 0) cols.end[rowOf[depth]] = this.n;
    }
  }

  /** Skip the children of the DIE at `at` (its attributes already read), through DW_AT_sibling when it is usable. */
  private skipChildren(u: Unit, a: Abbrev, at: number): void {
    const si = a.siblingIdx;
    if (si >= 0) {
      const save = this.p;
      this.p = at;
      this.uleb();
      const pl = this.plan(a);
      for (let j = 0; j < si; j++) { if (pl.sizes[j] >= 0) this.p += pl.sizes[j]; else this.skipVar(a.forms[j]); }
      const f = a.forms[si];
      if (f === C.DW_FORM_ref1 || f === C.DW_FORM_ref2 || f === C.DW_FORM_ref4 || f === C.DW_FORM_ref8 || f === C.DW_FORM_ref_udata) {
        const target = this.uStart + this.num(f, NO_SPEC);
        if (target > at && target <= this.uEnd) { this.p = target; return; }
      }
      this.p = save;
    }
    let depth = 1;
    const abbrevs = u.abbrevs;
    while (depth > 0) {
      if (this.p >= this.uEnd) throw u.reader.error(`children of DIE 0x${at.toString(16)} not terminated before the end of the unit`, at);
      const pos = this.p;
      const code = this.uleb();
      if (code === 0) { depth--; continue; }
      const b = abbrevs.get(code);
      if (!b) throw u.reader.error(`unknown abbreviation code ${code}`, pos);
      const pl = this.plan(b);
      if (pl.fixed >= 0) this.p += pl.fixed;
      else for (let j = 0; j < pl.sizes.length; j++) { if (pl.sizes[j] >= 0) this.p += pl.sizes[j]; else this.skipVar(b.forms[j]); }
      if (b.hasChildren && ++depth > MAX_DEPTH) throw u.reader.error(`DIEs nested deeper than ${MAX_DEPTH}`, at);
    }
  }

  /** Decode the attributes of a recorded DIE into row `i`. */
  private decode(a: Abbrev, i: number, at: number, parent: number): void {
    const c = this.cols;
    c.off[i] = at;
    c.tag[i] = a.tag;
    c.parent[i] = parent;
    c.name[i] = -1;
    c.size[i] = NaN; c.ref[i] = NaN; c.loc[i] = NaN; c.dbo[i] = NaN; c.lbo[i] = NaN; c.bits[i] = NaN; c.count[i] = NaN; c.align[i] = NaN;
    c.enc[i] = 0; c.flags[i] = 0; c.cvSize[i] = 0;
    let upper = NaN, lower = 0, count = NaN, boundsKnown = true;
    const specs = a.attrs;
    const pl = this.plan(a);
    for (let j = 0; j < specs.length; j++) {
      const s = specs[j];
      const form = s.form;
      switch (s.at) {
        case C.DW_AT_name: c.name[i] = this.nameOf(form); break;
        case C.DW_AT_type: c.ref[i] = this.refKey(form, i); break;
        case C.DW_AT_byte_size: c.size[i] = this.constant(form, s); break;
        case C.DW_AT_bit_size: c.bits[i] = this.constant(form, s); break;
        case C.DW_AT_data_bit_offset: c.dbo[i] = this.constant(form, s); break;
        case C.DW_AT_data_member_location:
          c.loc[i] = form === C.DW_FORM_exprloc || form === C.DW_FORM_block1 ? this.plusUconst(form) : this.constant(form, s);
          if (Number.isNaN(c.loc[i])) c.flags[i] |= F_SLOW; // a location expression: the lazy path reads it
          break;
        case C.DW_AT_bit_offset: c.lbo[i] = this.snum(form, s); if (Number.isNaN(c.lbo[i])) c.flags[i] |= F_SLOW; break;
        case C.DW_AT_alignment: c.align[i] = this.constant(form, s); break;
        case C.DW_AT_encoding: c.enc[i] = this.num(form, s); break;
        case C.DW_AT_declaration: if (this.num(form, s)) c.flags[i] |= F_DECL; break;
        case C.DW_AT_external: if (this.num(form, s)) c.flags[i] |= F_EXTERNAL; break;
        case C.DW_AT_prototyped: if (this.num(form, s)) c.flags[i] |= F_PROTOTYPED; break;
        case C.DW_AT_signature: this.num(form, s); c.flags[i] |= F_SLOW | F_HAS_SIG; break;
        case C.DW_AT_count: count = this.constant(form, s); if (Number.isNaN(count)) boundsKnown = false; break;
        case C.DW_AT_upper_bound: upper = this.bound(form, s); if (Number.isNaN(upper)) boundsKnown = false; break;
        case C.DW_AT_lower_bound: lower = this.bound(form, s); if (Number.isNaN(lower)) lower = 0; break;
        case C.DW_AT_const_value: this.constValue(form, s, i); break;
        default:
          if (pl.sizes[j] >= 0) this.p += pl.sizes[j];
          else this.skipVar(form);
      }
    }
    const tag = a.tag;
    if (tag === C.DW_TAG_subrange_type || tag === C.DW_TAG_generic_subrange) {
      let n = NaN;
      if (!Number.isNaN(count)) n = count;
      else if (boundsKnown && !Number.isNaN(upper)) n = Math.max(0, upper - lower + 1);
      c.count[i] = n;
    }
  }

  /** A DW_AT_data_member_location expression that is one DW_OP_plus_uconst (DWARF 2/3); NaN for anything else. */
  private plusUconst(form: number): number {
    const n = form === C.DW_FORM_block1 ? this.un(1) : this.uleb();
    const end = this.p + n;
    let v = NaN;
    if (n >= 2 && this.b[this.p] === C.DW_OP_plus_uconst) {
      this.p++;
      v = this.uleb();
      if (this.p !== end) v = NaN;
    }
    this.p = end;
    return v;
  }

  /** An unsigned constant (byte_size, data_member_location, ...); NaN when the form is not a constant or the value is unsafe. */
  private constant(form: number, s: { implicitConst?: bigint }): number {
    switch (form) {
      case C.DW_FORM_data1: case C.DW_FORM_data2: case C.DW_FORM_data4: case C.DW_FORM_data8: case C.DW_FORM_udata:
      case C.DW_FORM_sdata: case C.DW_FORM_implicit_const: {
        const v = this.num(form, s);
        return v >= 0 && v <= Number.MAX_SAFE_INTEGER ? v : NaN;
      }
      default: this.num(form, s); return NaN;
    }
  }

  /** DW_AT_const_value of an enumerator: the value, its data size (0 for LEB/implicit) and whether the form is signed. */
  private constValue(form: number, s: { implicitConst?: bigint }, i: number): void {
    const c = this.cols;
    switch (form) {
      case C.DW_FORM_data1: c.cvSize[i] = 1; break;
      case C.DW_FORM_data2: c.cvSize[i] = 2; break;
      case C.DW_FORM_data4: c.cvSize[i] = 4; break;
      case C.DW_FORM_data8: c.cvSize[i] = 8; break;
      case C.DW_FORM_sdata: case C.DW_FORM_implicit_const: c.flags[i] |= F_CV_SIGNED; break;
      case C.DW_FORM_udata: break;
      default: this.num(form, s); c.flags[i] |= F_SLOW; return;
    }
    const v = this.num(form, s);
    if (!Number.isSafeInteger(v)) c.flags[i] |= F_SLOW;
    c.count[i] = v;
  }

  /** Kind of the named type in row i, as the deduplication key uses it. */
  private kindOf(i: number): Type['kind'] {
    const c = this.cols;
    const tag = c.tag[i];
    if (c.flags[i] & F_DECL && (tag === C.DW_TAG_structure_type || tag === C.DW_TAG_class_type || tag === C.DW_TAG_union_type || tag === C.DW_TAG_enumeration_type)) return 'forward';
    switch (tag) {
      case C.DW_TAG_structure_type: case C.DW_TAG_class_type: return 'struct';
      case C.DW_TAG_union_type: return 'union';
      case C.DW_TAG_enumeration_type: return 'enum';
      case C.DW_TAG_typedef: return 'typedef';
      case C.DW_TAG_base_type: return isFloatEncoding(c.enc[i]) ? 'float' : 'int';
      default: return 'void';
    }
  }

  /** A built type equal by kind, name and size to the named type DIE in row i; memoised. */
  private dedup(i: number): Type | undefined {
    const c = this.cols;
    const id = c.name[i];
    if (id < 0 || c.flags[i] & F_HAS_SIG || !(c.flags[i] & F_TOP)) return undefined;
    const list = this.canon[id];
    if (!list) return undefined;
    const kind = this.kindOf(i);
    if (kind === 'void') return undefined;
    const size = c.size[i];
    const tag = c.tag[i];
    for (const t of list) {
      if (t.kind !== kind) continue;
      if (t.kind === 'struct' || t.kind === 'union') continue; // sameAsBuilt compares their members
      if (t.kind === 'typedef') return (this.memo[i] = t);
      if (t.kind === 'forward') {
        const of = tag === C.DW_TAG_union_type ? 'union' : tag === C.DW_TAG_enumeration_type ? 'enum' : 'struct';
        if (t.of === of) return (this.memo[i] = t);
        continue;
      }
      const want = Number.isNaN(size) ? (t.kind === 'enum' ? 4 : 0) : size;
      if ((t as { size: number }).size === want) return (this.memo[i] = t);
    }
    return undefined;
  }

  /**
   * Whether the struct/union of row i (its member rows just read) equals one
   * already built, as pahole's dedup judges it: same name, size, number of
   * members, and per member the same name, bit offset and bitfield width. If
   * so it is mapped there (memoised) and its member rows can be dropped.
   */
  private sameAsBuilt(i: number): boolean {
    const c = this.cols;
    const id = c.name[i];
    if (id < 0 || c.flags[i] & (F_HAS_SIG | F_SLOW | F_DECL) || !(c.flags[i] & F_TOP)) return false;
    const list = this.canon[id];
    if (!list) return false;
    const kind = c.tag[i] === C.DW_TAG_union_type ? 'union' : 'struct';
    const size = Number.isNaN(c.size[i]) ? 0 : c.size[i];
    const end = c.end[i];
    let count = 0;
    for (let j = i + 1; j < end; j++) {
      if (c.parent[j] !== i) return false; // something other than members nested inside: build it
      if (c.tag[j] === C.DW_TAG_member && !(c.flags[j] & (F_DECL | F_EXTERNAL))) count++;
    }
    next: for (const t of list) {
      if (t.kind !== kind || t.size !== size || t.members.length !== count) continue;
      let k = 0;
      for (let j = i + 1; j < end; j++) {
        if (c.tag[j] !== C.DW_TAG_member || c.flags[j] & (F_DECL | F_EXTERNAL)) continue;
        const m = t.members[k++];
        const nm = c.name[j];
        if ((nm >= 0) !== (m.name !== undefined) || (nm >= 0 && this.names[nm] !== m.name)) continue next;
        const bits = Number.isNaN(c.bits[j]) ? undefined : c.bits[j];
        if (bits !== m.bitSize) continue next;
        const at = this.memberBitOffset(j, undefined);
        if (at === undefined || at !== m.bitOffset) continue next;
      }
      this.memo[i] = t;
      return true;
    }
    return false;
  }

  /** Bit offset of member row j; for a legacy DW_AT_bit_offset without a storage size, `typeSize` gives it (undefined: unknown). */
  private memberBitOffset(j: number, typeSize: number | undefined): number | undefined {
    const c = this.cols;
    if (!Number.isNaN(c.dbo[j])) return c.dbo[j];
    const byteOffset = Number.isNaN(c.loc[j]) ? 0 : c.loc[j];
    const lbo = c.lbo[j];
    const bitSize = c.bits[j];
    if (Number.isNaN(lbo) || Number.isNaN(bitSize)) return byteOffset * 8;
    if (!this.le) return byteOffset * 8 + lbo;
    const storage = Number.isNaN(c.size[j]) ? typeSize : c.size[j];
    if (storage === undefined) return undefined;
    return byteOffset * 8 + storage * 8 - lbo - bitSize;
  }

  // ------------------------------------------------------------ building

  private buildUnit(): void {
    const c = this.cols;
    const n = this.n;
    if (this.memo.length < n) this.memo.length = n;
    this.fresh = [];
    for (let i = 0; i < n; i++) {
      if (c.name[i] < 0 || this.memo[i] !== undefined) continue;
      const tag = c.tag[i];
      if (ROLE[tag] !== 1 || tag === C.DW_TAG_pointer_type || tag === C.DW_TAG_array_type) continue;
      try {
        this.typeOf(i);
        this.drain();
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        this.problems.push(e);
        this.queue.length = 0;
      }
    }
    for (const f of this.late) f();
    this.late = [];
    this.checkChains();
    for (let i = 0; i < n; i++) this.memo[i] = undefined;
    this.n = 0;
  }

  private drain(): void {
    const q = this.queue;
    while (q.length) this.fill(q.pop()!);
  }

  private key(i: number): DieKey {
    return (this.keyBias + this.cols.off[i]) as DieKey;
  }

  /** The type of row i: deduplicated, built shallowly (children queued), or from the lazy converter. */
  private typeOf(i: number): Type {
    const m = this.memo[i];
    if (m) return m;
    const c = this.cols;
    const key = this.key(i);
    let t: Type;
    if (c.flags[i] & F_SLOW) {
      t = this.lazy(key);
      this.memo[i] = t;
      this.register(i, t, false);
      return t;
    }
    const d = this.dedup(i);
    if (d) return d;
    const tag = c.tag[i];
    const name = c.name[i] >= 0 ? this.names[c.name[i]] : undefined;
    switch (tag) {
      case C.DW_TAG_base_type: t = baseType(name ?? '', c.size[i], c.enc[i], c.bits[i]); break;
      case C.DW_TAG_unspecified_type: t = { kind: 'void' }; break;
      case C.DW_TAG_pointer_type: case C.DW_TAG_reference_type: case C.DW_TAG_rvalue_reference_type:
        t = { kind: 'pointer', target: VOID, size: Number.isNaN(c.size[i]) ? this.unit.header.addressSize : c.size[i] };
        break;
      case C.DW_TAG_const_type: t = { kind: 'const', target: VOID } as QualifiedType; break;
      case C.DW_TAG_volatile_type: t = { kind: 'volatile', target: VOID } as QualifiedType; break;
      case C.DW_TAG_restrict_type: t = { kind: 'restrict', target: VOID } as QualifiedType; break;
      case C.DW_TAG_atomic_type: t = { kind: 'atomic', target: VOID } as QualifiedType; break;
      case C.DW_TAG_typedef: t = { kind: 'typedef', name: name ?? '', target: VOID }; break;
      case C.DW_TAG_structure_type: case C.DW_TAG_class_type: case C.DW_TAG_union_type: {
        const of = tag === C.DW_TAG_union_type ? 'union' : 'struct';
        if (c.flags[i] & F_DECL) { t = { kind: 'forward', name: name ?? '', of }; break; }
        const s: StructType = { kind: of, name, size: Number.isNaN(c.size[i]) ? 0 : c.size[i], members: [] };
        if (c.align[i]) s.align = c.align[i];
        t = s;
        break;
      }
      case C.DW_TAG_enumeration_type:
        if (c.flags[i] & F_DECL) { t = { kind: 'forward', name: name ?? '', of: 'enum' }; break; }
        t = { kind: 'enum', name, size: Number.isNaN(c.size[i]) ? 4 : c.size[i], signed: false, values: [] };
        break;
      case C.DW_TAG_array_type: t = { kind: 'array', element: VOID, count: undefined }; break;
      case C.DW_TAG_subroutine_type:
        t = { kind: 'function', returns: VOID, params: [], varargs: false, prototyped: (c.flags[i] & F_PROTOTYPED) !== 0 };
        break;
      default:
        throw this.unit.reader.error(`DIE 0x${c.off[i].toString(16)}: not a type`, c.off[i]);
    }
    t.origin = { format: 'dwarf', id: key };
    this.memo[i] = t;
    this.register(i, t, true);
    if (t.kind !== 'int' && t.kind !== 'float' && t.kind !== 'void' && t.kind !== 'forward') this.queue.push(i);
    return t;
  }

  private register(i: number, t: Type, fresh: boolean): void {
    const c = this.cols;
    this.built.set(this.key(i), t);
    if (fresh) this.fresh.push(t);
    const id = c.name[i];
    if (id < 0 || c.flags[i] & F_HAS_SIG || !(c.flags[i] & F_TOP)) return;
    if (t.kind === 'pointer' || t.kind === 'array' || t.kind === 'function' || t.kind === 'void') return;
    const list = this.canon[id];
    if (list?.includes(t)) return;
    if (list) list.push(t);
    else this.canon[id] = [t];
    this.named.push(t);
  }

  /** The type a reference of row i points at. */
  private refType(i: number): Type {
    const k = this.cols.ref[i];
    if (Number.isNaN(k)) return VOID;
    const o = k - this.keyBias;
    if (o >= this.uStart && o < this.uEnd) {
      const j = this.rowAt[o - this.uStart];
      if (j >= 0 && j < this.n && this.cols.off[j] === o) return this.typeOf(j);
    }
    return this.built.get(k) ?? this.lazy(k as DieKey);
  }

  /** Fill in what a shallow type points at. */
  private fill(i: number): void {
    const c = this.cols;
    const t = this.memo[i]!;
    switch (t.kind) {
      case 'pointer': case 'const': case 'volatile': case 'restrict': case 'atomic': case 'typedef':
        t.target = this.refType(i);
        return;
      case 'struct': case 'union': {
        for (let j = i + 1; j < c.end[i]; j++) {
          if (c.parent[j] !== i || c.tag[j] !== C.DW_TAG_member) continue;
          if (c.flags[j] & (F_DECL | F_EXTERNAL)) continue;
          const m: Member = { name: c.name[j] >= 0 ? this.names[c.name[j]] : undefined, type: this.refType(j), bitOffset: 0 };
          if (!Number.isNaN(c.bits[j])) m.bitSize = c.bits[j];
          if (c.align[j]) m.align = c.align[j];
          const at = this.memberBitOffset(j, undefined);
          if (at !== undefined) m.bitOffset = at;
          else {
            // Legacy bit offset without a storage size: the member type's size, once it is complete.
            const le = this.le, lbo = c.lbo[j], bitSize = c.bits[j], byteOffset = Number.isNaN(c.loc[j]) ? 0 : c.loc[j];
            this.late.push(() => { m.bitOffset = le ? byteOffset * 8 + (trySizeof(m.type) ?? 0) * 8 - lbo - bitSize : byteOffset * 8 + lbo; });
          }
          t.members.push(m);
        }
        return;
      }
      case 'enum': {
        let signed = false;
        if (!Number.isNaN(c.ref[i])) {
          const base = this.refType(i);
          signed = base.kind === 'int' && base.signed;
        }
        for (let j = i + 1; j < c.end[i]; j++) {
          if (c.parent[j] !== i || c.tag[j] !== C.DW_TAG_enumerator) continue;
          if (c.flags[j] & F_CV_SIGNED && c.count[j] < 0) signed = true;
        }
        t.signed = signed;
        for (let j = i + 1; j < c.end[i]; j++) {
          if (c.parent[j] !== i || c.tag[j] !== C.DW_TAG_enumerator) continue;
          let v = Number.isNaN(c.count[j]) ? 0 : c.count[j];
          const size = c.cvSize[j];
          if (signed && !(c.flags[j] & F_CV_SIGNED) && size && v >= 2 ** (size * 8 - 1)) v -= 2 ** (size * 8);
          t.values.push({ name: c.name[j] >= 0 ? this.names[c.name[j]] : '', value: BigInt(v) });
        }
        return;
      }
      case 'array': {
        const element = this.refType(i);
        const dims: (number | undefined)[] = [];
        for (let j = i + 1; j < c.end[i]; j++) {
          if (c.parent[j] !== i) continue;
          const tg = c.tag[j];
          if (tg !== C.DW_TAG_subrange_type && tg !== C.DW_TAG_generic_subrange) continue;
          dims.push(Number.isNaN(c.count[j]) ? undefined : c.count[j]);
        }
        if (dims.length === 0) dims.push(undefined);
        let inner: Type = element;
        for (let d = dims.length - 1; d >= 1; d--) inner = { kind: 'array', element: inner, count: dims[d] };
        (t as ArrayType).element = inner;
        (t as ArrayType).count = dims[0];
        return;
      }
      case 'function': {
        const f = t as FunctionType;
        f.returns = this.refType(i);
        for (let j = i + 1; j < c.end[i]; j++) {
          if (c.parent[j] !== i) continue;
          if (c.tag[j] === C.DW_TAG_formal_parameter) f.params.push({ name: c.name[j] >= 0 ? this.names[c.name[j]] : undefined, type: this.refType(j) });
          else if (c.tag[j] === C.DW_TAG_unspecified_parameters) f.varargs = true;
        }
        return;
      }
      default:
    }
  }

  /** Typedef/qualifier/array chains must end; a loop (bad input) is cut and reported. */
  private checkChains(): void {
    for (const start of this.fresh) {
      let t: Type = start;
      for (let d = 0; d <= MAX_TYPE_DEPTH; d++) {
        let next: Type | undefined;
        if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'atomic') next = t.target;
        else if (t.kind === 'array') next = t.element;
        if (!next) break;
        if (d === MAX_TYPE_DEPTH) {
          const id = start.origin?.id ?? 0;
          this.problems.push(new FormatError(`DIE 0x${id.toString(16)}: reference cycle through typedefs, qualifiers or arrays`, this.dwarf.place('info', id % TYPES_BIT)));
          if (start.kind === 'array') start.element = VOID;
          else if (start.kind !== 'void' && 'target' in start) (start as QualifiedType).target = VOID;
          break;
        }
        t = next;
      }
    }
    this.fresh = [];
  }
}

function isFloatEncoding(enc: number): boolean {
  return enc === C.DW_ATE_float || enc === C.DW_ATE_decimal_float || enc === C.DW_ATE_imaginary_float || enc === C.DW_ATE_complex_float;
}

/** The model type of a DW_TAG_base_type (NaN size or bits: absent); shared with the DIE-at-a-time converter. */
export function baseType(name: string, rawSize: number, enc: number, bits: number): Type {
  const size = Number.isNaN(rawSize) ? 0 : rawSize;
  switch (enc) {
    case C.DW_ATE_float: case C.DW_ATE_decimal_float: case C.DW_ATE_imaginary_float:
      return { kind: 'float', name, size };
    case C.DW_ATE_complex_float:
      return { kind: 'float', name, size, complex: true };
    default: {
      const t: IntType = {
        kind: 'int', name, size,
        signed: enc === C.DW_ATE_signed || enc === C.DW_ATE_signed_char || enc === C.DW_ATE_signed_fixed,
        encoding: enc === C.DW_ATE_boolean ? 'bool' : enc === C.DW_ATE_signed_char || enc === C.DW_ATE_unsigned_char || enc === C.DW_ATE_UTF ? 'char' : 'plain',
      };
      if (!Number.isNaN(bits) && bits !== size * 8) t.bits = bits;
      return t;
    }
  }
}

export type { EnumType };
