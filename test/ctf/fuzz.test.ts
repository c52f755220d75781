import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CtfDict, ctfTypeName, listDict, openCtf, readArchive, writeDict } from '../../src/ctf/index.js';
import { FormatError } from '../../src/bytes/index.js';
import * as fs from 'node:fs';
import { compile, dumpSection, tmpdir } from '../helpers/ctf-tools.js';
import { fuzz, gccReplayable } from '../helpers/fuzz.js';
import { CONFLICT_A, CONFLICT_B, EVERY_KIND } from './source.js';

/** Every entry point a user reaches: open, list, every section, every type, its name, and a rewrite. */
function exercise(bytes: Uint8Array): void {
  const set = openCtf(bytes, { source: 'fuzzed' });
  for (const { name, dict } of set.dicts) {
    listDict(name, dict, () => {});
    for (const e of dict.entries()) if (e.type) ctfTypeName(dict, e.id);
    dict.labels(); dict.objects(); dict.functions(); dict.variables();
    try { writeDict(dict.toData()); } catch (e) { if (!(e instanceof RangeError)) throw e; }
  }
}

test('fuzzed CTF dicts, compressed dicts and archives: a result or a FormatError, never a crash or hang', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  // Built so the bytes (unit names hold the working directory) are the same every run.
  for (const [name, src] of [['every', EVERY_KIND], ['a', CONFLICT_A], ['b', CONFLICT_B]]) {
    fs.writeFileSync(`${dir}/${name}.c`, src);
    gccReplayable('gcc', dir, ['-gctf', '-c', `${name}.c`, '-o', `${name}.o`]);
  }
  gccReplayable('gcc', dir, ['-gctf', 'a.o', 'b.o', '-o', 'ab']);
  const dict = dumpSection(`${dir}/every.o`, '.ctf');
  const archive = dumpSection(`${dir}/ab`, '.ctf');
  const compressed = writeDict(CtfDict.open(dict).toData(), { compress: true });
  const bad = [
    ...fuzz(dict, 1, 1500, exercise, 4, 'ctf-dict'),
    ...fuzz(dict, 2, 300, exercise, 0, 'ctf-dict-magic'),
    ...fuzz(archive, 3, 1500, exercise, 8, 'ctf-archive'),
    ...fuzz(compressed, 4, 300, exercise, 4, 'ctf-compressed'),
  ];
  assert.deepEqual(bad, []);
});

test('one corrupt type does not hide the rest; errors name section and offset', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const bytes = dumpSection(compile(dir, 'every', EVERY_KIND), '.ctf');
  const good = CtfDict.open(bytes);
  // Point the name of type 3 outside the string section.
  const typeoff = 52 + good.header.typeoff;
  const corrupt = bytes.slice();
  const dv = new DataView(corrupt.buffer);
  const recordAt = typeoff + 16 * 2; // types 1 and 2 are integers: 12-byte records + 4 bytes of encoding
  dv.setUint32(recordAt, 0x7ffffff0, true);
  const d = CtfDict.open(corrupt, { source: 'every.o', section: '.ctf' });
  const entries = [...d.entries()];
  assert.equal(entries.length, good.typeCount);
  const failed = entries.filter((e) => e.error);
  assert.equal(failed.length, 1);
  assert.equal(failed[0].id, 3);
  assert.match(failed[0].error!.message, /^every\.o: CTF, section \.ctf type section, offset 0x[0-9a-f]+: type 0x3: string offset 0x7ffffff0 outside/);
  assert.equal((failed[0].error as FormatError).offset, recordAt - 52);
  assert.ok(entries.filter((e) => e.type).length === good.typeCount - 1);
  // A truncated archive names the member and offset.
  assert.throws(() => readArchive(new Uint8Array(24).fill(0).map((_, i) => [0xeb, 0x3e, 0x62, 0xd7, 0xa4, 0xf2, 0x47, 0x8b][i] ?? 0)), FormatError);
});
