/**
 * The Stager (dedup/stager.ts): dicts posted as they are built are gzip'd
 * and staged by a thread and by the caller, each exactly once, and replaced
 * as one batch; what was there with the same bytes is left alone; a batch
 * given up leaves no temporary file and no target changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Stager } from '../../src/dedup/stager.js';
import { AtomicBatch, syncAll } from '../../src/bytes/index.js';

function tmp(t: { after: (f: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-stager-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** n dicts of varied size (some large enough that the caller catches up with the thread). */
function dicts(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const b = new Uint8Array(200 + ((i * 7919) % 40000));
    b.set(randomBytes(Math.min(b.length, 64)));
    b.fill(i & 0xff, 64);
    return b;
  });
}

test('the stager writes every dict posted, once, gzip\'d, in one batch; a file that holds the same bytes already is not rewritten', async (t) => {
  const dir = tmp(t);
  const raws = dicts(400);
  const files = raws.map((_, i) => path.join(dir, `m${i}.mod.ctf`));
  // Two already there: one with the very bytes that will be written, one stale.
  fs.writeFileSync(files[3], gzipSync(raws[3], { level: 6 }));
  fs.writeFileSync(files[4], 'stale');
  const before = fs.statSync(files[3]).mtimeMs;
  const stager = new Stager(raws.length);
  try {
    raws.forEach((r, i) => stager.stage(files[i], r.slice(), i === 3 || i === 4));
    const { staged, failed } = await stager.commit(syncAll);
    assert.equal(failed.size, 0);
    assert.equal(staged.length, raws.length);
    staged.forEach((s, i) => {
      assert.equal(s.error, undefined, `dict ${i}: ${s.error}`);
      assert.equal(s.written, i !== 3, `dict ${i} written`);
      const gz = fs.readFileSync(files[i]);
      assert.equal(s.gzipBytes, gz.length, `dict ${i}: the size reported is the file's`);
      assert.deepEqual(new Uint8Array(gunzipSync(gz)), raws[i], `dict ${i} holds its own bytes`);
    });
  } finally {
    await stager.close();
  }
  assert.equal(fs.statSync(files[3]).mtimeMs, before, 'the unchanged file was not touched');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test('a stager given up removes what it staged and changes no target', async (t) => {
  const dir = tmp(t);
  const raws = dicts(50);
  const files = raws.map((_, i) => path.join(dir, `m${i}.mod.ctf`));
  fs.writeFileSync(files[0], 'old');
  const stager = new Stager(raws.length);
  try {
    raws.forEach((r, i) => stager.stage(files[i], r, i === 0));
    await new Promise((r) => setTimeout(r, 50)); // (the thread stages some meanwhile)
    await stager.discard();
  } finally {
    await stager.close();
  }
  assert.deepEqual(fs.readdirSync(dir), ['m0.mod.ctf']);
  assert.equal(fs.readFileSync(files[0], 'utf8'), 'old');
});

test('a batch whose sync fails renames nothing; files handed from one batch to another are committed by it', async (t) => {
  const dir = tmp(t);
  const a = new AtomicBatch(), b = new AtomicBatch();
  a.add(path.join(dir, 'x.ctf'), Buffer.from('x'), false);
  b.add(path.join(dir, 'y.ctf'), Buffer.from('y'), false);
  b.adopt(a.take());
  const failed = await b.commit(async () => new Error('EIO: the disk went away'));
  assert.deepEqual([...failed.keys()].sort(), [path.join(dir, 'x.ctf'), path.join(dir, 'y.ctf')]);
  assert.match(failed.get(path.join(dir, 'x.ctf'))!.message, /EIO/);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing renamed, no temporary file left');
  assert.equal((await a.commit()).size, 0, 'the batch that handed its files over has nothing left');
});
