import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, dumpSection, link, objdumpCtf, parseObjdumpCtf, tmpdir, wrapCtf } from '../helpers/ctf-tools.js';
import { bpftoolRaw } from '../helpers/btf-tools.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { CONFLICT_A, CONFLICT_B, CONFLICT_C, EVERY_KIND } from '../ctf/source.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/virtmem.js');

function virtmem(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

test('virtmem ctf dump: an ld archive, children listed with parent types; --json has one entry per type id', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const exe = link(dir, 'abc', [compile(dir, 'a', CONFLICT_A), compile(dir, 'b', CONFLICT_B), compile(dir, 'c', CONFLICT_C)]);
  const file = path.join(dir, 'abc.ctf');
  fs.writeFileSync(file, dumpSection(exe, '.ctf'));
  const od = parseObjdumpCtf(objdumpCtf(exe).stdout);
  const text = virtmem('ctf', 'dump', '--raw', file);
  assert.equal(text.status, 0, text.stderr);
  for (const d of od) assert.match(text.stdout, new RegExp(`^CTF dict ${d.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:`, 'm'));
  // a.c's struct node: its `next` member shows the parent's pointer type by name.
  assert.match(text.stdout, /\[0x0\] next: 0x[0-9a-f]+ struct node \*/);
  const json = virtmem('ctf', 'dump', '--json', file);
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { types: { dict: string; id: number }[] };
  const want = od.flatMap((d) => [...d.types.keys()].map((id) => `${d.name}:${id}`)).sort();
  assert.deepEqual(parsed.types.map((x) => `${x.dict}:${x.id}`).sort(), want);
});

test('virtmem btf dump prints what bpftool prints; bad input is one line and exit 1', (t) => {
  const { dir, cleanup } = tmpdir('virtmem-btf-');
  t.after(cleanup);
  const file = path.join(dir, 'every.btf');
  fs.writeFileSync(file, dumpSection(compile(dir, 'every', EVERY_KIND, ['-gbtf']), '.BTF'));
  const r = virtmem('btf', 'dump', '--raw', file);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.replace(/\n$/, '').split('\n'), bpftoolRaw(file));
  const json = JSON.parse(virtmem('btf', 'dump', '--json', file).stdout) as { id: number }[];
  assert.deepEqual(json.map((x) => x.id), Array.from({ length: json.length }, (_, i) => i + 1));
  const truncated = path.join(dir, 'short.btf');
  fs.writeFileSync(truncated, fs.readFileSync(file).subarray(0, 20));
  const bad = virtmem('btf', 'dump', truncated);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^virtmem: .*short\.btf: BTF, section header, offset 0x4: hdr_len 24 outside 24\.\.20\n$/);
  const ctfBad = virtmem('ctf', 'dump', truncated);
  assert.equal(ctfBad.status, 1);
  assert.match(ctfBad.stderr, /^virtmem: .*neither a CTF dict, a CTF archive nor gzip'd CTF/);
});

/** struct/union name -> "member@bitoffset" list, from an objdump --ctf listing. */
function structsOf(listing: ReturnType<typeof parseObjdumpCtf>[number]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of listing.types.values()) {
    if ((t.kind === 6 || t.kind === 7) && t.text !== 'struct' && t.text !== 'union' && !out.has(t.text)) {
      out.set(t.text, t.members.map((m) => `${m.name}@${m.bitOffset}`).join(' '));
    }
  }
  return out;
}

test('virtmem ctf from-dwarf: objdump reads the dict and lists the structs gcc -gctf lists, member for member', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const withCtf = compile(dir, 'every', EVERY_KIND, ['-g', '-gctf']);
  const out = path.join(dir, 'every.ctf');
  const r = virtmem('ctf', 'from-dwarf', withCtf, '-o', out);
  assert.equal(r.status, 0, r.stderr);
  const { stdout, stderr } = objdumpCtf(wrapCtf(dir, new Uint8Array(fs.readFileSync(out)), 'fromdwarf'));
  assert.equal(stderr, '');
  const ours = structsOf(parseObjdumpCtf(stdout)[0]);
  const gccs = structsOf(parseObjdumpCtf(objdumpCtf(withCtf).stdout)[0]);
  assert.ok(gccs.size >= 4, `gcc's CTF has ${gccs.size} named structs`);
  for (const [name, members] of gccs) assert.equal(ours.get(name), members, name);
  const vars = parseObjdumpCtf(stdout)[0].variables.map((v) => v[0]);
  for (const v of ['head', 'uu', 'col', 'fnp', 'outer']) assert.ok(vars.includes(v), `variable ${v}`);
});

test('virtmem ctf dump and btf dump print C that gcc compiles', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const withCtf = compile(dir, 'every-ctf', EVERY_KIND, ['-gctf']);
  const withBtf = compile(dir, 'every-btf', EVERY_KIND, ['-gbtf']);
  for (const [what, args] of [['ctf', ['ctf', 'dump', '--gcc-array-order', withCtf]], ['btf', ['btf', 'dump', withBtf]]] as const) {
    const r = virtmem(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /struct node \{/);
    const c = path.join(dir, `${what}-out.c`);
    fs.writeFileSync(c, r.stdout);
    const cc = spawnSync('gcc', ['-fsyntax-only', '-w', c], { encoding: 'utf8' });
    assert.equal(cc.status, 0, `${what}: ${cc.stderr}`);
  }
});

test('virtmem btf dump --struct/--union/--typedef: a Debian kernel\'s BTF gives the layouts its DWARF gives; as C', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  // The lookups a command makes on a dump, and what they reference.
  const args = ['--struct', 'task_struct', '--struct', 'list_head', '--struct', 'uts_namespace', '--struct', 'net_device',
    '--struct', 'module', '--union', 'fpregs_state', '--typedef', 'pid_t', '--typedef', 'atomic_t'];
  const fromBtf = virtmem('btf', 'dump', k.vmlinux, ...args, '--layout');
  assert.equal(fromBtf.status, 0, fromBtf.stderr);
  const fromDwarf = virtmem('types', k.vmlinux, ...args, '--layout');
  assert.equal(fromDwarf.status, 0, fromDwarf.stderr);
  assert.match(fromBtf.stdout, /^struct task_struct \{$/m);
  assert.match(fromBtf.stdout, /\/\* size: \d+, cachelines: \d+, members: \d+ \*\//);
  assert.equal(fromBtf.stdout, fromDwarf.stdout);

  // As C: the definition alone; a missing name is one line and exit 1.
  const one = virtmem('btf', 'dump', k.vmlinux, '--struct', 'uts_namespace');
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /^struct uts_namespace \{\n\tstruct new_utsname name;/);
  const missing = virtmem('btf', 'dump', k.vmlinux, '--struct', 'no_such_struct_here');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^virtmem: .*no struct named no_such_struct_here\n$/);
});
