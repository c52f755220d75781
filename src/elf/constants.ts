/**
 * ELF constants, named as in the gABI / <elf.h>, one table per kind, each with
 * a name lookup for messages and listings. The short display names
 * (`shtShort`, `ptShort`, ...) spell values the way readelf does, so our
 * listings line up with the peer tool's.
 */

/** A table of named constants plus a reverse lookup (first name wins). */
function table<T extends Record<string, number>>(t: T): T & { readonly nameOf: (v: number) => string | undefined } {
  const rev = new Map<number, string>();
  for (const [k, v] of Object.entries(t)) if (!rev.has(v)) rev.set(v, k);
  return Object.assign(Object.create(null), t, { nameOf: (v: number) => rev.get(v) });
}

export const ELFCLASS = table({ ELFCLASSNONE: 0, ELFCLASS32: 1, ELFCLASS64: 2 });
export const ELFDATA = table({ ELFDATANONE: 0, ELFDATA2LSB: 1, ELFDATA2MSB: 2 });

export const ET = table({ ET_NONE: 0, ET_REL: 1, ET_EXEC: 2, ET_DYN: 3, ET_CORE: 4 });

export const EM = table({
  EM_NONE: 0, EM_SPARC: 2, EM_386: 3, EM_68K: 4, EM_MIPS: 8, EM_PARISC: 15, EM_SPARC32PLUS: 18,
  EM_PPC: 20, EM_PPC64: 21, EM_S390: 22, EM_ARM: 40, EM_SH: 42, EM_SPARCV9: 43, EM_IA_64: 50,
  EM_X86_64: 62, EM_AARCH64: 183, EM_RISCV: 243, EM_BPF: 247, EM_LOONGARCH: 258,
});

/** Special section indices. */
export const SHN = table({
  SHN_UNDEF: 0, SHN_LORESERVE: 0xff00, SHN_LOPROC: 0xff00, SHN_HIPROC: 0xff1f, SHN_ABS: 0xfff1,
  SHN_COMMON: 0xfff2, SHN_XINDEX: 0xffff, SHN_HIRESERVE: 0xffff,
});
/** e_phnum value meaning "the real count is in section 0's sh_info". */
export const PN_XNUM = 0xffff;

export const SHT = table({
  SHT_NULL: 0, SHT_PROGBITS: 1, SHT_SYMTAB: 2, SHT_STRTAB: 3, SHT_RELA: 4, SHT_HASH: 5, SHT_DYNAMIC: 6,
  SHT_NOTE: 7, SHT_NOBITS: 8, SHT_REL: 9, SHT_SHLIB: 10, SHT_DYNSYM: 11, SHT_INIT_ARRAY: 14,
  SHT_FINI_ARRAY: 15, SHT_PREINIT_ARRAY: 16, SHT_GROUP: 17, SHT_SYMTAB_SHNDX: 18, SHT_RELR: 19,
  SHT_GNU_ATTRIBUTES: 0x6ffffff5, SHT_GNU_HASH: 0x6ffffff6, SHT_GNU_LIBLIST: 0x6ffffff7,
  SHT_CHECKSUM: 0x6ffffff8, SHT_GNU_verdef: 0x6ffffffd, SHT_GNU_verneed: 0x6ffffffe,
  SHT_GNU_versym: 0x6fffffff, SHT_X86_64_UNWIND: 0x70000001, SHT_ARM_ATTRIBUTES: 0x70000003,
  SHT_AARCH64_ATTRIBUTES: 0x70000003, SHT_LLVM_ADDRSIG: 0x6fff4c03,
});

