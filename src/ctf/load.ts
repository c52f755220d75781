/**
 * Where CTF lives on disk: the .ctf section of an ELF object or executable
 * (with the ELF string table for external name references: .dynstr under
 * CTF_F_DYNSTR, else .strtab), or a file holding a raw, compressed or gzip'd
 * dict or an archive.
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { ElfFile } from '../elf/index.js';
import { CTF_F_DYNSTR } from './constants.js';
import type { CtfDict } from './dict.js';
import { ctfByteOrder } from './header.js';
import { openCtf, type CtfSet } from './open.js';
import * as fs from 'node:fs';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Whether a file starts with the ELF magic. */
export function isElfFile(path: string): boolean {
  let fd: number;
  try { fd = fs.openSync(path, 'r'); } catch (e) {
    throw new UsageError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const b = new Uint8Array(4);
    const n = fs.readSync(fd, b, 0, 4, 0);
    return n === 4 && ELF_MAGIC.every((m, i) => b[i] === m);
  } finally {
    fs.closeSync(fd);
  }
}

/** Read a whole (non-ELF) file, as a UsageError when it cannot be read. */
export function readWhole(path: string): Uint8Array {
  try { return new Uint8Array(fs.readFileSync(path)); } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Open the CTF of `path` (an ELF file's .ctf section, or raw/gzip'd CTF). */
export function loadCtf(path: string, opts: { parent?: CtfDict; section?: string } = {}): CtfSet {
  if (!isElfFile(path)) return openCtf(readWhole(path), { source: path, parent: opts.parent });
  const elf = ElfFile.open(path);
  const name = opts.section ?? '.ctf';
  const sec = elf.section(name);
  if (!sec) throw new FormatError(`no ${name} section`, { source: path, format: 'ELF' });
  const bytes = elf.sectionData(sec, { relocate: false });
  // External string references name the ELF string table; which one depends on the dict's flags.
  let strtab: Uint8Array | undefined;
  const order = ctfByteOrder(bytes);
  if (order && bytes.length > 3) {
    const want = bytes[3] & CTF_F_DYNSTR ? '.dynstr' : '.strtab';
    const s = elf.section(want);
    if (s) strtab = elf.sectionData(s, { relocate: false });
  }
  return openCtf(bytes, { source: path, section: name, strtab, parent: opts.parent });
}
