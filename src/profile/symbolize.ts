/**
 * Address -> function+offset and file:line, from a profile or from a vmlinux
 * (or any ELF with .symtab and DWARF): the engine behind `virtmem addr2line`
 * and `virtmem sym`.
 *
 * Functions come from .symtab: the symbol at or below the address whose size
 * covers it (kernel/ SortedSymbols). Lines come from the profile's
 * .virtmem.lines, or from the file's .debug_line run whole (dwarf/ LineTable).
 */
import { UsageError } from '../bytes/index.js';
import { DwarfInfo, LineTable, dwarfSectionsFromElf, type LineHit, type LineLookup } from '../dwarf/index.js';
import { ElfFile } from '../elf/index.js';
import { symbolsFromCompact, type SymbolHit, type SymbolTable } from '../kernel/index.js';
import { LINES, META } from './format.js';
import { Profile } from './open.js';

export interface Symbolized {
  address: bigint;
  symbol?: SymbolHit;
  line?: LineHit;
}

export interface Symbolizer {
  /** "profile" or "vmlinux". */
  readonly kind: 'profile' | 'elf';
  readonly path: string;
  readonly buildId?: string;
  /** Link-time symbols (undefined when the file has no .symtab). */
  readonly symbols?: SymbolTable;
  /** undefined when the file has no line information. */
  readonly lines?: LineLookup;
  symbolize(address: bigint): Symbolized;
  close(): void;
}

/** Open `path` as a profile (it has .virtmem.meta) or as an ELF file with DWARF. */
export function openSymbolizer(path: string): Symbolizer {
  const elf = ElfFile.open(path);
  if (elf.section(META)) {
    elf.close();
    return profileSymbolizer(Profile.open(path));
  }
  try {
    const syms = elf.compactSymbols();
    const symbols = syms.length ? symbolsFromCompact(syms, `${path} .symtab`) : undefined;
    let lines: LineLookup | undefined;
    if (elf.debugSection('.debug_line') && elf.debugSection('.debug_info')) lines = LineTable.fromDwarf(new DwarfInfo(dwarfSectionsFromElf(elf)));
    if (!symbols && !lines) throw new UsageError(`${path}: no .symtab and no DWARF line information`);
    const buildId = elf.buildId();
    return {
      kind: 'elf', path, buildId, symbols, lines,
      symbolize: (a) => ({ address: a, symbol: symbols?.symbolize(a), line: lines?.lookup(a) }),
      close: () => elf.close(),
    };
  } catch (e) {
    elf.close();
    throw e;
  }
}

export function profileSymbolizer(p: Profile): Symbolizer {
  const symbols = p.has('.symtab') ? p.symbols() : undefined;
  const lines = p.has(LINES) ? p.lines() : undefined;
  return {
    kind: 'profile', path: p.path, buildId: p.meta.buildId, symbols, lines,
    symbolize: (a) => ({ address: a, symbol: symbols?.symbolize(a), line: lines?.lookup(a) }),
    close: () => p.close(),
  };
}

/** "name+0x1a/0x80" (size when known), or undefined. */
export function formatSymbol(s: SymbolHit | undefined): string | undefined {
  if (!s) return undefined;
  return `${s.name}+0x${s.offset.toString(16)}${s.size ? `/0x${s.size.toString(16)}` : ''}`;
}

/** "file:line" as binutils' addr2line prints it ("??:?" without one; " (discriminator N)" when set). */
export function formatLine(l: LineHit | undefined): string {
  if (!l) return '??:?';
  return `${l.file}:${l.line || '?'}${l.discriminator ? ` (discriminator ${l.discriminator})` : ''}`;
}
