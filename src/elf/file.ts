/**
 * ElfFile: the unified, lazy view of one ELF file over a ByteSource.
 *
 * Opening reads the file header only; section headers, program headers,
 * symbol tables and notes are decoded on first use and cached. Section data
 * is read on request (never the whole file), decompressed (SHF_COMPRESSED
 * zlib/zstd, .zdebug_*), and in an ET_REL object relocated (see relocs.ts),
 * so .debug_* sections of a .o or .ko come back as a debugger sees them.
 */
import { BufferSource, FileSource, type ByteSource, type FileSourceOptions } from '../bytes/index.js';
import { ET, PT, SHF, SHN, SHT, shtShort } from './constants.js';
import { decompressGabi, decompressZdebug } from './compress.js';
import {
  elfError, readHeader, readProgramHeaders, readSectionHeaders,
  type ElfHeader, type ElfSection, type ElfSegment,
} from './headers.js';
import { parseNotes, toHex, type ElfNote } from './notes.js';
import { applyRelocationsRaw, decodeRelocations, type ElfRelocation } from './relocs.js';
import { CompactSymbols, type ElfSymbol } from './symbols.js';

export interface SectionDataOptions {
  /** The bytes as stored: no decompression, no relocation. */
  raw?: boolean;
  /** Apply relocations (default: true in ET_REL files, false otherwise). */
  relocate?: boolean;
}

const hex = (n: number | bigint) => '0x' + n.toString(16);

/** Relocation sections larger than this are read in pieces of about this size (see applyFrom). */
const RELOC_CHUNK = 4 << 20;
let relocScratch: Uint8Array | undefined;

export class ElfFile {
  readonly name: string;
  readonly source: ByteSource;
  readonly header: ElfHeader;
  readonly is64: boolean;
  readonly littleEndian: boolean;
  private _sections?: ElfSection[];
  private _segments?: ElfSegment[];
  private _byName?: Map<string, ElfSection>;
  private readonly dataCache = new Map<string, Uint8Array>();
  private readonly symCache = new Map<number, ElfSymbol[]>();
  private readonly compactCache = new Map<number, CompactSymbols>();
  private _sectionNames?: string[];
  private _notes?: ElfNote[];

