/**
 * Finding DIEs by name without materialising DIEs.
 *
 * Two tools:
 * - `findByName(dwarf, name, tags)`: a streaming search. The name is first
 *   found in .debug_str (every offset where `name\0` occurs is an offset whose
 *   string is `name`, tail-merged or not), so the scan over the units' top-level
 *   DIEs compares integers for DW_FORM_strp/strx names and bytes for inline
 *   ones. Subtrees are skipped through DW_AT_sibling. This is the cold path of
 *   `virtmem types vmlinux --struct task_struct`.
 * - `NameIndex`: one pass over every unit's top-level DIEs that records, in
 *   typed arrays, each named DIE's key, tag, declaration flag and name id, with
 *   names interned once. Lookups are then a Map get and a walk of a chain.
 *
 * Only DIEs directly under a unit DIE are indexed: C file-scope types and
 * variables, and the types dwz moves into partial units. Types local to a
 * function are not found by name.
 */
import { FormatError, utf8 } from '../bytes/index.js';
import type { Abbrev } from './abbrev.js';
import * as C from './constants.js';
import { skipForm } from './form.js';
import type { DwarfInfo, Unit } from './info.js';
import { dieKey, supDieKey, type DieKey } from './sections.js';

/** Every unit to search: the file's, then its supplementary file's (dwz -m moves shared types there). */
function allUnits(dwarf: DwarfInfo): Unit[] {
  return dwarf.sup ? [...dwarf.units(), ...dwarf.sup.units()] : dwarf.units();
}

/** The DieKey of the DIE at `offset` of unit `u` (supplementary-file DIEs by supDieKey). */
function keyIn(u: Unit, offset: number): DieKey {
  return u.dwarf.isSup ? supDieKey(offset) : dieKey(u.header.section, offset);
}

export interface NameHit {
  key: DieKey;
  tag: number;
  /** DW_AT_declaration is set: a declaration, not a definition. */
  declaration: boolean;
}

/** Tags a name index records by default: C types and variables. */
export const INDEXED_TAGS: ReadonlySet<number> = new Set([
  C.DW_TAG_structure_type, C.DW_TAG_class_type, C.DW_TAG_union_type, C.DW_TAG_enumeration_type,
  C.DW_TAG_typedef, C.DW_TAG_base_type, C.DW_TAG_variable, C.DW_TAG_subprogram,
]);

/** How a name attribute was stored, read without decoding the string. */
const enum NameKind { None, StrOffset, Inline, Other }

interface RawName { kind: NameKind; value: number; }

/**
 * Visit each DIE directly under the unit DIE. `visit` gets the DIE's offset and
 * abbreviation and the offset of its attributes; the scanner then moves to the
 * next sibling on its own. Returns early if `visit` returns true.
 */
export function scanTopLevel(u: Unit, visit: (offset: number, a: Abbrev, attrsAt: number) => boolean | void): boolean {
  const h = u.header;
  const r = u.reader;
  const abbrevs = u.abbrevs;
  r.pos = h.firstDie;
  const rootCode = r.uleb128();
  const root = abbrevs.get(rootCode);
  if (!root) throw r.error(`unknown abbreviation code ${rootCode}`, h.firstDie);
  for (const f of root.forms) skipForm(r, f, h);
  if (!root.hasChildren) return false;
  let pos = r.pos;
  const end = h.end;
  while (pos < end) {
    r.pos = pos;
    const code = r.uleb128();
    if (code === 0) return false; // end of the unit DIE's children
    const a = abbrevs.get(code);
    if (!a) throw r.error(`unknown abbreviation code ${code}`, pos);
    const attrsAt = r.pos;
    if (visit(pos, a, attrsAt) === true) return true;
    pos = nextSibling(u, a, attrsAt, pos);
  }
  return false;
}

/** Offset after the DIE at `offset` and its subtree. */
function nextSibling(u: Unit, a: Abbrev, attrsAt: number, offset: number): number {
  const h = u.header;
  const r = u.reader;
  const f = a.forms;
  r.pos = attrsAt;
  if (!a.hasChildren) {
    for (let j = 0; j < f.length; j++) skipForm(r, f[j], h);
    return r.pos;
  }
  const si = a.siblingIdx;
  if (si >= 0) {
    for (let j = 0; j < si; j++) skipForm(r, f[j], h);
    let rel: number;
    switch (f[si]) {
      case C.DW_FORM_ref4: rel = r.u32(); break;
      case C.DW_FORM_ref2: rel = r.u16(); break;
      case C.DW_FORM_ref1: rel = r.u8(); break;
      case C.DW_FORM_ref8: rel = r.u64n(); break;
      case C.DW_FORM_ref_udata: rel = r.uleb128(); break;
      default: rel = -1;
    }
    const target = h.offset + rel;
    if (rel >= 0 && target > offset && target <= h.end) return target;
    if (rel >= 0) throw r.error(`DIE 0x${offset.toString(16)}: DW_AT_sibling does not point forward inside the unit`, offset);
    r.pos = attrsAt;
  }
  for (let j = 0; j < f.length; j++) skipForm(r, f[j], h);
  let pos = r.pos;
  let depth = 1;
  const abbrevs = u.abbrevs;
  while (depth > 0) {
    if (pos >= h.end) throw r.error(`children of DIE 0x${offset.toString(16)} not terminated before the end of the unit`, offset);
    r.pos = pos;
    const code = r.uleb128();
    if (code === 0) { depth--; pos = r.pos; continue; }
    const b = abbrevs.get(code);
    if (!b) throw r.error(`unknown abbreviation code ${code}`, pos);
    const g = b.forms;
    for (let j = 0; j < g.length; j++) skipForm(r, g[j], h);
    pos = r.pos;
    if (b.hasChildren && ++depth > 512) throw r.error('DIEs nested too deep', offset);
  }
  return pos;
}

