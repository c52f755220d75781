/**
 * DwarfInfo: the entry point of the DWARF layer. It lists the units of
 * .debug_info and .debug_types (headers only), caches abbreviation tables,
 * maps type signatures to type units, and hands out DIEs by DieKey.
 *
 * A `Unit` is also the FormContext its DIEs decode through: it knows its
 * .debug_str_offsets and .debug_addr contributions (DW_AT_str_offsets_base,
 * DW_AT_addr_base of the unit DIE, read the first time they are needed).
 *
 * Bad input: a unit whose header is broken ends the list of units of its
 * section (there is no way to find the next one); the error is kept in
 * `problems` and the units before it stay readable.
 */
import { FormatError, Reader, cstringAt, type ByteInterner } from '../bytes/index.js';
import { parseAbbrevTable, type AbbrevTable } from './abbrev.js';
import { DW_AT_addr_base, DW_AT_GNU_addr_base, DW_AT_str_offsets_base, DW_FORM_sec_offset } from './constants.js';
import { Die } from './die.js';
import { readForm, type FormContext } from './form.js';
import { SECTION_NAMES, splitDieKey, dieKey, type AbbrevOffset, type DieKey, type DwarfSections, type UnitSection } from './sections.js';
import { readUnitHeader, type UnitHeader } from './unit.js';

const EMPTY = new Uint8Array(0);

export class Unit implements FormContext {
  private sectionReader?: Reader;
  private abbrevTable?: AbbrevTable;
  private bases?: { strOffsets: number; addr: number };

  constructor(readonly dwarf: DwarfInfo, readonly header: UnitHeader) {}

  /** Reader over the unit's whole section (positions are section offsets); the unit's bytes are read in first if sections are lazy. */
  get reader(): Reader {
    return (this.sectionReader ??= this.dwarf.unitReader(this.header));
  }

  get offset(): number { return this.header.offset; }
  get key(): DieKey { return dieKey(this.header.section, this.header.offset); }

  get abbrevs(): AbbrevTable {
    return (this.abbrevTable ??= this.dwarf.abbrevTable(this.header.abbrevOffset));
  }

  /**
   * Let go of this unit's abbreviation table (a reader done with the unit:
   * a kernel image has thousands of tables, millions of abbreviations, which
   * would otherwise stay live to the end). Read again if asked for again.
   */
  releaseAbbrevs(): void {
    this.abbrevTable = undefined;
    this.dwarf.forgetAbbrevTable(this.header.abbrevOffset);
  }

  /** The unit DIE (compile_unit, type_unit, partial_unit, ...). */
  root(): Die {
    const d = this.dieAtOrNull(this.header.firstDie);
    if (!d) throw this.reader.error('unit has no unit DIE', this.header.firstDie);
    return d;
  }

  /** The DIE at section offset `pos` of this unit; null for a null entry (code 0). */
  dieAtOrNull(pos: number): Die | null {
    const h = this.header;
    const r = this.reader;
    if (pos < h.firstDie || pos >= h.end) throw r.error(`DIE offset 0x${pos.toString(16)} outside unit at 0x${h.offset.toString(16)}`, Math.min(pos, r.length));
    r.pos = pos;
    const code = r.uleb128();
    if (code === 0) return null;
    const a = this.abbrevs.get(code);
    if (!a) throw r.error(`unknown abbreviation code ${code} (table at .debug_abbrev 0x${h.abbrevOffset.toString(16)})`, pos);
    return new Die(this, pos, a, r.pos);
  }

  /** The DIE at `pos`, which must not be a null entry. */
  dieAt(pos: number): Die {
    const d = this.dieAtOrNull(pos);
    if (!d) throw this.reader.error(`reference to a null entry at 0x${pos.toString(16)}`, pos);
    return d;
  }

  /** Type units: the DIE of the type the unit defines. */
  typeDie(): Die | undefined {
    const o = this.header.typeOffset;
    return o === undefined ? undefined : this.dieAt(this.header.offset + o);
  }

  // FormContext
  str(offset: number): string { return this.dwarf.str(offset); }
  lineStr(offset: number): string { return this.dwarf.lineStr(offset); }
  strSup(offset: number): string {
    const sup = this.dwarf.sup;
    if (!sup) throw this.reader.error(`string 0x${offset.toString(16)} is in the supplementary file, which is not loaded`);
    return sup.str(offset);
  }

  strx(i: number): string {
    return this.dwarf.str(this.strxOffset(i));
  }

  /** The .debug_str offset at index `i` of the unit's .debug_str_offsets contribution. */
  strxOffset(i: number): number {
    const d = this.dwarf;
    const tab = d.sections.strOffsets;
    if (!tab) throw this.reader.error('DW_FORM_strx without a .debug_str_offsets section');
    const n = this.header.offsetSize;
    const at = this.baseValues().strOffsets + i * n;
    if (at + n > tab.length) throw new FormatError(`string index ${i} outside .debug_str_offsets (entry at 0x${at.toString(16)})`, d.place('strOffsets', at));
    const r = d.strOffsetsReader;
    r.pos = at;
    return n === 8 ? r.u64n() : r.u32();
  }