/** readelf's spelling of a section type. */
export function shtShort(type: number, machine = 0): string {
  const special: Record<number, string> = {
    [SHT.SHT_GNU_verdef]: 'VERDEF', [SHT.SHT_GNU_verneed]: 'VERNEED', [SHT.SHT_GNU_versym]: 'VERSYM',
    [SHT.SHT_GNU_HASH]: 'GNU_HASH', [SHT.SHT_GNU_LIBLIST]: 'GNU_LIBLIST', [SHT.SHT_GNU_ATTRIBUTES]: 'GNU_ATTRIBUTES',
    [SHT.SHT_LLVM_ADDRSIG]: 'LLVM_ADDRSIG', [SHT.SHT_SYMTAB_SHNDX]: 'SYMTAB SECTION INDICES',
  };
  if (special[type]) return special[type];
  if (type === 0x70000001 && machine === EM.EM_X86_64) return 'X86_64_UNWIND';
  if (type === 0x70000003 && machine === EM.EM_AARCH64) return 'AARCH64_ATTRIBUTES';
  if (type === 0x70000003 && machine === EM.EM_ARM) return 'ARM_ATTRIBUTES';
  if (type < 0x60000000) {
    const n = SHT.nameOf(type);
    if (n) return n.slice(4);
  }
  if (type >= 0x70000000 && type <= 0x7fffffff) return `LOPROC+0x${(type - 0x70000000).toString(16)}`;
  if (type >= 0x60000000 && type <= 0x6fffffff) return `LOOS+0x${(type - 0x60000000).toString(16)}`;
  if (type >= 0x80000000 && type <= 0xffffffff) return `LOUSER+0x${(type - 0x80000000).toString(16)}`;
  return `0x${type.toString(16)}: <unknown>`;
}

export const SHF = {
  SHF_WRITE: 0x1n, SHF_ALLOC: 0x2n, SHF_EXECINSTR: 0x4n, SHF_MERGE: 0x10n, SHF_STRINGS: 0x20n,
  SHF_INFO_LINK: 0x40n, SHF_LINK_ORDER: 0x80n, SHF_OS_NONCONFORMING: 0x100n, SHF_GROUP: 0x200n,
  SHF_TLS: 0x400n, SHF_COMPRESSED: 0x800n, SHF_GNU_RETAIN: 0x200000n, SHF_EXCLUDE: 0x80000000n,
} as const;

/** readelf's key letters for section flags (W A X M S I L O G T C x o E D l p y R). */
export function shfLetters(flags: bigint, machine = 0): string {
  let s = '';
  const bit = (b: bigint, c: string) => { if (flags & b) s += c; };
  bit(SHF.SHF_WRITE, 'W'); bit(SHF.SHF_ALLOC, 'A'); bit(SHF.SHF_EXECINSTR, 'X'); bit(SHF.SHF_MERGE, 'M');
  bit(SHF.SHF_STRINGS, 'S'); bit(SHF.SHF_INFO_LINK, 'I'); bit(SHF.SHF_LINK_ORDER, 'L');
  bit(SHF.SHF_OS_NONCONFORMING, 'O'); bit(SHF.SHF_GROUP, 'G'); bit(SHF.SHF_TLS, 'T'); bit(SHF.SHF_COMPRESSED, 'C');
  const known = 0xfffn | SHF.SHF_GNU_RETAIN | SHF.SHF_EXCLUDE;
  bit(SHF.SHF_GNU_RETAIN, 'R');
  if (flags & SHF.SHF_EXCLUDE) s += 'E';
  const rest = flags & ~known;
  if (rest & 0x0ff00000n) s += 'o';
  if (rest & 0xf0000000n) s += machine === EM.EM_X86_64 && (rest & 0x10000000n) ? 'l' : 'p';
  if (rest & ~0xfff00000n) s += 'x';
  return s;
}

export const PT = table({
  PT_NULL: 0, PT_LOAD: 1, PT_DYNAMIC: 2, PT_INTERP: 3, PT_NOTE: 4, PT_SHLIB: 5, PT_PHDR: 6, PT_TLS: 7,
  PT_GNU_EH_FRAME: 0x6474e550, PT_GNU_STACK: 0x6474e551, PT_GNU_RELRO: 0x6474e552,
  PT_GNU_PROPERTY: 0x6474e553, PT_GNU_SFRAME: 0x6474e554, PT_OPENBSD_RANDOMIZE: 0x65a3dbe6,
});

