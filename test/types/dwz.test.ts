/**
 * dwz output: two executables compiled by gcc -g from C sharing a header, then
 * `dwz -m common.debug` (GNU: .gnu_debugaltlink, DW_FORM_GNU_ref_alt and
 * GNU_strp_alt, partial units and DW_TAG_imported_unit) and `dwz -5 -m`
 * (DWARF 5: .debug_sup, DW_FORM_ref_sup4 and strp_sup). pahole 1.24 prints
 * nothing for dwz'd files, so the judge is pahole on the same executables
 * before dwz: every struct and union must have pahole's size, members and
 * holes, through the lazy lookups and through the whole-file load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtmemError } from '../../src/bytes/index.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, isComposite, resolve, summarize } from '../../src/types/index.js';
import { compareWithPahole, havePahole, pahole } from '../helpers/pahole.js';

const HEADER = `
struct list { struct list *next, *prev; };
struct shared { int a; char b; long c; unsigned int f1:3, f2:5; struct list link; char name[16]; };
typedef struct { short x; double y; } pair_t;
enum color { RED, GREEN = 5, BLUE = -1 };
union u { int i; float f; struct shared *s; };
`;
const A = `#include "common.h"
struct only_a { struct shared s; pair_t p; enum color c; union u v; };
struct only_a ga; struct shared sa; pair_t pa;
int main(void) { return ga.s.a + sa.a + (int)pa.x; }
`;
const B = `#include "common.h"
struct only_b { struct list l; union u v[3]; pair_t *pp; };
struct only_b gb; struct shared sb; pair_t pb; union u ub;
int main(void) { return gb.l.next != 0 || sb.a || ub.i; }
`;

function have(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args).status === 0;
}

function run(cwd: string, cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

for (const variant of [{ name: 'GNU (.gnu_debugaltlink)', flags: [] as string[], section: '.gnu_debugaltlink' }, { name: 'DWARF 5 (.debug_sup)', flags: ['-5'], section: '.debug_sup' }]) {
  test(`dwz -m ${variant.name}: types through the supplementary file equal pahole's on the executables before dwz`, (t) => {
    for (const [tool, args] of [['gcc', ['--version']], ['dwz', ['--version']]] as const) {
      if (!have(tool, [...args])) { process.stderr.write(`SKIP: ${tool} not installed\n`); t.skip(`${tool} not installed`); return; }
    }
    if (!havePahole()) { process.stderr.write('SKIP: pahole not installed\n'); t.skip('pahole not installed'); return; }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-dwz-'));
    try {
      fs.writeFileSync(path.join(dir, 'common.h'), HEADER);
      fs.writeFileSync(path.join(dir, 'a.c'), A);
      fs.writeFileSync(path.join(dir, 'b.c'), B);
      for (const x of ['a', 'b']) {
        run(dir, 'gcc', ['-g', '-O0', '-o', `${x}.out`, `${x}.c`]);
        fs.copyFileSync(path.join(dir, `${x}.out`), path.join(dir, `${x}.orig`));
      }
      run(dir, 'dwz', [...variant.flags, '-m', 'common.debug', 'a.out', 'b.out']);
      const readelf = spawnSync('readelf', ['-SW', path.join(dir, 'a.out')], { encoding: 'utf8' }).stdout;
      assert.ok(readelf.includes(variant.section), `dwz wrote ${variant.section}`);

      let compared = 0;
      for (const x of ['a', 'b']) {
        const file = path.join(dir, `${x}.out`);
        const judge = pahole(['-F', 'dwarf', path.join(dir, `${x}.orig`)]);
        assert.ok(judge.size >= 3, `pahole lists ${judge.size} types in ${x}.orig`);
        const sections = loadDwarfSections(file);
        assert.ok(sections.sup, 'the supplementary file is loaded');
        // Lazy lookups by name (the shared types live in the supplementary file now).
        const lazy = new DwarfTypes(new DwarfInfo(sections));
        for (const p of judge.values()) {
          const ours = lazy.lookup(p.name, p.kind);
          assert.ok(ours && isComposite(ours), `${x}: ${p.kind} ${p.name} found`);
          assert.deepEqual(compareWithPahole(ours, p), []);
          const s = summarize(ours);
          assert.deepEqual([s.holes, s.sumHoles, s.bitHoles, s.sumBitHoles], [p.holes, p.sumHoles, p.bitHoles, p.sumBitHoles], `${x}: ${p.name} holes`);
          compared++;
        }
        // The whole-file load: the same names and sizes, each type as pahole lays it out.
        const bulk = new DwarfTypes(new DwarfInfo(loadDwarfSections(file)));
        const listed = new Map<string, number>();
        for (const ty of bulk.loadAll().named) {
          if (!isComposite(ty) || ty.name === undefined) continue;
          listed.set(ty.name, ty.size);
          const p = judge.get(ty.name);
          assert.ok(p, `${x}: ${ty.name} is one pahole lists`);
          assert.deepEqual(compareWithPahole(ty, p), []);
        }
        assert.deepEqual([...listed.keys()].sort(), [...judge.keys()].sort(), `${x}: the structs and unions pahole lists`);
        // A variable whose type is in the supplementary file.
        const v = lazy.variable(x === 'a' ? 'sa' : 'sb');
        assert.ok(v && resolve(v.type).kind === 'struct' && v.address !== undefined);
        assert.equal((resolve(v.type) as { name?: string }).name, 'shared');
      }
      process.stderr.write(`dwz ${variant.name}: ${compared} structs/unions compared with pahole on the files before dwz\n`);

      // Without the supplementary file: an error naming it, not a crash.
      fs.renameSync(path.join(dir, 'common.debug'), path.join(dir, 'gone.debug'));
      const orphan = new DwarfTypes(new DwarfInfo(loadDwarfSections(path.join(dir, 'a.out'))));
      assert.throws(() => orphan.lookup('only_a', 'struct'), (e: unknown) => e instanceof VirtmemError && /common\.debug/.test((e as Error).message));
      assert.doesNotThrow(() => orphan.loadAll());
      assert.ok(orphan.loadAll().problems.length > 0, 'the whole-file load reports what it could not read');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
