/**
 * The seed's phantom types as TypeScript type-state: these lines must NOT
 * compile. If one starts compiling, `@ts-expect-error` turns into a build
 * error, so the build itself is the test; the run checks the same at run time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtmemError } from '../../src/bytes/index.js';
import { MemoryMap } from '../../src/memory/index.js';

test('a map without word size and endianness cannot follow pointers (compile time), and each is set once', () => {
  const empty = MemoryMap.create();
  // @ts-expect-error no mapping yet: getByte needs one
  assert.throws(() => empty.getByte(0n));
  const m = MemoryMap.ofBytes(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]), 0x1000n);
  assert.equal(m.getByte(0x1000n), 1);
  // @ts-expect-error no word size or endianness
  assert.throws(() => m.followPointer(0x1000n));
  const w = m.setWordsize(8);
  // @ts-expect-error word size but no endianness
  assert.throws(() => w.followPointer(0x1000n));
  // @ts-expect-error findAlign needs a word size
  void (() => m.findAlign('x'));
  const k = w.setEndian('little');
  assert.equal(k.followPointer(0x1000n), 1n);
  assert.equal(k.getWordsize(), 8);
  // @ts-expect-error word size can be set only once
  assert.throws(() => k.setWordsize(4), VirtmemError);
  // @ts-expect-error endianness can be set only once
  assert.throws(() => k.setEndian('big'), VirtmemError);
});
