/** Opening an ELF core through elf/'s ElfFile (kept apart so the rest of dumps/ does not depend on elf/). */
import { FormatError } from '../../bytes/index.js';
import type { SegmentedMemory } from '../phys.js';

export function openElfCore(path: string): SegmentedMemory {
  throw new FormatError('ELF core dumps need the elf/ reader, which is not on this branch yet', { source: path, format: 'ELF core' });
}
