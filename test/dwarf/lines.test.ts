/**
 * Line programs: the state machine's rows equal llvm-dwarfdump --debug-line's
 * (address, line, column, file, discriminator, is_stmt, end_sequence) for gcc
 * output in DWARF 2, 3, 4 and 5 (both file-table forms), at -O0 and -O2
 * (discriminators, many files through inlined headers); the whole-file table
 * answers every instruction address of .text as binutils' addr2line does; and
 * mutated line sections end in a VirtmemError, never anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DwarfInfo, LineTable, loadDwarfSections, readLineHeader, lineRows, DW_AT_stmt_list, type DwarfSections } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { formatLine } from '../../src/profile/index.js';
import { haveTool } from '../helpers/cc.js';
import { fuzz } from '../helpers/fuzz.js';

const HEADER = `
static inline int sq(int x) { return x * x; }
static inline int twice(int x) { for (int i = 0; i < 2; i++) x += sq(i); return x; }
`;
const SOURCE = `
#include "helper.h"
int g;
int work(int n) {
  int s = 0;
  for (int i = 0; i < n; i++) { if (i & 1) s += twice(i); else s -= sq(i); }
  return s;
}
static int other(int a, int b) { return a > b ? a : b; }
int main(int argc, char **argv) {
  (void)argv;
  g = work(argc) + other(argc, 3);
  return g;
}
`;

function build(flags: string[]): { dir: string; out: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-lines-'));
  const c = { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  fs.writeFileSync(path.join(c.dir, 'helper.h'), HEADER);
  fs.writeFileSync(path.join(c.dir, 'prog.c'), SOURCE);
  const out = path.join(c.dir, 'prog');
  // Relative names and PWD=/proc/self/cwd (what gcc then records as the working directory):
  // the bytes do not depend on the temp dir's name, so a fuzz seed replays.
  const r = spawnSync('gcc', [...flags, '-I', '.', 'prog.c', '-o', 'prog'], { encoding: 'utf8', cwd: c.dir, env: { ...process.env, PWD: '/proc/self/cwd' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return { dir: c.dir, out, cleanup: c.cleanup };
}

interface DumpRow { address: bigint; line: number; column: number; file: number; disc: number; isStmt: boolean; end: boolean }

/** llvm-dwarfdump --debug-line: the rows of each program, by program offset. */
function llvmRows(file: string): Map<number, DumpRow[]> {
  const r = spawnSync('llvm-dwarfdump', ['--debug-line', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<number, DumpRow[]>();
  let cur: DumpRow[] = [];
  for (const l of r.stdout.split('\n')) {
    const h = /^debug_line\[(0x[0-9a-f]+)\]/.exec(l);
    if (h) { cur = []; out.set(Number(h[1]), cur); continue; }
    // Address Line Column File ISA Discriminator [OpIndex, newer LLVM] Flags
    const m = /^(0x[0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)((?:\s+\d+)?)\s*(.*)$/.exec(l);
    if (!m) continue;
    const flags = m[8].split(/\s+/);
    cur.push({ address: BigInt(m[1]), line: +m[2], column: +m[3], file: +m[4], disc: +m[6], isStmt: flags.includes('is_stmt'), end: flags.includes('end_sequence') });
  }
  return out;
}

function programs(d: DwarfInfo): { offset: number; unit: ReturnType<DwarfInfo['infoUnitList']>[number] }[] {
  const out = [];
  for (const u of d.infoUnitList()) {
    const s = u.root().attr(DW_AT_stmt_list);
    if (s && (s.cls === 'secoffset' || s.cls === 'constant')) out.push({ offset: Number(s.value), unit: u });
  }
  return out;
}

for (const version of [2, 3, 4, 5]) {
  for (const opt of ['-O0', '-O2']) {
    test(`line program rows equal llvm-dwarfdump's: gcc -gdwarf-${version} ${opt}`, (t) => {
      if (!haveTool('gcc') || !haveTool('llvm-dwarfdump')) { process.stderr.write('SKIP: gcc or llvm-dwarfdump missing\n'); t.skip('gcc or llvm-dwarfdump missing'); return; }
      const b = build([`-gdwarf-${version}`, opt]);
      try {
        const d = new DwarfInfo(loadDwarfSections(b.out));
        const want = llvmRows(b.out);
        let compared = 0;
        for (const { offset, unit } of programs(d)) {
          const h = readLineHeader(d, offset, unit);
          assert.equal(h.version, version === 5 ? 5 : version <= 3 ? h.version : version, 'line table version');
          const ours = lineRows(d, h);
          const theirs = want.get(offset);
          assert.ok(theirs, `llvm-dwarfdump lists program 0x${offset.toString(16)}`);
          assert.equal(ours.length, theirs.length, `row count of program 0x${offset.toString(16)}`);
          ours.forEach((r, i) => {
            const w = theirs[i];
            assert.deepEqual([r.address, r.line, r.column, r.file, r.discriminator, r.isStmt, r.endSequence], [w.address, w.line, w.column, w.file, w.disc, w.isStmt, w.end], `row ${i}`);
          });
          compared += ours.length;
        }
        assert.ok(compared > 10, `${compared} rows compared`);
      } finally {
        b.cleanup();
      }
    });
  }
}

for (const version of [4, 5]) {
  test(`LineTable answers every address of the program's functions as binutils addr2line: gcc -gdwarf-${version} -O2`, (t) => {
    if (!haveTool('gcc') || !haveTool('addr2line')) { process.stderr.write('SKIP: gcc or addr2line missing\n'); t.skip('gcc or addr2line missing'); return; }
    const b = build([`-gdwarf-${version}`, '-O2']);
    try {
      // Every byte of the functions compiled from SOURCE (outside them, in crt code without
      // DWARF, addr2line falls back to STT_FILE symbols for a file name: not line tables).
      const elf = ElfFile.open(b.out);
      const fns = elf.symbols().filter((s) => ['work', 'main', 'other'].some((n) => s.name === n || s.name.startsWith(n + '.')) && s.size > 0n);
      elf.close();
      assert.ok(fns.length >= 2, 'functions of the test program in .symtab');
      const table = LineTable.fromDwarf(new DwarfInfo(loadDwarfSections(b.out)));
      const addrs: bigint[] = [];
      for (const f of fns) for (let a = 0n; a < f.size; a++) addrs.push(f.value + a);
      const r = spawnSync('addr2line', ['-e', b.out], { input: addrs.map((a) => '0x' + a.toString(16)).join('\n'), encoding: 'utf8' });
      const lines = r.stdout.split('\n');
      addrs.forEach((a, i) => assert.equal(formatLine(table.lookup(a)), lines[i], `0x${a.toString(16)}`));
    } finally {
      b.cleanup();
    }
  });
}

test('mutated .debug_line: header reader, state machine and table end in a VirtmemError', (t) => {
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc missing\n'); t.skip('gcc missing'); return; }
  const b = build(['-gdwarf-5', '-O2']);
  try {
    const base = loadDwarfSections(b.out);
    const bad = fuzz(base.line!, 1002, 300, (m) => {
      const s: DwarfSections = { ...base, line: m };
      const d = new DwarfInfo(s);
      LineTable.fromDwarf(d); // collects problems
      for (const { offset, unit } of programs(d)) lineRows(d, readLineHeader(d, offset, unit));
    }, 0, 'debug_line-v5');
    assert.deepEqual(bad, []);
    const base4 = (() => { const c = build(['-gdwarf-4', '-O0']); try { return loadDwarfSections(c.out); } finally { c.cleanup(); } })();
    assert.deepEqual(fuzz(base4.line!, 1004, 300, (m) => {
      const d = new DwarfInfo({ ...base4, line: m });
      for (const { offset, unit } of programs(d)) lineRows(d, readLineHeader(d, offset, unit));
    }, 0, 'debug_line-v4'), []);
  } finally {
    b.cleanup();
  }
});