/** readelf's spelling of a segment type. */
export function ptShort(type: number): string {
  const n = PT.nameOf(type);
  if (n && type !== PT.PT_OPENBSD_RANDOMIZE) return n.slice(3);
  if (type >= 0x70000000 && type <= 0x7fffffff) return `LOPROC+0x${(type - 0x70000000).toString(16)}`;
  if (type >= 0x60000000 && type <= 0x6fffffff) return `LOOS+0x${(type - 0x60000000).toString(16)}`;
  return `<unknown>: ${type.toString(16)}`;
}

export const PF = { PF_X: 1, PF_W: 2, PF_R: 4 } as const;

/** "RWE" flags as readelf prints them (three columns, blank when clear). */
export function pfLetters(flags: number): string {
  return (flags & PF.PF_R ? 'R' : ' ') + (flags & PF.PF_W ? 'W' : ' ') + (flags & PF.PF_X ? 'E' : ' ');
}

export const STB = table({ STB_LOCAL: 0, STB_GLOBAL: 1, STB_WEAK: 2, STB_GNU_UNIQUE: 10 });
export const STT = table({
  STT_NOTYPE: 0, STT_OBJECT: 1, STT_FUNC: 2, STT_SECTION: 3, STT_FILE: 4, STT_COMMON: 5, STT_TLS: 6,
  STT_GNU_IFUNC: 10,
});
export const STV = table({ STV_DEFAULT: 0, STV_INTERNAL: 1, STV_HIDDEN: 2, STV_PROTECTED: 3 });

/** readelf's spelling of symbol binding, type and visibility. */
export function stbShort(b: number): string {
  if (b === STB.STB_GNU_UNIQUE) return 'UNIQUE';
  const n = STB.nameOf(b);
  if (n) return n.slice(4);
  if (b >= 13 && b <= 15) return `<processor specific>: ${b}`;
  if (b >= 10 && b <= 12) return `<OS specific>: ${b}`;
  return `<unknown>: ${b}`;
}
export function sttShort(t: number): string {
  if (t === STT.STT_GNU_IFUNC) return 'IFUNC';
  const n = STT.nameOf(t);
  if (n) return n.slice(4);
  if (t >= 13 && t <= 15) return `<processor specific>: ${t}`;
  if (t >= 10 && t <= 12) return `<OS specific>: ${t}`;
  return `<unknown>: ${t}`;
}
export function stvShort(v: number): string {
  return STV.nameOf(v)!.slice(4);
}

/** Section header flags for compressed sections. */
export const ELFCOMPRESS = table({ ELFCOMPRESS_ZLIB: 1, ELFCOMPRESS_ZSTD: 2 });

/** Note types. Their meaning depends on the note's name (owner). */
export const NT = table({
  // owner "GNU"
  NT_GNU_ABI_TAG: 1, NT_GNU_HWCAP: 2, NT_GNU_BUILD_ID: 3, NT_GNU_GOLD_VERSION: 4, NT_GNU_PROPERTY_TYPE_0: 5,
  // owner "CORE" / "LINUX" (core files)
  NT_PRSTATUS: 1, NT_FPREGSET: 2, NT_PRPSINFO: 3, NT_TASKSTRUCT: 4, NT_AUXV: 6, NT_SIGINFO: 0x53494749,
  NT_FILE: 0x46494c45, NT_PRXFPREG: 0x46e62b7f, NT_X86_XSTATE: 0x202,
  // owner "VMCOREINFO"
  NT_VMCOREINFO: 0,
});

