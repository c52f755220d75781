import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StampedIntMap } from '../../src/bytes/index.js';
import { fuzzRounds, fuzzSeed } from '../helpers/fuzz.js';

test('stamped int map: what was set is found, the rest is -1, clear forgets everything at once', () => {
  const m = new StampedIntMap(16);
  assert.equal(m.get(0), -1);
  m.set(0, 7);
  m.set(0x7ffffffe, 0x7ffffffe);
  m.set(64, 1);
  m.set(64, 2); // overwrite
  assert.deepEqual([m.get(0), m.get(0x7ffffffe), m.get(64), m.get(65)], [7, 0x7ffffffe, 2, -1]);
  assert.equal(m.size, 3);
  m.clear();
  assert.deepEqual([m.get(0), m.get(0x7ffffffe), m.get(64), m.size], [-1, -1, -1, 0]);
  m.set(64, 9);
  assert.equal(m.get(64), 9);
});

test('stamped int map agrees with a Map through growth, many clears and clustered keys (fuzz)', () => {
  let seed = fuzzSeed(0x5eed1);
  const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  const m = new StampedIntMap(16);
  for (let round = 0; round < fuzzRounds(200); round++) {
    const ref = new Map<number, number>();
    // (with a size hint, right or wrong, every other round: the table may switch to another one kept from before)
    if (round % 2) m.clear(rnd() % 10000); else m.clear();
    const n = rnd() % 5000;
    // Keys as DIE offsets come: clustered (multiples of small strides) or spread over 2^31.
    const stride = 1 + (rnd() % 64);
    for (let i = 0; i < n; i++) {
      const key = rnd() & 1 ? (rnd() % 20000) * stride : rnd() & 0x7fffffff;
      const v = rnd() & 0x7fffffff;
      m.set(key, v);
      ref.set(key, v);
    }
    assert.equal(m.size, ref.size, `round ${round}: size`);
    for (const [k, v] of ref) assert.equal(m.get(k), v, `round ${round}: key ${k}`);
    for (let i = 0; i < 200; i++) {
      const k = rnd() & 0x7fffffff;
      assert.equal(m.get(k), ref.get(k) ?? -1, `round ${round}: absent key ${k}`);
    }
  }
});

test('stamped int map: a size hint switches tables without losing or resurrecting entries', () => {
  const m = new StampedIntMap(16);
  for (let i = 0; i < 100_000; i++) m.set(i * 7, i);
  assert.equal(m.get(7 * 99_999), 99_999);
  m.clear(10); // small table now
  assert.equal(m.get(7), -1);
  m.set(7, 1);
  m.clear(100_000); // back to the large one kept from before: its old entries must not come back
  assert.equal(m.get(7 * 5), -1);
  assert.equal(m.get(7), -1);
  for (let i = 0; i < 1000; i++) m.set(i, i + 1);
  m.clear(10);
  assert.equal(m.get(999), -1);
  m.set(999, 5);
  assert.equal(m.get(999), 5);
});
