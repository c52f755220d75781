/**
 * `profile build`: a profile from a vmlinux with DWARF (format.ts says what
 * goes where). Passes:
 *  1. skeleton: an SHT_NOBITS header for each SHF_ALLOC section of the
 *     vmlinux, and the old -> new section index map for symbols;
 *  2. symbols: the named function/object/notype/TLS symbols of .symtab, locals
 *     first then globals, each group in address order, names into a new .strtab;
 *  3. lines: every line program run once into a LineTable, then encoded in
 *     blocks (lines.ts);
 *  4. metadata: release and banner read from linux_banner in the image,
 *     build-id, architecture, link-time addresses of META_SYMBOLS;
 *  5. CTF: an archive given by the caller (dwarf2ctf's output), stored as .ctf;
 *  6. write the ELF (elf-builder.ts).
 */
import { UsageError, Writer, utf8 } from '../bytes/index.js';
import { DwarfInfo, LineTable, dwarfSectionsFromElf } from '../dwarf/index.js';
import { EM, ElfFile, SHF, SHN, SHT, STT, type CompactSymbols } from '../elf/index.js';
import { crc32 } from './crc32.js';
import { buildElf, type BuildSection } from './elf-builder.js';
import { BUILD_ID_NOTE, CTF, KIND_CRC, KIND_LINES, KIND_META, LINES, LINESTR, META, META_SYMBOLS, crcSectionFor } from './format.js';
import { encodeLines } from './lines.js';
import { encodeMeta } from './meta.js';
import { sectionBytes } from './section.js';

export interface BuildOptions {
  /** A CTF archive or dict to store as .ctf (dwarf2ctf's output). */
  ctf?: Uint8Array;
  /** Leave the line table out. */
  noLines?: boolean;
  /** Progress messages (stderr in the CLI). */
  progress?: (what: string) => void;
}

export interface BuildResult {
  bytes: Uint8Array;
  release?: string;
  buildId?: string;
  symbols: number;
  lineRows: number;
  /** Bytes per part, for the size report. */
  sizes: Record<string, number>;
}

const ARCH: Record<number, string> = { [EM.EM_X86_64]: 'x86_64', [EM.EM_AARCH64]: 'aarch64', [EM.EM_386]: 'i386', [EM.EM_S390]: 's390x', [EM.EM_PPC64]: 'ppc64' };
const PAGE_SIZE: Record<string, number> = { x86_64: 4096, i386: 4096, s390x: 4096, ppc64: 65536, aarch64: 4096 };

/** Build a profile from the vmlinux at `path`. */
export function buildProfile(path: string, opts: BuildOptions = {}): BuildResult {
  const elf = ElfFile.open(path);
  try {
    return build(elf, opts);
  } finally {
    elf.close();
  }
}

function build(elf: ElfFile, opts: BuildOptions): BuildResult {
  const le = elf.littleEndian, is64 = elf.is64;
  const say = opts.progress ?? (() => {});
  const sections: BuildSection[] = [];
  const sizes: Record<string, number> = {};

  // 1. skeleton
  const newIndex = new Map<number, number>();
  for (const s of elf.sections) {
    if (s.index === 0 || !(s.flags & SHF.SHF_ALLOC)) continue;
    sections.push({ name: s.name, type: SHT.SHT_NOBITS, flags: s.flags, addr: s.addr, size: BigInt(s.size), addralign: s.addralign });
    newIndex.set(s.index, sections.length); // index 0 is the null section
  }

  // build-id note, as the vmlinux has it
  const buildId = elf.buildId();
  if (buildId) {
    const id = Uint8Array.from(buildId.match(/../g)!.map((h) => parseInt(h, 16)));
    const w = new Writer(le, 32 + id.length);
    w.u32(4).u32(id.length).u32(3).bytes(new TextEncoder().encode('GNU\0')).bytes(id).align(4);
    sections.push({ name: BUILD_ID_NOTE, type: SHT.SHT_NOTE, flags: SHF.SHF_ALLOC, data: w.finish(), addralign: 4 });
  }

  // 2. symbols
  say('symbols');
  const t = elf.compactSymbols();
  if (!t.length) throw new UsageError(`${elf.name}: no .symtab (a profile needs the vmlinux's symbols)`);
  const sym = symtab(t, newIndex, is64, le);
  sizes.symtab = sym.symtab.length + sym.strtab.length;

  // 4. metadata (before lines: cheap, and errors early)
  const release = bannerOf(elf, t);
  const meta = {
    release: release?.release, buildId, arch: ARCH[elf.header.machine] ?? `EM_${elf.header.machine}`, machine: elf.header.machine,
    pageSize: PAGE_SIZE[ARCH[elf.header.machine] ?? ''], banner: release?.banner, text: symbolAddress(t, '_text'),
    symbols: new Map(META_SYMBOLS.map((n) => [n, symbolAddress(t, n)] as const).filter((x): x is [string, bigint] => x[1] !== undefined)),
    builtBy: 'virtmem 0.1.0',
  };
  const metaBytes = sectionBytes(KIND_META, encodeMeta(meta), le);
  sections.push({ name: META, type: SHT.SHT_PROGBITS, data: metaBytes, addralign: 4 });
  sizes.meta = metaBytes.length;

  sections.push({ name: '.symtab', type: SHT.SHT_SYMTAB, data: sym.symtab, link: '.strtab', info: sym.firstGlobal, addralign: 8, entsize: is64 ? 24 : 16 });
  sections.push({ name: '.strtab', type: SHT.SHT_STRTAB, data: sym.strtab, addralign: 1 });
  sections.push(crcSection('.symtab', sym.symtab, le), crcSection('.strtab', sym.strtab, le));

  // 3. lines
  let lineRows = 0;
  if (!opts.noLines && elf.debugSection('.debug_line')) {
    say('line tables');
    const table = LineTable.fromDwarf(new DwarfInfo(dwarfSectionsFromElf(elf)));
    lineRows = table.length;
    const { body, strtab } = encodeLines(table, le);
    const data = sectionBytes(KIND_LINES, body, le);
    sections.push({ name: LINES, type: SHT.SHT_PROGBITS, data, link: LINESTR, addralign: 8 });
    sections.push({ name: LINESTR, type: SHT.SHT_STRTAB, data: strtab, addralign: 1 });
    sizes.lines = data.length + strtab.length;
  }

  // 5. CTF
  if (opts.ctf) {
    sections.push({ name: CTF, type: SHT.SHT_PROGBITS, data: opts.ctf, addralign: 8 });
    sections.push(crcSection(CTF, opts.ctf, le));
    sizes.ctf = opts.ctf.length;
  }

  say('writing');
  const bytes = buildElf({ is64, littleEndian: le, machine: elf.header.machine, flags: elf.header.flags, sections });
  return { bytes, release: meta.release, buildId, symbols: sym.count, lineRows, sizes };
}

