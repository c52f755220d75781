/**
 * `virtmem profile build VMLINUX DIR -o PROFILE` on gcc-built stand-ins for a
 * kernel (an executable named vmlinux) and two modules (ET_REL objects with
 * DWARF, a.ko and b-c.ko, found by searching DIR) that share a header:
 * - the CTF archive runs through dwarf2ctf: objdump --ctf (binutils) lists
 *   shared_ctf, vmlinux and one dict per module without a warning, the
 *   children resolving through shared_ctf; the struct both modules use lives in
 *   shared_ctf, each module's private struct in its own dict;
 * - .virtmem.modsyms holds each module's functions and objects exactly as
 *   readelf -s lists them (name, section, offset, size, type, binding), under
 *   the kernel's module names (b-c.ko -> b_c);
 * - given section bases, a module's symbols symbolize run-time addresses;
 * - with --objects-builtin/--modules-builtin a built-in module gets its own dict;
 * - `profile strip --keep lines,ctf` removes them; readelf reads what is left;
 * - mutated profiles: modules() and its lookups return or throw a VirtmemError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VirtmemError, crc32 } from '../../src/bytes/index.js';
import { Profile } from '../../src/profile/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { mutate, rng } from '../helpers/fuzz.js';
import { readelfModuleSymbols } from '../helpers/modsyms.js';

const HEADER = 'struct shared_thing { long a; struct shared_thing *next; };\n';
const CORE = `#include "shared.h"\nstruct shared_thing core_thing;\nstruct core_only { int c; } core_var;\nint main(void) { return (int)core_thing.a + core_var.c; }\n`;
const MOD_A = `#include "shared.h"\nstruct a_priv { int x; char name[8]; };\nstruct a_priv a_state;\nstruct shared_thing a_thing;\nstatic __attribute__((noinline)) int a_helper(int v) { return v + a_state.x; }\nint a_entry(int v) { return a_helper(v) * 2; }\nstatic int a_table[4] = { 1, 2, 3, 4 };\nint *a_table_ptr = a_table;\n`;
const MOD_B = `#include "shared.h"\nstruct b_priv { short y; };\nstruct b_priv b_state;\nstruct shared_thing b_thing;\nint b_entry(void) { return b_state.y + (int)b_thing.a; }\nint __attribute__((section(".init.text"))) b_init(void) { return 0; }\n`;

const cli = (args: string[]) => spawnSync(process.execPath, [path.resolve('bin/virtmem.js'), ...args], { encoding: 'utf8' });

test('profile build with module objects: CTF through dwarf2ctf, module symbols as readelf lists them', { timeout: 120_000 }, (t) => {
  if (!haveTool('gcc') || !haveTool('objdump') || !haveTool('readelf')) { process.stderr.write('SKIP: gcc/objdump/readelf missing\n'); t.skip('tools missing'); return; }
  const c = compile('int unused;\n', ['-c'], { name: 'unused.o' });
  t.after(() => c.cleanup());
  fs.writeFileSync(path.join(c.dir, 'shared.h'), HEADER);
  const gcc = (src: string, out: string, flags: string[]) => {
    const f = path.join(c.dir, path.basename(out) + '.c');
    fs.writeFileSync(f, src);
    const r = spawnSync('gcc', [...flags, '-I', c.dir, f, '-o', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  const vmlinux = path.join(c.dir, 'vmlinux');
  gcc(CORE, vmlinux, ['-g', '-O1']);
  const mods = path.join(c.dir, 'modules', 'kernel', 'drivers');
  fs.mkdirSync(mods, { recursive: true });
  const a = path.join(mods, 'a.ko'), b = path.join(mods, 'b-c.ko');
  gcc(MOD_A, a, ['-g', '-O1', '-c', '-fno-pic']);
  gcc(MOD_B, b, ['-g', '-O1', '-c', '-fno-pic']);
  fs.writeFileSync(path.join(mods, 'README'), 'not a module\n');

  const prof = path.join(c.dir, 'k.profile');
  const r = cli(['profile', 'build', vmlinux, path.join(c.dir, 'modules'), '-o', prof, '-j', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 modules' symbols/);

  // CTF: objdump reads every dict, children through shared_ctf.
  const od = spawnSync('objdump', ['--ctf=.ctf', '--ctf-parent=shared_ctf', prof], { encoding: 'utf8' });
  assert.equal(od.status, 0, od.stderr);
  assert.equal(od.stderr, '', 'no warning from objdump');
  const members = [...od.stdout.matchAll(/^CTF archive member: (\S+):$/gm)].map((m) => m[1]);
  assert.deepEqual(members.sort(), ['a', 'b-c', 'shared_ctf', 'vmlinux']);
  const section = (name: string) => od.stdout.split(/^CTF archive member: /m).find((s) => s.startsWith(`${name}:`)) ?? '';
  for (const child of ['a', 'b-c', 'vmlinux']) assert.match(section(child), /Parent name: shared_ctf/, `${child} names shared_ctf`);
  // A type a dict defines is listed as "    <its id>: (kind 6) struct NAME"; a child's ids start at 0x80000001.
  const defines = (dict: string, what: string) => new RegExp(`^\\s+0x[0-9a-f]+: \\(kind 6\\) ${what} \\(size`, 'm').test(section(dict));
  assert.ok(defines('shared_ctf', 'struct shared_thing'), 'the shared struct is in shared_ctf');
  for (const d of ['a', 'b-c', 'vmlinux']) assert.ok(!defines(d, 'struct shared_thing'), `and not again in ${d}`);
  assert.match(section('a'), /a_thing -> 0x[0-9a-f]{1,7}: \(kind 6\) struct shared_thing/, 'a\'s variable resolves to the parent\'s type');
  assert.ok(defines('a', 'struct a_priv') && defines('b-c', 'struct b_priv') && defines('vmlinux', 'struct core_only'));
  assert.ok(!defines('shared_ctf', 'struct a_priv') && !defines('shared_ctf', 'struct b_priv'));

  // With objects.builtin + modules.builtin, a built-in module's types get a dict of their own.
  fs.writeFileSync(path.join(c.dir, 'objects.builtin'), 'kernel/test/core_mod.ko: vmlinux.o\n');
  fs.writeFileSync(path.join(c.dir, 'modules.builtin'), 'kernel/test/core_mod.ko\n');
  const prof2 = path.join(c.dir, 'k2.profile');
  const r2 = cli(['profile', 'build', vmlinux, a, '-o', prof2, '-j', '1', '--no-lines',
    '--objects-builtin', path.join(c.dir, 'objects.builtin'), '--modules-builtin', path.join(c.dir, 'modules.builtin')]);
  assert.equal(r2.status, 0, r2.stderr);
  const od2 = spawnSync('objdump', ['--ctf=.ctf', '--ctf-parent=shared_ctf', prof2], { encoding: 'utf8' });
  assert.equal(od2.stderr, '');
  assert.deepEqual([...od2.stdout.matchAll(/^CTF archive member: (\S+):$/gm)].map((m) => m[1]).sort(), ['a', 'core_mod', 'shared_ctf', 'vmlinux']);
  assert.match(od2.stdout.split(/^CTF archive member: /m).find((x) => x.startsWith('core_mod:')) ?? '', /^\s+0x8[0-9a-f]{7}: \(kind 6\) struct core_only \(size/m, 'the built-in module\'s struct in its dict');
  assert.equal(cli(['profile', 'build', vmlinux, '-o', prof2, '--objects-builtin', path.join(c.dir, 'objects.builtin')]).status, 1, 'one list without the other: a usage error');
  assert.match(cli(['profile', 'build', vmlinux, path.join(c.dir, 'nope'), '-o', prof2]).stderr, /^virtmem: cannot read module .*nope: ENOENT\n$/);

  // Module symbols == readelf -s of each .ko.
  const p = Profile.open(prof);
  t.after(() => p.close());
  assert.deepEqual(p.parts(), ['symtab', 'lines', 'ctf']);
  const ms = p.modules()!;
  assert.deepEqual(ms.names(), ['a', 'b_c'], 'kernel module names, sorted');
  for (const [name, ko] of [['a', a], ['b_c', b]] as const) {
    const m = ms.module(name)!;
    const ours = m.symbols.map((s) => ({ name: s.name, section: m.sections[s.section].name, value: s.value, size: s.size, type: s.info & 0xf, bind: s.info >> 4 }));
    const theirs = readelfModuleSymbols(ko);
    const key = (x: { name: string; section: string; value: bigint }) => `${x.section}:${x.value.toString(16).padStart(8, '0')}:${x.name}`;
    assert.deepEqual(ours.map(key).sort(), theirs.map(key).sort(), `${name}: same symbols as readelf`);
    assert.deepEqual(new Map(ours.map((x) => [key(x), x])), new Map(theirs.map((x) => [key(x), x])), `${name}: same sizes, types, bindings`);
  }
  assert.ok(ms.module('a')!.symbols.some((s) => s.name === 'a_helper'), 'static functions too');
  assert.ok(ms.module('b_c')!.sections.some((s) => s.name === '.init.text'));

  // Run-time addresses once the module's sections are placed.
  const text = 0xffffffffc0a00000n, data = 0xffffffffc0a08000n, bss = 0xffffffffc0a0c000n;
  const table = ms.table('a', { '.text': text, '.data': data, '.bss': bss });
  const entry = ms.module('a')!.symbols.find((s) => s.name === 'a_entry')!;
  assert.equal(table.address('a_entry'), text + entry.value);
  assert.equal(table.symbolize(text + entry.value + 3n)?.name, 'a_entry');
  assert.equal(table.symbolize(text + entry.value + 3n)?.offset, 3n);
  const st = ms.module('a')!.symbols.find((s) => s.name === 'a_state')!;
  assert.equal(table.address('a_state'), (ms.module('a')!.sections[st.section].name === '.bss' ? bss : data) + st.value);
  assert.throws(() => ms.table('nope', {}), /no module nope/);

  // Strip: gone with the symtab part; readelf reads the rest.
  const stripped = path.join(c.dir, 's.profile');
  const s = cli(['profile', 'strip', prof, '--keep', 'lines,ctf', '-o', stripped]);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /\.virtmem\.modsyms/);
  const re = spawnSync('readelf', ['-a', '-W', stripped], { encoding: 'utf8' });
  assert.equal(re.stderr, '');
  assert.doesNotMatch(re.stdout, /modsyms|modstr/);
  const q = Profile.open(stripped);
  assert.equal(q.modules(), undefined);
  q.close();

  // Mutations of the module tables (the section's CRC made right again, so the decoder sees them).
  const bytes = new Uint8Array(fs.readFileSync(prof));
  const row = /\.virtmem\.modsyms\s+PROGBITS\s+\S+\s+(\S+)\s+(\S+)/.exec(spawnSync('readelf', ['-S', '-W', prof], { encoding: 'utf8' }).stdout)!;
  const off = parseInt(row[1], 16), len = parseInt(row[2], 16);
  const body = bytes.subarray(off + 16, off + len);
  const m = path.join(c.dir, 'm.profile');
  const rand = rng(77);
  const bad: string[] = [];
  for (let i = 0; i < 300 && bad.length < 5; i++) {
    const b = bytes.slice();
    const mutated = mutate(body, rand);
    b.set(mutated, off + 16);
    new DataView(b.buffer).setUint32(off + 8, crc32(b.subarray(off + 16, off + len)), true);
    fs.writeFileSync(m, b);
    try {
      const x = Profile.open(m);
      try {
        const mm = x.modules();
        for (const n of mm?.names() ?? []) { mm!.module(n); mm!.table(n, { '.text': text }).symbolize(text + 8n); }
      } finally {
        x.close();
      }
    } catch (e) {
      if (!(e instanceof VirtmemError)) bad.push(`round ${i}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
    }
  }
  assert.deepEqual(bad, []);
});
