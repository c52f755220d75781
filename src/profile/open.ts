/**
 * Profile: a profile file opened for reading, through elf/'s ElfFile (lazy:
 * only the sections a command asks for are read). `meta` is read and checked
 * when the file is opened; symbols, lines and CTF on first use. Every part is
 * checked against its CRC-32 before it is believed, so a corrupt profile is a
 * FormatError naming the file and section, never a wrong answer.
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { ElfFile, SHT, type ElfSection } from '../elf/index.js';
import { symbolsFromCompact, type SortedSymbols } from '../kernel/index.js';
import { BUILD_ID_NOTE, CTF, KIND_CRC, KIND_LINES, KIND_META, LINES, META, PARTS, crcSectionFor, type PartName } from './format.js';
import { crc32 } from './crc32.js';
import { ProfileLines } from './lines.js';
import { decodeMeta, type ProfileMeta } from './meta.js';
import { openSection } from './section.js';

export class Profile {
  readonly meta: ProfileMeta;
  private _lines?: ProfileLines;
  private _symbols?: SortedSymbols;

  private constructor(readonly elf: ElfFile, readonly path: string) {
    const m = elf.section(META);
    if (!m) throw new UsageError(`${path} is not a virtmem profile (no ${META} section)`);
    this.meta = decodeMeta(this.body(m, KIND_META), this.where(m));
    const id = elf.buildId();
    if (this.meta.buildId && id && id !== this.meta.buildId) {
      throw new FormatError(`build-id note ${id} disagrees with the metadata's ${this.meta.buildId}: the profile is corrupt`, this.where(elf.section(BUILD_ID_NOTE) ?? m));
    }
  }

  static open(path: string): Profile {
    const elf = ElfFile.open(path);
    try {
      return new Profile(elf, path);
    } catch (e) {
      elf.close();
      throw e;
    }
  }

  /** Whether section `name` is present. */
  has(name: string): boolean { return !!this.elf.section(name); }

  /** The parts present (symtab, lines, ctf). */
  parts(): PartName[] {
    return (Object.keys(PARTS) as PartName[]).filter((p) => this.has(PARTS[p][0]));
  }

  private where(s: ElfSection) { return { source: this.path, section: s.name, offset: s.offset }; }

  private body(s: ElfSection, kind: number): Uint8Array {
    if (s.type === SHT.SHT_NOBITS) throw new FormatError('section has no bytes (SHT_NOBITS)', { ...this.where(s), format: 'virtmem profile' });
    return openSection(this.elf.sectionData(s), kind, this.elf.littleEndian, this.where(s));
  }

  /** The bytes of `name`, after checking them against its .virtmem.crc section. */
  checked(name: string): Uint8Array {
    const s = this.elf.section(name);
    if (!s) throw new UsageError(`${this.path}: no ${name} (stripped?)`);
    const c = this.elf.section(crcSectionFor(name));
    if (!c) throw new FormatError(`no ${crcSectionFor(name)} to check ${name} against`, { ...this.where(s), format: 'virtmem profile' });
    if (c.link !== s.index) throw new FormatError(`sh_link ${c.link} is not ${name}'s index ${s.index}`, { ...this.where(c), format: 'virtmem profile' });
    const body = this.body(c, KIND_CRC);
    if (body.length !== 4) throw new FormatError(`checksum section of ${body.length} bytes`, { ...this.where(c), format: 'virtmem profile' });
    const want = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, this.elf.littleEndian);
    const data = this.elf.sectionData(s);
    const got = crc32(data);
    if (got !== want) throw new FormatError(`checksum mismatch (CRC-32 0x${got.toString(16)}, ${c.name} says 0x${want.toString(16)}): the profile is corrupt`, { ...this.where(s), format: 'virtmem profile' });
    return data;
  }

  /** The function and object symbols (link-time addresses), sorted. */
  symbols(): SortedSymbols {
    if (!this._symbols) {
      this.checked('.symtab');
      this.checked('.strtab');
      this._symbols = symbolsFromCompact(this.elf.compactSymbols(), `profile ${this.path} .symtab`);
    }
    return this._symbols;
  }

  /** The line table. */
  lines(): ProfileLines {
    if (!this._lines) {
      const s = this.elf.section(LINES);
      if (!s) throw new UsageError(`${this.path}: no line table (stripped?)`);
      if (!s.link || s.link >= this.elf.sections.length) throw new FormatError(`sh_link ${s.link} names no string table`, { ...this.where(s), format: 'virtmem profile' });
      const str = this.elf.sectionAt(s.link, 'line string table');
      if (str.type !== SHT.SHT_STRTAB) throw new FormatError(`sh_link points at ${str.name}, not a string table`, { ...this.where(s), format: 'virtmem profile' });
      const body = this.body(s, KIND_LINES);
      this._lines = new ProfileLines(body, this.elf.sectionData(str), this.elf.littleEndian, { ...this.where(s), offset: s.offset + 16 });
    }
    return this._lines;
  }

  /** The .ctf section's bytes (checked), or undefined when stripped. */
  ctf(): Uint8Array | undefined {
    return this.has(CTF) ? this.checked(CTF) : undefined;
  }

  close(): void { this.elf.close(); }
}
