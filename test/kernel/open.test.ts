import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ElfFile } from '../../src/elf/index.js';
import { identifyKernel, openKernel, type KernelContext } from '../../src/kernel/index.js';
import { findMember, layout, resolve, type StructType } from '../../src/types/index.js';
import { compile } from '../helpers/cc.js';
import { fixtureOrSkip, fixtures, type Fixture } from '../helpers/fixtures.js';
import { openKernelMemory } from './image.js';

/** uname as the kernel keeps it in init_uts_ns, read through the context's types and memory. */
function uname(k: KernelContext): Record<string, string> {
  const v = k.types.variable('init_uts_ns');
  assert.ok(v && v.address !== undefined, 'init_uts_ns');
  const name = findMember(v.type, 'name')!;
  const out: Record<string, string> = {};
  for (const f of ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname']) {
    const m = findMember(resolve(name.member.type), f)!;
    out[f] = k.map.getString(v.address + BigInt((name.bitOffset + m.bitOffset) / 8));
  }
  return out;
}

function checkAgainstTruth(f: Fixture, k: KernelContext, what: string): void {
  const tr = f.truth;
  assert.equal(k.release, tr.uname.release, `${what}: release`);
  assert.equal(k.banner?.trimEnd(), tr.procVersion, `${what}: banner is /proc/version`);
  const elf = ElfFile.open(f.kernel.vmlinux);
  assert.equal(k.buildId, elf.buildId(), `${what}: build-id is the vmlinux's`);
  elf.close();
  assert.equal('0x' + k.kaslrOffset.toString(16), tr.kaslrOffset.kallsyms, `${what}: KASLR offset`);
  for (const [name, hex] of Object.entries(tr.kallsyms)) assert.equal(k.symbols.address(name), BigInt('0x' + hex), `${what}: ${name}`);
  const u = uname(k);
  for (const key of ['sysname', 'nodename', 'release', 'version', 'machine'] as const) assert.equal(u[key], tr.uname[key], `${what}: uname ${key}`);
  assert.deepEqual(k.warnings, [], `${what}: warnings`);
}

test('memory-only openKernel on every fixture: release, banner, build-id, KASLR, symbols and uname as the guest reported them, with and without VMCOREINFO', (t) => {
  const all = fixtures();
  if (!all.length) { fixtureOrSkip(t); return; }
  for (const f of all) {
    const k = openKernel(f.dumps.elf);
    checkAgainstTruth(f, k, `${f.abi} ${f.kaslr ? 'kaslr' : 'nokaslr'}`);
    assert.deepEqual(k.sources.map((s) => s.what), ['memory', 'paging', 'symbols', 'symbols', 'identity', 'identity', 'identity', 'types', 'variables']);
    assert.match(k.sources[2].from, /^kallsyms decoded from the image/);
    assert.match(k.sources[7].from, /^BTF found in the image/);
    assert.equal(k.types.format, 'btf');
    const bare = openKernel(f.dumps.elf, { ignoreVmcoreinfo: true });
    checkAgainstTruth(f, bare, `${f.abi} ${f.kaslr ? 'kaslr' : 'nokaslr'} without VMCOREINFO`);
    assert.deepEqual(bare.sources.filter((s) => s.what === 'identity').map((s) => s.from), ['release from banner', 'banner from linux_banner', 'build-id from image notes']);
    assert.match(bare.sources.find((s) => s.what === 'paging')!.from, /scan/);
  }
});

const STRUCTS = ['task_struct', 'list_head', 'uts_namespace', 'net_device', 'module', 'net', 'mm_struct', 'printk_ringbuffer'];

