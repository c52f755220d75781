/**
 * Builds x86-64 page tables in a byte array that stands for guest RAM, as the
 * kernel lays them out (entries per Intel SDM vol. 3 4.5), for tests that need
 * tables with exactly known contents: large pages, loops, corrupt entries.
 */
import { BufferSource } from '../../src/bytes/index.js';
import { SegmentedMemory } from '../../src/memory/phys.js';

export class PageTableBuilder {
  readonly ram: Uint8Array;
  readonly dv: DataView;
  private next: number;
  readonly root: number;

  /** `levels` 4 or 5; tables are allocated from `tableArea` upwards. */
  constructor(size: number, readonly levels: 4 | 5, tableArea: number, root?: number) {
    this.ram = new Uint8Array(size);
    this.dv = new DataView(this.ram.buffer);
    this.next = tableArea;
    this.root = root ?? this.alloc();
  }

  alloc(): number {
    const pa = this.next;
    this.next += 4096;
    return pa;
  }

  entry(table: number, i: number): bigint { return this.dv.getBigUint64(table + i * 8, true); }
  setEntry(table: number, i: number, v: bigint): void { this.dv.setBigUint64(table + i * 8, v, true); }

  /** Map `size` (4 KiB, 2 MiB or 1 GiB) at vaddr to pa. */
  map(vaddr: bigint, pa: number, size: number): void {
    const shifts = this.levels === 5 ? [48, 39, 30, 21, 12] : [39, 30, 21, 12];
    const leafShift = Math.log2(size);
    let table = this.root;
    for (const s of shifts) {
      const idx = Number((vaddr >> BigInt(s)) & 0x1ffn);
      if (s === leafShift) {
        this.setEntry(table, idx, BigInt(pa) | 0x63n | (s > 12 ? 0x80n : 0n));
        return;
      }
      let e = this.entry(table, idx);
      if (!(e & 1n)) {
        const t = this.alloc();
        e = BigInt(t) | 0x63n;
        this.setEntry(table, idx, e);
      }
      table = Number(e & 0x000ffffffffff000n);
    }
  }

  memory(name = '<synthetic RAM>'): SegmentedMemory {
    return new SegmentedMemory(name, new BufferSource(this.ram, name), [{ pa: 0, size: this.ram.length, offset: 0, fileSize: this.ram.length }], { format: 'raw', details: [], notes: [] });
  }
}
