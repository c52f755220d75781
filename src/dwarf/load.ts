/**
 * Section bytes of an ELF object for the DWARF reader, through elf/:
 * ElfFile.debugSection finds .debug_X or .zdebug_X, decompresses
 * SHF_COMPRESSED (zlib, zstd) and .zdebug sections, and applies the
 * relocations of ET_REL objects (.o, .ko). Only the sections DWARF needs are
 * read; the rest of the file is never touched. (.debug_line is wanted only
 * for its file table: dedup/ names types by the file that declares them.)
 *
 * A relocatable object made with -fdebug-types-section has one .debug_types
 * (or .debug_info) section per type unit, each in its own COMDAT group. Units
 * delimit themselves, so same-named sections are concatenated in section
 * order, as a linker would; offsets in messages then count from the start of
 * the concatenation.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ElfFile } from '../elf/file.js';
import type { DwarfSections } from './sections.js';

const ROLES: [keyof Omit<DwarfSections, 'littleEndian' | 'addressSize' | 'source' | 'sup' | 'supPath' | 'ensure'>, string][] = [
  ['info', '.debug_info'], ['abbrev', '.debug_abbrev'], ['str', '.debug_str'], ['strOffsets', '.debug_str_offsets'],
  ['addr', '.debug_addr'], ['lineStr', '.debug_line_str'], ['types', '.debug_types'], ['line', '.debug_line'],
];

/** The DWARF sections of an open ELF file (the ELF file stays open); `skip` leaves out some roles. */
export function dwarfSectionsFromElf(elf: ElfFile, opts: { skip?: readonly string[] } = {}): DwarfSections {
  const out: DwarfSections = { littleEndian: elf.littleEndian, addressSize: elf.is64 ? 8 : 4, source: elf.name };
  for (const [role, name] of ROLES) {
    if (opts.skip?.includes(role)) continue;
    const same = elf.sections.filter((x) => x.name === name || x.name === '.z' + name.slice(1));
    if (same.length <= 1) {
      const data = elf.debugSection(name);
      if (data) out[role] = data;
      continue;
    }
    const parts = same.map((x) => elf.sectionData(x));
    const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of parts) { all.set(b, at); at += b.length; }
    out[role] = all;
  }
  return out;
}

/**
 * The DWARF sections of the ELF file at `path`, with those of its
 * supplementary file when it names one (dwz -m: .gnu_debugaltlink; DWARF 5:
 * .debug_sup), found relative to the file's directory unless absolute. A
 * supplementary file that is missing is not an error here: references into it
 * fail with a FormatError naming the path (DwarfInfo.die).
 */
export function loadDwarfSections(path: string): DwarfSections {
  // Small pages: the headers and the small sections are read, not 64 KiB around each (a thousand
  // modules read 240 MB more than their sections with the default pages).
  const elf = ElfFile.open(path, { pageSize: 4096 });
  let out: DwarfSections;
  let supName: string | undefined;
  try {
    out = dwarfSectionsFromElf(elf);
    supName = supplementaryName(elf);
  } finally {
    elf.close();
  }
  if (supName) {
    const supPath = isAbsolute(supName) ? supName : resolve(dirname(path), supName);
    out.supPath = supPath;
    if (existsSync(supPath) && resolve(supPath) !== resolve(path)) {
      const sup = ElfFile.open(supPath);
      try { out.sup = dwarfSectionsFromElf(sup); } finally { sup.close(); }
    }
  }
  return out;
}

/** The supplementary file's name from .gnu_debugaltlink (name, NUL, build-id) or .debug_sup (version, is_supplementary, name). */
export function supplementaryName(elf: ElfFile): string | undefined {
  const alt = elf.section('.gnu_debugaltlink');
  if (alt) {
    const b = elf.sectionData(alt);
    const e = b.indexOf(0);
    if (e > 0) return new TextDecoder().decode(b.subarray(0, e));
  }
  const sup = elf.section('.debug_sup');
  if (sup) {
    const b = elf.sectionData(sup);
    // u16 version (5), u8 is_supplementary (1 in the supplementary file itself), NUL-terminated name.
    if (b.length > 3 && b[2] === 0) {
      const e = b.indexOf(0, 3);
      if (e > 3) return new TextDecoder().decode(b.subarray(3, e));
    }
  }
  return undefined;
}
