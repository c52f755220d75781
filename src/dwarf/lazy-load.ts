/**
 * DWARF sections of a large linked file (a vmlinux: 200 MB of .debug_info)
 * read on demand instead of whole, for commands that look up a few types and
 * variables.
 *
 * .debug_info becomes a section-sized buffer that starts out zero-filled (the
 * operating system commits a page only when it is written, so untouched parts
 * cost no memory) with only the unit headers read; the bytes of a unit are
 * read from the file the first time the unit is used (DwarfSections.ensure,
 * called by DwarfInfo's Unit). .debug_line is read, whole, the first time it
 * is asked for. The small sections (.debug_abbrev, .debug_str, ...) are read
 * at once.
 *
 * Only a plain ET_EXEC/ET_DYN file qualifies: compressed or relocatable
 * sections, split sections and supplementary files go through
 * loadDwarfSections (load.ts), which reads everything.
 */
import * as fs from 'node:fs';
import { FormatError, UsageError } from '../bytes/index.js';
import { ET, SHF, SHT, ElfFile, type ElfSection } from '../elf/index.js';
import { dwarfSectionsFromElf, loadDwarfSections, supplementaryName } from './load.js';
import type { DwarfSections } from './sections.js';

/** Bytes read at each unit start while listing units: enough for any unit header. */
const HEADER_BYTES = 64;

/** A .debug_info below this size is read whole even when it could be read lazily. */
const LAZY_MIN = 16 << 20;

export interface OpenDwarfOptions {
  /** Read .debug_info lazily only from this size up (default 16 MiB; tests use 0). */
  lazyMin?: number;
}

/**
 * The DWARF sections of the ELF file at `path`, .debug_info read unit by unit
 * as units are used when the file allows it (see the header), else as
 * loadDwarfSections gives them.
 */
export function openDwarfSections(path: string, opts: OpenDwarfOptions = {}): DwarfSections {
  const elf = ElfFile.open(path);
  let info: ElfSection | undefined;
  try {
    info = lazyInfoSection(elf, opts.lazyMin ?? LAZY_MIN);
    if (!info) { elf.close(); return loadDwarfSections(path); }
    const out = dwarfSectionsFromElf(elf, { skip: ['info', 'line'] });
    const line = elf.section('.debug_line');
    if (line && line.type !== SHT.SHT_NOBITS) {
      let bytes: Uint8Array | undefined;
      Object.defineProperty(out, 'line', { enumerable: true, get: () => (bytes ??= readAt(path, line.offset, line.size, '.debug_line')) });
    }
    const lazy = new LazyUnits(path, info, elf.littleEndian);
    out.info = lazy.bytes;
    out.ensure = (section, start, end) => { if (section === 'info') lazy.ensure(start, end); };
    return out;
  } finally {
    elf.close();
  }
}

/** The .debug_info section if the file qualifies for lazy reading, else undefined. */
function lazyInfoSection(elf: ElfFile, lazyMin: number): ElfSection | undefined {
  if (elf.header.type === ET.ET_REL) return undefined;
  if (supplementaryName(elf)) return undefined;
  let info: ElfSection | undefined;
  for (const s of elf.sections) {
    if (!s.name.startsWith('.debug_') && !s.name.startsWith('.zdebug_')) continue;
    if (s.name.startsWith('.zdebug_') || s.flags & SHF.SHF_COMPRESSED) return undefined;
    if (s.name === '.debug_info') {
      if (info) return undefined; // split into several sections
      info = s;
    }
  }
  if (!info || info.type === SHT.SHT_NOBITS || info.size < lazyMin) return undefined;
  if (info.offset + info.size > elf.source.size) return undefined; // let the eager path report it
  return info;
}

/** `length` bytes at `offset` of the file, read now. */
function readAt(path: string, offset: number, length: number, what: string, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(length);
  let fd: number;
  try { fd = fs.openSync(path, 'r'); } catch (e) {
    throw new UsageError(`${path}: cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, out, got, length - got, offset + got);
      if (n <= 0) throw new FormatError(`${what}: file ended while reading 0x${length.toString(16)} bytes at 0x${offset.toString(16)}`, { source: path, section: what, offset: offset + got });
      got += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** .debug_info as a zero-filled buffer whose units are read in as they are used. */
class LazyUnits {
  readonly bytes: Uint8Array;
  /** Start offsets of units already read. */
  private readonly loaded = new Set<number>();

  constructor(private readonly path: string, private readonly sec: ElfSection, private readonly le: boolean) {
    this.bytes = new Uint8Array(sec.size);
    this.readHeaders();
  }

  /** Read the first bytes of every unit, following unit_length, so units can be listed. */
  private readHeaders(): void {
    const { bytes, sec } = this;
    const fd = fs.openSync(this.path, 'r');
    try {
      for (let at = 0, n = 0; at < sec.size && n < 1 << 22; n++) {
        const len = Math.min(HEADER_BYTES, sec.size - at);
        fs.readSync(fd, bytes, at, len, sec.offset + at);
        if (len < 4) return;
        const dv = new DataView(bytes.buffer, bytes.byteOffset + at, len);
        const le = this.le;
        let length = dv.getUint32(0, le);
        let next: number;
        if (length === 0xffffffff) {
          if (len < 12) return;
          length = Number(dv.getBigUint64(4, le));
          next = at + 12 + length;
        } else {
          if (length >= 0xfffffff0) return; // reserved: DwarfInfo reports it
          next = at + 4 + length;
        }
        if (next <= at || next > sec.size) return; // DwarfInfo reports a unit running past the end
        at = next;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Make bytes [start, end) of the unit starting at `start` present. */
  ensure(start: number, end: number): void {
    if (this.loaded.has(start)) return;
    const e = Math.min(end, this.sec.size);
    if (e > start) readAt(this.path, this.sec.offset + start, e - start, '.debug_info', this.bytes.subarray(start, e));
    this.loaded.add(start);
  }
}
