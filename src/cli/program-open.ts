/**
 * Opening a dump as a Program for the commands built on program/ (print,
 * follow, and the guest tools next), through the kernel layer's openKernel:
 * memory-only by default (kallsyms decoded from the image, the BTF the kernel
 * keeps in memory, the globals table for variables BTF lacks); --vmlinux for
 * DWARF types and the .symtab, --types for a CTF or BTF file, --system-map.
 */
import { openKernel } from '../kernel/index.js';
import type { DumpFormat } from '../memory/index.js';
import { Program } from '../program/index.js';
import { str, type Options, type Parsed } from './args.js';
import { PROFILE_OPTIONS, PROFILE_USAGE, profileOptions } from './profile-find.js';

/** The options every program command takes (as `virtmem info`). */
export const PROGRAM_OPTIONS: Options = {
  vmlinux: { type: 'string' },
  types: { type: 'string' },
  'system-map': { type: 'string' },
  format: { type: 'string' },
  ...PROFILE_OPTIONS,
};

export const PROGRAM_USAGE = `[--vmlinux FILE] [--types FILE] [--system-map FILE] [--format FMT] ${PROFILE_USAGE}`;

/** A Program over DUMP, with the kernel's symbols and types. */
export function openProgram(dump: string, p: Parsed): Program {
  const k = openKernel(dump, {
    vmlinux: str(p, 'vmlinux'), types: str(p, 'types'), systemMap: str(p, 'system-map'),
    format: str(p, 'format') as DumpFormat | undefined, ...profileOptions(p),
  });
  return Program.fromKernel(k);
}
