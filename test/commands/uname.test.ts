/**
 * uname on every real-guest fixture: memory-only (kallsyms + BTF from the
 * image) and with the vmlinux DWARF, through the CLI and its alias, against the
 * utsname the guest printed about itself in the same boot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtures, fixtureOrSkip } from '../helpers/fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = (bin: string, args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin', bin), ...args], { encoding: 'utf8' });

const FIELDS = ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname'] as const;

for (const kernel of ['6.1.0', '6.12']) {
  for (const kaslr of [false, true]) {
    test(`uname equals the guest's own on ${kernel} ${kaslr ? 'kaslr' : 'nokaslr'}, memory-only and with vmlinux`, (t) => {
      const f = fixtureOrSkip(t, { kernel, kaslr });
      if (!f) return;
      for (const [dump, extra] of [[f.dumps.kdump, []], [f.dumps.elf, ['--vmlinux', f.kernel.vmlinux]]] as const) {
        const r = run('virtmem.js', ['uname', dump, '--json', ...extra]);
        assert.equal(r.status, 0, r.stderr);
        const [row] = JSON.parse(r.stdout);
        for (const k of FIELDS) {
          const want: string | undefined = f.truth.uname[k];
          if (want === undefined) continue;
          assert.equal(row[k], want, `${k} from ${path.basename(dump)} ${extra.length ? 'with vmlinux' : 'memory-only'}`);
        }
        assert.ok(f.truth.uname.domainname, 'the fixture sets a domain name');
      }
    });
  }
}

test('virt-uname is the same command; its plain output is `uname -a` order', (t) => {
  const f = fixtures()[0];
  if (!f) { const why = 'no fixture (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  const r = run('virt-uname.js', [f.dumps.kdump]);
  assert.equal(r.status, 0, r.stderr);
  const u = f.truth.uname;
  assert.equal(r.stdout, `${u.sysname} ${u.nodename} ${u.release} ${u.version} ${u.machine}\n`);
});

test('a file that is not a dump gives one line and exit 1', () => {
  const r = run('virtmem.js', ['uname', path.join(root, 'package.json')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^virtmem: /);
});

test('a kernel whose layouts cannot be found: one line saying what is missing and how to supply it, exit 1', (t) => {
  const f = fixtures()[0];
  if (!f) { const why = 'no fixture (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  // Types from a BTF object that has nothing of the kernel's.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-uname-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.c'), 'struct foo { int a; } v;\n');
    const cc = spawnSync('gcc', ['-gbtf', '-c', path.join(dir, 'x.c'), '-o', path.join(dir, 'x.o')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = run('virtmem.js', ['uname', f.dumps.kdump, '--types', path.join(dir, 'x.o')]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /init_uts_ns.*--vmlinux/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
