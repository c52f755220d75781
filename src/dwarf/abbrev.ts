/**
 * .debug_abbrev: abbreviation tables. A unit names the table at its
 * debug_abbrev_offset; each abbreviation gives a DIE's tag, whether it has
 * children, and its (attribute, form) list. Tables are parsed once and shared
 * by every unit that names the same offset (DwarfInfo caches them).
 *
 * Abbreviations also remember where their commonly wanted attributes sit
 * (name, sibling, declaration), so the DIE scanners can go straight there.
 */
import { ByteTable, Reader, fnv1a } from '../bytes/index.js';
import { DW_AT_declaration, DW_AT_name, DW_AT_sibling, DW_CHILDREN_yes, DW_FORM_implicit_const } from './constants.js';
import { formSize } from './form.js';
import type { AbbrevOffset } from './sections.js';
import type { UnitHeader } from './unit.js';

/** See Abbrev.layout. */
export interface AbbrevLayout { readonly sizes: readonly number[]; readonly fixed: number }

export interface AttrSpec {
  at: number;
  form: number;
  /** The value of a DW_FORM_implicit_const attribute (stored in the abbreviation). */
  implicitConst?: bigint;
}

export class Abbrev {
  /** Index in `attrs` of DW_AT_name / DW_AT_sibling / DW_AT_declaration, or -1. */
  readonly nameIdx: number;
  readonly siblingIdx: number;
  readonly declIdx: number;
  /** attrs[i].at and attrs[i].form, side by side for the scanners. */
  readonly ats: readonly number[];
  readonly forms: readonly number[];
  /** attrs[i].implicitConst, when any attribute has one. */
  readonly consts?: readonly (bigint | undefined)[];
  private specs?: AttrSpec[];
  /** Scratch slot for a whole-file scanner's precomputed plan (types/dwarf-bulk.ts). */
  bulkPlan: unknown = undefined;
  /** The same, for dwarf2ctf's scan (dedup/scan.ts). */
  scanPlan: unknown = undefined;
  /** And one more (where DW_AT_sibling sits), for the same. */
  siblingPlan: unknown = undefined;
  private layoutShape = -1;
  private layoutCache?: AbbrevLayout;
  /** dwarf2ctf's per-attribute decoding plan (dedup/scan.ts readOps). */
  readPlan: unknown = undefined;
  readShape = -1;

  /**
   * `ats` and `forms` side by side (and `consts` when some attribute is
   * DW_FORM_implicit_const), not an object per attribute: a kernel has
   * millions of abbreviations. `attrs` is built from them when asked for.
   */
  constructor(readonly code: number, readonly tag: number, readonly hasChildren: boolean, ats: number[], forms: number[], consts?: (bigint | undefined)[]) {
    let name = -1, sibling = -1, decl = -1;
    for (let i = 0; i < ats.length; i++) {
      const at = ats[i];
      if (at === DW_AT_name && name < 0) name = i;
      else if (at === DW_AT_sibling && sibling < 0) sibling = i;
      else if (at === DW_AT_declaration && decl < 0) decl = i;
    }
    this.nameIdx = name;
    this.siblingIdx = sibling;
    this.declIdx = decl;
    this.ats = ats;
    this.forms = forms;
    this.consts = consts;
  }

  /** The attribute specifications. */
  get attrs(): AttrSpec[] {
    if (!this.specs) {
      const out: AttrSpec[] = [];
      for (let i = 0; i < this.ats.length; i++) {
        const c = this.consts?.[i];
        out.push(c === undefined ? { at: this.ats[i], form: this.forms[i] } : { at: this.ats[i], form: this.forms[i], implicitConst: c });
      }
      this.specs = out;
    }
    return this.specs;
  }

  /** An abbreviation from attribute specifications. */
  static of(code: number, tag: number, hasChildren: boolean, attrs: AttrSpec[]): Abbrev {
    const consts = attrs.some((a) => a.implicitConst !== undefined) ? attrs.map((a) => a.implicitConst) : undefined;
    return new Abbrev(code, tag, hasChildren, attrs.map((a) => a.at), attrs.map((a) => a.form), consts);
  }

  /**
   * Per attribute, its form's size in units of this shape (-1: it varies
   * (LEB128, inline string, block); -2: a form this reader does not know),
   * and the bytes of all of them when every size is fixed (-1 otherwise):
   * what the DIE scanners step over. Worked out once per unit shape.
   */
  layout(h: UnitHeader): AbbrevLayout {
    const shape = h.version * 256 + h.offsetSize * 16 + h.addressSize;
    if (this.layoutShape === shape) return this.layoutCache!;
    const sizes: number[] = [];
    let fixed = 0;
    for (let i = 0; i < this.forms.length; i++) {
      const n = formSize(this.forms[i], h);
      sizes.push(n);
      fixed = n < 0 || fixed < 0 ? -1 : fixed + n;
    }
    this.layoutCache = { sizes, fixed };
    this.layoutShape = shape;
    return this.layoutCache;
  }

  /** Index of attribute `at` in `attrs`, or -1. */
  indexOf(at: number): number {
    const a = this.ats;
    for (let i = 0; i < a.length; i++) if (a[i] === at) return i;
    return -1;
  }
}

/** Most abbreviation tables number their entries 1..n; those are kept in an array. */
export class AbbrevTable {
  private readonly dense: (Abbrev | undefined)[] = [];
  private readonly sparse = new Map<number, Abbrev>();

