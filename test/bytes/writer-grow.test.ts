import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../src/bytes/index.js';

test('Writer keeps every value when a write makes the buffer grow', () => {
  const w = new Writer(true, 16);
  for (let i = 0; i < 1000; i++) w.u8(i & 0xff).u16(i).u32(i * 3).u64(BigInt(i) << 40n);
  const r = new Reader(w.finish(), { littleEndian: true });
  for (let i = 0; i < 1000; i++) {
    assert.equal(r.u8(), i & 0xff);
    assert.equal(r.u16(), i);
    assert.equal(r.u32(), i * 3);
    assert.equal(r.u64(), BigInt(i) << 40n);
  }
});
