/**
 * `virtmem info` end to end on the real-guest fixtures: what a user types,
 * checked against what the guest reported about itself (truth.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureOrSkip } from '../helpers/fixtures.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'info', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('virtmem info DUMP: release, banner, KASLR and where symbols and types came from, memory-only and with --vmlinux', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const txt = run(f.dumps.kdump);
  assert.equal(txt.code, 0, txt.err);
  assert.match(txt.out, new RegExp(`^release: +${f.truth.uname.release.replace(/[+.]/g, '\\$&')}$`, 'm'));
  assert.ok(txt.out.includes(`banner:        ${f.truth.procVersion}\n`));
  assert.match(txt.out, new RegExp(`^KASLR offset: +${f.truth.kaslrOffset.kallsyms} `, 'm'));
  assert.match(txt.out, /^ +symbols +kallsyms decoded from the image \(tables located by VMCOREINFO\) +\[\d{5,}\]$/m);
  assert.match(txt.out, /^ +types +BTF found in the image at 0xffffffff[0-9a-f]+ \(\d+ bytes, through __start_BTF\) +\[\d{5,}\]$/m);
  assert.doesNotMatch(txt.out, /warnings:/);

  const j = run(f.dumps.elf, '--json', '--no-vmcoreinfo');
  assert.equal(j.code, 0, j.err);
  const info = JSON.parse(j.out);
  assert.equal(info.release, f.truth.uname.release);
  assert.equal(info.banner, f.truth.procVersion);
  assert.equal(info.kaslrOffset, f.truth.kaslrOffset.kallsyms);
  assert.equal(info.pagingFrom, 'scan');
  assert.equal(info.text, '0x' + f.truth.kallsyms._text);
  assert.deepEqual(info.warnings, []);
  const used = info.sources.filter((s: { what: string; unused?: boolean }) => (s.what === 'symbols' || s.what === 'types') && !s.unused);
  assert.equal(used.length, 2);
  assert.match(used[0].from, /^kallsyms decoded from the image \(tables found by a scan, layout "after"\)$/);
  assert.match(used[1].from, /^BTF found in the image at 0xffffffff/);

  const v = run(f.dumps.elf, '--vmlinux', f.kernel.vmlinux, '--json');
  assert.equal(v.code, 0, v.err);
  const vi = JSON.parse(v.out);
  assert.equal(vi.types.format, 'dwarf');
  assert.match(vi.symbols.from, /vmlinux.* \.symtab$/);
  assert.deepEqual(vi.warnings, []);
});

test('virtmem info: bad input is one line and exit 1', (t) => {
  const r = run('/nonexistent/dump');
  assert.equal(r.code, 1);
  assert.equal(r.err, 'virtmem: cannot read dump /nonexistent/dump: ENOENT\n');
  const u = run();
  assert.equal(u.code, 1);
  assert.match(u.err, /^virtmem: missing DUMP/);
  const f = fixtureOrSkip(t, {});
  if (!f) return;
  // A file that is not a dump at all.
  const n = run(f.kernel.systemMap);
  assert.equal(n.code, 1);
  assert.equal(n.err.split('\n').filter(Boolean).length, 1, n.err);
});