function crcSection(of: string, data: Uint8Array, le: boolean): BuildSection {
  const w = new Writer(le, 4);
  w.u32(crc32(data));
  return { name: crcSectionFor(of), type: SHT.SHT_PROGBITS, data: sectionBytes(KIND_CRC, w.finish(), le), link: of, addralign: 4 };
}

function kept(t: CompactSymbols, i: number): boolean {
  if (t.nameOffsets[i] === 0 || t.strtab[t.nameOffsets[i]] === 0) return false;
  const ty = t.info[i] & 0xf;
  return ty === STT.STT_FUNC || ty === STT.STT_OBJECT || ty === STT.STT_NOTYPE || ty === STT.STT_TLS;
}

/** The new .symtab and .strtab. Symbols in sections the skeleton lacks (non-alloc) are dropped. */
function symtab(t: CompactSymbols, newIndex: Map<number, number>, is64: boolean, le: boolean) {
  const idx: number[] = [];
  const shn: number[] = [];
  for (let i = 1; i < t.length; i++) {
    if (!kept(t, i)) continue;
    const s = t.shndx[i];
    let ns: number;
    if (s === SHN.SHN_ABS) ns = s;
    else if (s === SHN.SHN_UNDEF || s >= SHN.SHN_LORESERVE) continue;
    else {
      const m = newIndex.get(s);
      if (m === undefined) continue;
      ns = m;
    }
    idx.push(i);
    shn[i] = ns;
  }
  const local = (i: number) => t.info[i] >> 4 === 0;
  idx.sort((a, b) => (local(a) === local(b) ? (t.values[a] < t.values[b] ? -1 : t.values[a] > t.values[b] ? 1 : a - b) : local(a) ? -1 : 1));
  const ent = is64 ? 24 : 16;
  const w = new Writer(le, (idx.length + 1) * ent);
  const str = new Writer(le, idx.length * 24);
  str.u8(0);
  const names = new Map<string, number>();
  w.zeros(ent);
  let firstGlobal = idx.length + 1;
  idx.forEach((i, k) => {
    if (!local(i) && firstGlobal > idx.length) firstGlobal = k + 1;
    const raw = t.strtab.subarray(t.nameOffsets[i], t.strtab.indexOf(0, t.nameOffsets[i]));
    const key = utf8(raw);
    let off = names.get(key);
    if (off === undefined) { off = str.length; str.bytes(raw).u8(0); names.set(key, off); }
    if (is64) {
      w.u32(off).u8(t.info[i]).u8(t.other[i]).u16(shn[i]).u64(t.values[i]).u64(t.sizes[i]);
    } else {
      w.u32(off).u32(Number(t.values[i])).u32(Number(t.sizes[i])).u8(t.info[i]).u8(t.other[i]).u16(shn[i]);
    }
  });
  return { symtab: w.finish(), strtab: str.finish(), firstGlobal, count: idx.length };
}

function symbolAddress(t: CompactSymbols, name: string): bigint | undefined {
  const enc = new TextEncoder().encode(name);
  outer: for (let i = 1; i < t.length; i++) {
    const o = t.nameOffsets[i];
    if (!o || t.strtab[o + enc.length] !== 0) continue;
    for (let k = 0; k < enc.length; k++) if (t.strtab[o + k] !== enc[k]) continue outer;
    if (t.shndx[i] === SHN.SHN_UNDEF) continue;
    return t.values[i];
  }
  return undefined;
}

/** linux_banner's text from the image bytes, and the release in it. */
function bannerOf(elf: ElfFile, t: CompactSymbols): { banner: string; release: string } | undefined {
  const a = symbolAddress(t, 'linux_banner');
  if (a === undefined) return undefined;
  const s = elf.sections.find((x) => x.type !== SHT.SHT_NOBITS && x.addr <= a && a < x.addr + BigInt(x.size));
  if (!s) return undefined;
  const off = Number(a - s.addr);
  const b = elf.readRange(s.offset + off, Math.min(1024, s.size - off), 'linux_banner');
  const end = b.indexOf(0);
  const banner = utf8(b.subarray(0, end < 0 ? b.length : end)).replace(/\n$/, '');
  const m = /^Linux version (\S+)/.exec(banner);
  return m ? { banner, release: m[1] } : undefined;
}
