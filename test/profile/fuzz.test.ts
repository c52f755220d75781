/**
 * The profile reader's entry points on mutated real profiles: a profile built
 * from a gcc-compiled program (symbols, lines, metadata) is mutated by the
 * seeded fuzzer; Profile.open, symbols(), lines() and lookups, checked() and
 * the symbolizer each return or throw a VirtmemError, never anything else and
 * never hang. Also a round trip: the profile's line table answers every
 * address as the program's own DWARF does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DwarfInfo, LineTable, loadDwarfSections } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { Profile, buildProfile, profileSymbolizer } from '../../src/profile/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { fuzz } from '../helpers/fuzz.js';

const SOURCE = `
static inline int sq(int x) { return x * x; }
int table[64];
int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += (i & 1) ? sq(i) : table[i & 63]; return s; }
int main(int argc, char **argv) { (void)argv; return work(argc); }
`;

test('mutated profiles: every reader entry point returns or throws a VirtmemError', (t) => {
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc missing\n'); t.skip('gcc missing'); return; }
  const c = compile(SOURCE, ['-g', '-O2'], { name: 'prog', replayable: true });
  try {
    const bytes = buildProfile(c.out).bytes;
    const file = path.join(c.dir, 'p.profile');
    fs.writeFileSync(file, bytes);
    // Round trip: profile lines == DWARF lines for every byte of .text.
    const elf = ElfFile.open(c.out);
    const text = elf.section('.text')!;
    elf.close();
    const dwarf = LineTable.fromDwarf(new DwarfInfo(loadDwarfSections(c.out)));
    const prof = Profile.open(file);
    for (let a = text.addr - 16n; a < text.addr + BigInt(text.size) + 16n; a++) assert.deepEqual(prof.lines().lookup(a), dwarf.lookup(a), `0x${a.toString(16)}`);
    prof.close();
    const m = path.join(c.dir, 'm.profile');
    const bad = fuzz(bytes, 2024, 400, (b) => {
      fs.writeFileSync(m, b);
      const p = Profile.open(m);
      try {
        const s = profileSymbolizer(p);
        for (let a = text.addr; a < text.addr + BigInt(text.size); a += 7n) s.symbolize(a);
        p.parts();
        if (p.has('.ctf')) p.ctf();
      } finally {
        p.close();
      }
    }, 0, 'profile');
    assert.deepEqual(bad, []);
  } finally {
    c.cleanup();
  }
});
