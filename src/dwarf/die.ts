/**
 * Debugging information entries, read lazily.
 *
 * A `Die` is a position in a unit plus its abbreviation: nothing about its
 * attributes is decoded until asked (`attr`, `name`, ...). Walking children
 * skips each child's subtree through DW_AT_sibling when the producer wrote
 * one, and otherwise by skipping forms without decoding them. Every loop is
 * bounded by the unit's end, so bad input ends in a FormatError, never a hang.
 */
import type { Abbrev, AttrSpec } from './abbrev.js';
import { constantValue, readForm, skipForm, type AttrValue } from './form.js';
import { tagName } from './names.js';
import { dieKey, supDieKey, type DieKey } from './sections.js';
import type { Unit } from './info.js';

/** Nesting limit for DIE trees (real compilers stay far below). */
export const MAX_DIE_DEPTH = 512;

export class Die {
  private end = -1;

  constructor(
    readonly unit: Unit,
    /** Offset of the DIE (its abbreviation code) in the unit's section. */
    readonly offset: number,
    readonly abbrev: Abbrev,
    /** Offset of the first attribute value. */
    readonly attrsAt: number,
  ) {}

  get tag(): number { return this.abbrev.tag; }
  get hasChildren(): boolean { return this.abbrev.hasChildren; }
  get key(): DieKey { return this.unit.dwarf.isSup ? supDieKey(this.offset) : dieKey(this.unit.header.section, this.offset); }
  get tagName(): string { return tagName(this.abbrev.tag); }

  /** The value of attribute `at`, or undefined if the DIE does not have it. */
  attr(at: number): AttrValue | undefined {
    const i = this.abbrev.indexOf(at);
    return i < 0 ? undefined : this.attrAt(i);
  }

  /** The value of the i-th attribute of the abbreviation. */
  attrAt(i: number): AttrValue {
    const r = this.unit.reader;
    const specs = this.abbrev.attrs;
    const h = this.unit.header;
    r.pos = this.attrsAt;
    for (let j = 0; j < i; j++) skipForm(r, specs[j].form, h);
    return readForm(r, specs[i].form, this.unit, specs[i].implicitConst);
  }

  /** Every attribute with its value, in order. */
  attrs(): [AttrSpec, AttrValue][] {
    const r = this.unit.reader;
    r.pos = this.attrsAt;
    const out: [AttrSpec, AttrValue][] = [];
    for (const s of this.abbrev.attrs) {
      const v = readForm(r, s.form, this.unit, s.implicitConst);
      const next = r.pos; // readForm may resolve strings through other readers, never this one
      out.push([s, v]);
      r.pos = next;
    }
    return out;
  }

  /** Offset just past this DIE's attributes (where its first child or next sibling starts). */
  get attrsEnd(): number {
    if (this.end < 0) {
      const r = this.unit.reader;
      r.pos = this.attrsAt;
      const h = this.unit.header;
      const f = this.abbrev.forms;
      for (let j = 0; j < f.length; j++) skipForm(r, f[j], h);
      if (r.pos > h.end) throw r.error(`DIE at 0x${this.offset.toString(16)} runs past the end of its unit`, this.offset);
      this.end = r.pos;
    }
    return this.end;
  }

  /** DW_AT_name, if any. */
  name(): string | undefined {
    const i = this.abbrev.nameIdx;
    if (i < 0) return undefined;
    const v = this.attrAt(i);
    return v.cls === 'string' ? v.value : undefined;
  }

  /** A flag attribute (DW_AT_declaration, DW_AT_external, ...): false when absent. */
  flag(at: number): boolean {
    const v = this.attr(at);
    return v !== undefined && v.cls === 'flag' && v.value;
  }

  /** An unsigned constant attribute as a number, or undefined. Errors if above 2^53. */
  udata(at: number): number | undefined {
    const v = constantValue(this.attr(at));
    if (v === undefined) return undefined;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n) throw this.error(`${tagName(this.tag)} attribute value 0x${v.toString(16)} out of range`);
    return Number(v);
  }

  /** A reference attribute (DW_AT_type, ...) as a DieKey; DW_FORM_ref_sig8 is resolved to its type unit's DIE. */
  ref(at: number): DieKey | undefined {
    const v = this.attr(at);
    if (!v) return undefined;
    if (v.cls === 'ref') return this.unit.dwarf.isSup && v.key < 2 ** 48 ? supDieKey(v.key) : v.key;
    if (v.cls === 'sig8') return this.unit.dwarf.typeBySignature(v.sig, this);
    throw this.error(`attribute 0x${at.toString(16)} of ${this.tagName} is not a reference (form ${v.form})`);
  }

  /** A FormatError located at this DIE. */
  error(what: string) {
    return this.unit.reader.error(`DIE 0x${this.offset.toString(16)} (${this.tagName}): ${what}`, this.offset);
  }

  /** The children, lazily; each child's subtree is skipped (via DW_AT_sibling when present). */
  *children(): Generator<Die> {
    if (!this.hasChildren) return;
    const u = this.unit;
    let pos = this.attrsEnd;
    for (;;) {
      const d = u.dieAtOrNull(pos);
      if (!d) return; // the terminating null entry
      yield d;
      pos = d.nextSiblingOffset();
    }
  }

  /** Offset of the entry after this DIE and its subtree. */
  nextSiblingOffset(): number {
    const u = this.unit;
    const h = u.header;
    if (!this.hasChildren) return this.attrsEnd;
    const si = this.abbrev.siblingIdx;
    if (si >= 0) {
      const v = this.attrAt(si);
      if (v.cls === 'ref') {
        const target = v.key - (h.section === 'types' ? 2 ** 48 : 0);
        if (target > this.offset && target <= h.end) return target;
      }
      throw this.error('DW_AT_sibling does not point forward inside the unit');
    }
    // No sibling pointer: skip the subtree entry by entry.
    const r = u.reader;
    let pos = this.attrsEnd;
    let depth = 1;
    const abbrevs = u.abbrevs;
    while (depth > 0) {
      if (pos >= h.end) throw r.error(`children of DIE 0x${this.offset.toString(16)} not terminated before the end of the unit`, this.offset);
      r.pos = pos;
      const code = r.uleb128();
      if (code === 0) { depth--; pos = r.pos; continue; }
      const a = abbrevs.get(code);
      if (!a) throw r.error(`unknown abbreviation code ${code}`, pos);
      const f = a.forms;
      for (let j = 0; j < f.length; j++) skipForm(r, f[j], h);
      pos = r.pos;
      if (a.hasChildren) {
        if (++depth > MAX_DIE_DEPTH) throw r.error(`DIEs nested deeper than ${MAX_DIE_DEPTH}`, this.offset);
      }
    }
    return pos;
  }
}

