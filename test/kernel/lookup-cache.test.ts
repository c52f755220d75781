/**
 * The on-disk DWARF lookup cache (kernel/lookup-cache.ts) on a real dump with
 * its Debian vmlinux: a second openKernel answers from the file the first one
 * wrote, with the same types, layouts and run-time addresses (and the guest's
 * own uname through them); a file for another build, of another format, or
 * unreadable is ignored; an answer naming the wrong DIE is not believed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOOKUP_CACHE_FORMAT, LookupCache, openKernel, type KernelContext } from '../../src/kernel/index.js';
import { findMember, layout, resolve, type StructType } from '../../src/types/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';

const turn = () => new Promise((r) => setImmediate(r));

/** What a user sees through the types: layouts, a variable's address and type, the guest's uname. */
function answers(k: KernelContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of ['task_struct', 'mm_struct']) {
    const t = k.types.lookup(s, 'struct');
    out[s] = t ? layout(t as StructType) : '(none)';
  }
  for (const v of ['init_task', 'task_state_array']) {
    const x = k.types.variable(v);
    out[v] = x ? `${x.address?.toString(16)} ${x.type.kind}` : '(none)';
  }
  const u = k.types.variable('init_uts_ns')!;
  const name = findMember(u.type, 'name')!;
  const rel = findMember(resolve(name.member.type), 'release')!;
  out.release = k.map.getString(u.address! + BigInt((name.bitOffset + rel.bitOffset) / 8));
  return out;
}

test('lookup cache: the second open answers from the file the first wrote, identically; bad files are ignored', async (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-index-'));
  try {
    const dump = f.dumps.elf;
    const none = answers(openKernel(dump, { vmlinux: f.kernel.vmlinux, lookupCache: false }));
    assert.equal(none.release, f.truth.uname.release);
    assert.deepEqual(fs.readdirSync(dir), [], 'lookupCache: false writes nothing');

    const cold = openKernel(dump, { vmlinux: f.kernel.vmlinux, lookupCache: dir });
    assert.deepEqual(answers(cold), none, 'cold run');
    await turn();
    const file = path.join(dir, `${cold.buildId}.json`);
    assert.ok(fs.existsSync(file), `${file} written`);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(saved.format, LOOKUP_CACHE_FORMAT);
    assert.equal(saved.buildId, cold.buildId);
    for (const q of ['struct task_struct', 'struct mm_struct', 'variable init_task', 'variable task_state_array', 'variable init_uts_ns']) {
      assert.equal(typeof saved.answers[q], 'number', `answer to ${q} saved`);
    }

    assert.deepEqual(answers(openKernel(dump, { vmlinux: f.kernel.vmlinux, lookupCache: dir })), none, 'warm run');

    // The file is believed: a "none" it records is the answer ...
    fs.writeFileSync(file, JSON.stringify({ ...saved, answers: { ...saved.answers, 'struct mm_struct': null } }));
    assert.equal(openKernel(dump, { vmlinux: f.kernel.vmlinux, lookupCache: dir }).types.lookup('mm_struct', 'struct'), undefined);
    // ... but a DIE that is not the one asked for is not: task_struct pointing at mm_struct's DIE.
    fs.writeFileSync(file, JSON.stringify({ ...saved, answers: { ...saved.answers, 'struct task_struct': saved.answers['struct mm_struct'] } }));
    assert.deepEqual(answers(openKernel(dump, { vmlinux: f.kernel.vmlinux, lookupCache: dir })), none, 'wrong DIE not believed');
    // Another format, another build's sizes, garbage: ignored.
    const poisoned = { ...saved.answers, 'struct mm_struct': null, 'variable init_task': null };
    for (const [what, text] of [
      ['another format', JSON.stringify({ ...saved, format: LOOKUP_CACHE_FORMAT + 1, answers: poisoned })],
      ['another file size', JSON.stringify({ ...saved, fileSize: saved.fileSize + 1, answers: poisoned })],
      ['not JSON', '{"format": 1, "answers": {'],
      ['answers not numbers', JSON.stringify({ ...saved, answers: { 'struct mm_struct': 'x', 'variable init_task': -5 } })],
    ] as const) {
      fs.writeFileSync(file, text);
      assert.deepEqual(answers(openKernel(dump, { vmlinux: f.kernel.vmlinux, lookupCache: dir })), none, what);
      await turn();
    }
    // After those runs the file is a good cache again.
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).format, LOOKUP_CACHE_FORMAT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('LookupCache: answers survive a reopen, merge with another writer, and need a hex build-id', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-index-'));
  try {
    const key = { buildId: 'ab12cd34ef', fileSize: 100, infoSize: 50 };
    const a = LookupCache.open(key, dir)!;
    const b = LookupCache.open(key, dir)!;
    a.set('struct x', 12 as never);
    b.set('variable y', null);
    await turn();
    const c = LookupCache.open(key, dir)!;
    assert.equal(c.get('struct x'), 12);
    assert.equal(c.get('variable y'), null);
    assert.equal(c.get('struct z'), undefined);
    assert.equal(LookupCache.open({ ...key, infoSize: 51 }, dir)!.get('struct x'), undefined, 'another .debug_info size');
    assert.equal(LookupCache.open({ ...key, buildId: '../../etc/passwd' }, dir), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
