/**
 * The reader on the unusual and the large: extended section numbering
 * (65308 sections from `as`), PN_XNUM program headers, a core file from gcore,
 * a VMCOREINFO note, Debian's real vmlinux and a kernel module — each judged
 * by readelf — and bad input, which must give one FormatError naming the file
 * and offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Writer, FormatError, VirtmemError, FileSource } from '../../src/bytes/index.js';
import { ElfFile, PN_XNUM, PT, SHN, parseVmcoreinfo } from '../../src/elf/index.js';
import { compareAll, compareHeader, compareNotes, compareSections, compareSegments, compareSymbols } from '../helpers/elfcheck.js';
import { compile, hasTool, must, readelfRelocatedDump, tempDir } from '../helpers/readelf.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { SAMPLE_C, manySectionsObject } from '../helpers/samples.js';

const { dir, cleanup } = tempDir();
test.after(cleanup);

test('extended section numbering: 65308 sections (e_shnum 0, e_shstrndx SHN_XINDEX) and SHT_SYMTAB_SHNDX', () => {
  const o = manySectionsObject(dir);
  const elf = compareAll(o);
  assert.equal(elf.header.rawShnum, 0);
  assert.equal(elf.header.rawShstrndx, SHN.SHN_XINDEX);
  assert.ok(elf.header.shnum > 0xff00);
  const last = elf.symbols().find((x) => x.name === 'sym65299')!;
  assert.ok(last.shndx > 0xff00, 'symbol beyond SHN_LORESERVE resolved through SHT_SYMTAB_SHNDX');
  assert.equal(last.section, '.s65299');
  elf.close();
});

/** A core file with `n` PT_LOADs plus one PT_NOTE (VMCOREINFO + CORE), e_phnum = PN_XNUM. */
function buildXnumCore(n: number, vmcoreinfo: string): Uint8Array {
  const notes = new Writer(true);
  const note = (name: string, type: number, desc: Uint8Array) => {
    const nb = new TextEncoder().encode(name);
    notes.u32(nb.length + 1).u32(desc.length).u32(type).bytes(nb).u8(0).align(4).bytes(desc).align(4);
  };
  note('CORE', 1, new Uint8Array(336));
  note('VMCOREINFO', 0, new TextEncoder().encode(vmcoreinfo));
  const nb = notes.finish();
  const phnum = n + 1;
  const phoff = 64;
  const noteOff = phoff + phnum * 56;
  const shoff = noteOff + nb.length + ((8 - (nb.length % 8)) % 8);
  const w = new Writer(true);
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])).zeros(8);
  w.u16(4).u16(62).u32(1).u64(0).u64(phoff).u64(shoff).u32(0).u16(64).u16(56).u16(PN_XNUM).u16(64).u16(1).u16(0);
  w.u32(PT.PT_NOTE).u32(4).u64(noteOff).u64(0).u64(0).u64(nb.length).u64(nb.length).u64(4);
  for (let i = 0; i < n; i++) w.u32(PT.PT_LOAD).u32(6).u64(shoff + 64).u64(0xffff888000000000n + BigInt(i) * 4096n).u64(BigInt(i) * 4096n).u64(0).u64(4096).u64(4096);
  w.bytes(nb).align(8);
  w.u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u32(0).u32(phnum).u64(0).u64(0);
  return w.finish();
}

test('PN_XNUM: 70001 program headers counted through section 0, and a VMCOREINFO note', () => {
  const info = 'OSRELEASE=6.1.0-56-cloud-amd64\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82a0e0c0\nNUMBER(pgtable_l5_enabled)=0\n';
  const f = path.join(dir, 'xnum.core');
  fs.writeFileSync(f, buildXnumCore(70000, info));
  const elf = ElfFile.open(f);
  compareHeader(elf, f);
  compareSegments(elf, f);
  compareSections(elf, f);
  compareNotes(elf, f);
  assert.equal(elf.header.rawPhnum, PN_XNUM);
  assert.equal(elf.segments.length, 70001);
  const m = parseVmcoreinfo(elf.vmcoreinfo()!);
  assert.equal(m.get('OSRELEASE'), '6.1.0-56-cloud-amd64');
  assert.equal(m.get('SYMBOL(init_uts_ns)'), 'ffffffff82a0e0c0');
  assert.equal(m.size, 4);
  elf.close();
});

