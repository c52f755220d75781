/**
 * The three fixed-layout tables of an ELF file: the file header, the section
 * header table and the program header table, for both classes and byte orders.
 *
 * Extended numbering (gABI): when there are 0xff00 sections or more, e_shnum is 0
 * and the count is section 0's sh_size; when the string-table index does not
 * fit, e_shstrndx is SHN_XINDEX and the index is section 0's sh_link; when there
 * are 0xffff program headers or more, e_phnum is PN_XNUM and the count is
 * section 0's sh_info. Each table must lie inside the file, which also bounds
 * every count by the file size.
 */
import { FormatError, Reader, type ByteSource } from '../bytes/index.js';
import { PN_XNUM, SHN } from './constants.js';

/** The ELF file header, with extended counts resolved. */
export interface ElfHeader {
  /** 1 = ELFCLASS32, 2 = ELFCLASS64. */
  class: number;
  /** 1 = little endian, 2 = big endian. */
  data: number;
  /** EI_VERSION */
  identVersion: number;
  osabi: number;
  abiversion: number;
  /** e_type: ET_REL, ET_EXEC, ET_DYN, ET_CORE... */
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  /** Number of program headers (PN_XNUM resolved). */
  phnum: number;
  shentsize: number;
  /** Number of section headers (e_shnum == 0 resolved through section 0). */
  shnum: number;
  /** Index of the section-name string table (SHN_XINDEX resolved). */
  shstrndx: number;
  /** The raw e_phnum, e_shnum and e_shstrndx fields as stored. */
  rawPhnum: number;
  rawShnum: number;
  rawShstrndx: number;
}

/** One section header. Offsets and sizes are numbers (they index the file); addresses are bigint. */
export interface ElfSection {
  index: number;
  name: string;
  /** sh_name: offset of the name in the section-name string table. */
  nameOffset: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

/** One program header. */
export interface ElfSegment {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: bigint;
  align: number;
}

export const EHDR_SIZE = { 32: 52, 64: 64 } as const;
export const SHDR_SIZE = { 32: 40, 64: 64 } as const;
export const PHDR_SIZE = { 32: 32, 64: 56 } as const;

/** Error helper: a FormatError in this file at an absolute offset. */
export function elfError(src: ByteSource, what: string, offset?: number | bigint, section?: string): FormatError {
  return new FormatError(what, { source: src.name, format: 'ELF', section, offset });
}

const hex = (n: number | bigint) => '0x' + n.toString(16);

/** Read and check the file header. Section 0 is consulted for extended counts. */
export function readHeader(src: ByteSource): ElfHeader {
  if (src.size < 16) throw elfError(src, `file too small for an ELF header (${src.size} bytes)`, 0);
  const ident = src.read(0, 16);
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw elfError(src, 'not an ELF file (bad magic)', 0);
  }
  const cls = ident[4];
  const data = ident[5];
  if (cls !== 1 && cls !== 2) throw elfError(src, `bad EI_CLASS ${cls}`, 4);
  if (data !== 1 && data !== 2) throw elfError(src, `bad EI_DATA ${data}`, 5);
  const is64 = cls === 2;
  const ehsize = is64 ? 64 : 52;
  if (src.size < ehsize) throw elfError(src, `file truncated inside the ELF header (${src.size} of ${ehsize} bytes)`, src.size);
  const r = new Reader(src.read(0, ehsize), { littleEndian: data === 1, source: src.name, format: 'ELF', section: 'ELF header' });
  r.pos = 16;
  const type = r.u16();
  const machine = r.u16();
  const version = r.u32();
  const entry = is64 ? r.u64() : BigInt(r.u32());
  const phoff = is64 ? r.u64n() : r.u32();
  const shoff = is64 ? r.u64n() : r.u32();
  const flags = r.u32();
  const ehsizeField = r.u16();
  const phentsize = r.u16();
  const rawPhnum = r.u16();
  const shentsize = r.u16();
  const rawShnum = r.u16();
  const rawShstrndx = r.u16();
  const h: ElfHeader = {
    class: cls, data, identVersion: ident[6], osabi: ident[7], abiversion: ident[8],
    type, machine, version, entry, phoff, shoff, flags, ehsize: ehsizeField, phentsize,
    phnum: rawPhnum, shentsize, shnum: rawShnum, shstrndx: rawShstrndx, rawPhnum, rawShnum, rawShstrndx,
  };
  const needSection0 = shoff !== 0 && (rawShnum === 0 || rawShstrndx === SHN.SHN_XINDEX || rawPhnum === PN_XNUM);
  if (needSection0) {
    const s0 = readSectionHeader(src, h, is64, data === 1, 0);
    if (rawShnum === 0) h.shnum = s0.size;
    if (rawShstrndx === SHN.SHN_XINDEX) h.shstrndx = s0.link;
    if (rawPhnum === PN_XNUM) h.phnum = s0.info;
  } else if (rawPhnum === PN_XNUM) {
    throw elfError(src, 'e_phnum is PN_XNUM but there is no section 0 to hold the count', is64 ? 0x38 : 0x2c);
  }
  if (h.shnum > 0 && shentsize !== SHDR_SIZE[is64 ? 64 : 32]) {
    throw elfError(src, `e_shentsize is ${shentsize}, expected ${SHDR_SIZE[is64 ? 64 : 32]}`, is64 ? 0x3a : 0x2e);
  }
  if (h.phnum > 0 && phentsize !== PHDR_SIZE[is64 ? 64 : 32]) {
    throw elfError(src, `e_phentsize is ${phentsize}, expected ${PHDR_SIZE[is64 ? 64 : 32]}`, is64 ? 0x36 : 0x2a);
  }
  checkTable(src, 'section header table', shoff, h.shnum, shentsize);
  checkTable(src, 'program header table', phoff, h.phnum, phentsize);
  if (h.shnum > 0 && h.shstrndx !== SHN.SHN_UNDEF && h.shstrndx >= h.shnum) {
    throw elfError(src, `section-name string table index ${h.shstrndx} is not below the section count ${h.shnum}`, is64 ? 0x3e : 0x32);
  }
  return h;
}

