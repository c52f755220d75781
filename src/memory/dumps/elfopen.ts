/** Opening an ELF core through elf/'s ElfFile (kept apart so the rest of dumps/ does not depend on elf/). */
import { FormatError } from '../../bytes/index.js';
import { ElfFile } from '../../elf/index.js';
import { DirectReader, type SegmentedMemory } from '../phys.js';
import { elfCoreMemory } from './elfcore.js';

const ET_CORE = 4;

export function openElfCore(path: string): SegmentedMemory {
  const elf = ElfFile.open(path);
  if (elf.header.type !== ET_CORE) {
    elf.close();
    throw new FormatError(`ELF type ${elf.header.type} is not a core dump (ET_CORE)`, { source: path, format: 'ELF core', section: 'ELF header', offset: 16 });
  }
  const m = elfCoreMemory(elf);
  m.direct = new DirectReader(path);
  return m;
}