/** Read a DIE's name attribute as a .debug_str offset or an inline-string position, without decoding. */
function rawName(u: Unit, a: Abbrev, attrsAt: number, out: RawName): void {
  const i = a.nameIdx;
  if (i < 0) { out.kind = NameKind.None; return; }
  const h = u.header;
  const r = u.reader;
  const f = a.forms;
  r.pos = attrsAt;
  for (let j = 0; j < i; j++) skipForm(r, f[j], h);
  switch (f[i]) {
    case C.DW_FORM_strp:
      out.kind = NameKind.StrOffset; out.value = h.offsetSize === 8 ? r.u64n() : r.u32(); return;
    case C.DW_FORM_string:
      out.kind = NameKind.Inline; out.value = r.pos; return;
    case C.DW_FORM_strx1: case C.DW_FORM_strx2: case C.DW_FORM_strx3: case C.DW_FORM_strx4: case C.DW_FORM_strx: case C.DW_FORM_GNU_str_index: {
      out.kind = NameKind.StrOffset;
      out.value = strxOffset(u, f[i]);
      return;
    }
    default:
      out.kind = NameKind.Other; out.value = attrsAt;
  }
}

/** The .debug_str offset an strx-form value at r.pos stands for. */
function strxOffset(u: Unit, form: number): number {
  const r = u.reader;
  let idx: number;
  switch (form) {
    case C.DW_FORM_strx1: idx = r.u8(); break;
    case C.DW_FORM_strx2: idx = r.u16(); break;
    case C.DW_FORM_strx3: { const a = r.u8(), b = r.u16(); idx = r.le ? a | (b << 8) : (a << 16) | b; break; }
    case C.DW_FORM_strx4: idx = r.u32(); break;
    default: idx = r.uleb128();
  }
  return u.strxOffset(idx);
}

/** Every offset of .debug_str whose string is `name`. */
export function strOffsetsOf(dwarf: DwarfInfo, name: string): Set<number> {
  const out = new Set<number>();
  const str = dwarf.sections.str;
  if (!str || !name) return out;
  const needle = Buffer.from(name + '\0', 'utf8');
  const hay = Buffer.from(str.buffer, str.byteOffset, str.byteLength);
  for (let p = hay.indexOf(needle); p >= 0; p = hay.indexOf(needle, p + 1)) out.add(p);
  return out;
}

function inlineEquals(bytes: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (at + needle.length > bytes.length) return false;
  for (let i = 0; i < needle.length; i++) if (bytes[at + i] !== needle[i]) return false;
  return true;
}

/**
 * DIEs directly under unit DIEs whose tag is in `tags` and whose name is
 * `name`, in file order (.debug_info, then .debug_types). Lazy: stop iterating
 * and the scan stops. A unit that turns out to be broken is reported through
 * `onError` (default: rethrown) and the search goes on with the next unit.
 */
export function* findByName(dwarf: DwarfInfo, name: string, tags: ReadonlySet<number>, onError?: (e: FormatError) => void): Generator<NameHit> {
  const mainOffsets = strOffsetsOf(dwarf, name);
  const supOffsets = dwarf.sup ? strOffsetsOf(dwarf.sup, name) : mainOffsets;
  const needle = Buffer.from(name + '\0', 'utf8');
  const raw: RawName = { kind: NameKind.None, value: 0 };
  for (const u of allUnits(dwarf)) {
    const offsets = u.dwarf === dwarf ? mainOffsets : supOffsets;
    const hits: NameHit[] = [];
    try {
      scanTopLevel(u, (offset, a, attrsAt) => {
        if (!tags.has(a.tag) || a.nameIdx < 0) return;
        rawName(u, a, attrsAt, raw);
        let match = false;
        if (raw.kind === NameKind.StrOffset) match = offsets.has(raw.value);
        else if (raw.kind === NameKind.Inline) match = inlineEquals(u.reader.bytes, raw.value, needle);
        else if (raw.kind === NameKind.Other) match = u.dieAt(offset).name() === name;
        if (match) hits.push({ key: keyIn(u, offset), tag: a.tag, declaration: isDeclaration(u, a, attrsAt) });
      });
    } catch (e) {
      if (!(e instanceof FormatError) || !onError) throw e;
      onError(e);
    }
    yield* hits;
  }
}

