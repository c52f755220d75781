import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openCtf, CTF_K_STRUCT, CTF_MAX_PTYPE } from '../../src/ctf/index.js';
import { compile, dumpSection, link, objdumpCtf, parseObjdumpCtf, tmpdir } from '../helpers/ctf-tools.js';
import { differences } from './judge.js';
import { CONFLICT_A, CONFLICT_B, CONFLICT_C, EVERY_KIND } from './source.js';

for (const [cc, label] of [
  ['gcc', 'x86-64, little-endian'],
  ['s390x-linux-gnu-gcc', 's390x, big-endian'],
] as const) {
  test(`gcc -gctf object (${label}): every type, member, enumerator and symbol as objdump --ctf lists them`, (t) => {
    const { dir, cleanup } = tmpdir();
    t.after(cleanup);
    const o = compile(dir, 'every', EVERY_KIND, ['-gctf'], cc);
    const set = openCtf(dumpSection(o, '.ctf'), { source: o, section: '.ctf' });
    assert.equal(set.container, 'dict');
    const dict = set.dicts[0].dict;
    assert.equal(dict.littleEndian, cc === 'gcc');
    const od = parseObjdumpCtf(objdumpCtf(o).stdout);
    assert.equal(od.length, 1);
    assert.ok(od[0].types.size > 30, 'objdump lists the types');
    assert.deepEqual(differences(dict, od[0]), []);
    assert.equal(dict.cuName, `${dir}/every.c`);
    // gcc 12 writes void as a zero-size integer named "void".
    const v = [...dict.entries()].find((e) => e.type?.name === 'void');
    assert.ok(v?.type && v.type.kind === 1 && v.type.size === 0);
  });
}

test('ld-linked executable of conflicting -gctf objects: archive members, children resolve through the parent', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const objs = [compile(dir, 'a', CONFLICT_A), compile(dir, 'b', CONFLICT_B), compile(dir, 'c', CONFLICT_C)];
  const exe = link(dir, 'abc', objs);
  const set = openCtf(dumpSection(exe, '.ctf'), { source: exe, section: '.ctf' });
  assert.equal(set.container, 'archive');
  const od = parseObjdumpCtf(objdumpCtf(exe).stdout);
  assert.deepEqual(set.dicts.map((d) => d.name).sort(), od.map((d) => d.name).sort());
  const parent = set.dicts.find((d) => d.name === '.ctf')!.dict;
  for (const { name, dict } of set.dicts) {
    const theirs = od.find((d) => d.name === name)!;
    assert.deepEqual(differences(dict, theirs), [], name);
    if (name !== '.ctf') {
      assert.ok(dict.isChild);
      assert.equal(dict.parent, parent);
      assert.equal(dict.parentName, '.ctf');
      assert.equal(dict.firstId, CTF_MAX_PTYPE + 2);
    }
  }
  // a.c's struct node conflicts with b.c's: each child holds its own, and a.c's
  // member `next` points at a parent type (struct node * → the parent's forward).
  const childA = set.dicts.find((d) => d.name.endsWith('/a.c'))!.dict;
  const nodeA = childA.type(childA.firstId);
  assert.equal(nodeA.kind, CTF_K_STRUCT);
  if (nodeA.kind === CTF_K_STRUCT) {
    const next = nodeA.members.find((m) => m.name === 'next')!;
    assert.ok(next.type <= CTF_MAX_PTYPE, 'next refers to a parent type');
    assert.equal(childA.type(next.type).kind, 3);
  }
});

test('a child without its parent says which parent it needs', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const exe = link(dir, 'abc', [compile(dir, 'a', CONFLICT_A), compile(dir, 'b', CONFLICT_B)]);
  const set = openCtf(dumpSection(exe, '.ctf'));
  const child = set.dicts.find((d) => d.name !== '.ctf')!.dict;
  child.parent = undefined;
  assert.throws(() => child.type(1), /no parent "\.ctf" was given/);
});
