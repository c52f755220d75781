/**
 * The kallsyms layouts no fixture kernel has, per the kernel's history: the real
 * 6.1 tables (names, token table and index, taken byte for byte from a Debian
 * guest) laid out again as
 *   - pre-4.6 "absolute": u64 kallsyms_addresses before num_syms (an unsigned long),
 *     u64 markers (before 4.20);
 *   - newest "after-text": offsets after the token index, counting from _text,
 *     no kallsyms_relative_base;
 * and found by the scan; the symbols must be the guest's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../src/bytes/index.js';
import { MemoryMap } from '../../src/memory/index.js';
import { decodeKallsyms, findKallsyms, kallsymsFromImage } from '../../src/kernel/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { openKernelMemory } from './image.js';

test('kallsyms in the pre-4.6 absolute and the newest _text-relative layouts are found and decoded', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!f) return;
  const { km, text } = openKernelMemory(f.dumps.elf);
  const loc = findKallsyms(km.map, { vmcoreinfo: km.vmcoreinfo, text });
  const real = decodeKallsyms(km.map, loc, { text });
  const n = loc.count;
  // The names' bytes end where the markers begin (the next 8-byte boundary after the last entry).
  const markersAt = loc.tokenTable; // upper bound; find the real end by walking lengths
  const namesBuf = km.map.getBytes(loc.names, Number(markersAt - loc.names));
  let p = 0;
  const marks: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) marks.push(p);
    const b = namesBuf[p];
    p += b & 0x80 ? 2 + ((b & 0x7f) | (namesBuf[p + 1] << 7)) : 1 + b;
  }
  const names = namesBuf.subarray(0, p);
  const tokens = km.map.getBytes(loc.tokenTable, Number(loc.tokenIndex - loc.tokenTable) + 512);
  const addrs = [...real.entries()].map(([, a]) => a);
  const base = text + (24n << 20n); // where the tables go: rodata-like, inside the scanned span

  // Pre-4.6: addresses, num_syms (unsigned long), names, markers (unsigned long), token table, index.
  const w = new Writer(true);
  for (const a of addrs) w.u64(a);
  w.u64(BigInt(n));
  w.bytes(names); w.align(8);
  for (const m of marks) w.u64(BigInt(m));
  w.align(8);
  w.bytes(tokens);
  const abs = MemoryMap.ofBytes(w.finish(), base, 'absolute layout');
  const a = kallsymsFromImage(abs, { text, scan: true });
  assert.equal(a.location.layout, 'absolute');
  assert.deepEqual([...a.entries()], [...real.entries()]);

  // Newest: num_syms, names, markers (u32), token table, index, offsets from _text (only symbols above _text:
  // without absolute per-CPU symbols, per-CPU variables are no longer in this form).
  const keep = [...real.entries()].filter(([, x]) => x >= text);
  const first = n - keep.length; // per-CPU symbols sort first; drop their entries
  let q = 0;
  for (let i = 0; i < first; i++) { const b = names[q]; q += b & 0x80 ? 2 + ((b & 0x7f) | (names[q + 1] << 7)) : 1 + b; }
  const names2 = names.subarray(q);
  const marks2: number[] = [];
  let r = 0;
  for (let i = 0; i < keep.length; i++) {
    if ((i & 255) === 0) marks2.push(r);
    const b = names2[r];
    r += b & 0x80 ? 2 + ((b & 0x7f) | (names2[r + 1] << 7)) : 1 + b;
  }
  const w2 = new Writer(true);
  w2.u32(keep.length); w2.u32(0);
  w2.bytes(names2); w2.align(8);
  for (const m of marks2) w2.u32(m);
  w2.align(8);
  w2.bytes(tokens); w2.align(8);
  for (const [, x] of keep) w2.u32(Number(x - text));
  w2.align(8);
  w2.bytes(new Uint8Array(64)); // what follows (seqs_of_names), not a relative base
  const txt = MemoryMap.ofBytes(w2.finish(), base, 'text-relative layout');
  const b = kallsymsFromImage(txt, { text, scan: true });
  assert.equal(b.location.layout, 'after-text');
  assert.deepEqual([...b.entries()], keep);
  assert.equal(b.address('init_task'), BigInt('0x' + f.truth.kallsyms.init_task));
});
