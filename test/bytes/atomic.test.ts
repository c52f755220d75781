import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AtomicBatch } from '../../src/bytes/index.js';

function tmp(t: { after: (f: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-atomic-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('an atomic batch: nothing changes until commit, unchanged files are not staged, a target that cannot be replaced is reported alone', async (t) => {
  const dir = tmp(t);
  const a = path.join(dir, 'a.ctf'), b = path.join(dir, 'b.ctf'), c = path.join(dir, 'c.ctf');
  fs.writeFileSync(a, 'old a');
  fs.writeFileSync(b, 'same b');
  fs.mkdirSync(path.join(c, 'inside'), { recursive: true }); // a directory in the way: its rename fails
  const batch = new AtomicBatch();
  assert.equal(batch.add(a, Buffer.from('new a')), true);
  assert.equal(batch.add(b, Buffer.from('same b')), false, 'same bytes: not staged');
  assert.equal(batch.add(c, Buffer.from('c')), true);
  assert.equal(batch.add(path.join(dir, 'd.ctf'), Buffer.from('d'), false), true);
  assert.equal(fs.readFileSync(a, 'utf8'), 'old a', 'nothing replaced before commit');
  assert.equal(fs.existsSync(path.join(dir, 'd.ctf')), false);
  const failed = await batch.commit();
  assert.deepEqual([...failed.keys()], [c]);
  assert.match(failed.get(c)!.message, /EISDIR|ENOTEMPTY|EEXIST|directory/i);
  assert.equal(fs.readFileSync(a, 'utf8'), 'new a');
  assert.equal(fs.readFileSync(path.join(dir, 'd.ctf'), 'utf8'), 'd');
  assert.ok(fs.statSync(c).isDirectory(), 'the target that could not be replaced is left as it was');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  assert.equal((await batch.commit()).size, 0, 'a second commit has nothing to do');
});

test('an atomic batch given up: the staged temporary files go, the targets stay', (t) => {
  const dir = tmp(t);
  const a = path.join(dir, 'a.ctf');
  fs.writeFileSync(a, 'old');
  const batch = new AtomicBatch();
  batch.add(a, Buffer.from('new'));
  batch.add(path.join(dir, 'b.ctf'), Buffer.from('b'), false);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 2);
  batch.discard();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.ctf']);
  assert.equal(fs.readFileSync(a, 'utf8'), 'old');
});

test('an atomic batch of many files, its fsyncs issued all at once: each replaced but one in the way, and a staged file gone before the sync fails them all', async (t) => {
  const dir = tmp(t);
  const names = Array.from({ length: 200 }, (_, i) => path.join(dir, `m${i}.ctf`));
  fs.writeFileSync(names[0], 'old');
  fs.mkdirSync(path.join(names[1], 'inside'), { recursive: true }); // a directory in the way
  const batch = new AtomicBatch();
  names.forEach((f, i) => batch.add(f, Buffer.from(`dict ${i}`), i < 2));
  assert.equal(fs.readFileSync(names[0], 'utf8'), 'old', 'nothing replaced before commit');
  const failed = await batch.commit();
  assert.deepEqual([...failed.keys()], [names[1]]);
  for (let i = 0; i < names.length; i++) if (i !== 1) assert.equal(fs.readFileSync(names[i], 'utf8'), `dict ${i}`);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');

  // A temporary file that vanished before the sync: no target is replaced, every one is reported.
  const again = new AtomicBatch();
  again.add(names[2], Buffer.from('newer'));
  again.add(names[3], Buffer.from('newer'));
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')).slice(0, 1)) fs.rmSync(path.join(dir, f));
  const lost = await again.commit();
  assert.deepEqual([...lost.keys()].sort(), [names[2], names[3]].sort());
  assert.equal(fs.readFileSync(names[2], 'utf8'), 'dict 2');
  assert.equal(fs.readFileSync(names[3], 'utf8'), 'dict 3');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});
