/**
 * dwarf2ctf on damaged DWARF: mutations of a real gcc object's .debug_info,
 * .debug_abbrev and .debug_line go through the scan, the passes and the CTF
 * writer; each run ends normally (bad units and types become warnings) or
 * with a VirtmemError, never anything else, never a hang. Also: response
 * files and usage errors of the command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDict } from '../../src/ctf/index.js';
import { TypeGraph, brokenTypes, buildDict, scanFile, SHARED_MODULE } from '../../src/dedup/index.js';
import { DwarfInfo, dwarfSectionsFromElf, type DwarfSections } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { expandResponseFiles } from '../../src/cli/dwarf2ctf.js';
import { tmpdir } from '../helpers/ctf-tools.js';
import { fuzz } from '../helpers/fuzz.js';

const SRC = `
struct list { struct list *next, *prev; };
struct s { int a; unsigned b:3; union { long l; char c[8]; }; struct list l2; const char *name; int (*f)(int); int flex[]; };
typedef struct s s_t;
enum e { A, B = 7 };
s_t global_s; enum e global_e;
int f(void) { struct local { int x; } y = { 1 }; return y.x; }
`;

function pipeline(sections: DwarfSections): void {
  const summary = scanFile(new DwarfInfo(sections), 'fuzz.o', { moduleOf: () => 'fuzz', namespaced: () => false });
  const g = new TypeGraph(true);
  g.merge(summary);
  g.finish();
  const broken = brokenTypes(g, () => {});
  const byModule = g.typesByModule();
  const shared = buildDict(g, SHARED_MODULE, byModule[SHARED_MODULE], broken, undefined, { littleEndian: true, parentName: 'shared_ctf' });
  writeDict(shared.data);
  for (let m = 1; m < g.moduleNames.length; m++) writeDict(buildDict(g, m, byModule[m], broken, shared.ids, { littleEndian: true, parentName: 'shared_ctf' }).data);
}

test('mutated DWARF never crashes dwarf2ctf: warnings or a VirtmemError', (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-fuzz-');
  t.after(cleanup);
  for (const [variant, flags] of [['dw5', ['-gdwarf-5']], ['dw2', ['-gdwarf-2']], ['types', ['-gdwarf-4', '-fdebug-types-section']]] as const) {
    fs.writeFileSync(path.join(dir, 'f.c'), SRC);
    const obj = path.join(dir, `${variant}.o`);
    execFileSync('gcc', [...flags, '-c', path.join(dir, 'f.c'), '-o', obj]);
    const sections = dwarfSectionsFromElf(ElfFile.open(obj));
    pipeline(sections); // the undamaged object goes through
    for (const role of ['info', 'abbrev', 'line'] as const) {
      const orig = sections[role];
      if (!orig) continue;
      const bad = fuzz(orig, 0xd2c + role.length + variant.length, 150, (b) => pipeline({ ...sections, [role]: b }));
      assert.deepEqual(bad, [], `${variant} ${role}`);
    }
  }
});

test('response files expand in place, nest, and fail as usage errors', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-rsp-');
  t.after(cleanup);
  fs.writeFileSync(path.join(dir, 'inner'), 'c.o\n d.o\t');
  fs.writeFileSync(path.join(dir, 'outer'), `b.o @${path.join(dir, 'inner')} e.o`);
  assert.deepEqual(expandResponseFiles(['out', 'a.o', `@${path.join(dir, 'outer')}`, 'f.o']), ['out', 'a.o', 'b.o', 'c.o', 'd.o', 'e.o', 'f.o']);
  fs.writeFileSync(path.join(dir, 'loop'), `@${path.join(dir, 'loop')}`);
  assert.throws(() => expandResponseFiles([`@${path.join(dir, 'loop')}`]), /nested deeper/);
  const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../bin/dwarf2ctf.js');
  const r = spawnSync(process.execPath, [bin, path.join(dir, 'o'), `@${path.join(dir, 'missing')}`], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^virtmem: cannot read response file/);
  // The scanners the entry script starts (prestart.ts) go with it: none holds the error up or stays
  // behind. They are told apart from other tests' by a mark in their environment.
  const mark = `${process.pid}-${Date.now()}`;
  const t0 = performance.now();
  const u = spawnSync(process.execPath, [bin, path.join(dir, 'o')], { encoding: 'utf8', env: { ...process.env, VIRTMEM_TEST_MARK: mark } });
  assert.equal(u.status, 1);
  assert.match(u.stderr, /usage: dwarf2ctf OUTDIR/);
  assert.ok(performance.now() - t0 < 10_000, `a usage error took ${(performance.now() - t0).toFixed(0)} ms`);
  // With objects to scan, the scanners are started before the arguments are checked.
  const m = spawnSync(process.execPath, [bin, path.join(dir, 'o'), path.join(dir, 'no-objects.builtin'), 'm.builtin', 'b.list', 'a.o', 'b.o'],
    { encoding: 'utf8', env: { ...process.env, VIRTMEM_TEST_MARK: mark } });
  assert.equal(m.status, 1);
  assert.match(m.stderr, /cannot read objects\.builtin/);
  assert.ok(performance.now() - t0 < 20_000, `two usage errors took ${(performance.now() - t0).toFixed(0)} ms`);
  const marked = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return fs.readFileSync(`/proc/${p}/environ`, 'latin1').includes(`VIRTMEM_TEST_MARK=${mark}`); } catch { return false; }
  });
  for (let i = 0; i < 40 && marked().length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(marked(), [], 'scanning processes left running');
  // A very long argument list (tens of thousands of object names) goes through a response file.
  const many = Array.from({ length: 20000 }, (_, i) => `drivers/some/long/path/object_number_${i}.o`);
  fs.writeFileSync(path.join(dir, 'many'), many.join(' '));
  assert.equal(expandResponseFiles([`@${path.join(dir, 'many')}`]).length, 20000);
});