  addrx(i: number): bigint {
    const d = this.dwarf;
    const tab = d.sections.addr;
    if (!tab) throw this.reader.error('DW_FORM_addrx without a .debug_addr section');
    const n = this.header.addressSize;
    const at = this.baseValues().addr + i * n;
    if (at + n > tab.length) throw new FormatError(`address index ${i} outside .debug_addr (entry at 0x${at.toString(16)})`, d.place('addr', at));
    const r = d.addrReader;
    r.pos = at;
    return r.uintN(n);
  }

  /**
   * DW_AT_str_offsets_base and DW_AT_addr_base of the unit DIE. Read with a
   * reader of its own, since they are needed in the middle of reading other DIEs.
   * Without them, the first contribution (just after its 8- or 16-byte header).
   */
  private baseValues(): { strOffsets: number; addr: number } {
    if (this.bases) return this.bases;
    const h = this.header;
    const dflt = h.offsetSize === 8 ? 16 : 8;
    this.bases = { strOffsets: dflt, addr: dflt };
    const own = this.dwarf.unitReader(h);
    own.pos = h.firstDie;
    const code = own.uleb128();
    const a = this.abbrevs.get(code);
    if (!a) return this.bases;
    const noStrings: FormContext = {
      header: h,
      str: () => '', lineStr: () => '', strSup: () => '', strx: () => '', addrx: () => 0n,
    };
    for (const s of a.attrs) {
      const v = readForm(own, s.form, noStrings, s.implicitConst);
      if (s.at === DW_AT_str_offsets_base && v.cls === 'secoffset') this.bases.strOffsets = v.value;
      if ((s.at === DW_AT_addr_base || s.at === DW_AT_GNU_addr_base) && (v.cls === 'secoffset' || s.form === DW_FORM_sec_offset)) {
        this.bases.addr = (v as { value: number }).value;
      }
    }
    return this.bases;
  }
}

export class DwarfInfo {
  readonly sections: DwarfSections;
  readonly source?: string;
  /** Problems met while listing units (bad headers); the units before them are usable. */
  readonly problems: FormatError[] = [];
  /** The supplementary file's DWARF (dwz), if given. */
  readonly sup?: DwarfInfo;
  private infoUnits?: Unit[];
  private typesUnits?: Unit[];
  private readonly abbrevCache = new Map<number, AbbrevTable>();
  /**
   * Decoded .debug_str strings: slot[offset] is 1 + the string's index in
   * strList (0: not decoded yet). A typed array, not a Map: names are looked
   * up once per DIE read, millions of times over a kernel.
   */
  private strSlot?: Int32Array;
  /** Set by a reader of many files: .debug_str names come out as one object per distinct string (see ByteInterner). */
  interner?: ByteInterner;
  private readonly strList: string[] = [];
  private signatures?: Map<bigint, Unit>;
  private readonly abbrevReader: Reader;
  readonly strOffsetsReader: Reader;
  readonly addrReader: Reader;

  /** True for the supplementary file's DWARF: its DIEs are named by supDieKey. */
  readonly isSup: boolean;

  constructor(sections: DwarfSections, isSup = false) {
    this.sections = sections;
    this.source = sections.source;
    this.isSup = isSup;
    if (sections.sup && !isSup) this.sup = new DwarfInfo(sections.sup, true);
    this.abbrevReader = this.readerFor('abbrev');
    this.strOffsetsReader = this.readerFor('strOffsets');
    this.addrReader = this.readerFor('addr');
  }

  /** A fresh reader over a section (empty if absent), naming it in errors. */
  readerFor(role: keyof typeof SECTION_NAMES): Reader {
    return new Reader(this.sections[role] ?? EMPTY, {
      littleEndian: this.sections.littleEndian, source: this.source, format: 'DWARF', section: SECTION_NAMES[role],
    });
  }

  sectionReader(s: UnitSection): Reader {
    return this.readerFor(s === 'types' ? 'types' : 'info');
  }

  /** A reader over the section of unit `h`, with the unit's bytes present (DwarfSections.ensure). */
  unitReader(h: UnitHeader): Reader {
    this.sections.ensure?.(h.section, h.offset, h.end);
    return this.sectionReader(h.section);
  }

  place(role: keyof typeof SECTION_NAMES, offset: number) {
    return { source: this.source, format: 'DWARF', section: SECTION_NAMES[role], offset };
  }

  /** Units of .debug_info (compile, partial and DWARF 5 type units), in section order. */
  infoUnitList(): Unit[] {
    return (this.infoUnits ??= this.listUnits('info'));
  }

  /** Units of .debug_types (DWARF 4 type units). */
  typesUnitList(): Unit[] {
    return (this.typesUnits ??= this.listUnits('types'));
  }

