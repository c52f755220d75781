/**
 * The profile store and its use on real-guest dumps (Debian 6.1, KASLR on):
 * - add/list/find/rm, keyed by build-id with a release index, in a temp
 *   VIRTMEM_PROFILES;
 * - `virtmem uname` and `virtmem sym` print the same rows with the stored
 *   profile (found by the dump's VMCOREINFO BUILD-ID), with --vmlinux and
 *   memory-only; `info` says the symbols came from the profile;
 * - a profile of another kernel (6.12's) is refused with a message naming
 *   both build-ids, given by --profile or sitting in the store under the
 *   wrong release.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../src/bytes/index.js';
import { openKernel } from '../../src/kernel/index.js';
import { ProfileStore, buildProfile } from '../../src/profile/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { kernelOrSkip } from '../helpers/kernels.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-store-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const storeDir = path.join(dir, 'store');

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.resolve('bin/virtmem.js'), ...args], { encoding: 'utf8', env: { ...process.env, VIRTMEM_PROFILES: storeDir, ...env }, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const profiles = new Map<string, string>();
function profileFor(prefix: string, t: Parameters<typeof kernelOrSkip>[0]): string | undefined {
  const have = profiles.get(prefix);
  if (have) return have;
  const k = kernelOrSkip(t, prefix);
  if (!k) return undefined;
  const p = path.join(dir, `${prefix}.profile`);
  fs.writeFileSync(p, buildProfile(k.vmlinux, { noLines: prefix !== '6.1' }).bytes);
  profiles.set(prefix, p);
  return p;
}

test('store: add, list, find by build-id or release, rm', (t) => {
  const p = profileFor('6.1', t);
  if (!p) return;
  const s = new ProfileStore(path.join(dir, 'unit-store'));
  assert.deepEqual(s.list(), []);
  const e = s.add(p);
  assert.match(e.buildId, /^[0-9a-f]{40}$/);
  assert.equal(e.release, '6.1.0-56-cloud-amd64');
  assert.deepEqual(e.parts, ['symtab', 'lines']);
  assert.equal(s.list().length, 1);
  assert.equal(s.find({ buildId: e.buildId })?.by, 'build-id');
  assert.equal(s.find({ buildId: 'ab'.repeat(20), release: e.release }), undefined, 'another build-id never finds it, whatever the release');
  assert.equal(s.find({ release: e.release })?.by, 'release');
  assert.equal(fs.readFileSync(s.find({ buildId: e.buildId })!.path).length, fs.statSync(p).size);
  assert.equal(s.remove(e.release!).length, 1);
  assert.deepEqual(s.list(), []);
  assert.throws(() => s.add(path.join(dir, 'nope')), /ENOENT|cannot|no such/i);
});

test('commands print the same rows with the stored profile, with --vmlinux and memory-only', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  const p = f && profileFor('6.1', t);
  if (!f || !p) return;
  fs.rmSync(storeDir, { recursive: true, force: true });
  assert.equal(cli(['profile', 'add', p]).status, 0);
  const dump = f.dumps.elfPaging;
  const info = cli(['info', dump, '--json']);
  assert.equal(info.status, 0, info.stderr);
  const j = JSON.parse(info.stdout);
  assert.match(j.symbols.from, /^profile .*\.symtab$/, 'the store\'s profile was found by build-id');
  const memInfo = JSON.parse(cli(['info', dump, '--json', '--no-profile']).stdout);
  assert.match(memInfo.symbols.from, /kallsyms/);

  const uname = (extra: string[]) => { const r = cli(['uname', dump, ...extra]); assert.equal(r.status, 0, r.stderr); return r.stdout; };
  const withProfile = uname([]);
  assert.equal(withProfile, uname(['--no-profile']), 'profile == memory-only');
  assert.equal(withProfile, uname(['--vmlinux', f.kernel.vmlinux]), 'profile == vmlinux DWARF');
  assert.match(withProfile, new RegExp(f.truth.uname?.release ?? '6\\.1\\.0-56-cloud-amd64'));

  // sym: kallsyms and profile symbols agree on function+offset for real function addresses.
  const k = openKernel(dump, {});
  const names = ['schedule', 'do_sys_openat2', 'tcp_sendmsg', 'vfs_read', 'kmem_cache_alloc'];
  const addrs = names.map((n) => k.symbols.address(n)! + 0x10n);
  const sym = (extra: string[]) => { const r = cli(['sym', dump, ...addrs.map((a) => '0x' + a.toString(16)), '--json', ...extra]); assert.equal(r.status, 0, r.stderr); return JSON.parse(r.stdout) as { function?: string; name?: string; location?: string }[]; };
  const viaProfile = sym([]);
  const memOnly = sym(['--no-profile']);
  assert.deepEqual(viaProfile.map((r) => r.name), names, 'function names through the profile');
  assert.deepEqual(memOnly.map((r) => r.name), names, 'function names memory-only');
  assert.deepEqual(viaProfile.map((r) => r.function?.replace(/\/0x[0-9a-f]+$/, '')), memOnly.map((r) => r.function), 'same function+offset (kallsyms has no sizes)');
  for (const r of viaProfile) assert.match(r.location ?? '', /\.[ch]:\d+/, 'the profile adds file:line');
  // The locations are the vmlinux's for the link-time address.
  const addr2 = cli(['addr2line', f.kernel.vmlinux, ...addrs.map((a) => '0x' + (a - k.kaslrOffset).toString(16)), '--json']);
  assert.deepEqual(viaProfile.map((r) => r.location), (JSON.parse(addr2.stdout) as { location?: string }[]).map((r) => r.location));
});

test('a profile of another kernel is refused, naming both build-ids', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  const wrong = f && profileFor('6.12', t);
  if (!f || !wrong) return;
  assert.throws(() => openKernel(f.dumps.elfPaging, { profile: wrong }), (e: unknown) => e instanceof UsageError && /build-id [0-9a-f]{40}.*dump's kernel has build-id [0-9a-f]{40}: wrong profile/.test((e as Error).message));
  const r = cli(['sym', f.dumps.elfPaging, '0xffffffff81000000', '--profile', wrong]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^virtmem: profile .* wrong profile\n$/);
  // Stored under the dump's release but with another build-id: never used for it.
  const s = new ProfileStore(storeDir);
  s.add(wrong);
  assert.notEqual(s.find({ buildId: openKernel(f.dumps.elfPaging, {}).buildId, release: '6.12.117+deb12-cloud-amd64' })?.path, s.fileFor(JSON.parse(cli(['profile', 'info', wrong, '--json']).stdout).buildId));
});
