/**
 * LiME and raw images. LiME files are written here from the header layout
 * (32-byte little-endian range headers) around memory with holes; the reader
 * must give back the same bytes, the holes, and the kernel (found by the scan,
 * as LiME carries no VMCOREINFO). Damaged files: a FormatError or a shorter
 * last range, never a crash or hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtmemError } from '../../src/bytes/index.js';
import { kernelMemory } from '../../src/arch/index.js';
import { MemoryFault, detectFormat, openDump, readExact } from '../../src/memory/index.js';
import { PageTableBuilder } from '../helpers/pagetables.js';
import { prng } from '../helpers/prng.js';
import { failure, fuzzRounds, fuzzSeed } from '../helpers/fuzz.js';

function limeFile(ram: Uint8Array, ranges: [number, number][]): Buffer {
  const parts: Buffer[] = [];
  for (const [s, e] of ranges) {
    const h = Buffer.alloc(32);
    h.writeUInt32LE(0x4c694d45, 0);
    h.writeUInt32LE(1, 4);
    h.writeBigUInt64LE(BigInt(s), 8);
    h.writeBigUInt64LE(BigInt(e - 1), 16);
    parts.push(h, Buffer.from(ram.subarray(s, e)));
  }
  return Buffer.concat(parts);
}

test('LiME: ranges, holes and the kernel found by scanning; damaged files fail cleanly', () => {
  const kaslr = 0x2a00000;
  const imagePa = 0x1000000 + kaslr;
  const b = new PageTableBuilder(64 << 20, 4, 1 << 20, imagePa + 0x203000);
  const text = 0xffffffff81000000n + BigInt(kaslr);
  for (let i = 0; i < 4; i++) b.map(text + BigInt(i) * 0x200000n, imagePa + i * 0x200000, 0x200000);
  for (let i = 0; i < 32; i++) b.map(0xffff888000000000n + BigInt(i) * 0x200000n, i * 0x200000, 0x200000);
  const banner = 'Linux version 6.1.0-lime-test\n';
  b.ram.set(Buffer.from(banner + '\0'), imagePa + 0x1000);
  const ranges: [number, number][] = [[0x1000, 0x9f000], [0x100000, 0x3000000], [0x3100000, 0x4000000]];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-lime-'));
  try {
    const file = path.join(dir, 'mem.lime');
    const bytes = limeFile(b.ram, ranges);
    fs.writeFileSync(file, bytes);
    assert.equal(detectFormat(file), 'lime');
    const m = openDump(file);
    assert.deepEqual(m.ranges().map((r) => [r.start, r.end]), ranges);
    const r = prng(4);
    for (let i = 0; i < 500; i++) {
      const [s, e] = r.pick(ranges);
      const pa = s + r.int(e - s - 100);
      assert.deepEqual(readExact(m, BigInt(pa), 100), b.ram.subarray(pa, pa + 100));
    }
    assert.throws(() => readExact(m, 0x9eff0n, 0x20), (e: unknown) => e instanceof MemoryFault && e.address === 0x9f000n);
    const km = kernelMemory(m);
    assert.equal(km.paging.method, 'scan');
    assert.equal(km.paging.kaslrOffset, BigInt(kaslr));
    assert.equal(km.map.getString(text + 0x1000n), banner);
    m.close();
    // Raw: the same RAM as a plain image.
    const raw = path.join(dir, 'mem.raw');
    fs.writeFileSync(raw, b.ram);
    assert.equal(detectFormat(raw), 'raw');
    const rm = openDump(raw);
    assert.equal(kernelMemory(rm).map.getString(text + 0x1000n), banner);
    rm.close();
    // Damage: truncation keeps what is there; mutations give FormatErrors.
    const seed = fuzzSeed(8);
    const g = prng(seed);
    let errors = 0;
    for (let k = 0, n = fuzzRounds(200); k < n; k++) {
      const bad = Buffer.from(bytes.subarray(0, k % 2 ? bytes.length : g.int(bytes.length)));
      for (let j = 0; j < g.int(4); j++) {
        const hdr = g.pick([0, 32 + 0x9e000, 64 + 0x9e000 + 0x2f00000]);
        if (hdr + 32 <= bad.length) bad[hdr + g.int(32)] = g.int(256);
      }
      const p = path.join(dir, 'bad.lime');
      fs.writeFileSync(p, bad);
      try {
        const x = openDump(p, 'lime');
        for (const rg of x.ranges()) x.readPhys(rg.start, new Uint8Array(64), 0, 64);
        x.close();
      } catch (e) {
        if (!(e instanceof VirtmemError) || !/bad\.lime/.test(e.message)) assert.fail(failure('lime', seed, k, bad, e));
        errors++;
      }
    }
    assert.ok(errors > 10);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
