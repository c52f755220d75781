/**
 * The memory map against a reference model that is a plain byte array with a
 * "present" mask: random mappings (overlapping, overriding, with holes) at
 * 64-bit bases, then every accessor and search compared with the model,
 * including strings that straddle two mappings and word alignment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSource, VirtmemError } from '../../src/bytes/index.js';
import { MemoryFault, MemoryMap, loadMap, mergedExtents, readMapFileInfo, saveMap, sized } from '../../src/memory/index.js';
import { prng } from '../helpers/prng.js';
import { failure, fuzzRounds, fuzzSeed } from '../helpers/fuzz.js';

const S = 2048;
const BASES = [0n, 0x1000n, 0xffff888000000003n, (1n << 64n) - BigInt(S), 0x7ffffffffffff801n];

interface Model { base: bigint; bytes: Uint8Array; present: Uint8Array }

function build(seed: number) {
  const r = prng(seed);
  const base = r.pick(BASES);
  const model: Model = { base, bytes: new Uint8Array(S), present: new Uint8Array(S) };
  let map = MemoryMap.create('test map').addBytes(new Uint8Array(0), base);
  const n = 1 + r.int(8);
  for (let k = 0; k < n; k++) {
    const len = 1 + r.int(600);
    const off = r.int(S - len + 1);
    const data = new Uint8Array(len);
    for (let i = 0; i < len; i++) data[i] = r.int(4) + 0x61; // "abcd": finds happen
    map = map.addBytes(data, base + BigInt(off));
    model.bytes.set(data, off);
    model.present.fill(1, off, off + len);
  }
  return { map, model, r };
}

function modelFind(m: Model, needle: Uint8Array, align = 1): bigint[] {
  const out: bigint[] = [];
  outer: for (let i = 0; i + needle.length <= S; i++) {
    if ((m.base + BigInt(i)) % BigInt(align) !== 0n) continue;
    for (let j = 0; j < needle.length; j++) {
      if (!m.present[i + j] || m.bytes[i + j] !== needle[j]) continue outer;
    }
    out.push(m.base + BigInt(i));
  }
  return out;
}

test('accessors, extents and holes agree with a byte-array model', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const { map, model, r } = build(seed);
    // extents == runs of the present mask
    const runs: [bigint, bigint][] = [];
    for (let i = 0; i < S; i++) {
      if (!model.present[i]) continue;
      let j = i; while (j < S && model.present[j]) j++;
      runs.push([model.base + BigInt(i), model.base + BigInt(j)]); i = j;
    }
    assert.deepEqual([...mergedExtents(map)].map((e) => [e.start, e.end]), runs, `seed ${seed}`);
    for (let k = 0; k < 40; k++) {
      const off = r.int(S);
      const a = model.base + BigInt(off);
      assert.equal(map.isMapped(a), model.present[off] === 1, `seed ${seed} isMapped +${off}`);
      const len = 1 + r.int(Math.min(64, S - off));
      let hole = -1;
      for (let i = off; i < off + len; i++) if (!model.present[i]) { hole = i; break; }
      if (hole < 0) {
        assert.deepEqual(map.getBytes(a, len), model.bytes.slice(off, off + len), `seed ${seed} bytes`);
        if (len === 1) assert.equal(map.getByte(a), model.bytes[off]);
      } else {
        assert.throws(() => map.getBytes(a, len), (e: unknown) =>
          e instanceof MemoryFault && e.address === model.base + BigInt(hole) && e.message.includes('0x' + (model.base + BigInt(hole)).toString(16)));
      }
    }
  }
});

test('find, findAll and findAllAlign agree with the model, including strings straddling mappings', () => {
  let straddles = 0;
  for (let seed = 200; seed < 320; seed++) {
    const { map, model, r } = build(seed);
    const sm = map.setWordsize(8);
    for (let k = 0; k < 6; k++) {
      // Needles: random, or copied from the model across a mapping boundary.
      let needle: Uint8Array;
      if (k % 2 === 0) {
        needle = Uint8Array.from({ length: 1 + r.int(5) }, () => 0x61 + r.int(4));
      } else {
        const starts = [...map.mappings()].map((m) => Number(m.addr - model.base)).filter((o) => o > 4);
        const at = starts.length ? r.pick(starts) - 3 : r.int(S - 8);
        needle = model.bytes.slice(at, at + 7);
        if (model.present.subarray(at, at + 7).every((x) => x === 1)) straddles++;
      }
      const want = modelFind(model, needle);
      assert.deepEqual(sm.findAll(needle), want, `seed ${seed} findAll ${Buffer.from(needle).toString()}`);
      assert.equal(sm.find(needle), want[0], `seed ${seed} find`);
      const from = model.base + BigInt(r.int(S));
      assert.equal(sm.find(needle, { start: from }), want.find((a) => a >= from), `seed ${seed} find from`);
      assert.deepEqual(sm.findAll(needle, { limit: 2 }), want.slice(0, 2));
      const wantAl = modelFind(model, needle, 8);
      assert.deepEqual(sm.findAllAlign(needle), wantAl, `seed ${seed} findAllAlign`);
      assert.equal(sm.findAlign(needle), wantAl[0]);
    }
  }
  assert.ok(straddles > 50, `too few straddling needles tested (${straddles})`);
});

test('findPointer and pointer reads, both byte orders and word sizes', () => {
  for (let seed = 400; seed < 460; seed++) {
    const { map, model, r } = build(seed);
    const le = seed % 2 === 0;
    const ws = seed % 4 < 2 ? 8 : 4;
    const m = map.setWordsize(ws).setEndian(le ? 'little' : 'big');
    const aligned = [...Array(S).keys()].filter((i) => i + ws <= S && (model.base + BigInt(i)) % BigInt(ws) === 0n
      && model.present.subarray(i, i + ws).every((x) => x === 1));
    if (!aligned.length) continue;
    const at = r.pick(aligned);
    const dv = new DataView(model.bytes.buffer, at, ws);
    const ptr = ws === 8 ? dv.getBigUint64(0, le) : BigInt(dv.getUint32(0, le));
    const addr = model.base + BigInt(at);
    assert.equal(m.followPointer(addr), ptr);
    assert.equal(m.getCLong(addr), ws === 8 ? dv.getBigInt64(0, le) : BigInt(dv.getInt32(0, le)));
    assert.equal(m.getCInt(addr), dv.getInt32(0, le));
    assert.equal(m.getInt32(addr), dv.getInt32(0, le));
    const enc = new Uint8Array(ws);
    if (ws === 8) new DataView(enc.buffer).setBigUint64(0, ptr, le); else new DataView(enc.buffer).setUint32(0, Number(ptr), le);
    const want = modelFind(model, enc, ws);
    assert.deepEqual(m.findPointerAll(ptr), want, `seed ${seed}`);
    assert.ok(want.includes(addr));
    assert.equal(m.findPointer(ptr), want[0]);
  }
});

test('word arithmetic wraps at 2^64 and aligns up', () => {
  const m = MemoryMap.ofBytes(new Uint8Array(8), 0n).setWordsize(8);
  assert.equal(m.succLong(0xfffffffffffffff8n), 0n);
  assert.equal(m.predLong(0n), 0xfffffffffffffff8n);
  assert.equal(m.align(0x1001n), 0x1008n);
  assert.equal(m.align(0x1008n), 0x1008n);
  const m4 = MemoryMap.ofBytes(new Uint8Array(8), 0n).setWordsize(4);
  assert.equal(m4.align(0x1001n), 0x1004n);
  assert.equal(m4.succLong(0x10n), 0x14n);
  assert.throws(() => m.getBytes((1n << 64n) - 4n, 8), MemoryFault);
  assert.throws(() => m.getBytes(-1n, 1), MemoryFault);
});

test('strings: getString, isString, isCIdentifier; a hole or a missing NUL is a fault naming the address', () => {
  const bytes = Buffer.from('init_task\0hello world\n\0\x01bad\0abc', 'latin1');
  const m = MemoryMap.ofBytes(bytes, 0xffffffff81000000n);
  const a = 0xffffffff81000000n;
  assert.equal(m.getString(a), 'init_task');
  assert.equal(m.isCIdentifier(a), true);
  assert.equal(m.isString(a), true);
  assert.equal(m.getString(a + 10n), 'hello world\n');
  assert.equal(m.isString(a + 10n), true);
  assert.equal(m.isCIdentifier(a + 10n), false);
  assert.equal(m.isString(a + 23n), false);
  assert.equal(m.isString(a + 9n), false, 'empty string');
  assert.equal(m.isCIdentifier(a + 4n), true, '"_task"');
  // "abc" runs into a hole
  assert.throws(() => m.getString(a + 28n), (e: unknown) => e instanceof MemoryFault && e.address === a + BigInt(bytes.length));
  assert.equal(m.isString(a + 28n), false);
  // no NUL within the limit
  const big = MemoryMap.ofBytes(new Uint8Array(10000).fill(0x41), 0n);
  assert.throws(() => big.getString(0n, 100), /no NUL within 100 bytes/);
});

test('a later mapping overrides an earlier one; 100000 small mappings stay fast to build and read', () => {
  let m = MemoryMap.create().addBytes(Buffer.from('aaaaaaaa'), 0n).addBytes(Buffer.from('BB'), 3n);
  assert.equal(Buffer.from(m.getBytes(0n, 8)).toString(), 'aaaBBaaa');
  m = m.addBytes(Buffer.from('c'), 0n);
  assert.equal(Buffer.from(m.getBytes(0n, 8)).toString(), 'caaBBaaa');
  // Insert many mappings in random order, then check a sample.
  const r = prng(7);
  const big = MemoryMap.create().addBytes(new Uint8Array(0), 0n);
  const ref = new Uint8Array(400000);
  for (let i = 0; i < 100000; i++) {
    const off = r.int(400000 - 8);
    const v = 1 + r.int(255);
    big.addBytes(new Uint8Array(4).fill(v), BigInt(off));
    ref.fill(v, off, off + 4);
  }
  for (let k = 0; k < 2000; k++) {
    const off = r.int(400000);
    assert.equal(big.isMapped(BigInt(off)), ref[off] !== 0);
    if (ref[off]) assert.equal(big.getByte(BigInt(off)), ref[off]);
  }
});

test('save and load round-trip: same bytes, holes, word size and endianness; the header is as documented', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-map-'));
  try {
    for (let seed = 500; seed < 520; seed++) {
      const { map, model } = build(seed);
      const m = map.setWordsize(8).setEndian('big');
      const file = path.join(dir, `m${seed}.vmmap`);
      saveMap(m, file, { name: `seed ${seed}` });
      const raw = fs.readFileSync(file);
      assert.equal(raw.subarray(0, 8).toString('latin1'), 'VMMEMMAP');
      assert.equal(raw.readUInt32LE(8), 1);
      assert.equal(raw[12], 8);
      assert.equal(raw[13], 2);
      const back = loadMap(file);
      assert.equal(back.name, `seed ${seed}`);
      assert.deepEqual([...mergedExtents(back)], [...mergedExtents(m)]);
      for (let i = 0; i < S; i++) {
        if (model.present[i]) assert.equal(back.getByte(model.base + BigInt(i)), model.bytes[i]);
        else assert.equal(back.isMapped(model.base + BigInt(i)), false);
      }
      const s = sized(back);
      assert.equal(s.getWordsize(), 8);
      assert.equal(s.getEndian(), 'big');
      assert.equal(raw.readBigUInt64LE(16), BigInt([...mergedExtents(m)].length));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loading a damaged saved map: a VirtmemError naming the file, never a crash or hang (seeded mutations)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-map-'));
  try {
    const { map } = build(9);
    const file = path.join(dir, 'ok.vmmap');
    saveMap(map, file);
    const good = fs.readFileSync(file);
    const seed = fuzzSeed(99);
    const r = prng(seed);
    let errors = 0;
    for (let k = 0, n = fuzzRounds(300); k < n; k++) {
      const bad = Buffer.from(good);
      const cut = k % 5 === 0 ? r.int(good.length) : good.length;
      for (let j = 0; j < 1 + r.int(4); j++) bad[r.int(Math.min(bad.length, 200))] = r.int(256);
      const f = path.join(dir, 'bad.vmmap');
      fs.writeFileSync(f, bad.subarray(0, cut));
      const src = new FileSource(f);
      try {
        const m = loadMap(src);
        for (const e of mergedExtents(m)) m.readInto(e.start, new Uint8Array(16), 0, 16);
      } catch (e) {
        if (!(e instanceof VirtmemError) || (!(e instanceof MemoryFault) && !/bad\.vmmap/.test(e.message))) assert.fail(failure('vmmap', seed, k, bad.subarray(0, cut), e));
        errors++;
      } finally { src.close(); }
    }
    assert.ok(errors > 50);
    assert.throws(() => readMapFileInfo(new FileSource(file + '.missing')), VirtmemError);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
