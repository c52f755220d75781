/**
 * Where BTF lives on disk: the .BTF section of a vmlinux or a module (.ko),
 * or a raw BTF file such as /sys/kernel/btf/vmlinux.
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { ElfFile } from '../elf/index.js';
import { Btf } from './btf.js';
import * as fs from 'node:fs';

function isElf(path: string): boolean {
  let fd: number;
  try { fd = fs.openSync(path, 'r'); } catch (e) {
    throw new UsageError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const b = new Uint8Array(4);
    return fs.readSync(fd, b, 0, 4, 0) === 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
  } finally {
    fs.closeSync(fd);
  }
}

/** The BTF bytes of `path`: its .BTF section if it is ELF, else the whole file. */
export function btfBytes(path: string): { bytes: Uint8Array; section?: string } {
  if (isElf(path)) {
    const elf = ElfFile.open(path);
    const sec = elf.section('.BTF');
    if (!sec) throw new FormatError('no .BTF section', { source: path, format: 'ELF' });
    return { bytes: elf.sectionData(sec, { relocate: false }), section: '.BTF' };
  }
  // /sys/kernel/btf/* report a size of 4096 but read in full; readFileSync handles that.
  try { return { bytes: fs.readFileSync(path) }; } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Open the BTF of `path`, over `base` for a module's split BTF. */
export function loadBtf(path: string, base?: Btf): Btf {
  const { bytes, section } = btfBytes(path);
  return Btf.open(bytes, { source: path, section, base });
}
