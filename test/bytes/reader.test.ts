import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer, FormatError, BufferSource, FileSource, cstringAt } from '../../src/bytes/index.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

test('fixed-width integers honour the byte order chosen at construction', () => {
  const b = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(new Reader(b, { littleEndian: true }).u32(), 0x04030201);
  assert.equal(new Reader(b, { littleEndian: false }).u32(), 0x01020304);
  assert.equal(new Reader(b, { littleEndian: true }).u64(), 0x0807060504030201n);
  assert.equal(new Reader(b, { littleEndian: false }).u16(), 0x0102);
});

test('a view that does not start at byte 0 of its buffer reads its own bytes', () => {
  const whole = new Uint8Array([0xff, 0xff, 0x34, 0x12, 0xff]);
  const r = new Reader(whole.subarray(2, 4), { littleEndian: true });
  assert.equal(r.u16(), 0x1234);
  assert.throws(() => r.u8(), FormatError);
});

test('LEB128 values from the DWARF specification decode, and round-trip through Writer', () => {
  // Examples from DWARF 5 section 7.6 (tables 7.7 and 7.8).
  const u: [number[], number][] = [[[2], 2], [[127], 127], [[0x80, 1], 128], [[0x81, 1], 129], [[0x82, 1], 130], [[0xb9, 0x64], 12857]];
  for (const [bytes, v] of u) assert.equal(new Reader(new Uint8Array(bytes), { littleEndian: true }).uleb128(), v);
  const s: [number[], number][] = [[[2], 2], [[0x7e], -2], [[0xff, 0], 127], [[0x81, 0x7f], -127], [[0x80, 1], 128], [[0x80, 0x7f], -128]];
  for (const [bytes, v] of s) assert.equal(new Reader(new Uint8Array(bytes), { littleEndian: true }).sleb128(), v);
  for (const v of [0n, 1n, 63n, 64n, 127n, 128n, 2n ** 63n - 1n, 2n ** 64n - 1n]) {
    const w = new Writer(true).uleb128(v);
    assert.equal(new Reader(w.finish(), { littleEndian: true }).uleb128Big(), v);
  }
  for (const v of [0n, -1n, 63n, -64n, -65n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    const w = new Writer(true).sleb128(v);
    assert.equal(new Reader(w.finish(), { littleEndian: true }).sleb128Big(), v);
  }
});

test('reading past the end names source, section and the absolute offset', () => {
  const r = new Reader(new Uint8Array(6), { littleEndian: true, source: 'a.o', format: 'DWARF', section: '.debug_info', base: 0x100 });
  r.u32();
  assert.throws(() => r.u32(), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.offset, 0x104);
    assert.match(e.message, /^a\.o: DWARF, section \.debug_info, offset 0x104: unexpected end of data/);
    return true;
  });
});

test('an unterminated string and a string offset past the table are errors, not garbage', () => {
  assert.throws(() => new Reader(new Uint8Array([0x41, 0x42]), { littleEndian: true }).cstring(), /unterminated string/);
  const tab = new TextEncoder().encode('\0abc\0');
  assert.equal(cstringAt(tab, 1), 'abc');
  assert.throws(() => cstringAt(tab, 9, { section: '.strtab' }), /outside table/);
});

test('FileSource reads across cache pages and never past the end', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-bytes-'));
  const p = path.join(dir, 'f.bin');
  const data = new Uint8Array(10000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  fs.writeFileSync(p, data);
  const src = new FileSource(p, { pageSize: 1024, maxPages: 3 });
  assert.deepEqual(src.read(1000, 100), data.subarray(1000, 1100));
  assert.deepEqual(src.read(0, 10000), data);
  for (let i = 0; i < 50; i++) {
    const off = (i * 997) % 9000;
    assert.deepEqual(src.readCopy(off, 900), data.subarray(off, off + 900));
  }
  assert.throws(() => src.read(9990, 20), FormatError);
  // A page or more goes straight into a buffer of the caller's (readCopy) or given by the caller
  // (readInto): the same bytes, whatever the alignment, and the copy is the caller's own.
  for (const [off, len] of [[0, 1024], [1, 1024], [1023, 2049], [5000, 5000], [0, 10000], [8976, 1024]]) {
    const c = src.readCopy(off, len);
    assert.deepEqual(c, data.subarray(off, off + len), `readCopy(${off}, ${len})`);
    c.fill(0);
    assert.deepEqual(src.readCopy(off, len), data.subarray(off, off + len), 'a copy the caller changed changes nothing');
    const into = new Uint8Array(len);
    src.readInto(off, into);
    assert.deepEqual(into, data.subarray(off, off + len), `readInto(${off}, ${len})`);
  }
  assert.throws(() => src.readCopy(9000, 1024), FormatError);
  assert.throws(() => src.readInto(9000, new Uint8Array(1024)), FormatError);
  src.close();
  const mem = new BufferSource(data, 'mem');
  assert.deepEqual(mem.read(5, 3), data.subarray(5, 8));
  const into = new Uint8Array(4);
  mem.readInto(6, into);
  assert.deepEqual(into, data.subarray(6, 10));
  fs.rmSync(dir, { recursive: true });
});
