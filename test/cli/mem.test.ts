/**
 * `virtmem mem` end to end on a real guest dump (a fixture): what a user
 * types, checked against what the guest itself reported (truth.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../helpers/kernels.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'mem', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function fixture(): { dir: string; truth: { procVersion: string; marker: string; kallsyms: Record<string, string>; kaslrOffset: { kallsyms?: string; vmcoreinfo?: string } } } | undefined {
  const root = process.env.VIRTMEM_FIXTURES ?? path.join(cacheRoot(), 'fixtures');
  for (const abi of fs.existsSync(root) ? fs.readdirSync(root).sort() : []) {
    const dir = path.join(root, abi, 'kaslr');
    if (fs.existsSync(path.join(dir, '.complete'))) return { dir, truth: JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) };
  }
  return undefined;
}

test('mem info, read, string, find, find --pointer and save on a real KASLR guest', (t) => {
  const f = fixture();
  if (!f) { const why = 'no kaslr fixture in the cache (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  const kdump = path.join(f.dir, 'kdump');
  const banner = '0x' + f.truth.kallsyms.linux_banner;
  const kaslr = BigInt(f.truth.kaslrOffset.kallsyms ?? f.truth.kaslrOffset.vmcoreinfo!);

  const info = run('info', kdump);
  assert.equal(info.code, 0, info.err);
  assert.match(info.out, /format: kdump/);
  assert.match(info.out, /architecture: x86_64/);
  assert.match(info.out, /paging: x86-64 4-level, root 0x[0-9a-f]+ .*from VMCOREINFO/);
  assert.ok(info.out.includes(`KASLR offset: 0x${kaslr.toString(16)}`), info.out);
  const j = JSON.parse(run('info', kdump, '--json').out);
  assert.equal(BigInt(j.kernel.kaslrOffset), kaslr);
  assert.ok(j.vmcoreinfo.OSRELEASE && f.truth.procVersion.includes(j.vmcoreinfo.OSRELEASE));

  const s = run('string', kdump, banner);
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out.trimEnd(), f.truth.procVersion.trimEnd());
  const rd = run('read', kdump, banner, '32');
  assert.match(rd.out, /\|Linux version 6\.\|/);

  const fd = run('find', kdump, f.truth.marker);
  assert.equal(fd.code, 0, fd.err);
  const at = fd.out.trim();
  assert.ok(run('string', kdump, at).out.startsWith(f.truth.marker));
  const fp = run('find', kdump, f.truth.marker, '--phys', '--count');
  assert.ok(Number(fp.out.trim()) >= 1);

  // Something in the kernel points at init_task.
  const it = '0x' + f.truth.kallsyms.init_task;
  const ptr = run('find', kdump, '--pointer', it, '--limit', '3');
  assert.equal(ptr.code, 0, ptr.err);
  for (const a of ptr.out.trim().split('\n')) {
    assert.equal(BigInt(a) % 8n, 0n);
    const hx = run('read', kdump, a, '8').out.split('  ').slice(1, 2)[0].replace(/ /g, '');
    assert.equal(BigInt('0x' + Buffer.from(hx, 'hex').reverse().toString('hex')), BigInt(it));
  }

  // A fault names the address; usage errors are one line.
  const bad = run('read', kdump, '0xffffffffff000000', '16');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^virtmem: kernel virtual memory: cannot read 0xffffffffff000000: .*not present/);
  assert.equal(run('frobnicate', kdump).code, 1);

  // Save physical memory, then everything reads the same from the saved map.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-save-'));
  try {
    const out = path.join(dir, 'guest.vmmap');
    const sv = run('save', kdump, out);
    assert.equal(sv.code, 0, sv.err);
    const si = run('info', out);
    assert.match(si.out, /format: saved memory map/);
    assert.ok(si.out.includes(`KASLR offset: 0x${kaslr.toString(16)}`), si.out);
    assert.equal(run('string', out, banner).out.trimEnd(), f.truth.procVersion.trimEnd());
    assert.equal(run('read', out, '0x100000', '4096', '--phys').out, run('read', kdump, '0x100000', '4096', '--phys').out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