  /** Open a file lazily (positional reads through a page cache; `opts` sizes its pages). */
  static open(path: string, opts?: FileSourceOptions): ElfFile {
    const src = new FileSource(path, opts);
    try {
      return new ElfFile(src);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  static fromSource(src: ByteSource): ElfFile {
    return new ElfFile(src);
  }

  static fromBytes(bytes: Uint8Array, name = '<buffer>'): ElfFile {
    return new ElfFile(new BufferSource(bytes, name));
  }

  constructor(src: ByteSource) {
    this.source = src;
    this.name = src.name;
    this.header = readHeader(src);
    this.is64 = this.header.class === 2;
    this.littleEndian = this.header.data === 1;
  }

  close(): void {
    this.dataCache.clear();
    this.symCache.clear();
    this.compactCache.clear();
    this.source.close();
  }

  /** A FormatError in this file. */
  error(what: string, offset?: number | bigint, section?: string) {
    return elfError(this.source, what, offset, section);
  }

  /** Every section header, with names. Section 0 is the null section. */
  get sections(): ElfSection[] {
    if (this._sections) return this._sections;
    const raw = readSectionHeaders(this.source, this.header);
    let names: Uint8Array | undefined;
    const si = this.header.shstrndx;
    if (si !== SHN.SHN_UNDEF && si < raw.length) {
      const s = raw[si];
      if (s.type === SHT.SHT_NOBITS) throw this.error(`section-name string table (section ${si}) has no data (SHT_NOBITS)`, this.header.shoff + si * (this.is64 ? 64 : 40));
      names = this.readRange(s.offset, s.size, `section-name string table (section ${si})`);
    }
    const secs: ElfSection[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i];
      let name = '';
      if (names && (r.nameOffset !== 0 || i !== 0)) {
        const end = r.nameOffset < names.length ? names.indexOf(0, r.nameOffset) : -1;
        if (end < 0) {
          throw this.error(`name of section ${i} at 0x${r.nameOffset.toString(16)} is outside the section-name string table of 0x${names.length.toString(16)} bytes or unterminated`,
            this.header.shoff + i * (this.is64 ? 64 : 40), 'section headers');
        }
        name = Buffer.from(names.buffer, names.byteOffset + r.nameOffset, end - r.nameOffset).toString('utf8');
      }
      secs[i] = { ...r, name };
    }
    this._sections = secs;
    return secs;
  }

  /** Every program header. */
  get segments(): ElfSegment[] {
    return (this._segments ??= readProgramHeaders(this.source, this.header));
  }

  /** The first section with this name. */
  section(name: string): ElfSection | undefined {
    if (!this._byName) {
      this._byName = new Map();
      for (const s of this.sections) if (!this._byName.has(s.name)) this._byName.set(s.name, s);
    }
    return this._byName.get(name);
  }

  /** The section at `index`, or a FormatError saying which table pointed there. */
  sectionAt(index: number, what: string): ElfSection {
    const s = this.sections[index];
    if (!s) throw this.error(`${what} refers to section ${index}, but there are ${this.sections.length}`);
    return s;
  }

  private resolve(s: ElfSection | string): ElfSection {
    if (typeof s !== 'string') return s;
    const sec = this.section(s);
    if (!sec) throw this.error(`no section named ${s}`);
    return sec;
  }

  /**
   * `length` bytes at file offset `offset` that the caller may keep (not a
   * cache page), or an error naming what was being read.
   */
  readRange(offset: number, length: number, what: string): Uint8Array {
    this.checkRange(offset, length, what);
    if (this.source instanceof BufferSource) return this.source.read(offset, length);
    return this.source.readCopy(offset, length);
  }

  /** A FormatError naming `what` unless [offset, offset + length) lies inside the file. */
  private checkRange(offset: number, length: number, what: string, section?: string): void {
    if (offset < 0 || length < 0 || offset + length > this.source.size) {
      throw this.error(`${what} (0x${length.toString(16)} bytes at ${hex(offset)}) runs past end of file (size ${hex(this.source.size)})`, offset, section);
    }
  }

  /** The stored bytes of a segment (p_filesz bytes at p_offset). */
  segmentData(seg: ElfSegment): Uint8Array {
    return this.readRange(seg.offset, seg.filesz, `segment ${seg.index}`);
  }

  /**
   * A section's contents: decompressed (SHF_COMPRESSED or .zdebug_*) and, in an
   * ET_REL file, with its relocations applied. SHT_NOBITS gives an empty array.
   * The result is cached and shared: do not modify it.
   */
  sectionData(s: ElfSection | string, opts: SectionDataOptions = {}): Uint8Array {
    const sec = this.resolve(s);
    if (sec.type === SHT.SHT_NOBITS || sec.type === SHT.SHT_NULL) return new Uint8Array(0);
    const what = `section ${sec.name || sec.index}`;
    if (opts.raw) return this.readRange(sec.offset, sec.size, what);
    const relocate = opts.relocate ?? this.header.type === ET.ET_REL;
    const key = `${sec.index}:${relocate ? 1 : 0}`;
    const hit = this.dataCache.get(key);
    if (hit) return hit;
    const raw = this.readRange(sec.offset, sec.size, what);
    const where = { source: this.name, section: sec.name, offset: sec.offset };
    let data = raw;
    if (sec.flags & SHF.SHF_COMPRESSED) data = decompressGabi(raw, this.is64, this.littleEndian, where);
    else if (sec.name.startsWith('.zdebug')) data = decompressZdebug(raw, where);
    if (relocate) {
      const rels = this.relocationSectionsFor(sec);
      if (rels.length) {
        // (bytes read from a file are this call's own; a caller's buffer is not written to)
        if (data === raw && this.source instanceof BufferSource) data = raw.slice();
        for (const rs of rels) this.applyFrom(rs, sec, data);
      }
    }
    this.dataCache.set(key, data);
    return data;
  }

  /**
   * A DWARF section by its standard name: '.debug_info' finds .debug_info or
   * .zdebug_info; decompressed and relocated. Undefined if absent.
   */
  debugSection(name: string): Uint8Array | undefined {
    const sec = this.section(name) ?? (name.startsWith('.debug') ? this.section('.z' + name.slice(1)) : undefined);
    return sec ? this.sectionData(sec) : undefined;
  }

  /** The REL/RELA sections that apply to `target` (sh_info == its index). */
  relocationSectionsFor(target: ElfSection): ElfSection[] {
    return this.sections.filter((r) => (r.type === SHT.SHT_RELA || r.type === SHT.SHT_REL) && r.info === target.index && r.index !== target.index && !(r.flags & SHF.SHF_ALLOC));
  }

  /** Decode the entries of a REL or RELA section. */
  relocations(s: ElfSection | string): ElfRelocation[] {
    const sec = this.resolve(s);
    if (sec.type !== SHT.SHT_REL && sec.type !== SHT.SHT_RELA) throw this.error(`section ${sec.name} is ${shtShort(sec.type)}, not REL or RELA`, sec.offset, sec.name);
    const bytes = this.sectionData(sec, { relocate: false });
    return decodeRelocations({ bytes, rela: sec.type === SHT.SHT_RELA, is64: this.is64, le: this.littleEndian, machine: this.header.machine });
  }

  private applyFrom(rs: ElfSection, target: ElfSection, data: Uint8Array): void {
    const symtab = this.sectionAt(rs.link, `relocation section ${rs.name} (sh_link)`);
    if (symtab.index === rs.index || (symtab.type !== SHT.SHT_SYMTAB && symtab.type !== SHT.SHT_DYNSYM)) {
      throw this.error(`relocation section ${rs.name} links to section ${symtab.index} (${shtShort(symtab.type)}), not a symbol table`, rs.offset, rs.name);
    }
    if (rs.type !== SHT.SHT_REL && rs.type !== SHT.SHT_RELA) throw this.error(`section ${rs.name} is ${shtShort(rs.type)}, not REL or RELA`, rs.offset, rs.name);
    const values = this.symbolValues(symtab);
    const relEntSize = this.is64 ? (rs.type === SHT.SHT_RELA ? 24 : 16) : (rs.type === SHT.SHT_RELA ? 12 : 8);
    const apply = (rel: Uint8Array, relOffset: number) => applyRelocationsRaw({
      data, sectionAddr: target.addr, rel, rela: rs.type === SHT.SHT_RELA, is64: this.is64, symbols: values,
      machine: this.header.machine, le: this.littleEndian, source: this.name, relSection: rs.name, relOffset, relEntSize,
    });
    const cached = this.dataCache.get(`${rs.index}:0`);
    if (cached || rs.flags & SHF.SHF_COMPRESSED || this.source instanceof BufferSource || rs.size <= RELOC_CHUNK) {
      apply(cached ?? this.sectionData(rs, { relocate: false }), rs.offset);
      return;
    }
    // A large relocation section (a module's .rela.debug_info is 1.5 times its .debug_info) is
    // streamed through one scratch buffer: never held whole, no fresh memory to fault in.
    this.checkRange(rs.offset, rs.size, `section ${rs.name}`, rs.name);
    const step = RELOC_CHUNK - (RELOC_CHUNK % relEntSize);
    relocScratch ??= new Uint8Array(RELOC_CHUNK);
    for (let at = 0; at < rs.size; at += step) {
      const chunk = relocScratch.subarray(0, Math.min(step, rs.size - at));
      this.source.readInto(rs.offset + at, chunk);
      apply(chunk, rs.offset + at);
    }
  }

  /** st_value of each symbol of a table, without decoding names. */
  private symbolValues(symtab: ElfSection): BigUint64Array {
    let v = this.symbolValueCache.get(symtab.index);
    if (!v) { v = this.decodeSymbolValues(symtab); this.symbolValueCache.set(symtab.index, v); }
    return v;
  }

  private readonly symbolValueCache = new Map<number, BigUint64Array>();

  private decodeSymbolValues(symtab: ElfSection): BigUint64Array {
    const bytes = this.sectionData(symtab, { relocate: false });
    const ent = this.is64 ? 24 : 16;
    const n = Math.floor(bytes.length / ent);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.is64 ? dv.getBigUint64(i * ent + 8, this.littleEndian) : BigInt(dv.getUint32(i * ent + 4, this.littleEndian));
    return out;
  }

  /**
   * A symbol table section (SHT_SYMTAB or SHT_DYNSYM) as parallel typed
   * arrays, names decoded on demand: what to use for a whole large table.
   */
  compactSymbolTable(s: ElfSection | string): CompactSymbols {
    const sec = this.resolve(s);
    const hit = this.compactCache.get(sec.index);
    if (hit) return hit;
    if (sec.type !== SHT.SHT_SYMTAB && sec.type !== SHT.SHT_DYNSYM) throw this.error(`section ${sec.name} is ${shtShort(sec.type)}, not a symbol table`, sec.offset, sec.name);
    const strsec = this.sectionAt(sec.link, `symbol table ${sec.name} (sh_link)`);
    if (strsec.index === sec.index || strsec.type !== SHT.SHT_STRTAB) {
      throw this.error(`symbol table ${sec.name} links to section ${strsec.index} (${shtShort(strsec.type)}) for its names, not a string table`, sec.offset, sec.name);
    }
    const ent = this.is64 ? 24 : 16;
    if (sec.entsize !== 0 && sec.entsize !== ent) throw this.error(`symbol table ${sec.name} has sh_entsize ${sec.entsize}, expected ${ent}`, sec.offset, sec.name);
    const x = this.sections.find((t) => t.type === SHT.SHT_SYMTAB_SHNDX && t.link === sec.index);
    const table = new CompactSymbols({
      bytes: this.sectionData(sec, { relocate: false }),
      strtab: this.sectionData(strsec, { relocate: false }),
      shndx: x ? this.sectionData(x, { relocate: false }) : undefined,
      is64: this.is64, le: this.littleEndian, source: this.name, section: sec.name, offset: sec.offset,
      sectionNames: (this._sectionNames ??= this.sections.map((t) => t.name)),
    });
    this.compactCache.set(sec.index, table);
    return table;
  }

  /** The compact form of the first SHT_SYMTAB section (empty, table '', if stripped). */
  compactSymbols(): CompactSymbols {
    const s = this.sections.find((t) => t.type === SHT.SHT_SYMTAB);
    return s ? this.compactSymbolTable(s) : this.noSymbols();
  }

  /** The compact form of the first SHT_DYNSYM section (empty, table '', if none). */
  compactDynamicSymbols(): CompactSymbols {
    const s = this.sections.find((t) => t.type === SHT.SHT_DYNSYM);
    return s ? this.compactSymbolTable(s) : this.noSymbols();
  }

  private noSymbols(): CompactSymbols {
    const none = new Uint8Array(0);
    return new CompactSymbols({ bytes: none, strtab: none, is64: this.is64, le: this.littleEndian, source: this.name, section: '', offset: 0, sectionNames: [] });
  }

  /** Decode a symbol table section (SHT_SYMTAB or SHT_DYNSYM) into objects. */
  symbolTable(s: ElfSection | string): ElfSymbol[] {
    const sec = this.resolve(s);
    const hit = this.symCache.get(sec.index);
    if (hit) return hit;
    const syms = this.compactSymbolTable(sec).toArray();
    this.symCache.set(sec.index, syms);
    return syms;
  }

  /** The symbols of the first SHT_SYMTAB section (empty if stripped). */
  symbols(): ElfSymbol[] {
    const s = this.sections.find((t) => t.type === SHT.SHT_SYMTAB);
    return s ? this.symbolTable(s) : [];
  }

  /** The symbols of the first SHT_DYNSYM section (empty if none). */
  dynamicSymbols(): ElfSymbol[] {
    const s = this.sections.find((t) => t.type === SHT.SHT_DYNSYM);
    return s ? this.symbolTable(s) : [];
  }

  /**
   * Every note: those of SHT_NOTE sections, then those of PT_NOTE segments not
   * already covered by a note section (a core file has only segments).
   */
  notes(): ElfNote[] {
    if (this._notes) return this._notes;
    const out: ElfNote[] = [];
    const covered: [number, number][] = [];
    for (const s of this.sections) {
      if (s.type !== SHT.SHT_NOTE) continue;
      const bytes = this.sectionData(s, { relocate: false });
      out.push(...parseNotes(bytes, this.littleEndian, s.offset, s.addralign, { source: this.name, section: s.name }));
      covered.push([s.offset, s.offset + s.size]);
    }
    for (const p of this.segments) {
      if (p.type !== PT.PT_NOTE) continue;
      if (covered.some(([a, b]) => p.offset >= a && p.offset + p.filesz <= b)) continue;
      const bytes = this.segmentData(p);
      for (const n of parseNotes(bytes, this.littleEndian, p.offset, p.align, { source: this.name, section: `PT_NOTE segment ${p.index}` })) {
        if (!covered.some(([a, b]) => n.offset >= a && n.offset < b)) out.push(n);
      }
    }
    this._notes = out;
    return out;
  }

  /** The GNU build-id as lower-case hex, if the file has one. */
  buildId(): string | undefined {
    const n = this.notes().find((x) => x.name === 'GNU' && x.type === 3);
    return n ? toHex(n.desc) : undefined;
  }

  /** The VMCOREINFO note's text, if present (ELF core dumps of kernels). */
  vmcoreinfo(): Uint8Array | undefined {
    return this.notes().find((x) => x.name === 'VMCOREINFO')?.desc;
  }
}
