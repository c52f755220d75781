/**
 * CompactSymbols, the typed-array form of a symbol table, against readelf -sW
 * on what gcc builds here (x86-64 object, PIE executable with .dynsym, i386
 * ELF32, big-endian s390x, 65308 sections through SHT_SYMTAB_SHNDX) and on
 * Debian's vmlinux: every field of every symbol; the u32 halves agree with the
 * bigints; symbols() built from it gives the same; a broken name offset is a
 * FormatError when the table is built, not later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../../src/bytes/index.js';
import { CompactSymbols, ElfFile, SHN, STT, SHT, stbShort, sttShort, stvShort } from '../../src/elf/index.js';
import { compile, hasTool, must, readelfSymbols, tempDir } from '../helpers/readelf.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { SAMPLE_C, manySectionsObject } from '../helpers/samples.js';

const { dir, cleanup } = tempDir();
test.after(cleanup);

/** Compare every table readelf lists with the compact form; returns the number of symbols. */
function compareCompact(elf: ElfFile, file: string, checkObjects: boolean): number {
  let n = 0;
  for (const [name, rsyms] of readelfSymbols(file)) {
    const t = elf.compactSymbolTable(name);
    assert.ok(t instanceof CompactSymbols);
    assert.equal(t.table, name);
    assert.equal(t.length, rsyms.length, `${name} entries`);
    const objects = checkObjects ? elf.symbolTable(name) : undefined;
    for (const r of rsyms) {
      const i = r.index;
      const at = `${name}[${i}] ${r.name}`;
      assert.equal(t.value(i), r.value, at + ' value');
      assert.equal(t.size(i), r.size, at + ' size');
      assert.equal((BigInt(t.valueHi(i)) << 32n) | BigInt(t.valueLo(i)), r.value, at + ' value halves');
      assert.equal((BigInt(t.sizeHi(i)) << 32n) | BigInt(t.sizeLo(i)), r.size, at + ' size halves');
      assert.equal(sttShort(t.type(i)), r.type, at + ' type');
      assert.equal(stbShort(t.bind(i)), r.bind, at + ' bind');
      assert.equal(stvShort(t.visibility(i)), r.vis, at + ' visibility');
      const sh = t.shndx[i];
      const special = t.section(i) === undefined;
      const ndx = sh === SHN.SHN_UNDEF ? 'UND' : special && sh === SHN.SHN_ABS ? 'ABS' : special && sh === SHN.SHN_COMMON ? 'COM' : String(sh);
      assert.equal(ndx, r.ndx, at + ' ndx');
      const nm = t.name(i);
      assert.equal(nm, Buffer.from(t.strtab.subarray(t.nameStart(i), t.nameEnd(i))).toString('utf8'), at + ' name bytes');
      // readelf names a nameless section symbol after its section and adds @VERSION to dynamic symbols.
      const shown = nm === '' && t.type(i) === STT.STT_SECTION ? (t.section(i) ?? '') : nm;
      assert.equal(shown, name === '.dynsym' ? r.name.replace(/@.*$/, '') : r.name, at + ' name');
      if (objects) assert.deepEqual(objects[i], t.symbol(i), at + ' symbol(i) and symbols() agree');
      n++;
    }
  }
  return n;
}

interface Build { label: string; cc: string; args: string[]; out: string }
const builds: Build[] = [
  { label: 'x86-64 object', cc: 'gcc', args: ['-g', '-c'], out: 'x64.o' },
  { label: 'x86-64 PIE executable (.symtab and .dynsym)', cc: 'gcc', args: ['-g'], out: 'x64' },
  { label: 'i386 object (ELF32)', cc: 'i686-linux-gnu-gcc', args: ['-g', '-c'], out: 'i386.o' },
  { label: 's390x object (big endian)', cc: 's390x-linux-gnu-gcc', args: ['-g', '-c'], out: 's390x.o' },
];

for (const b of builds) {
  test(`compact symbol table of a gcc ${b.label} equals readelf -sW`, (t) => {
    if (!hasTool(b.cc)) {
      const why = `${b.cc} not installed (scripts/setup.sh installs it)`;
      process.stderr.write(`SKIP: ${why}\n`);
      t.skip(why);
      return;
    }
    const f = compile(dir, b.cc, SAMPLE_C, b.out, b.args);
    const elf = ElfFile.open(f);
    const n = compareCompact(elf, f, true);
    assert.ok(n >= 10, `only ${n} symbols`);
    assert.equal(elf.compactSymbols().length, elf.symbols().length);
    assert.equal(elf.compactDynamicSymbols().length, elf.dynamicSymbols().length);
    elf.close();
  });
}

test('compact symbol table: 65308 sections, indices from SHT_SYMTAB_SHNDX, equal readelf -sW', () => {
  const o = manySectionsObject(dir);
  const elf = ElfFile.open(o);
  assert.ok(compareCompact(elf, o, false) > 65300);
  const t = elf.compactSymbols();
  let i = t.length - 1;
  while (t.name(i) !== 'sym65299') i--;
  assert.ok(t.shndx[i] > 0xff00);
  assert.equal(t.section(i), '.s65299');
  elf.close();
});

test('compact symbol table of Debian vmlinux equals readelf -sW, without building symbol objects', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const elf = ElfFile.open(k.vmlinux);
  const n = compareCompact(elf, k.vmlinux, false);
  assert.ok(n > 50000, `only ${n} symbols`);
  elf.close();
});

test('compact symbol table: a name outside the string table is a FormatError when the table is built', () => {
  const o = compile(dir, 'gcc', SAMPLE_C, 'bad.o', ['-g', '-c']);
  const bytes = new Uint8Array(fs.readFileSync(o));
  const good = ElfFile.fromBytes(bytes, 'bad.o');
  const symtab = good.sections.find((s) => s.type === SHT.SHT_SYMTAB)!;
  const victim = good.compactSymbols().length - 1;
  const at = symtab.offset + victim * 24;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, 0x7fffffff, true);
  const elf = ElfFile.fromBytes(bytes, 'bad.o');
  assert.throws(() => elf.compactSymbols(), (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.match(e.message, /bad\.o.*\.symtab.*outside table/);
    assert.match(e.message, new RegExp(`0x${at.toString(16)}`));
    return true;
  });
});
