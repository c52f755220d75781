/**
 * The x86-64 walker over page tables built byte by byte as the kernel lays
 * them out: 4 KiB, 2 MiB and 1 GiB pages, 4- and 5-level, against a model of
 * the mappings; faults that name the address and the level; loops and corrupt
 * entries that must not hang; and the VMCOREINFO-free scan on a synthetic
 * kernel with a known KASLR offset. (Real guests: test/memory/realdumps.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtmemError } from '../../src/bytes/index.js';
import { X86_64Space, X86_64_4LEVEL, X86_64_5LEVEL, scanForKernelPaging, pagingFromVmcoreinfo } from '../../src/arch/index.js';
import { MemoryFault, MemoryMap, mergedExtents, readExact } from '../../src/memory/index.js';
import { PageTableBuilder } from '../helpers/pagetables.js';
import { prng } from '../helpers/prng.js';

const MiB = 1 << 20;

for (const levels of [4, 5] as const) {
  test(`${levels}-level: translations of 4K, 2M and 1G pages agree with the mapping model`, () => {
    const b = new PageTableBuilder(8 * MiB, levels, 6 * MiB);
    const mode = levels === 5 ? X86_64_5LEVEL : X86_64_4LEVEL;
    // 1 GiB page (must be 1 GiB aligned in pa: use pa 0 — the RAM only backs the first 8 MiB)
    const maps: [bigint, number, number][] = [
      [0xffff888000000000n, 0, 1 << 30],
      [0xffffffff81000000n, 2 * MiB, 2 * MiB],
      [0xffffffff81200000n, 4 * MiB, 2 * MiB],
      [0xffffc90000000000n, 0x5000, 4096],
      [0xffffc90000001000n, 0x3000, 4096],
      [0x00007f0000000000n, 0x7000, 4096],
    ];
    if (levels === 5) maps.push([0xff11000000000000n, 0, 1 << 30]);
    for (const [v, p, s] of maps) b.map(v, p, s);
    const space = new X86_64Space(b.memory(), b.root, mode);
    const r = prng(levels);
    for (let k = 0; k < 3000; k++) {
      const [v, p, s] = r.pick(maps);
      const off = r.int(Math.min(s, 8 * MiB - p));
      const t = space.lookup(v + BigInt(off));
      assert.ok(t, `unmapped ${(v + BigInt(off)).toString(16)}`);
      assert.equal(t.pa, p + off);
      assert.equal(t.pageSize, s);
      assert.equal(space.translate(v + BigInt(off)), p + off);
    }
    // Reads cross page boundaries into unrelated frames, in order.
    b.ram.set([1, 2, 3, 4], 0x5ffe);
    b.ram.set([5, 6], 0x3000);
    assert.deepEqual([...readExact(space, 0xffffc90000000ffen, 4)], [1, 2, 5, 6]);
    // A string that straddles two virtually adjacent but physically unrelated pages is found.
    const m = MemoryMap.ofSpace(space);
    assert.equal(m.find(Uint8Array.from([1, 2, 5, 6]), { start: 0xffffc90000000000n, end: 0xffffc90000002000n }), 0xffffc90000000ffen);
    // Extents: only what is mapped and backed by the 8 MiB of RAM.
    const ext = [...mergedExtents(space)];
    assert.deepEqual(ext[0], { start: 0x7f0000000000n, end: 0x7f0000001000n });
    assert.ok(ext.some((e) => e.start === 0xffff888000000000n && e.end === 0xffff888000800000n), 'direct map clipped to RAM');
    assert.ok(ext.some((e) => e.start === 0xffffffff81000000n && e.end === 0xffffffff81400000n), 'two 2M pages merge');
    // Faults say where the walk stopped.
    assert.throws(() => space.translate(0xffffffff81400000n), (e: unknown) => e instanceof MemoryFault && e.address === 0xffffffff81400000n && /PD entry \d+ not present/.test(e.message));
    if (levels === 4) assert.throws(() => space.translate(0xff00000000000000n), /non-canonical/);
    assert.throws(() => readExact(space, 0xffffc90000001ffen, 4), (e: unknown) => e instanceof MemoryFault && e.address === 0xffffc90000002000n);
  });
}

test('a 1 GiB page past the end of the dump: mapped, but reading it is a fault naming the physical address', () => {
  const b = new PageTableBuilder(4 * MiB, 4, 2 * MiB);
  b.map(0xffff888040000000n, 1 << 30, 1 << 30);
  const space = new X86_64Space(b.memory(), b.root);
  assert.equal(space.translate(0xffff888040000010n), (1 << 30) + 0x10);
  assert.throws(() => readExact(space, 0xffff888040000010n, 1), /maps to physical 0x40000010, which is not in the dump/);
  assert.deepEqual([...space.extents()], []);
});

test('corrupt entries and page-table loops: clear faults, enumeration ends', () => {
  const b = new PageTableBuilder(4 * MiB, 4, 2 * MiB);
  b.map(0xffffffff81000000n, 0, 4096);
  // PS bit at PML4 (reserved): a corrupt entry.
  b.setEntry(b.root, 300, 0x100000n | 0xe3n);
  // An entry pointing outside the dump.
  b.setEntry(b.root, 301, 0x7fff0000000n | 0x63n);
  // A loop: PML4[256] points back at the PML4 itself, and a PDPT entry back to the PML4.
  b.setEntry(b.root, 256, BigInt(b.root) | 0x63n);
  const pdpt = b.alloc();
  b.setEntry(b.root, 257, BigInt(pdpt) | 0x63n);
  for (let i = 0; i < 512; i++) b.setEntry(pdpt, i, BigInt(b.root) | 0x63n);
  const space = new X86_64Space(b.memory(), b.root);
  assert.throws(() => space.translate(0xffff960000000000n), /corrupt PML4 entry 300 \(page-size bit set where it is reserved\)/);
  assert.throws(() => space.translate(0xffff968000000000n), /PDPT table at physical 0x7fff0000000 is not in the dump/);
  // Translating through the loop terminates (the walk has a fixed depth).
  void space.lookup(0xffff800000000000n);
  // Enumeration terminates: loops are cut, sharing is budgeted.
  const t0 = Date.now();
  let n = 0;
  try {
    for (const _ of space.leaves()) if (++n > 1e6) break;
  } catch (e) {
    assert.ok(e instanceof VirtmemError, String(e));
  }
  assert.ok(Date.now() - t0 < 20000);
  // The kernel mapping is still there.
  assert.equal(space.translate(0xffffffff81000000n), 0);
});

/** A small synthetic kernel: image mapped with 2M pages at __START_KERNEL + kaslr, direct map, root inside the image. */
function syntheticKernel(kaslr: number, physBase: number, levels: 4 | 5) {
  const imagePa = 0x1000000 + kaslr + physBase;
  const rootPa = imagePa + 0x203000;
  const b = new PageTableBuilder(48 * MiB, levels, 1 * MiB, rootPa);
  const text = 0xffffffff81000000n + BigInt(kaslr);
  for (let i = 0; i < 4; i++) b.map(text + BigInt(i) * 0x200000n, imagePa + i * 0x200000, 0x200000);
  const pageOffset = levels === 5 ? 0xff11000000000000n : 0xffff888000000000n;
  for (let i = 0; i < 24; i++) b.map(pageOffset + BigInt(i) * 0x200000n, i * 0x200000, 0x200000);
  b.map(0xffffc90000000000n, 0x9000, 4096);
  // A decoy: a page whose entry 511 is present but which is not a page table root.
  const decoy = 0x80000;
  b.setEntry(decoy, 511, BigInt(b.alloc()) | 0x63n);
  b.setEntry(decoy, 400, BigInt(b.alloc()) | 0x63n);
  return { b, rootPa, text };
}

