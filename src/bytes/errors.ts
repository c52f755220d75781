/**
 * Errors are data. A FormatError says which file, which format and section, and
 * which byte offset held the bad value; the CLI prints its message as one line.
 * A MemoryFault (in memory/) does the same for addresses.
 */

/** Where a bad value was found. Every field is optional except what was wrong. */
export interface ErrorPlace {
  /** File name or other source label (e.g. "vmlinux", "<buffer>"). */
  source?: string;
  /** Format name: "ELF", "DWARF", "CTF", "BTF", "kdump", ... */
  format?: string;
  /** Section or table name inside the file (".debug_info", "section headers"). */
  section?: string;
  /** Byte offset, counted from the start of the file or of the section. */
  offset?: number | bigint;
}

function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}

/** Base class of every error virtmem raises on purpose for bad input. */
export class VirtmemError extends Error {
  override name = 'VirtmemError';
}

/** Bad or truncated bytes in a file format. */
export class FormatError extends VirtmemError {
  override name = 'FormatError';
  readonly source?: string;
  readonly format?: string;
  readonly section?: string;
  readonly offset?: number | bigint;
  /** What was wrong, without the place. */
  readonly what: string;

  constructor(what: string, place: ErrorPlace = {}) {
    super(FormatError.describe(what, place));
    this.what = what;
    this.source = place.source;
    this.format = place.format;
    this.section = place.section;
    this.offset = place.offset;
  }

  static describe(what: string, p: ErrorPlace): string {
    const where: string[] = [];
    if (p.format) where.push(p.format);
    if (p.section) where.push(`section ${p.section}`);
    if (p.offset !== undefined) where.push(`offset ${hex(p.offset)}`);
    const head = p.source ? `${p.source}: ` : '';
    return where.length ? `${head}${where.join(', ')}: ${what}` : `${head}${what}`;
  }
}

/** A command-line usage or user-request error (bad argument, missing file). */
export class UsageError extends VirtmemError {
  override name = 'UsageError';
}
