/**
 * A Program over a real-guest fixture, cached per dump so a test file opens
 * each once: made from parts (kernel memory of one dump, the vmlinux .symtab
 * shifted by the dump's KASLR offset, DWARF types of the vmlinux), or through
 * the kernel layer's openKernel memory-only (kallsyms and BTF in the image).
 */
import { kernelMemory } from '../../src/arch/index.js';
import { loadDwarfSections, DwarfInfo } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { openKernel, symbolsFromElf } from '../../src/kernel/index.js';
import { openDump } from '../../src/memory/index.js';
import { Program } from '../../src/program/index.js';
import { DwarfTypes } from '../../src/types/index.js';
import type { Fixture } from './fixtures.js';

const typesCache = new Map<string, DwarfTypes>();
const programs = new Map<string, Program>();

/** DWARF types of a vmlinux (one instance per file per process). */
export function dwarfTypesOf(vmlinux: string): DwarfTypes {
  let t = typesCache.get(vmlinux);
  if (!t) { t = new DwarfTypes(new DwarfInfo(loadDwarfSections(vmlinux))); typesCache.set(vmlinux, t); }
  return t;
}

export type DumpKind = keyof Fixture['dumps'];

/** A Program over one dump of a fixture. */
export function programOf(f: Fixture, dump: DumpKind = 'kdump'): Program {
  const path = f.dumps[dump];
  let p = programs.get(path);
  if (!p) {
    const km = kernelMemory(openDump(path));
    const symbols = symbolsFromElf(ElfFile.open(f.kernel.vmlinux), km.paging.kaslrOffset);
    p = Program.fromParts({ map: km.map, symbols, types: dwarfTypesOf(f.kernel.vmlinux), kaslrOffset: km.paging.kaslrOffset });
    programs.set(path, p);
  }
  return p;
}

const memoryOnly = new Map<string, Program>();

/** A Program over one dump through openKernel, memory-only (kallsyms and BTF found in the image). */
export function kernelProgramOf(f: Fixture, dump: DumpKind = 'kdump'): Program {
  const path = f.dumps[dump];
  let p = memoryOnly.get(path);
  if (!p) { p = Program.fromKernel(openKernel(path)); memoryOnly.set(path, p); }
  return p;
}

/** Both ways of making a Program for a fixture: DWARF of the vmlinux, and memory-only (BTF). */
export const SOURCES = { dwarf: programOf, btf: kernelProgramOf } as const;