for (const levels of [4, 5] as const) {
  test(`${levels}-level: without VMCOREINFO, the scan finds the root, KASLR offset and phys_base`, () => {
    for (const [kaslr, physBase] of [[0, 0], [0x1600000, 0], [0x400000, 0x200000]]) {
      const { b, rootPa, text } = syntheticKernel(kaslr, physBase, levels);
      const k = scanForKernelPaging(b.memory());
      assert.ok(k, 'found');
      assert.equal(k.root, rootPa);
      assert.equal(k.mode.levels.length, levels);
      assert.equal(k.kaslrOffset, BigInt(kaslr));
      assert.equal(k.physBase, BigInt(physBase));
      assert.equal(k.rootSymbol, text + 0x203000n);
      // And VMCOREINFO saying the same is accepted; a lying one is refused.
      const vi = new Map([['SYMBOL(init_top_pgt)', (text + 0x203000n).toString(16)], ['NUMBER(phys_base)', String(physBase)], ['KERNELOFFSET', kaslr.toString(16)], ['NUMBER(pgtable_l5_enabled)', levels === 5 ? '1' : '0']]);
      assert.equal(pagingFromVmcoreinfo(b.memory(), vi)?.root, rootPa);
      const warnings: string[] = [];
      vi.set('NUMBER(phys_base)', String(physBase + 0x200000));
      assert.equal(pagingFromVmcoreinfo(b.memory(), vi, warnings), undefined);
      assert.match(warnings[0], /does not map/);
    }
  });
}