  constructor(readonly offset: AbbrevOffset) {}


  /** Enter `a` under `code` (its own unless given: an abbreviation shared between tables keeps the code it was first read with). */
  add(a: Abbrev, code = a.code): void {
    if (code < 1 << 16) this.dense[code] = a;
    else this.sparse.set(code, a);
  }

  get(code: number): Abbrev | undefined {
    return code < 1 << 16 ? this.dense[code] : this.sparse.get(code);
  }

  get size(): number {
    return this.dense.filter(Boolean).length + this.sparse.size;
  }
}

/** Upper bound on entries in one table and attributes in one entry (bad input must not run away). */
const MAX_ABBREVS = 1 << 20;
const MAX_ATTRS = 1 << 12;

const scratchAts: number[] = [];
const scratchForms: number[] = [];
const scratchConstAt: number[] = [];

/**
 * Abbreviations already made, by the bytes that define them (tag, children
 * flag, attribute specifications): a kernel's 14 thousand distinct ones are
 * met 860 thousand times, once per compile unit that uses them, and each
 * made afresh cost two arrays and every plan the scanners attach to it
 * (which depend only on those bytes and the unit's shape, and are checked
 * against the shape). Numbered by their bytes (ByteTable) in sharedList.
 * Bounded: past SHARED_MAX entries, new ones are made and not kept.
 */
const SHARED_MAX = 1 << 17;
const shared = new ByteTable();
const sharedList: Abbrev[] = [];

/**
 * Where the abbreviation entry whose tag starts at `p` ends (after its 0, 0
 * pair), found without decoding a value; -1 when it runs off the end or has
 * more than MAX_ATTRS attributes (the decoder then says what is wrong).
 */
function entryEnd(b: Uint8Array, p: number): number {
  const n = b.length;
  while (p < n && b[p] & 0x80) p++; // tag
  p += 2; // (its last byte, and the children flag)
  for (let i = 0; i <= MAX_ATTRS; i++) {
    if (p >= n) return -1;
    const at0 = b[p];
    while (p < n && b[p] & 0x80) p++;
    const formAt = ++p;
    if (p >= n) return -1;
    const form0 = b[p];
    while (p < n && b[p] & 0x80) p++;
    p++;
    if (at0 === 0 && form0 === 0) return p <= n ? p : -1;
    if (form0 === DW_FORM_implicit_const && p === formAt + 1) { // (its value follows)
      while (p < n && b[p] & 0x80) p++;
      p++;
    }
  }
  return -1;
}

/** Parse the table at `offset` of .debug_abbrev (reader covers the whole section). */
export function parseAbbrevTable(r: Reader, offset: AbbrevOffset): AbbrevTable {
  if (offset < 0 || offset >= r.length) throw r.error(`abbreviation table offset 0x${offset.toString(16)} outside the section`, Math.max(0, Math.min(offset, r.length)));
  r.seek(offset);
  const table = new AbbrevTable(offset);
  for (let n = 0; ; n++) {
    if (n > MAX_ABBREVS) throw r.error('abbreviation table too long (no terminating 0?)');
    if (r.atEnd) break; // tolerate a table that ends with the section
    const code = r.uleb128();
    if (code === 0) break;
    if (table.get(code)) throw r.error(`abbreviation code ${code} defined twice`);
    const start = r.pos;
    // Nearly every entry was met before (in another unit or file): found by its bytes, whose end
    // is found by skipping LEB128s, it is not decoded. (A new one, or bad bytes: decoded below.)
    const end = entryEnd(r.bytes, start);
    const h = end > 0 ? fnv1a(r.bytes, start, end) : 0;
    if (end > 0) {
      const k = shared.find(h, r.bytes, start, end);
      if (k >= 0) {
        table.add(sharedList[k], code);
        r.pos = end;
        continue;
      }
    }
    const tag = r.uleb128();
    const children = r.u8();
    // Gathered in scratch arrays, then copied to arrays of the exact size (no growth slack kept per abbreviation).
    let na = 0;
    let nconst = 0;
    for (let i = 0; ; i++) {
      if (i > MAX_ATTRS) throw r.error(`abbreviation ${code} has too many attributes`);
      const at = r.uleb128();
      const form = r.uleb128();
      if (at === 0 && form === 0) break;
      if (form === DW_FORM_implicit_const) {
        // (where its value is: decoded below only for an abbreviation not met before)
        scratchConstAt[nconst++] = r.pos;
        r.skipLeb128();
      }
      scratchAts[na] = at;
      scratchForms[na] = form;
      na++;
    }
    let consts: (bigint | undefined)[] | undefined;
    if (nconst) {
      const end = r.pos;
      consts = new Array<bigint | undefined>(na).fill(undefined);
      for (let i = 0, k = 0; i < na; i++) {
        if (scratchForms[i] !== DW_FORM_implicit_const) continue;
        r.pos = scratchConstAt[k++];
        consts[i] = r.sleb128Big();
      }
      r.pos = end;
    }
    const a = new Abbrev(code, tag, children === DW_CHILDREN_yes, scratchAts.slice(0, na), scratchForms.slice(0, na), consts);
    if (end === r.pos && shared.size < SHARED_MAX) { shared.add(h, r.bytes, start, end); sharedList.push(a); }
    table.add(a);
  }
  return table;
}
