/**
 * Bad input to kernel/: truncated and damaged BTF in the image, and a dump
 * whose image has no BTF or no kallsyms. Each is a FormatError naming the
 * place, or a warning from openKernel, never a crash or a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError } from '../../src/bytes/index.js';
import { SortedSymbols, findImageBtf, kallsymsFromImage } from '../../src/kernel/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { openKernelMemory, sliceOf } from './image.js';

test('truncated or damaged BTF in the image: a FormatError naming the dump, BTF and the address', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: false });
  if (!f) return;
  const { km, text } = openKernelMemory(f.dumps.elf);
  const symbols = kallsymsFromImage(km.map, { vmcoreinfo: km.vmcoreinfo, text });
  const good = findImageBtf(km.map, { symbols, text });
  const start = good.address;
  const { bytes, map } = sliceOf(km, start, start + BigInt(good.size));
  const bounds = (stop: bigint) => new SortedSymbols('t', ['__start_BTF', '__stop_BTF'], [start, stop]);
  const end = start + BigInt(good.size);
  const isFormat = (re: RegExp) => (e: unknown) => e instanceof FormatError && re.test(e.message);

  // Cut short: the dump ends in the middle of the blob.
  const cut = map(bytes.subarray(0, 1 << 20));
  assert.throws(() => findImageBtf(cut, { symbols: bounds(end), text, source: 'cut.core' }),
    isFormat(/^cut\.core: BTF, offset 0xffffffff[0-9a-f]+: the \d+ bytes of BTF at 0xffffffff[0-9a-f]+ are not all in the dump/));
  assert.throws(() => findImageBtf(cut, { text, source: 'cut.core' }), isFormat(/^cut\.core: BTF, offset 0x[0-9a-f]+: no BTF in the kernel image .*rejected: 0x[0-9a-f]+: the \d+ bytes of BTF/));
  // __stop_BTF before the end the header claims.
  assert.throws(() => findImageBtf(map(bytes), { symbols: bounds(end - 100n), text }), isFormat(/claims \d+ bytes, more than the \d+ up to __stop_BTF/));
  // A type record of an unknown kind in the middle: the walk stops there, and that is an error, not a partial source.
  const b = bytes.slice();
  const dv = new DataView(b.buffer);
  const typeStart = 24 + dv.getUint32(8, true);
  dv.setUint32(typeStart + 4, 0x1f000000, true); // type 1: kind 31
  assert.throws(() => findImageBtf(map(b), { symbols: bounds(end), text, source: 'bad.core' }), isFormat(/^bad\.core: BTF, section kernel image BTF at 0xffffffff[0-9a-f]+ type section, offset 0x18: type 1: unknown kind 31/));
  // A header with absurd sizes is passed over by the scan, and nothing else is BTF.
  const h = bytes.slice();
  new DataView(h.buffer).setUint32(12, 0x7fffffff, true);
  assert.throws(() => findImageBtf(map(h), { text }), isFormat(/no BTF in the kernel image.*rejected: 0x[0-9a-f]+: sections .* are not plausible/));
});

test('an image with no kallsyms: the scan says so', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const { km, text } = openKernelMemory(f.dumps.elf);
  // The first 4 MiB of text: mapped, but no tables there.
  const { bytes, map } = sliceOf(km, text, text + (4n << 20n));
  assert.throws(() => kallsymsFromImage(map(bytes), { text, scan: true, source: 'text-only' }),
    (e: unknown) => e instanceof FormatError && /^text-only: kallsyms, section kallsyms_token_table, offset 0xffffffff[0-9a-f]+: no kallsyms token table in the kernel image/.test(e.message));
});
