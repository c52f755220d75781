/**
 * MemoryFault: a read touched an address that the address space cannot answer
 * (a hole in the dump, a page not present in the page tables, a page-table
 * entry that is corrupt). It names the address space and the address, and
 * says why, so a command can print one line and go on with the next row.
 */
import { VirtmemError } from '../bytes/index.js';

export function hex(a: bigint | number): string {
  return '0x' + a.toString(16);
}

export class MemoryFault extends VirtmemError {
  override name = 'MemoryFault';
  /** Name of the address space ("physical memory of vmcore", "kernel virtual", ...). */
  readonly space: string;
  /** The first address that could not be read. */
  readonly address: bigint;
  /** Why (without the place). */
  readonly reason: string;

  constructor(space: string, address: bigint | number, reason = 'not present') {
    const a = BigInt(address);
    super(`${space}: cannot read ${hex(a)}: ${reason}`);
    this.space = space;
    this.address = a;
    this.reason = reason;
  }
}
