/**
 * Property test: random mutations of real ELF files (gcc objects, a
 * compressed object, ELF32, big endian, an executable, a PN_XNUM core) fed to
 * every entry point of elf/. Each call must return or throw a VirtmemError —
 * never another exception, never a hang. A compact symbol table, once built,
 * must read and print (cli/elfsyms.ts, all three formats) without any error.
 * Seeded, so a failure replays; bounded so it finishes in seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { VirtmemError, Writer } from '../../src/bytes/index.js';
import { CompactSymbols, ElfFile, PT, SHT, editElf, parseVmcoreinfo } from '../../src/elf/index.js';
import { writeSymbolCsv, writeSymbolJson, writeSymbolTable } from '../../src/cli/elfsyms.js';
import { ByteSink } from '../../src/cli/sink.js';
import { hasTool, tempDir } from '../helpers/readelf.js';
import { failure, fuzzRounds, fuzzSeed, gccReplayable } from '../helpers/fuzz.js';
import { SAMPLE_C } from '../helpers/samples.js';

const { dir, cleanup } = tempDir();
test.after(cleanup);

/** xorshift32, seeded. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
}

function smallCore(): Uint8Array {
  const w = new Writer(true);
  const note = new Writer(true);
  const info = new TextEncoder().encode('OSRELEASE=6.1\nPAGESIZE=4096\n');
  note.u32(11).u32(info.length).u32(0).bytes(new TextEncoder().encode('VMCOREINFO\0')).align(4).bytes(info).align(4);
  const nb = note.finish();
  const n = 8, phoff = 64, noteOff = phoff + (n + 1) * 56, shoff = noteOff + nb.length;
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])).zeros(8);
  w.u16(4).u16(62).u32(1).u64(0).u64(phoff).u64(shoff).u32(0).u16(64).u16(56).u16(0xffff).u16(64).u16(1).u16(0);
  w.u32(PT.PT_NOTE).u32(4).u64(noteOff).u64(0).u64(0).u64(nb.length).u64(nb.length).u64(4);
  for (let i = 0; i < n; i++) w.u32(PT.PT_LOAD).u32(6).u64(noteOff).u64(BigInt(i) << 12n).u64(BigInt(i) << 12n).u64(nb.length).u64(4096).u64(4096);
  w.bytes(nb);
  w.u32(0).u32(0).u64(0).u64(0).u64(0).u64(0).u32(0).u32(n + 1).u64(0).u64(0);
  return w.finish();
}

/** Call every entry point; anything but a VirtmemError fails the property. */
function exercise(bytes: Uint8Array): void {
  let elf: ElfFile;
  try { elf = ElfFile.fromBytes(bytes, 'fuzz.o'); } catch (e) { if (e instanceof VirtmemError) return; throw e; }
  const guard = (f: () => unknown) => { try { f(); } catch (e) { if (!(e instanceof VirtmemError)) throw e; } };
  guard(() => elf.segments);
  guard(() => {
    const secs = elf.sections;
    for (const s of secs.slice(0, 64)) {
      guard(() => elf.sectionData(s, { raw: true }));
      guard(() => elf.sectionData(s));
      if (s.type === SHT.SHT_REL || s.type === SHT.SHT_RELA) guard(() => elf.relocations(s));
      if (s.type === SHT.SHT_SYMTAB || s.type === SHT.SHT_DYNSYM) guard(() => elf.symbolTable(s));
    }
  });
  guard(() => elf.symbols());
  guard(() => elf.dynamicSymbols());
  // A compact table is checked when built; reading and printing it never fails.
  for (const get of [() => elf.compactSymbols(), () => elf.compactDynamicSymbols()]) {
    let t: CompactSymbols | undefined;
    guard(() => { t = get(); });
    if (!t) continue;
    for (let i = 0; i < t.length; i++) { t.symbol(i); t.nameEnd(i); }
    for (const write of [writeSymbolTable, writeSymbolCsv, writeSymbolJson]) {
      const sink = new ByteSink();
      write(sink, t, elf.is64);
      sink.finish();
    }
  }
  guard(() => elf.notes().forEach((n) => parseVmcoreinfo(n.desc)));
  guard(() => elf.buildId());
  guard(() => elf.debugSection('.debug_info'));
  guard(() => editElf(bytes, [{ op: 'add', name: '.fuzz', data: new Uint8Array(7) }], 'fuzz.o'));
  guard(() => editElf(bytes, [{ op: 'remove', name: '.comment' }, { op: 'update', name: '.debug_str', data: new Uint8Array(3) }], 'fuzz.o'));
}

function mutate(base: Uint8Array, r: (n: number) => number, ehdrBias: boolean): Uint8Array {
  let b = base.slice();
  const edits = 1 + r(8);
  const interesting = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0xff00, 0xffffffff, 0x7fffffff, b.length, b.length - 1];
  for (let i = 0; i < edits; i++) {
    const kind = r(6);
    const at = ehdrBias && r(2) ? r(Math.min(64, b.length)) : r(b.length);
    if (kind <= 1) b[at] ^= 1 << r(8);
    else if (kind === 2) b[at] = r(256);
    else if (kind === 3 && at + 4 <= b.length) new DataView(b.buffer).setUint32(at, interesting[r(interesting.length)], r(2) === 0);
    else if (kind === 4) b = b.slice(0, Math.max(0, b.length - 1 - r(Math.max(1, b.length >> 2))));
    else if (at + 16 <= b.length) { const src = r(b.length - 16); b.copyWithin(at, src, src + 16); }
  }
  return b;
}

test('random mutations of real ELF files: every entry point returns or throws a VirtmemError', { timeout: 120000 }, () => {
  const seeds: Uint8Array[] = [];
  const builds: [string, string, string[]][] = [
    ['gcc', 'f64.o', ['-g', '-O1', '-c']], ['gcc', 'f64z.o', ['-g', '-c', '-gz=zlib']], ['gcc', 'f64', ['-g']],
    ['i686-linux-gnu-gcc', 'f32.o', ['-g', '-c']], ['s390x-linux-gnu-gcc', 'fbe.o', ['-g', '-c', '-gz=zlib']],
  ];
  // The temp directory's name must not reach the bytes (DW_AT_comp_dir, file names), or a
  // seed would not replay.
  fs.writeFileSync(`${dir}/f.c`, SAMPLE_C);
  for (const [cc, out, args] of builds) {
    if (!hasTool(cc)) continue;
    gccReplayable(cc, dir, [...args, 'f.c', '-o', out]);
    seeds.push(new Uint8Array(fs.readFileSync(`${dir}/${out}`)));
  }
  seeds.push(smallCore());
  assert.ok(seeds.length >= 3);
  const seed = fuzzSeed(20240601);
  const r = rng(seed);
  const iterations = fuzzRounds(3000);
  for (let i = 0; i < iterations; i++) {
    const base = seeds[i % seeds.length];
    const m = mutate(base, r, i % 3 === 0);
    try {
      exercise(m);
    } catch (e) {
      assert.fail(failure('elf', seed, i, m, e));
    }
  }
});
