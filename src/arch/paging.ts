/**
 * Paging described as data, as Volatility does: a mode is a list of levels,
 * each with the address bits it indexes and whether its entries may map a
 * large page; an entry format says where the present, page-size and address
 * bits are. The walker (x86_64.ts) knows nothing about any particular mode.
 */

export interface PagingLevel {
  /** Name used in messages ("PML4", "PD", ...). */
  readonly name: string;
  /** Lowest virtual-address bit this level indexes. */
  readonly shift: number;
  /** Index width in bits. */
  readonly bits: number;
  /** Entries at this level may map a page directly (PS bit): 1 GiB at PDPT, 2 MiB at PD. The last level always maps. */
  readonly largePage: boolean;
}

export interface EntryFormat {
  /** Bit that says the entry is present. */
  readonly presentBit: number;
  /** Bit that says the entry maps a page (on levels that allow it). */
  readonly pageSizeBit: number;
  /** Address bits [addrLow, addrHigh) of the entry. */
  readonly addrLow: number;
  readonly addrHigh: number;
}

export interface PagingMode {
  readonly name: string;
  /** Width of a canonical virtual address; bits above are copies of bit vaBits-1. */
  readonly vaBits: number;
  /** Top level first. */
  readonly levels: readonly PagingLevel[];
  readonly entry: EntryFormat;
  /** Entry size in bytes. */
  readonly entrySize: number;
}

/** x86-64 entries (Intel SDM vol. 3, 4.5): P bit 0, PS bit 7, address bits 12-51. */
export const X86_64_ENTRY: EntryFormat = { presentBit: 0, pageSizeBit: 7, addrLow: 12, addrHigh: 52 };

/** x86-64 4-level paging: 48-bit addresses, 1 GiB and 2 MiB large pages. */
export const X86_64_4LEVEL: PagingMode = {
  name: 'x86-64 4-level',
  vaBits: 48,
  entrySize: 8,
  entry: X86_64_ENTRY,
  levels: [
    { name: 'PML4', shift: 39, bits: 9, largePage: false },
    { name: 'PDPT', shift: 30, bits: 9, largePage: true },
    { name: 'PD', shift: 21, bits: 9, largePage: true },
    { name: 'PT', shift: 12, bits: 9, largePage: false },
  ],
};

/** x86-64 5-level paging (LA57): 57-bit addresses. */
export const X86_64_5LEVEL: PagingMode = {
  ...X86_64_4LEVEL,
  name: 'x86-64 5-level',
  vaBits: 57,
  levels: [{ name: 'PML5', shift: 48, bits: 9, largePage: false }, ...X86_64_4LEVEL.levels],
};