const GNU_NOTES: Record<number, string> = {
  1: 'NT_GNU_ABI_TAG (ABI version tag)', 2: 'NT_GNU_HWCAP (DSO-supplied software HWCAP info)',
  3: 'NT_GNU_BUILD_ID (unique build ID bitstring)', 4: 'NT_GNU_GOLD_VERSION (gold version)',
  5: 'NT_GNU_PROPERTY_TYPE_0',
};
const CORE_NOTES: Record<number, string> = {
  1: 'NT_PRSTATUS (prstatus structure)', 2: 'NT_FPREGSET (floating point registers)',
  3: 'NT_PRPSINFO (prpsinfo structure)', 4: 'NT_TASKSTRUCT (task structure)', 6: 'NT_AUXV (auxiliary vector)',
  0x53494749: 'NT_SIGINFO (siginfo_t data)', 0x46494c45: 'NT_FILE (mapped files)',
  0x46e62b7f: 'NT_PRXFPREG (user_xfpregs structure)', 0x202: 'NT_X86_XSTATE (x86 XSAVE extended state)',
  0x200: 'NT_386_TLS (x86 TLS information)', 0x201: 'NT_386_IOPERM (x86 I/O permissions)',
  0x203: 'NT_X86_SHSTK (x86 SHSTK information)', 0x400: 'NT_ARM_VFP (arm VFP registers)',
  0x401: 'NT_ARM_TLS (AArch TLS registers)', 0x405: 'NT_ARM_SVE (AArch SVE registers)',
  0x300: 'NT_S390_HIGH_GPRS (s390 upper register halves)', 0x100: 'NT_PPC_VMX (ppc Altivec registers)',
};

/**
 * readelf's description of a note type, which depends on the owner and, for
 * owners it has no table for, on whether the file is a core file. Unknown ones
 * read "Unknown note type: (0x...)", as readelf prints them.
 */
export function noteTypeName(owner: string, type: number, etype = 0): string {
  const unknown = `Unknown note type: (0x${type.toString(16).padStart(8, '0')})`;
  if (owner === 'GNU') return GNU_NOTES[type] ?? unknown;
  if (owner === 'GDB' && type === 0xff000000) return 'NT_GDB_TDESC (GDB XML target description)';
  if (owner === 'stapsdt' && type === 3) return 'NT_STAPSDT (SystemTap probe descriptors)';
  if (etype === ET.ET_CORE) return CORE_NOTES[type] ?? unknown;
  const generic: Record<number, string> = {
    1: 'NT_VERSION (version)', 2: 'NT_ARCH (architecture)', 4: 'GO BUILDID', 0x100: 'OPEN', 0x101: 'func',
  };
  return generic[type] ?? unknown;
}

