/**
 * DWARF -> types, judged by pahole and llvm-dwarfdump: C compiled by gcc with
 * every DWARF version, type units and compressed sections; every struct and
 * union pahole prints must have our size and, member by member, our name,
 * bit offset and bitfield width. Then the C printer's output is compiled again
 * and pahole must print the same layouts for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, isComposite, printC, sizeof, type Type } from '../../src/types/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { compareWithPahole, pahole, type PaholeType } from '../helpers/pahole.js';
import { NAMED_COMPOSITES, PAHOLE_CANNOT, TYPES_C } from './fixture-c.js';

const VARIANTS: { flags: string[]; cc?: string; obj?: boolean }[] = [
  { flags: ['-gdwarf-2'] },
  { flags: ['-gdwarf-3'] },
  { flags: ['-gdwarf-4'] },
  { flags: ['-gdwarf-5'] },
  { flags: ['-gdwarf-4', '-fdebug-types-section'] },
  { flags: ['-gdwarf-5', '-fdebug-types-section'] },
  { flags: ['-gdwarf-5', '-gz'] },
  { flags: ['-gdwarf-4', '-gdwarf64'] },
  { flags: ['-gdwarf-2'], cc: 's390x-linux-gnu-gcc' },
  { flags: ['-gdwarf-4'], cc: 's390x-linux-gnu-gcc' },
  { flags: ['-gdwarf-5'], cc: 'i686-linux-gnu-gcc' },
  // Relocatable objects: elf/ applies the .rela.debug_* relocations.
  { flags: ['-gdwarf-5'], obj: true },
  { flags: ['-gdwarf-4', '-gz'], obj: true },
  { flags: ['-gdwarf-4', '-fdebug-types-section'], obj: true },
  { flags: ['-gdwarf-2'], cc: 's390x-linux-gnu-gcc', obj: true },
  { flags: ['-gdwarf-5'], cc: 'i686-linux-gnu-gcc', obj: true },
];

/** Sizes llvm-dwarfdump reports for named struct/union/enum/base types (first DIE per name). */
function dwarfdumpSizes(file: string): Map<string, number> {
  const r = spawnSync('llvm-dwarfdump', ['--debug-info', '--debug-types', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = new Map<string, number>();
  let tag = '', name = '', size = -1, decl = false;
  const flush = () => {
    if (tag && name && size >= 0 && !decl && !out.has(`${tag} ${name}`)) out.set(`${tag} ${name}`, size);
    tag = ''; name = ''; size = -1; decl = false;
  };
  for (const line of r.stdout.split('\n')) {
    const t = /^0x[0-9a-f]+:\s+DW_TAG_(structure_type|union_type|enumeration_type|base_type)/.exec(line);
    if (t) { flush(); tag = t[1]; continue; }
    if (/^0x[0-9a-f]+:/.test(line)) { flush(); continue; }
    if (!tag) continue;
    const n = /DW_AT_name\s+\("(.*)"\)/.exec(line);
    if (n && !name) name = n[1];
    const s = /DW_AT_byte_size\s+\((0x[0-9a-f]+)\)/.exec(line);
    if (s && size < 0) size = Number(s[1]);
    if (/DW_AT_declaration\s+\(true\)/.test(line)) decl = true;
  }
  flush();
  return out;
}

const KIND_OF_TAG: Record<string, 'struct' | 'union' | 'enum' | 'int'> = {
  structure_type: 'struct', union_type: 'union', enumeration_type: 'enum', base_type: 'int',
};

for (const v of VARIANTS) {
  const label = `${v.cc ?? 'gcc'} ${v.flags.join(' ')}${v.obj ? ' -c' : ''}`;
  const link = v.obj ? ['-c'] : ['-shared', '-fPIC', '-nostdlib'];
  const outName = v.obj ? 'out.o' : 'out.so';
  test(`every struct and union matches pahole and llvm-dwarfdump: ${label}`, (t) => {
    for (const tool of [v.cc ?? 'gcc', 'pahole', 'llvm-dwarfdump']) {
      if (!haveTool(tool)) { process.stderr.write(`SKIP: ${tool} not installed\n`); t.skip(`${tool} not installed`); return; }
    }
    const c = compile(TYPES_C, ['-g', ...v.flags, ...link, '-O0'], { cc: v.cc, name: outName });
    try {
      const info = new DwarfInfo(loadDwarfSections(c.out));
      const ti = new DwarfTypes(info);
      // The variant really exercises what it names.
      const units = info.units();
      if (v.flags.includes('-fdebug-types-section')) assert.ok(units.some((u) => u.header.typeSignature !== undefined), 'type units present');
      if (v.flags.includes('-gdwarf64')) assert.ok(units.every((u) => u.header.offsetSize === 8), '64-bit DWARF');
      const version = Number(/-gdwarf-(\d)/.exec(v.flags.join(' '))![1]);
      assert.ok(units.every((u) => u.header.version === Math.max(version, 2)), `DWARF ${version}`);
      if (v.flags.includes('-gz')) {
        const r = spawnSync('readelf', ['-S', '-W', c.out], { encoding: 'utf8' });
        assert.match(r.stdout, /\.debug_info\s+PROGBITS\s+\S+\s+\S+\s+\S+\s+\S+\s+C/, 'compressed .debug_info');
      }
      // pahole 1.24 crashes on type units; the layout does not depend on the
      // debug format, so it judges the same source compiled without them.
      const typeUnits = v.flags.includes('-fdebug-types-section');
      const plain = typeUnits ? compile(TYPES_C, ['-g', ...v.flags.filter((f) => f !== '-fdebug-types-section'), ...link, '-O0'], { cc: v.cc, name: outName }) : c;
      let judge: Map<string, PaholeType>;
      try { judge = pahole(['-F', 'dwarf', plain.out]); } finally { if (typeUnits) plain.cleanup(); }
      const skipped = [...judge.values()].filter((p) => p.errors).map((p) => p.name);
      assert.ok(skipped.every((n) => PAHOLE_CANNOT.includes(n)), `pahole failed on ${skipped}`);
      for (const n of skipped) judge.delete(n);
      for (const n of NAMED_COMPOSITES) if (!skipped.includes(n)) assert.ok(judge.has(n), `pahole lists ${n}`);
      const bad: string[] = [];
      let compared = 0;
      for (const p of judge.values()) {
        const ours = ti.lookup(p.name, p.kind);
        assert.ok(ours && isComposite(ours), `we find ${p.kind} ${p.name}`);
        bad.push(...compareWithPahole(ours, p));
        compared++;
      }
      assert.deepEqual(bad, [], `mismatches with pahole (${label})`);
      t.diagnostic(`${compared} structs/unions compared with pahole`);

      let sized = 0;
      for (const [k, size] of dwarfdumpSizes(c.out)) {
        const [tag, ...rest] = k.split(' ');
        const name = rest.join(' ');
        const kind = KIND_OF_TAG[tag];
        const ours = kind === 'int' ? (ti.lookup(name, 'int') ?? ti.lookup(name, 'float')) : ti.lookup(name, kind);
        assert.ok(ours, `we find ${k}`);
        assert.equal(sizeof(ours), size, `size of ${k}`);
        sized++;
      }
      assert.ok(sized >= NAMED_COMPOSITES.length + 3);

      // The C printer's output compiles and gives the same layouts.
      const roots: Type[] = [...ti.types()];
      const src = printC(roots);
      const c2 = compile(src + '\n', ['-g', ...v.flags.filter((f) => f !== '-fdebug-types-section'), '-c', '-O0',
        '-fno-eliminate-unused-debug-types'], { cc: v.cc, name: 'again.o' });
      try {
        const again = pahole(['-F', 'dwarf', c2.out]);
        const bad2: string[] = [];
        for (const p of judge.values()) {
          const q = again.get(p.name);
          if (!q) { bad2.push(`${p.name} missing after printing`); continue; }
          if (q.size !== p.size && p.size >= 0) bad2.push(`${p.name}: size ${q.size} after printing, ${p.size} before`);
          const named = (m: PaholeType['members']) => m.map((x) => `${x.name}@${x.bitOffset}:${x.bitSize ?? ''}`);
          assert.deepEqual(named(q.members), named(p.members), `layout of ${p.name} after printing\n${src}`);
        }
        assert.deepEqual(bad2, [], src);
      } finally {
        c2.cleanup();
      }
    } finally {
      c.cleanup();
    }
  });
}
