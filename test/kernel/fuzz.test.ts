/**
 * Damaged kernel images: the kallsyms decoder and the in-memory BTF finder on
 * seeded mutations of the real tables of a Debian guest (copied out of its dump
 * into a map at their own addresses). Each must return or throw a VirtmemError,
 * nothing else, and never hang; rounds are few because every round decodes a
 * whole real table (87k symbols, 4 MB of BTF).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfTypes } from '../../src/btf/index.js';
import { SortedSymbols, decodeKallsyms, findImageBtf, findKallsyms, kallsymsFromImage } from '../../src/kernel/index.js';
import { fuzz } from '../helpers/fuzz.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { openKernelMemory, sliceOf } from './image.js';

test('fuzzed kallsyms tables: symbols or a VirtmemError, with VMCOREINFO locations and by scan', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!f) return;
  const { km, text } = openKernelMemory(f.dumps.elf);
  const loc = findKallsyms(km.map, { vmcoreinfo: km.vmcoreinfo, text });
  const lo = (loc.offsets! - 64n) & ~7n;
  const hi = loc.tokenIndex + 512n + 64n;
  const { bytes, map } = sliceOf(km, lo, hi);
  // The tables alone: offsets, relative_base, num_syms, names, markers, seqs, token table and index.
  assert.equal(decodeKallsyms(map(bytes), loc, { text }).count, loc.count);
  // Mutations anywhere; and mutations of the small tables, which the big names table would otherwise swamp.
  const small = bytes.subarray(Number(loc.tokenTable - lo));
  const rest = bytes.subarray(0, Number(loc.tokenTable - lo));
  const joined = (tail: Uint8Array) => { const b = new Uint8Array(rest.length + tail.length); b.set(rest); b.set(tail, rest.length); return b; };
  const bad = [
    ...fuzz(bytes, 101, 16, (b) => { decodeKallsyms(map(b), loc, { text }); }, 0, 'kallsyms'),
    ...fuzz(small, 102, 16, (b) => { decodeKallsyms(map(joined(b)), loc, { text }); }, 0, 'kallsyms-tokens'),
    ...fuzz(bytes, 103, 5, (b) => { kallsymsFromImage(map(b), { text, scan: true }); }, 0, 'kallsyms-scan'),
    ...fuzz(small, 104, 5, (b) => { kallsymsFromImage(map(joined(b)), { text, scan: true }); }, 0, 'kallsyms-scan-tokens'),
  ];
  assert.deepEqual(bad, []);
});

test('fuzzed in-memory BTF: found and readable, or a VirtmemError', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12' });
  if (!f) return;
  const { km, text } = openKernelMemory(f.dumps.elf);
  const symbols = kallsymsFromImage(km.map, { vmcoreinfo: km.vmcoreinfo, text });
  const found = findImageBtf(km.map, { symbols, text });
  const { bytes, map } = sliceOf(km, found.address - 4096n, found.address + BigInt(found.size) + 4096n);
  const bounds = new SortedSymbols('bounds', ['__start_BTF', '__stop_BTF'], [found.address, found.address + BigInt(found.size)]);
  const use = (how: 'scan' | 'symbols') => (b: Uint8Array) => {
    const r = findImageBtf(map(b), { text, symbols: how === 'symbols' ? bounds : undefined });
    const types = new BtfTypes(r.btf);
    for (const name of ['task_struct', 'list_head', 'module']) types.lookup(name, 'struct');
  };
  // The header and first records matter most: mutate the first 64 KiB more often.
  const head = bytes.subarray(0, 4096 + 65536);
  const tail = bytes.subarray(head.length);
  const joined = (h: Uint8Array) => { const b = new Uint8Array(h.length + tail.length); b.set(h); b.set(tail, h.length); return b; };
  const bad = [
    ...fuzz(bytes, 201, 12, use('symbols'), 0, 'image-btf'),
    ...fuzz(head, 202, 25, (h) => use('symbols')(joined(h)), 0, 'image-btf-head'),
    ...fuzz(head, 203, 12, (h) => use('scan')(joined(h)), 0, 'image-btf-scan'),
  ];
  assert.deepEqual(bad, []);
});