function checkTable(src: ByteSource, what: string, off: number, n: number, entsize: number): void {
  if (n === 0) return;
  const end = off + n * entsize;
  if (off === 0 || end > src.size) {
    throw elfError(src, `${what} of ${n} entries (${hex(n * entsize)} bytes at ${hex(off)}) runs past end of file (size ${hex(src.size)})`, off);
  }
}

function readSectionHeader(src: ByteSource, h: ElfHeader, is64: boolean, le: boolean, i: number): Omit<ElfSection, 'name'> {
  const sz = is64 ? 64 : 40;
  const off = h.shoff + i * sz;
  if (off + sz > src.size) throw elfError(src, `section header ${i} runs past end of file (size ${hex(src.size)})`, off);
  return decodeSectionHeader(new Reader(src.read(off, sz), { littleEndian: le, source: src.name, format: 'ELF', section: 'section headers', base: off }), is64, i);
}

function decodeSectionHeader(r: Reader, is64: boolean, index: number): Omit<ElfSection, 'name'> {
  const nameOffset = r.u32();
  const type = r.u32();
  if (is64) {
    const flags = r.u64(), addr = r.u64(), offset = r.u64n(), size = r.u64n();
    const link = r.u32(), info = r.u32(), addralign = r.u64n(), entsize = r.u64n();
    return { index, nameOffset, type, flags, addr, offset, size, link, info, addralign, entsize };
  }
  const flags = BigInt(r.u32()), addr = BigInt(r.u32()), offset = r.u32(), size = r.u32();
  const link = r.u32(), info = r.u32(), addralign = r.u32(), entsize = r.u32();
  return { index, nameOffset, type, flags, addr, offset, size, link, info, addralign, entsize };
}

/** All section headers, without names (names need the string table). */
export function readSectionHeaders(src: ByteSource, h: ElfHeader): Omit<ElfSection, 'name'>[] {
  const is64 = h.class === 2;
  const sz = is64 ? 64 : 40;
  if (h.shnum === 0) return [];
  const r = new Reader(src.read(h.shoff, h.shnum * sz), {
    littleEndian: h.data === 1, source: src.name, format: 'ELF', section: 'section headers', base: h.shoff,
  });
  const out: Omit<ElfSection, 'name'>[] = new Array(h.shnum);
  for (let i = 0; i < h.shnum; i++) {
    r.pos = i * sz;
    out[i] = decodeSectionHeader(r, is64, i);
  }
  return out;
}

/** All program headers. */
export function readProgramHeaders(src: ByteSource, h: ElfHeader): ElfSegment[] {
  const is64 = h.class === 2;
  const sz = is64 ? 56 : 32;
  if (h.phnum === 0) return [];
  const r = new Reader(src.read(h.phoff, h.phnum * sz), {
    littleEndian: h.data === 1, source: src.name, format: 'ELF', section: 'program headers', base: h.phoff,
  });
  const out: ElfSegment[] = new Array(h.phnum);
  for (let index = 0; index < h.phnum; index++) {
    r.pos = index * sz;
    if (is64) {
      const type = r.u32(), flags = r.u32(), offset = r.u64n(), vaddr = r.u64(), paddr = r.u64();
      const filesz = r.u64n(), memsz = r.u64(), align = r.u64n();
      out[index] = { index, type, flags, offset, vaddr, paddr, filesz, memsz, align };
    } else {
      const type = r.u32(), offset = r.u32(), vaddr = BigInt(r.u32()), paddr = BigInt(r.u32());
      const filesz = r.u32(), memsz = BigInt(r.u32()), flags = r.u32(), align = r.u32();
      out[index] = { index, type, flags, offset, vaddr, paddr, filesz, memsz, align };
    }
  }
  return out;
}