  /** Every unit: .debug_info first, then .debug_types. */
  units(): Unit[] {
    return [...this.infoUnitList(), ...this.typesUnitList()];
  }

  private listUnits(section: UnitSection): Unit[] {
    const r = this.sectionReader(section);
    const out: Unit[] = [];
    while (r.pos < r.length) {
      const at = r.pos;
      try {
        const h = readUnitHeader(r, section);
        out.push(new Unit(this, h));
        r.pos = h.end;
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        this.problems.push(e);
        break;
      }
      if (r.pos <= at) break;
    }
    return out;
  }

  /** The unit holding section offset `offset`, or undefined. */
  unitAt(section: UnitSection, offset: number): Unit | undefined {
    const list = section === 'types' ? this.typesUnitList() : this.infoUnitList();
    let lo = 0, hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const h = list[mid].header;
      if (offset < h.offset) hi = mid - 1;
      else if (offset >= h.end) lo = mid + 1;
      else return list[mid];
    }
    return undefined;
  }

  /** The DIE a DieKey names (in this file or the supplementary one). */
  die(key: DieKey): Die {
    const { section, offset } = splitDieKey(key);
    if (section === 'sup') {
      if (!this.sup) throw new FormatError(`reference to DIE 0x${offset.toString(16)} of the supplementary file${this.sections.supPath ? ' ' + this.sections.supPath : ''}, which is not loaded`, this.place('info', offset));
      return this.sup.die(offset as DieKey);
    }
    const u = this.unitAt(section, offset);
    if (!u) throw new FormatError(`reference to 0x${offset.toString(16)}, which is in no unit`, this.place(section, offset));
    return u.dieAt(offset);
  }

  /** The abbreviation table at `offset` of .debug_abbrev (parsed once). */
  abbrevTable(offset: AbbrevOffset): AbbrevTable {
    let t = this.abbrevCache.get(offset);
    if (!t) {
      t = parseAbbrevTable(this.abbrevReader, offset);
      this.abbrevCache.set(offset, t);
    }
    return t;
  }

  /** Drop the parsed table at `offset` (see Unit.releaseAbbrevs). */
  forgetAbbrevTable(offset: AbbrevOffset): void {
    this.abbrevCache.delete(offset);
  }

  /** The .debug_str string at `offset`. */
  str(offset: number): string {
    const bytes = this.sections.str;
    if (this.interner && bytes && offset >= 0 && offset < bytes.length) {
      // The interner is the cache (and this file's reader keeps its own by offset).
      const s = this.interner.internZ(bytes, offset);
      if (s !== undefined) return s;
    }
    const slot = (this.strSlot ??= new Int32Array(bytes?.length ?? 0));
    const i = offset >= 0 && offset < slot.length ? slot[offset] : 0;
    if (i) return this.strList[i - 1];
    const s = cstringAt(bytes ?? EMPTY, offset, this.place('str', offset));
    if (offset >= 0 && offset < slot.length) slot[offset] = this.strList.push(s);
    return s;
  }

  /** The .debug_line_str string at `offset`. */
  lineStr(offset: number): string {
    // Cached by offset (not interned: these are paths, long): every unit's line table names the same
    // headers, and a name met again is the same string object, whose hash V8 keeps.
    const bytes = this.sections.lineStr ?? EMPTY;
    const slot = (this.lineStrSlot ??= new Int32Array(bytes.length));
    const i = offset >= 0 && offset < slot.length ? slot[offset] : 0;
    if (i) return this.lineStrList[i - 1];
    // Through the interner when there is one, as str() (a path met in another file is then the same
    // string object, which Maps keyed by paths find without hashing and comparing it afresh).
    const interned = this.interner && offset >= 0 && offset < bytes.length ? this.interner.internZ(bytes, offset) : undefined;
    const s = interned ?? cstringAt(bytes, offset, this.place('lineStr', offset));
    if (offset >= 0 && offset < slot.length) slot[offset] = this.lineStrList.push(s);
    return s;
  }

  private lineStrSlot?: Int32Array;
  private readonly lineStrList: string[] = [];

  /** The type unit with signature `sig`. */
  typeUnit(sig: bigint): Unit | undefined {
    if (!this.signatures) {
      this.signatures = new Map();
      for (const u of this.units()) {
        const s = u.header.typeSignature;
        if (s !== undefined && !this.signatures.has(s)) this.signatures.set(s, u);
      }
    }
    return this.signatures.get(sig);
  }

  /** The DIE of the type with signature `sig` (DW_FORM_ref_sig8). */
  typeBySignature(sig: bigint, from?: Die): DieKey {
    const u = this.typeUnit(sig);
    if (!u || u.header.typeOffset === undefined) {
      const what = `no type unit with signature 0x${sig.toString(16).padStart(16, '0')}`;
      throw from ? from.error(what) : new FormatError(what, this.place('info', 0));
    }
    return dieKey(u.header.section, u.header.offset + u.header.typeOffset);
  }
}
