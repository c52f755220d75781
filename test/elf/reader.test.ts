/**
 * The ELF reader against readelf on objects and executables that gcc (host and
 * cross compilers) builds here: header, sections, segments, symbols and notes
 * field by field, and .debug_* contents (decompressed, relocated) byte for
 * byte against readelf -z -R.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ElfFile, SHF, SHT } from '../../src/elf/index.js';
import { compareAll } from '../helpers/elfcheck.js';
import { compile, hasTool, must, readelfRelocatedDump, tempDir } from '../helpers/readelf.js';
import { SAMPLE_C } from '../helpers/samples.js';


interface Build { label: string; cc: string; args: string[]; out: string; post?: (f: string) => void }

const builds: Build[] = [
  { label: 'x86-64 object', cc: 'gcc', args: ['-g', '-O1', '-c'], out: 'x64.o' },
  { label: 'x86-64 PIE executable', cc: 'gcc', args: ['-g', '-Wl,--build-id'], out: 'x64' },
  { label: 'x86-64 shared library', cc: 'gcc', args: ['-g', '-shared', '-fPIC'], out: 'x64.so' },
  { label: 'x86-64 object, -gz=zlib', cc: 'gcc', args: ['-g', '-O1', '-c', '-gz=zlib'], out: 'x64z.o' },
  { label: 'i386 object (ELF32, REL)', cc: 'i686-linux-gnu-gcc', args: ['-g', '-O1', '-c'], out: 'i386.o' },
  { label: 'i386 executable', cc: 'i686-linux-gnu-gcc', args: ['-g', '-nostdlib', '-static', '-Wl,--build-id', '-Wl,-emain'], out: 'i386' },
  { label: 'i386 object, -gz=zlib (Elf32_Chdr)', cc: 'i686-linux-gnu-gcc', args: ['-g', '-O1', '-c', '-gz=zlib'], out: 'i386z.o' },
  { label: 's390x object (big endian)', cc: 's390x-linux-gnu-gcc', args: ['-g', '-O1', '-c'], out: 's390x.o' },
  { label: 's390x object, -gz=zlib (big-endian Elf64_Chdr)', cc: 's390x-linux-gnu-gcc', args: ['-g', '-O1', '-c', '-gz=zlib'], out: 's390xz.o' },
  { label: 'ppc64 object (big endian)', cc: 'powerpc64-linux-gnu-gcc', args: ['-g', '-O1', '-c'], out: 'ppc64.o' },
  { label: 'ppc64 executable', cc: 'powerpc64-linux-gnu-gcc', args: ['-g', '-nostdlib', '-static', '-Wl,--build-id', '-Wl,-emain'], out: 'ppc64' },
  { label: 'aarch64 object', cc: 'aarch64-linux-gnu-gcc', args: ['-g', '-O1', '-c'], out: 'aarch64.o' },
];

const { dir, cleanup } = tempDir();
test.after(cleanup);

function built(b: Build, t: { skip: (r: string) => void }): string | undefined {
  if (!hasTool(b.cc)) {
    const why = `${b.cc} not installed (scripts/setup.sh installs it)`;
    process.stderr.write(`SKIP: ${why}\n`);
    t.skip(why);
    return undefined;
  }
  const f = path.join(dir, b.out);
  if (!fs.existsSync(f)) compile(dir, b.cc, SAMPLE_C, b.out, b.args);
  return f;
}

/** Every debug section decompressed and relocated equals readelf -z -R's dump. */
function compareDebugSections(elf: ElfFile, file: string): number {
  let n = 0;
  for (const s of elf.sections) {
    if (!/^\.z?debug_/.test(s.name) || s.type === SHT.SHT_NOBITS) continue;
    const ours = elf.sectionData(s);
    const judge = readelfRelocatedDump(file, s.name);
    assert.equal(judge.warnings, '', `readelf warns on ${s.name}`);
    assert.equal(ours.length, judge.bytes.length, `${s.name} length`);
    assert.ok(Buffer.from(ours).equals(Buffer.from(judge.bytes)), `${s.name} bytes differ from readelf -R`);
    n++;
  }
  return n;
}

for (const b of builds) {
  test(`${b.label}: header, sections, segments, symbols and notes equal readelf's`, (t) => {
    const f = built(b, t);
    if (!f) return;
    const elf = compareAll(f);
    assert.ok(elf.sections.length > 5);
    if (b.out.endsWith('.o')) assert.ok(elf.symbols().some((s) => s.name === 'counter' && s.section === '.data'));
    elf.close();
  });
  test(`${b.label}: .debug_* contents equal readelf -z -R (decompressed, relocated)`, (t) => {
    const f = built(b, t);
    if (!f) return;
    const elf = ElfFile.open(f);
    assert.ok(compareDebugSections(elf, f) >= 4, 'expected several debug sections');
    if (b.args.includes('-gz=zlib')) assert.ok(elf.sections.some((s) => s.flags & SHF.SHF_COMPRESSED), 'gcc -gz=zlib made compressed sections');
    elf.close();
  });
}

test('zstd (objcopy --compress-debug-sections=zstd) and legacy .zdebug (zlib-gnu) decode to the uncompressed bytes', (t) => {
  const plain = built(builds[0], t);
  if (!plain) return;
  const zstd = path.join(dir, 'x64zstd.o');
  const gnu = path.join(dir, 'x64gnu.o');
  must('objcopy', ['--compress-debug-sections=zstd', plain, zstd]);
  must('objcopy', ['--compress-debug-sections=zlib-gnu', plain, gnu]);
  const base = ElfFile.open(plain);
  const names = base.sections.filter((s) => s.name.startsWith('.debug_')).map((s) => s.name);
  for (const [file, check] of [[zstd, 'zstd'], [gnu, 'zdebug']] as const) {
    const elf = ElfFile.open(file);
    let compressed = 0;
    for (const name of names) {
      const sec = elf.section(name) ?? elf.section('.z' + name.slice(1));
      assert.ok(sec, `${name} in ${check} file`);
      if (sec.flags & SHF.SHF_COMPRESSED || sec.name.startsWith('.zdebug')) compressed++;
      const got = elf.debugSection(name)!;
      assert.ok(Buffer.from(got).equals(Buffer.from(base.sectionData(name))), `${check}: ${name} differs`);
      // and readelf agrees too
      const judge = readelfRelocatedDump(file, sec.name);
      assert.ok(Buffer.from(got).equals(Buffer.from(judge.bytes)), `${check}: ${name} differs from readelf -z -R`);
    }
    assert.ok(compressed >= 3, `${check}: expected compressed sections, found ${compressed}`);
    elf.close();
  }
  base.close();
});

test('the raw bytes of a compressed section are returned untouched with { raw: true }', (t) => {
  const f = built(builds[3], t);
  if (!f) return;
  const elf = ElfFile.open(f);
  const s = elf.section('.debug_info')!;
  assert.ok(s.flags & SHF.SHF_COMPRESSED);
  const raw = elf.sectionData(s, { raw: true });
  assert.equal(raw.length, s.size);
  assert.ok(Buffer.from(raw).equals(fs.readFileSync(f).subarray(s.offset, s.offset + s.size)));
  elf.close();
});
