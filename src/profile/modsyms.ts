/**
 * .virtmem.modsyms: the functions and objects of loadable kernel modules
 * (format.ts gives the layout). A module's symbols are stored as its .ko has
 * them: an offset into one of the module's sections, because where a module
 * lands is only known at run time (the dump's module list gives each
 * section's address: struct module's sect_attrs, /sys/module/NAME/sections/).
 * `ModuleSymbols.table(name, bases)` turns them into a kernel/ SymbolTable of
 * run-time addresses once those bases are known.
 *
 * Module names are the kernel's (KBUILD_MODNAME: the file name without .ko,
 * '-' turned into '_'), so they match struct module's name.
 */
import { FormatError, Reader, UsageError, Writer, utf8, type ErrorPlace } from '../bytes/index.js';
import { ElfFile, SHF, SHN, STT, type CompactSymbols } from '../elf/index.js';
import { SortedSymbols } from '../kernel/index.js';

export const MODSYMS_HEADER = 16;
export const MODULE_ENTRY = 24;
export const MODSECTION_ENTRY = 16;
export const MODSYM_ENTRY = 24;
/** Limits a reader enforces before allocating anything. */
const MAX_ENTRIES = 1 << 26;

/** The kernel's name for the module in file `ko` ("nf_conntrack" for nf-conntrack.ko.debug). */
export function kernelModuleName(ko: string): string {
  const base = ko.slice(ko.lastIndexOf('/') + 1);
  return base.replace(/\.debug$/, '').replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export interface ModuleSection {
  name: string;
  flags: number;
  size: bigint;
}

export interface ModuleSymbol {
  name: string;
  /** Index into the module's sections. */
  section: number;
  /** Offset in that section. */
  value: bigint;
  size: bigint;
  /** st_info (type in the low 4 bits, binding in the high 4). */
  info: number;
  other: number;
}

export interface ModuleInfo {
  name: string;
  sections: ModuleSection[];
  symbols: ModuleSymbol[];
}

function kept(t: CompactSymbols, i: number): boolean {
  if (t.nameOffsets[i] === 0 || t.strtab[t.nameOffsets[i]] === 0) return false;
  const ty = t.info[i] & 0xf;
  return ty === STT.STT_FUNC || ty === STT.STT_OBJECT || ty === STT.STT_TLS;
}

/** The functions and objects of one module file (a .ko or its debug file), by section. */
export function readModule(ko: string): ModuleInfo {
  const elf = ElfFile.open(ko);
  try {
    const t = elf.compactSymbols();
    const sectionOf = new Map<number, number>();
    const sections: ModuleSection[] = [];
    const symbols: ModuleSymbol[] = [];
    for (let i = 1; i < t.length; i++) {
      if (!kept(t, i)) continue;
      const s = t.shndx[i];
      if (s === SHN.SHN_UNDEF || s >= SHN.SHN_LORESERVE || s >= elf.sections.length) continue;
      const sec = elf.sections[s];
      if (!(sec.flags & SHF.SHF_ALLOC)) continue;
      let k = sectionOf.get(s);
      if (k === undefined) { k = sections.length; sectionOf.set(s, k); sections.push({ name: sec.name, flags: Number(sec.flags), size: BigInt(sec.size) }); }
      const o = t.nameOffsets[i];
      symbols.push({ name: utf8(t.strtab.subarray(o, t.strtab.indexOf(0, o))), section: k, value: t.values[i], size: t.sizes[i], info: t.info[i], other: t.other[i] });
    }
    symbols.sort((a, b) => a.section - b.section || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { name: kernelModuleName(ko), sections, symbols };
  } finally {
    elf.close();
  }
}

/** The body of .virtmem.modsyms (after its section header) and its string table. */
export function encodeModsyms(modules: ModuleInfo[], le: boolean): { body: Uint8Array; strtab: Uint8Array } {
  const mods = [...modules].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < mods.length; i++) if (mods[i].name === mods[i - 1].name) throw new UsageError(`module ${mods[i].name} given twice`);
  const str = new Writer(le, 1 << 16);
  str.u8(0);
  const names = new Map<string, number>();
  const name = (s: string) => {
    let o = names.get(s);
    if (o === undefined) { o = str.length; str.bytes(new TextEncoder().encode(s)).u8(0); names.set(s, o); }
    return o;
  };
  const nsec = mods.reduce((a, m) => a + m.sections.length, 0);
  const nsym = mods.reduce((a, m) => a + m.symbols.length, 0);
  const w = new Writer(le, 16 + mods.length * MODULE_ENTRY + nsec * MODSECTION_ENTRY + nsym * MODSYM_ENTRY);
  w.u32(mods.length).u32(nsec).u32(nsym).u32(0);
  let s = 0, y = 0;
  for (const m of mods) {
    w.u32(name(m.name)).u32(s).u32(m.sections.length).u32(y).u32(m.symbols.length).u32(0);
    s += m.sections.length;
    y += m.symbols.length;
  }
  for (const m of mods) for (const x of m.sections) w.u32(name(x.name)).u32(x.flags).u64(x.size);
  for (const m of mods) for (const x of m.symbols) w.u32(name(x.name)).u8(x.info).u8(x.other).u16(x.section).u64(x.value).u64(x.size);
  return { body: w.finish(), strtab: str.finish() };
}

interface ModuleEntry { name: string; firstSection: number; nsections: number; firstSymbol: number; nsymbols: number }

/** A reader over .virtmem.modsyms: module names first, a module's symbols when asked. */
export class ModuleSymbols {
  private readonly entries: ModuleEntry[];
  private readonly byName = new Map<string, number>();
  private readonly sectionsAt: number;
  private readonly symbolsAt: number;

  /** `body`: the section after its 16-byte header; `place.offset` the file offset of `body`. */
  constructor(private readonly body: Uint8Array, private readonly strtab: Uint8Array, private readonly le: boolean, private readonly place: ErrorPlace) {
    const r = this.reader(0);
    const nmod = r.u32(), nsec = r.u32(), nsym = r.u32();
    r.u32();
    if (nmod > MAX_ENTRIES || nsec > MAX_ENTRIES || nsym > MAX_ENTRIES) throw this.error(`implausible counts: ${nmod} modules, ${nsec} sections, ${nsym} symbols`, 0);
    this.sectionsAt = 16 + nmod * MODULE_ENTRY;
    this.symbolsAt = this.sectionsAt + nsec * MODSECTION_ENTRY;
    const end = this.symbolsAt + nsym * MODSYM_ENTRY;
    if (end > body.length) throw this.error(`tables need ${end} bytes, the section has ${body.length}`, 0);
    this.entries = [];
    for (let i = 0; i < nmod; i++) {
      const at = r.pos;
      const e = { name: this.str(r.u32(), at), firstSection: r.u32(), nsections: r.u32(), firstSymbol: r.u32(), nsymbols: r.u32() };
      r.u32();
      if (e.firstSection + e.nsections > nsec || e.firstSymbol + e.nsymbols > nsym) throw this.error(`module ${e.name}: sections or symbols out of range`, at);
      this.entries.push(e);
      this.byName.set(e.name, i);
    }
  }

  private reader(at: number): Reader {
    const r = new Reader(this.body, { littleEndian: this.le, source: this.place.source, format: 'virtmem profile', section: this.place.section, base: Number(this.place.offset ?? 0) });
    r.pos = at;
    return r;
  }

  private error(what: string, at: number): FormatError {
    return new FormatError(what, { ...this.place, format: 'virtmem profile', offset: Number(this.place.offset ?? 0) + at });
  }

  private str(off: number, at: number): string {
    if (off >= this.strtab.length) throw this.error(`string offset ${off} past the string table (${this.strtab.length} bytes)`, at);
    const end = this.strtab.indexOf(0, off);
    return utf8(this.strtab.subarray(off, end < 0 ? this.strtab.length : end));
  }

  /** The module names, sorted. */
  names(): string[] { return this.entries.map((e) => e.name); }

  has(name: string): boolean { return this.byName.has(name); }

  /** A module's sections and symbols (section-relative), or undefined. */
  module(name: string): ModuleInfo | undefined {
    const i = this.byName.get(name);
    if (i === undefined) return undefined;
    const e = this.entries[i];
    const r = this.reader(this.sectionsAt + e.firstSection * MODSECTION_ENTRY);
    const sections: ModuleSection[] = [];
    for (let k = 0; k < e.nsections; k++) {
      const at = r.pos;
      sections.push({ name: this.str(r.u32(), at), flags: r.u32(), size: r.u64() });
    }
    r.pos = this.symbolsAt + e.firstSymbol * MODSYM_ENTRY;
    const symbols: ModuleSymbol[] = [];
    for (let k = 0; k < e.nsymbols; k++) {
      const at = r.pos;
      const nameOff = r.u32(), info = r.u8(), other = r.u8(), section = r.u16();
      if (section >= e.nsections) throw this.error(`module ${e.name}: symbol names section ${section} of ${e.nsections}`, at);
      symbols.push({ name: this.str(nameOff, at), info, other, section, value: r.u64(), size: r.u64() });
    }
    return { name: e.name, sections, symbols };
  }

  /**
   * Module `name`'s symbols at run-time addresses: `bases` maps a section name
   * (".text", ".data", ...) to where the dump's module list says it is. Symbols
   * of sections without a base are left out.
   */
  table(name: string, bases: ReadonlyMap<string, bigint> | Readonly<Record<string, bigint>>): SortedSymbols {
    const m = this.module(name);
    if (!m) throw new UsageError(`no module ${name} in the profile`);
    const base = (s: string) => (bases instanceof Map ? bases.get(s) : (bases as Record<string, bigint>)[s]);
    const names: string[] = [], addrs: bigint[] = [], sizes: bigint[] = [];
    for (const s of m.symbols) {
      const b = base(m.sections[s.section].name);
      if (b === undefined) continue;
      names.push(s.name);
      addrs.push(BigInt.asUintN(64, b + s.value));
      sizes.push(s.size);
    }
    return new SortedSymbols(`profile module ${name}`, names, addrs, sizes);
  }
}