for (const kernel of ['6.1', '6.12']) {
  test(`${kernel}: --vmlinux (DWARF, .symtab) gives the symbol addresses and struct layouts memory alone gives`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr: true });
    if (!f) return;
    const mem = openKernel(f.dumps.kdump);
    const dw = openKernel(f.dumps.kdump, { vmlinux: f.kernel.vmlinux });
    checkAgainstTruth(f, dw, `${f.abi} with vmlinux`);
    assert.equal(dw.types.format, 'dwarf');
    assert.match(dw.sources.find((s) => s.what === 'symbols')!.from, /^vmlinux \.symtab/);
    let compared = 0;
    const bad: string[] = [];
    for (const [name, addr] of mem.symbols.entries()) {
      if (mem.symbols.address(name) !== addr) continue; // a duplicate static name: address() answers the first
      const other = dw.symbols.address(name);
      if (other === undefined) { bad.push(`${name}: not in .symtab`); continue; }
      if (other !== addr) bad.push(`${name}: kallsyms ${addr.toString(16)} .symtab ${other.toString(16)}`);
      compared++;
    }
    assert.deepEqual(bad.slice(0, 10), []);
    assert.ok(compared > 80000, `compared ${compared}`);
    for (const name of STRUCTS) {
      const a = mem.types.lookup(name, 'struct') as StructType, b = dw.types.lookup(name, 'struct') as StructType;
      assert.equal(layout(a), layout(b), name);
    }
    // The wrong vmlinux is noticed.
    const other = fixtures().find((x) => x.abi !== f.abi);
    if (other) {
      const wrong = openKernel(f.dumps.elf, { vmlinux: other.kernel.vmlinux });
      assert.match(wrong.warnings.join('\n'), /--vmlinux build-id [0-9a-f]+ is not the dump's [0-9a-f]+: wrong vmlinux\?/);
    }
  });
}

test('--types with a BTF file and a CTF object, --system-map for the symbols', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12' });
  if (!f) return;
  const k = openKernel(f.dumps.elf, { types: f.kernel.vmlinux, systemMap: f.kernel.systemMap });
  assert.match(k.sources.find((s) => s.what === 'types')!.from, /^BTF file .*\(\.BTF\)$/);
  assert.match(k.sources.find((s) => s.what === 'symbols')!.from, /^System\.map /);
  checkAgainstTruth(f, k, 'BTF file + System.map');
  const c = compile('struct list_head { struct list_head *next, *prev; };\nstruct list_head modules;\n', ['-gctf', '-c'], { name: 'lh.o' });
  t.after(c.cleanup);
  const kc = openKernel(f.dumps.elf, { types: c.out });
  assert.match(kc.sources.find((s) => s.what === 'types')!.from, /^CTF dict /);
  assert.equal(kc.types.format, 'ctf');
  const mem = openKernel(f.dumps.elf);
  assert.equal(layout(kc.types.lookup('list_head', 'struct') as StructType), layout(mem.types.lookup('list_head', 'struct') as StructType));
  // CTF describes the variable: its type comes from the CTF, its address from kallsyms.
  assert.equal(kc.types.typeOrigin('modules'), 'source');
  assert.equal(kc.types.variable('modules')!.address, mem.symbols.address('modules'));
});

test('the banner is found by a scan when no symbol names it', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!f) return;
  const { km, text } = openKernelMemory(f.dumps.elf);
  const id = identifyKernel(km.map, { text });
  assert.equal(id.bannerFrom, 'scan of the image');
  assert.equal(id.banner?.trimEnd(), f.truth.procVersion);
  assert.equal(id.release, f.truth.uname.release);
  assert.equal(id.releaseFrom, 'banner');
});

test('files that are not there are usage errors naming them', () => {
  assert.throws(() => openKernel('/nonexistent/dump'), /cannot read dump \/nonexistent\/dump: ENOENT/);
  const f = fixtures()[0];
  if (!f) return;
  assert.throws(() => openKernel(f.dumps.elf, { vmlinux: '/nonexistent/vmlinux' }), /cannot read --vmlinux \/nonexistent\/vmlinux/);
  assert.throws(() => openKernel(f.dumps.elf, { types: '/nonexistent/t.btf' }), /cannot read --types file/);
  assert.ok(fs.existsSync(f.dumps.elf));
});
