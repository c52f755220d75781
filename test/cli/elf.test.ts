/**
 * `virtmem elf` as a user runs it: the listing agrees with readelf, --json is
 * parseable and complete, `elf edit` writes a file objcopy reads back, and bad
 * input gives exit status 1 with one line naming file and offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, must, readelfSections, readelfSymbols, tempDir } from '../helpers/readelf.js';
import { SAMPLE_C } from '../helpers/samples.js';
import { kernelOrSkip } from '../helpers/kernels.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');
const { dir, cleanup } = tempDir();
test.after(cleanup);

function virtmem(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('virtmem elf FILE --json: sections and symbols as readelf lists them', () => {
  const exe = compile(dir, 'gcc', SAMPLE_C, 'prog', ['-g', '-Wl,--build-id']);
  const r = virtmem('elf', exe, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const rs = readelfSections(exe);
  assert.deepEqual(j.sections.map((s: { name: string }) => s.name), rs.map((s) => s.name));
  assert.deepEqual(j.sections.map((s: { type: string }) => s.type), rs.map((s) => s.type));
  const syms = readelfSymbols(exe).get('.symtab')!;
  assert.deepEqual(j.symbols.map((s: { name: string }) => s.name), syms.map((s) => s.name));
  assert.deepEqual(j.symbols.map((s: { value: string }) => BigInt(s.value)), syms.map((s) => s.value));
  const bid = must('readelf', ['-n', exe]).match(/Build ID: ([0-9a-f]+)/)![1];
  assert.equal(j.header['Build ID'], bid);
  assert.ok(j.notes.some((n: { detail: string }) => n.detail === `Build ID: ${bid}`));
  assert.ok(j.segments.length > 5);
});

test('virtmem elf FILE prints every part as tables; --symbols only the symbols', () => {
  const o = compile(dir, 'gcc', SAMPLE_C, 'x.o', ['-g', '-c']);
  const all = virtmem('elf', o);
  assert.equal(all.status, 0, all.stderr);
  for (const h of ['ELF header', 'Program headers', 'Section headers', "Symbol table '.symtab'", 'Notes']) assert.match(all.stdout, new RegExp(h));
  const s = virtmem('elf', o, '--symbols');
  assert.equal(s.status, 0);
  assert.match(s.stdout.split('\n')[0], /^\s*Num\s+Value\s+Size\s+Type\s+Bind\s+Vis\s+Ndx\s+Name$/);
  assert.match(s.stdout, /OBJECT\s+GLOBAL\s+DEFAULT\s+\d+\s+counter\n/);
});

test('virtmem elf edit writes what objcopy --dump-section reads back', () => {
  const o = compile(dir, 'gcc', SAMPLE_C, 'e.o', ['-g', '-c']);
  const data = path.join(dir, 'data.bin');
  fs.writeFileSync(data, Buffer.from('profile bytes\n'));
  const out = path.join(dir, 'e2.o');
  const r = virtmem('elf', 'edit', o, '-o', out, '--add-section', `.virtmem=${data}`, '--remove-section', '.comment');
  assert.equal(r.status, 0, r.stderr);
  must('objcopy', ['--dump-section', `.virtmem=${path.join(dir, 'back.bin')}`, out, path.join(dir, 'scratch.o')]);
  assert.equal(fs.readFileSync(path.join(dir, 'back.bin'), 'utf8'), 'profile bytes\n');
  assert.ok(!readelfSections(out).some((s) => s.name === '.comment'));
  const bad = virtmem('elf', 'edit', o, '-o', out, '--remove-section', '.nope');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^virtmem: .*e\.o: no section named \.nope\n$/);
});

test('bad input: exit status 1, one line naming the file and offset, no stack trace', () => {
  const o = compile(dir, 'gcc', SAMPLE_C, 'b.o', ['-g', '-c']);
  const b = fs.readFileSync(o);
  const cases: [string, Buffer][] = [
    ['truncated', b.subarray(0, b.length - 64)],
    ['not-elf', Buffer.from('hello world, this is not an ELF file at all\n')],
    ['short', b.subarray(0, 30)],
  ];
  const huge = Buffer.from(b); huge.writeUInt16LE(0xfff0, 0x3c); cases.push(['absurd-count', huge]);
  for (const [name, bytes] of cases) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    const r = virtmem('elf', f);
    assert.equal(r.status, 1, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${name}: printed a partial listing`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
    assert.match(lines[0], new RegExp(`^virtmem: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*offset 0x[0-9a-f]+`), name);
  }
  const missing = virtmem('elf', path.join(dir, 'nonexistent'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^virtmem: .*nonexistent: cannot open: ENOENT\n$/);
});

test('virtmem elf --symbols and --symbols --json on Debian vmlinux: every symbol as readelf -sW lists it', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const rsyms = readelfSymbols(k.vmlinux).get('.symtab')!;
  const table = virtmem('elf', k.vmlinux, '--symbols');
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.split('\n');
  assert.match(lines[0], /^\s*Num\s+Value\s+Size\s+Type\s+Bind\s+Vis\s+Ndx\s+Name$/);
  assert.equal(lines.at(-1), '', 'ends with a newline');
  assert.equal(lines.length - 2, rsyms.length, 'one line per symbol');
  const json = virtmem('elf', k.vmlinux, '--symbols', '--json');
  assert.equal(json.status, 0, json.stderr);
  const jsyms = JSON.parse(json.stdout).symbols;
  assert.equal(jsyms.length, rsyms.length);
  const re = /^\s*(\d+)  0x([0-9a-f]{16})\s+(\d+)  (\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:  (.*))?$/;
  for (const r of rsyms) {
    const m = re.exec(lines[r.index + 1]);
    const at = `symbol ${r.index} ${r.name}: ${lines[r.index + 1]}`;
    assert.ok(m, at);
    assert.deepEqual([+m[1], BigInt('0x' + m[2]), BigInt(m[3]), m[4], m[5], m[6], m[7], m[8] ?? ''],
      [r.index, r.value, r.size, r.type, r.bind, r.vis, r.ndx, r.name], at);
    const j = jsyms[r.index];
    assert.deepEqual([j.index, BigInt(j.value), BigInt(j.size), j.type, j.bind, j.visibility, j.ndx, j.name],
      [r.index, r.value, r.size, r.type, r.bind, r.vis, r.ndx, r.name], `${at} (JSON)`);
  }
});