/** Relocation types per machine, for the ones we decode and apply (and for messages). */
export const R_X86_64 = table({
  R_X86_64_NONE: 0, R_X86_64_64: 1, R_X86_64_PC32: 2, R_X86_64_GOT32: 3, R_X86_64_PLT32: 4,
  R_X86_64_COPY: 5, R_X86_64_GLOB_DAT: 6, R_X86_64_JUMP_SLOT: 7, R_X86_64_RELATIVE: 8,
  R_X86_64_GOTPCREL: 9, R_X86_64_32: 10, R_X86_64_32S: 11, R_X86_64_16: 12, R_X86_64_PC16: 13,
  R_X86_64_8: 14, R_X86_64_PC8: 15, R_X86_64_DTPMOD64: 16, R_X86_64_DTPOFF64: 17, R_X86_64_TPOFF64: 18,
  R_X86_64_TLSGD: 19, R_X86_64_TLSLD: 20, R_X86_64_DTPOFF32: 21, R_X86_64_GOTTPOFF: 22,
  R_X86_64_TPOFF32: 23, R_X86_64_PC64: 24, R_X86_64_GOTOFF64: 25, R_X86_64_GOTPC32: 26,
  R_X86_64_SIZE32: 32, R_X86_64_SIZE64: 33, R_X86_64_IRELATIVE: 37, R_X86_64_GOTPCRELX: 41,
  R_X86_64_REX_GOTPCRELX: 42,
});
export const R_386 = table({
  R_386_NONE: 0, R_386_32: 1, R_386_PC32: 2, R_386_GOT32: 3, R_386_PLT32: 4, R_386_GOTOFF: 9,
  R_386_GOTPC: 10, R_386_TLS_LDO_32: 32, R_386_TLS_DTPOFF32: 36, R_386_GOT32X: 43,
});
export const R_AARCH64 = table({
  R_AARCH64_NONE: 0, R_AARCH64_ABS64: 257, R_AARCH64_ABS32: 258, R_AARCH64_ABS16: 259,
  R_AARCH64_PREL64: 260, R_AARCH64_PREL32: 261, R_AARCH64_PREL16: 262, R_AARCH64_ADR_PREL_PG_HI21: 275,
  R_AARCH64_ADD_ABS_LO12_NC: 277, R_AARCH64_JUMP26: 282, R_AARCH64_CALL26: 283,
  R_AARCH64_TLS_DTPREL: 1029,
});
export const R_390 = table({
  R_390_NONE: 0, R_390_8: 1, R_390_12: 2, R_390_16: 3, R_390_32: 4, R_390_PC32: 5, R_390_64: 22,
  R_390_PC64: 23, R_390_PC32DBL: 19, R_390_PLT32DBL: 20, R_390_TLS_LDO32: 52, R_390_TLS_LDO64: 53,
  R_390_TLS_DTPOFF: 55,
});
export const R_PPC64 = table({
  R_PPC64_NONE: 0, R_PPC64_ADDR32: 1, R_PPC64_ADDR16_LO: 4, R_PPC64_ADDR16_HA: 6, R_PPC64_REL24: 10,
  R_PPC64_UADDR32: 24, R_PPC64_REL32: 26, R_PPC64_ADDR64: 38, R_PPC64_UADDR64: 43, R_PPC64_REL64: 44,
  R_PPC64_TOC16_LO: 48, R_PPC64_TOC16_HA: 50, R_PPC64_TOC: 51, R_PPC64_DTPREL64: 78,
});

/** The relocation type's name for a machine, or its number. */
export function relocTypeName(machine: number, type: number): string {
  const t = { [EM.EM_X86_64]: R_X86_64, [EM.EM_386]: R_386, [EM.EM_AARCH64]: R_AARCH64, [EM.EM_S390]: R_390, [EM.EM_PPC64]: R_PPC64 }[machine];
  return t?.nameOf(type) ?? `type ${type}`;
}

/** readelf's name of a machine (for the header listing). */
export function machineName(m: number): string {
  const names: Record<number, string> = {
    0: 'None', 2: 'Sparc', 3: 'Intel 80386', 4: 'MC68000', 8: 'MIPS R3000', 15: 'HPPA',
    20: 'PowerPC', 21: 'PowerPC64', 22: 'IBM S/390', 40: 'ARM', 42: 'Renesas / SuperH SH',
    43: 'Sparc v9', 50: 'Intel IA-64', 62: 'Advanced Micro Devices X86-64', 183: 'AArch64',
    243: 'RISC-V', 247: 'Linux BPF', 258: 'LoongArch',
  };
  return names[m] ?? `<unknown>: 0x${m.toString(16)}`;
}

/** readelf's description of e_type. */
export function elfTypeName(t: number): string {
  const names: Record<number, string> = {
    0: 'NONE (None)', 1: 'REL (Relocatable file)', 2: 'EXEC (Executable file)',
    3: 'DYN (Shared object file)', 4: 'CORE (Core file)',
  };
  if (names[t]) return names[t];
  if (t >= 0xff00) return `Processor Specific: (${t.toString(16)})`;
  if (t >= 0xfe00) return `OS Specific: (${t.toString(16)})`;
  return `<unknown>: ${t.toString(16)}`;
}