function isDeclaration(u: Unit, a: Abbrev, attrsAt: number): boolean {
  const i = a.declIdx;
  if (i < 0) return false;
  const f = a.forms;
  if (f[i] === C.DW_FORM_flag_present) return true;
  const r = u.reader;
  r.pos = attrsAt;
  for (let j = 0; j < i; j++) skipForm(r, f[j], u.header);
  return f[i] === C.DW_FORM_flag ? r.u8() !== 0 : true;
}

/**
 * A compact index of named top-level DIEs of the whole file, built in one
 * pass. Per entry: the DIE key (Float64Array), tag (Uint16Array), declaration
 * flag (Uint8Array), interned name id and the next entry with the same name.
 */
export class NameIndex {
  private keys = new Float64Array(1024);
  private tags = new Uint16Array(1024);
  private decl = new Uint8Array(1024);
  private nameOf = new Int32Array(1024);
  private nextSame = new Int32Array(1024);
  private n = 0;
  private readonly first: number[] = [];
  private readonly last: number[] = [];
  /** Interned names by id. */
  readonly names: string[] = [];
  private readonly byName = new Map<string, number>();
  /** Units that could not be indexed, with why. */
  readonly problems: FormatError[] = [];

  get size(): number { return this.n; }

  static build(dwarf: DwarfInfo, tags: ReadonlySet<number> = INDEXED_TAGS): NameIndex {
    const ix = new NameIndex();
    const byStrOffset = new Map<number, number>();
    const raw: RawName = { kind: NameKind.None, value: 0 };
    for (const u of allUnits(dwarf)) {
      const strBias = u.dwarf === dwarf ? 0 : 2 ** 40; // the supplementary file's .debug_str is another table
      try {
        scanTopLevel(u, (offset, a, attrsAt) => {
          if (!tags.has(a.tag) || a.nameIdx < 0) return;
          rawName(u, a, attrsAt, raw);
          let id: number;
          if (raw.kind === NameKind.StrOffset) {
            const o = raw.value;
            const known = byStrOffset.get(strBias + o);
            if (known !== undefined) id = known;
            else { id = ix.intern(u.dwarf.str(o)); byStrOffset.set(strBias + o, id); }
          } else if (raw.kind === NameKind.Inline) {
            const b = u.reader.bytes;
            const e = b.indexOf(0, raw.value);
            if (e < 0) throw u.reader.error('unterminated string', raw.value);
            id = ix.intern(utf8(b.subarray(raw.value, e)));
          } else if (raw.kind === NameKind.Other) {
            const s = u.dieAt(offset).name();
            if (s === undefined) return;
            id = ix.intern(s);
          } else return;
          ix.add(keyIn(u, offset), a.tag, isDeclaration(u, a, attrsAt), id);
        });
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        ix.problems.push(e);
      }
    }
    return ix;
  }

  private intern(s: string): number {
    let id = this.byName.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(s);
      this.byName.set(s, id);
      this.first.push(-1);
      this.last.push(-1);
    }
    return id;
  }

  private add(key: DieKey, tag: number, declaration: boolean, id: number): void {
    if (this.n === this.keys.length) this.grow();
    const i = this.n++;
    this.keys[i] = key;
    this.tags[i] = tag;
    this.decl[i] = declaration ? 1 : 0;
    this.nameOf[i] = id;
    this.nextSame[i] = -1;
    if (this.last[id] < 0) this.first[id] = i;
    else this.nextSame[this.last[id]] = i;
    this.last[id] = i;
  }

  private grow(): void {
    const m = this.keys.length * 2;
    const g = <T extends Float64Array | Uint16Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => { const b = make(m); b.set(a); return b; };
    this.keys = g(this.keys, (n) => new Float64Array(n));
    this.tags = g(this.tags, (n) => new Uint16Array(n));
    this.decl = g(this.decl, (n) => new Uint8Array(n));
    this.nameOf = g(this.nameOf, (n) => new Int32Array(n));
    this.nextSame = g(this.nextSame, (n) => new Int32Array(n));
  }

  /** Entries named `name` (optionally only with a tag in `tags`), in file order. */
  *lookup(name: string, tags?: ReadonlySet<number>): Generator<NameHit> {
    const id = this.byName.get(name);
    if (id === undefined) return;
    for (let i = this.first[id]; i >= 0; i = this.nextSame[i]) {
      if (tags && !tags.has(this.tags[i])) continue;
      yield { key: this.keys[i] as DieKey, tag: this.tags[i], declaration: this.decl[i] === 1 };
    }
  }

  /** Every entry in file order, with its name. */
  *entries(): Generator<NameHit & { name: string }> {
    for (let i = 0; i < this.n; i++) {
      yield { key: this.keys[i] as DieKey, tag: this.tags[i], declaration: this.decl[i] === 1, name: this.names[this.nameOf[i]] };
    }
  }
}
