/**
 * RangeIndex against a model array: thousands of random overriding inserts
 * (enough to split and empty blocks), then every address and the segment list
 * compared with the model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RangeIndex } from '../../src/memory/index.js';
import { prng } from '../helpers/prng.js';

test('random overriding inserts resolve like painting an array, in any order and size', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const r = prng(seed);
    const N = 6000;
    const model = new Int32Array(N).fill(-1);
    const idx = new RangeIndex<number>();
    for (let k = 0; k < 2500; k++) {
      const big = r.int(50) === 0;
      const len = big ? 1 + r.int(2000) : 1 + r.int(8);
      const s = r.int(N - len);
      idx.insert(BigInt(s), BigInt(s + len), k);
      model.fill(k, s, s + len);
      if (k % 500 === 499 || k === 2499) {
        for (let a = 0; a < N; a++) assert.equal(idx.find(BigInt(a))?.value ?? -1, model[a], `seed ${seed} step ${k} addr ${a}`);
        let prevEnd = -1n;
        let n = 0;
        for (const sg of idx) {
          assert.ok(sg.start >= prevEnd && sg.start < sg.end, 'sorted, disjoint, non-empty');
          for (let a = Number(sg.start); a < Number(sg.end); a++) assert.equal(model[a], sg.value);
          prevEnd = sg.end; n++;
        }
        assert.equal(n, idx.length);
        const from = r.int(N), to = from + r.int(N - from);
        const got = [...idx.overlapping(BigInt(from), BigInt(to))];
        const want = [...idx].filter((sg) => sg.end > BigInt(from) && sg.start < BigInt(to));
        assert.deepEqual(got, want);
      }
    }
  }
});