test('a core file written by gcore: segments, sections and CORE notes equal readelf', async (t) => {
  if (!hasTool('gcore')) { process.stderr.write('SKIP: gcore not installed\n'); t.skip('gcore not installed'); return; }
  const exe = compile(dir, 'gcc', SAMPLE_C.replace('int main(void) {', 'int main(void) { for (;;) __asm__ volatile("pause");'), 'spin', ['-g']);
  const child = spawn(exe, [], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const r = must('gcore', ['-o', path.join(dir, 'core'), String(child.pid)]);
    assert.match(r, /Saved corefile/);
  } finally {
    child.kill('SIGKILL');
  }
  const core = path.join(dir, `core.${child.pid}`);
  const elf = compareAll(core);
  assert.equal(elf.header.type, 4);
  assert.ok(elf.notes().some((n) => n.name === 'CORE' && n.type === 1), 'NT_PRSTATUS present');
  elf.close();
});

test('Debian vmlinux: header, sections, segments, notes and all symbols equal readelf, read lazily', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const src = new FileSource(k.vmlinux);
  const elf = ElfFile.fromSource(src);
  compareHeader(elf, k.vmlinux);
  compareSections(elf, k.vmlinux);
  compareSegments(elf, k.vmlinux);
  compareNotes(elf, k.vmlinux);
  assert.match(elf.buildId() ?? '', /^[0-9a-f]{40}$/);
  const n = compareSymbols(elf, k.vmlinux);
  assert.ok(n > 50000, `only ${n} symbols`);
  assert.ok(src.stats.bytesRead < src.size / 4, `read ${src.stats.bytesRead} of ${src.size} bytes`);
  elf.close();
});

test('a Debian kernel module (.ko, ET_REL): everything equals readelf; .debug_* relocated as readelf -R', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const candidates = ['kernel/fs/fat/vfat.ko', 'kernel/lib/crc8.ko', 'kernel/fs/fat/fat.ko'];
  const ko = candidates.map((c) => path.join(k.debugModules, c)).find((p) => fs.existsSync(p));
  if (!ko) { process.stderr.write(`SKIP: no ${candidates.join('/')} in ${k.debugModules}\n`); t.skip('no module'); return; }
  const elf = compareAll(ko);
  let n = 0;
  for (const s of elf.sections) {
    if (!s.name.startsWith('.debug_') || !elf.relocationSectionsFor(s).length) continue;
    const judge = readelfRelocatedDump(ko, s.name);
    assert.equal(judge.warnings, '', `readelf warns on ${s.name}`);
    assert.ok(Buffer.from(elf.sectionData(s)).equals(Buffer.from(judge.bytes)), `${s.name} differs from readelf -R`);
    n++;
  }
  assert.ok(n >= 3, `only ${n} relocated debug sections in ${ko}`);
  elf.close();
});

test('a module whose .rela.debug_info is read in pieces (over 4 MiB): .debug_info relocated as readelf -R', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const ko = path.join(k.debugModules, 'kernel/net/sctp/sctp.ko');
  if (!fs.existsSync(ko)) { process.stderr.write(`SKIP: no ${ko}\n`); t.skip('no sctp.ko'); return; }
  const elf = ElfFile.open(ko, { pageSize: 4096 });
  const info = elf.section('.debug_info')!;
  const rela = elf.relocationSectionsFor(info);
  assert.equal(rela.length, 1);
  assert.ok(rela[0].size > 4 << 20, `.rela.debug_info is ${rela[0].size} bytes: more than one piece`);
  const judge = readelfRelocatedDump(ko, '.debug_info');
  assert.equal(judge.warnings, '');
  assert.ok(Buffer.from(elf.sectionData(info)).equals(Buffer.from(judge.bytes)), '.debug_info differs from readelf -R');
  elf.close();
});

// ---- bad input -------------------------------------------------------------

function sample(): Uint8Array {
  const o = path.join(dir, 'bad-base.o');
  if (!fs.existsSync(o)) compile(dir, 'gcc', SAMPLE_C, 'bad-base.o', ['-g', '-c']);
  return new Uint8Array(fs.readFileSync(o));
}

/** Every entry point on a possibly broken file. */
function readEverything(bytes: Uint8Array, name: string): void {
  const elf = ElfFile.fromBytes(bytes, name);
  void elf.sections; void elf.segments;
  elf.symbols(); elf.dynamicSymbols(); elf.notes(); elf.buildId();
  for (const s of elf.sections) elf.sectionData(s);
}

