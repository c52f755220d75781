/**
 * elf/: ELF32/ELF64, little and big endian — reader and writer.
 *
 * Public API
 * ----------
 * class ElfFile                                      (file.ts)
 *   static open(path): ElfFile          lazy over a FileSource; never reads the whole file
 *   static fromSource(src: ByteSource) / fromBytes(bytes, name?)
 *   name, source, is64, littleEndian
 *   header: ElfHeader                   type, machine, entry (bigint), phoff, shoff, flags,
 *                                       phnum/shnum/shstrndx with extended numbering resolved
 *                                       (rawPhnum/rawShnum/rawShstrndx as stored)
 *   sections: ElfSection[]              {index, name, type, flags: bigint, addr: bigint,
 *                                       offset, size, link, info, addralign, entsize}
 *   segments: ElfSegment[]              {index, type, flags, offset, vaddr, paddr: bigint,
 *                                       filesz, memsz: bigint, align}; PN_XNUM resolved
 *   section(name) / sectionAt(index, what)
 *   sectionData(s, {raw?, relocate?})   decompressed (SHF_COMPRESSED zlib/zstd, .zdebug_*),
 *                                       relocated by default in ET_REL; cached, do not modify
 *   debugSection('.debug_info')         .debug_X or .zdebug_X, decompressed and relocated
 *   segmentData(seg)                    the p_filesz stored bytes
 *   relocations(sec) / relocationSectionsFor(target)
 *   symbols() / dynamicSymbols() / symbolTable(sec): ElfSymbol[]
 *                                       {index, name, value, size: bigint, bind, type,
 *                                       visibility, other, shndx (SHT_SYMTAB_SHNDX resolved),
 *                                       section?: name}
 *   compactSymbols() / compactDynamicSymbols() / compactSymbolTable(sec): CompactSymbols
 *                                       (symbols.ts) the same tables as parallel typed arrays
 *                                       (values, sizes: BigUint64Array; info, other, shndx,
 *                                       nameOffsets), u32 halves valueLo/Hi, sizeLo/Hi without
 *                                       bigints, name(i) decoded on demand, nameStart/nameEnd
 *                                       (bytes in strtab), section(i), symbol(i), toArray();
 *                                       checked when built, cached; empty (length 0) if absent
 *   notes(): ElfNote[]                  {name, type, desc, offset, section?} from SHT_NOTE
 *                                       sections and PT_NOTE segments (each note once)
 *   buildId(): hex | undefined;  vmcoreinfo(): desc bytes | undefined
 *   readRange(offset, length, what)     checked file read the caller may keep
 *   close()
 * parseVmcoreinfo(desc): Map<string, string>         (notes.ts)
 * editElf(input, edits, name?): Uint8Array           (writer.ts) add/update/remove sections
 * Constants (constants.ts): ET, EM, SHN, SHT, SHF (bigint), PT, PF, STB, STT, STV, NT,
 *   ELFCOMPRESS, R_X86_64, R_386, R_AARCH64, R_390, R_PPC64, each with nameOf(v); readelf
 *   spellings shtShort, ptShort, pfLetters, shfLetters, stbShort, sttShort, stvShort,
 *   noteTypeName, machineName, elfTypeName, relocTypeName.
 *
 * Every error on bad bytes is a FormatError (bytes/) naming the file, the table or
 * section, and the file offset.
 */
export { ElfFile, type SectionDataOptions } from './file.js';
export type { ElfHeader, ElfSection, ElfSegment } from './headers.js';
export { CompactSymbols, type ElfSymbol } from './symbols.js';
export { parseVmcoreinfo, toHex, type ElfNote } from './notes.js';
export { type ElfRelocation, relocKind } from './relocs.js';
export { editElf, editable, type ElfEdit } from './writer.js';
export * from './constants.js';
