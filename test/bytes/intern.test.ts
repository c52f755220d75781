import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteInterner } from '../../src/bytes/index.js';
import { fuzzRounds, fuzzSeed } from '../helpers/fuzz.js';

const enc = new TextEncoder();

/** A string table as a .debug_str holds one: NUL-terminated names, and their offsets. */
function table(names: string[]): { bytes: Uint8Array; offsets: number[] } {
  const parts = names.map((n) => enc.encode(n + '\0'));
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) { offsets.push(at); bytes.set(p, at); at += p.length; }
  return { bytes, offsets };
}

test('interned names: equal bytes from different tables give one number and the same text; different bytes never share one', () => {
  const it = new ByteInterner();
  const a = table(['list_head', 'sk_buff', '', 'übergröße', 'x']);
  const b = table(['x', 'sk_buff', 'list_head', 'list_heads', 'übergröße']);
  const idsA = a.offsets.map((o) => { const s = it.internZ(a.bytes, o); return [s, it.lastId] as const; });
  const idsB = b.offsets.map((o) => { const s = it.internZ(b.bytes, o); return [s, it.lastId] as const; });
  assert.deepEqual(idsA.map(([s]) => s), ['list_head', 'sk_buff', '', 'übergröße', 'x']);
  assert.deepEqual(idsB.map(([s]) => s), ['x', 'sk_buff', 'list_head', 'list_heads', 'übergröße']);
  assert.equal(idsB[0][1], idsA[4][1]);
  assert.equal(idsB[2][1], idsA[0][1]);
  assert.equal(idsB[4][1], idsA[3][1]);
  assert.notEqual(idsB[3][1], idsA[0][1], 'a longer name with the same prefix is another string');
  assert.equal(it.size, 6);
  assert.equal(it.stringAt(idsA[1][1]), 'sk_buff');
  // intern() over a range agrees with internZ.
  assert.equal(it.intern(enc.encode('..sk_buff..'), 2, 9), 'sk_buff');
  assert.equal(it.lastId, idsA[1][1]);
});

test('a name with no NUL after it is not interned (the caller reports the offset)', () => {
  const it = new ByteInterner();
  assert.equal(it.internZ(enc.encode('unterminated'), 0), undefined);
  assert.equal(it.size, 0);
});

test('many names, grown past every table size: each keeps its number, and a hit is confirmed byte by byte', () => {
  const seed = fuzzSeed(0x1a7e);
  const rounds = fuzzRounds(1);
  for (let round = 0; round < rounds; round++) {
    let x = (seed + round * 7919) >>> 0;
    const rnd = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x; };
    const names: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      // Short names over a small alphabet collide in the hash often enough to exercise probing.
      const len = 1 + (rnd() % 6);
      let s = '';
      for (let k = 0; k < len; k++) s += 'ab_c'[rnd() % 4];
      names.push(s + (rnd() % 3 === 0 ? String(i % 97) : ''));
    }
    const it = new ByteInterner();
    const { bytes, offsets } = table(names);
    const first = new Map<string, number>();
    offsets.forEach((o, i) => {
      const s = it.internZ(bytes, o);
      assert.equal(s, names[i], `seed ${seed} round ${round}: name ${i}`);
      const id = it.lastId;
      const was = first.get(s!);
      if (was === undefined) first.set(s!, id);
      else assert.equal(id, was, `seed ${seed} round ${round}: ${JSON.stringify(s)} got two numbers`);
    });
    assert.equal(it.size, first.size);
  }
});