function expectError(bytes: Uint8Array, what: RegExp): FormatError {
  try {
    readEverything(bytes, 'bad.o');
  } catch (e) {
    assert.ok(e instanceof FormatError, `not a FormatError: ${e}`);
    assert.match(e.message, /^bad\.o: /, 'names the file');
    assert.match(e.message, /offset 0x[0-9a-f]+/, 'names the offset');
    assert.match(e.message, what);
    return e;
  }
  assert.fail('no error');
}

test('truncated files give an error naming the file and offset, at every length', () => {
  const b = sample();
  for (let len = 0; len < b.length; len += Math.max(1, Math.floor(b.length / 97))) {
    try {
      readEverything(b.subarray(0, len), 'bad.o');
      // A prefix may still be consistent (the tail held nothing needed) - fine.
    } catch (e) {
      assert.ok(e instanceof VirtmemError, `length ${len}: ${e}`);
      assert.match((e as Error).message, /^bad\.o: /);
    }
  }
  expectError(b.subarray(0, 40), /ELF header/);
  expectError(b.subarray(0, b.length - 100), /past end of file/);
});

test('offsets, sizes and counts past the end or absurd are reported, not followed', () => {
  const base = sample();
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const elf = ElfFile.fromBytes(base);
  const shoff = elf.header.shoff;
  const sec = (name: string) => elf.section(name)!;
  const shdr = (i: number) => shoff + i * 64;

  let b = base.slice(); dv(b).setBigUint64(0x28, BigInt(b.length + 1000), true);
  expectError(b, /section header table .* past end of file/);
  b = base.slice(); dv(b).setUint16(0x3c, 0xfff0, true);
  expectError(b, /section header table of 65520 entries/);
  b = base.slice(); dv(b).setUint16(0x3e, 0xfff0, true);
  expectError(b, /string table index/);
  b = base.slice(); dv(b).setBigUint64(shdr(sec('.debug_str').index) + 0x18, 0x7fffffffn, true);
  expectError(b, /section \.debug_str .* past end of file/);
  const symtab = sec('.symtab');
  b = base.slice(); dv(b).setUint32(shdr(symtab.index) + 0x28, symtab.index, true);
  expectError(b, /links to section \d+ .*not a string table/);
  const rela = sec('.rela.debug_info');
  b = base.slice(); dv(b).setUint32(shdr(rela.index) + 0x28, rela.index, true);
  expectError(b, /not a symbol table/);
  // a relocation aimed past its section
  b = base.slice(); dv(b).setBigUint64(rela.offset, 0xffffffn, true);
  expectError(b, /outside the .*-byte section/);
  // a relocation naming a symbol that does not exist
  b = base.slice(); dv(b).setUint32(rela.offset + 12, 0xffffff, true);
  expectError(b, /symbol 16777215, past the end/);
  // a note whose descriptor is larger than its section
  const note = sec('.note.GNU-stack') && elf.sections.find((s) => s.type === 7);
  if (note) { b = base.slice(); dv(b).setUint32(note.offset + 4, 0x7fffffff, true); expectError(b, /note descriptor/); }
  // a section name outside the name table
  b = base.slice(); dv(b).setUint32(shdr(3), 0x7fffffff, true);
  expectError(b, /name of section 3/);
  elf.close();
});

test('a compressed section that lies about its size is an error, not an allocation', (t) => {
  const o = path.join(dir, 'z.o');
  compile(dir, 'gcc', SAMPLE_C, 'z.o', ['-g', '-c', '-gz=zlib']);
  const base = new Uint8Array(fs.readFileSync(o));
  const info = ElfFile.fromBytes(base).section('.debug_info')!;
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  let b = base.slice(); dv(b).setBigUint64(info.offset + 8, 1n << 40n, true);
  expectError(b, /absurd/);
  b = base.slice(); dv(b).setBigUint64(info.offset + 8, 17n, true);
  expectError(b, /zlib stream/);
  b = base.slice(); dv(b).setUint32(info.offset, 9, true);
  expectError(b, /unknown compression type 9/);
  b = base.slice(); b[info.offset + 30] ^= 0xff;
  expectError(b, /zlib stream/);
  void t;
});
