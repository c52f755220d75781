/**
 * What a command needs from the kernel's types and symbols, checked before
 * its first row, so a dump whose kernel layouts we cannot find gets one line
 * saying what is missing and how to supply it, instead of a row of errors.
 */
import { VirtmemError } from '../bytes/index.js';
import type { Program } from '../program/index.js';

/** A command cannot start: the kernel's types or symbols lack what it reads. */
export class MissingLayoutError extends VirtmemError {
  override name = 'MissingLayoutError';
}

/** How to supply the kernel's types, for messages. */
export const HOW_TO_GIVE_TYPES = 'give the kernel\'s types with --vmlinux VMLINUX (DWARF, e.g. from the -dbg package) or --types FILE (BTF or CTF)';

/**
 * Throws a MissingLayoutError unless every struct (with the named members,
 * "task_struct.tasks") and every variable is there.
 */
export function requireLayouts(prog: Program, command: string, needs: { structs?: string[]; variables?: string[] }): void {
  const missing: string[] = [];
  const absent = new Set<string>();
  for (const s of needs.structs ?? []) {
    const [name, member] = s.split('.');
    if (absent.has(name)) continue;
    if (!hasStruct(prog, name)) { absent.add(name); missing.push(`struct ${name}`); continue; }
    if (member !== undefined && !prog.hasMember(name, member)) missing.push(`struct ${name}.${member}`);
  }
  for (const v of needs.variables ?? []) {
    try { prog.variable(v); } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      missing.push(v);
    }
  }
  if (missing.length) {
    throw new MissingLayoutError(`${command}: ${prog.describe()} lacks ${missing.join(', ')}; ${HOW_TO_GIVE_TYPES}`);
  }
}

function hasStruct(prog: Program, name: string): boolean {
  try { prog.structType(name); return true; } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    return false;
  }
}
