/**
 * End to end on Debian's 6.1 kernel: Debian's real debuginfod, on 127.0.0.1,
 * serves the -dbg package's vmlinux (a hard link in a temp directory);
 * `virtmem profile fetch DUMP tun.ko tap.ko veth.ko -o PROFILE` reads the
 * KASLR fixture dump's build-id, downloads the vmlinux (progress: a line per
 * 10%), and builds the profile with dwarf2ctf's CTF. Then:
 * - the cached debuginfo is the vmlinux byte for byte;
 * - objdump --ctf (binutils) dumps the profile's .ctf without a warning:
 *   shared_ctf, vmlinux and the three modules, children through shared_ctf;
 * - each module's symbols are readelf's for its debug .ko;
 * - `virtmem uname`, `print init_uts_ns.name.release` and `follow init_task`
 *   print the same rows with the profile (symbols from its .symtab, types from
 *   its .ctf: `info` says so), memory-only, and with --vmlinux (DWARF).
 * The server is killed at the end whatever happens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../src/elf/index.js';
import { Profile } from '../../src/profile/index.js';
import { haveTool } from '../helpers/cc.js';
import { haveDebuginfod, startDebuginfod } from '../helpers/debuginfod.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { readelfModuleSymbols } from '../helpers/modsyms.js';

function sha256(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(8 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

test('profile fetch DUMP from debuginfod serving Debian\'s vmlinux: CTF, module symbols, commands agree with memory-only and DWARF', { timeout: 15 * 60_000 }, async (t) => {
  const k = kernelOrSkip(t, '6.1');
  const f = k && fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!k || !f) return;
  if (!haveDebuginfod() || !haveTool('objdump')) { process.stderr.write('SKIP: debuginfod or objdump missing\n'); t.skip('debuginfod or objdump missing'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-fetch-kernel-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const served = path.join(dir, 'served');
  fs.mkdirSync(served);
  const link = path.join(served, path.basename(k.vmlinux));
  try { fs.linkSync(k.vmlinux, link); } catch { fs.copyFileSync(k.vmlinux, link); }
  const e = ElfFile.open(k.vmlinux);
  const buildId = e.buildId()!;
  e.close();

  const server = await startDebuginfod({ files: [served], ready: [buildId], timeoutMs: 300_000 });
  t.after(() => server.stop());
  const cache = path.join(dir, 'cache');
  const env = { ...process.env, DEBUGINFOD_URLS: server.url, DEBUGINFOD_CACHE_PATH: cache, VIRTMEM_PROFILES: path.join(dir, 'store') };
  const cli = (args: string[]) => spawnSync(process.execPath, [path.resolve('bin/virtmem.js'), ...args], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  const ko = (n: string) => path.join(k.debugModules, 'kernel/drivers/net', `${n}.ko`);
  const mods = ['tun', 'tap', 'veth'];
  const prof = path.join(dir, '6.1.profile');
  const dump = f.dumps.elfPaging;

  const r = cli(['profile', 'fetch', dump, ...mods.map(ko), '-o', prof]);
  await server.stop();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`holds 6\\.1\\.0-56-cloud-amd64 with build-id ${buildId}`));
  const tenths = [...r.stderr.matchAll(/debuginfod \w+: (\d+)% \(/g)].map((m) => Number(m[1]));
  assert.deepEqual(tenths, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 'a progress line per 10% (stderr is not a terminal)');
  const cached = path.join(cache, buildId, 'debuginfo');
  assert.equal(fs.statSync(cached).size, fs.statSync(k.vmlinux).size);
  assert.equal(sha256(cached), sha256(k.vmlinux), 'the vmlinux, byte for byte');

  // objdump --ctf: every dict, children through shared_ctf, no warning.
  const listing = path.join(dir, 'od.txt');
  const fd = fs.openSync(listing, 'w');
  const od = spawnSync('objdump', ['--ctf=.ctf', '--ctf-parent=shared_ctf', prof], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
  fs.closeSync(fd);
  assert.equal(od.status, 0, od.stderr);
  assert.equal(od.stderr, '', 'objdump --ctf without a warning');
  const text = fs.readFileSync(listing, 'utf8');
  const members = [...text.matchAll(/^CTF archive member: (\S+):$/gm)].map((m) => m[1]);
  assert.deepEqual(members.sort(), ['shared_ctf', 'tap', 'tun', 'veth', 'vmlinux']);
  assert.equal([...text.matchAll(/^\s+Parent name: shared_ctf$/gm)].length, 4, 'every child names shared_ctf');
  const tunPart = text.split(/^CTF archive member: /m).find((s) => s.startsWith('tun:'))!;
  assert.match(tunPart, /^\s+0x8[0-9a-f]{7}: \(kind 6\) struct tun_struct \(size/m, 'tun\'s own struct in its dict');

  // Module symbols: readelf's.
  const p = Profile.open(prof);
  try {
    assert.deepEqual(p.modules()!.names(), ['tap', 'tun', 'veth']);
    for (const n of mods) {
      const m = p.modules()!.module(n)!;
      const key = (x: { name: string; section: string; value: bigint; size: bigint }) => `${x.section}:${x.value.toString(16)}:${x.size}:${x.name}`;
      const ours = m.symbols.map((s) => key({ ...s, section: m.sections[s.section].name })).sort();
      const theirs = readelfModuleSymbols(ko(n)).map(key).sort();
      assert.ok(theirs.length > 20, `${n}: ${theirs.length} symbols`);
      assert.deepEqual(ours, theirs, `${n}: same symbols as readelf -s`);
    }
    const c = p.ctfTypes()!;
    assert.equal(c.dict, 'vmlinux');
    assert.equal(c.parent, 'shared_ctf');
  } finally {
    p.close();
  }

  // The commands: profile (symbols and CTF), memory-only, vmlinux DWARF.
  const info = JSON.parse(cli(['info', dump, '--json', '--profile', prof]).stdout);
  assert.match(info.symbols.from, /^profile .*\.symtab/);
  assert.equal(info.types.format, 'ctf');
  const typesFrom = (info.sources as { what: string; from: string }[]).find((s) => s.what === 'types')?.from;
  assert.match(typesFrom ?? '', /^profile .* \.ctf \(CTF archive: dict vmlinux, parent shared_ctf\)$/);
  const ways: [string, string[]][] = [['profile', ['--profile', prof]], ['memory-only', ['--no-profile']], ['vmlinux', ['--no-profile', '--vmlinux', k.vmlinux]]];
  for (const cmd of [['uname', dump], ['print', dump, 'init_uts_ns.name.release'], ['follow', dump, 'init_task']]) {
    const outs = ways.map(([name, extra]) => {
      const o = cli([...cmd, ...extra]);
      assert.equal(o.status, 0, `${cmd[0]} ${name}: ${o.stderr}`);
      return o.stdout;
    });
    assert.ok(outs[0].length > 10, `${cmd[0]} printed something`);
    assert.equal(outs[0], outs[1], `${cmd[0]}: profile == memory-only`);
    assert.equal(outs[0], outs[2], `${cmd[0]}: profile == --vmlinux`);
  }
  const rel = cli(['print', dump, 'init_uts_ns.name.release', '--profile', prof]).stdout;
  assert.match(rel, new RegExp(`"${(f.truth.uname?.release ?? '6.1.0-56-cloud-amd64').replace(/[.+]/g, '\\$&')}"`), 'the guest\'s own release');
});
