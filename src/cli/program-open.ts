/**
 * Opening a dump as a Program for the commands built on program/ (print,
 * follow, and the guest tools next). Until the kernel layer's openKernel
 * (kallsyms and BTF found in memory) is on main, a vmlinux with debug info is
 * required: its .symtab shifted by the dump's KASLR offset gives the symbols,
 * its DWARF the types.
 */
import { UsageError } from '../bytes/index.js';
import { kernelMemory } from '../arch/index.js';
import { DwarfInfo, loadDwarfSections } from '../dwarf/index.js';
import { ElfFile } from '../elf/index.js';
import { symbolsFromElf, type SymbolTable } from '../kernel/index.js';
import { openDump } from '../memory/index.js';
import { Program } from '../program/index.js';
import { DwarfTypes } from '../types/index.js';
import { str, type Options, type Parsed } from './args.js';

/** The options every program command takes. */
export const PROGRAM_OPTIONS: Options = {
  vmlinux: { type: 'string' },
};

export const PROGRAM_USAGE = '--vmlinux VMLINUX';

/** A Program over DUMP, with the kernel's symbols and types. */
export function openProgram(dump: string, p: Parsed): Program {
  const vmlinux = str(p, 'vmlinux');
  if (!vmlinux) throw new UsageError('--vmlinux VMLINUX is needed (the vmlinux with debug info of the dumped kernel)');
  const km = kernelMemory(openDump(dump));
  const symbols = lazySymbols(`${vmlinux} .symtab`, () => symbolsFromElf(ElfFile.open(vmlinux), km.paging.kaslrOffset));
  const types = new DwarfTypes(new DwarfInfo(loadDwarfSections(vmlinux)));
  return Program.fromParts({ map: km.map, symbols, types, kaslrOffset: km.paging.kaslrOffset });
}

/** A symbol table built on first use (a print of one variable never needs the 200k symbols). */
export function lazySymbols(source: string, make: () => SymbolTable): SymbolTable {
  let t: SymbolTable | undefined;
  const get = () => (t ??= make());
  return {
    source,
    get count() { return get().count; },
    address: (name) => get().address(name),
    symbolize: (addr) => get().symbolize(addr),
    entries: () => get().entries(),
  };
}
