/**
 * dwarf2ctf's rules on small C "modules" compiled by gcc (each .o stands for a
 * module, as a .ko would), judged by objdump --ctf reading the output dicts
 * (children with shared_ctf as their parent) and by pahole for layouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dwarf2ctf, parseBlacklist, type Dwarf2CtfResult } from '../../src/dedup/index.js';
import { DwarfInfo, loadDwarfSections, DW_TAG_member, DW_AT_data_member_location, type Die } from '../../src/dwarf/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { tmpdir } from '../helpers/ctf-tools.js';
import { objdumpDicts, typesNamed } from '../helpers/dedup.js';
import { pahole } from '../helpers/pahole.js';

function cc(dir: string, files: Record<string, string>, flags: string[] = ['-g']): void {
  for (const [name, src] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), src);
  for (const name of Object.keys(files)) {
    if (!name.endsWith('.c')) continue;
    execFileSync('gcc', [...flags, '-c', '-I', dir, path.join(dir, name), '-o', path.join(dir, name.replace(/\.c$/, '.o'))], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

async function run(dir: string, mods: string[], opts: { blacklist?: string; sharing?: boolean; out?: string; jobs?: number } = {}): Promise<Dwarf2CtfResult & { out: string }> {
  const out = path.join(dir, opts.out ?? 'out');
  const r = await dwarf2ctf({
    outDir: out, files: mods.map((m) => path.join(dir, `${m}.o`)), sharing: opts.sharing ?? true, jobs: opts.jobs ?? 1,
    blacklist: parseBlacklist(opts.blacklist ?? ''),
  });
  return { ...r, out };
}

const FOO_H = `
struct bar;
struct foo { struct bar *bar; int n; };
typedef struct foo foo_t;
`;
const BAR_H = `struct bar { long v; };\n`;

test('duplicates across modules go to shared_ctf, single-module types stay in their module, and objdump reads every dict', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, {
    'foo.h': FOO_H, 'bar.h': BAR_H,
    'a.c': '#include "foo.h"\nstruct foo *a_foo;\nstruct a_priv { int x; } a_priv;\nstatic int a_static; int *a_use = &a_static;\nextern int a_elsewhere;\n',
    'b.c': '#include "foo.h"\n#include "bar.h"\nfoo_t b_foo;\n',
  });
  const r = await run(dir, ['a', 'b']);
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '', 'objdump --ctf warns');
  assert.deepEqual([...od.dicts.keys()].sort(), ['a', 'b', 'shared_ctf', 'vmlinux']);
  const shared = od.dicts.get('shared_ctf')!, a = od.dicts.get('a')!, b = od.dicts.get('b')!;
  assert.equal(typesNamed(shared, 'struct foo').length, 1, 'struct foo (used by a and b) is shared');
  assert.equal(typesNamed(a, 'struct foo').length + typesNamed(b, 'struct foo').length, 0, 'and in no module');
  assert.equal(typesNamed(a, 'struct a_priv').length, 1, 'struct a_priv (a only) stays in a');
  assert.equal(typesNamed(shared, 'struct a_priv').length, 0);
  // Variables: externally visible definitions only.
  assert.deepEqual(a.variables.map(([n]) => n).sort(), ['a_foo', 'a_priv', 'a_use']);
  assert.deepEqual(b.variables.map(([n]) => n), ['b_foo']);
  assert.equal(shared.variables.length, 0, 'variables are never shared');
  // Children name their parent; the parent names none.
  assert.equal(a.parentName, 'shared_ctf');
  assert.equal(shared.parentName, '');
});

test('sharedness spreads through members of every definition and through base types; the struct with most members is kept', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, {
    'outer.h': 'struct only_a { int secret; };\nstruct outer {\n\tint n;\n#ifdef EXTRA\n\tconst struct only_a *p;\n#endif\n};\n',
    'a.c': '#define EXTRA\n#include "outer.h"\nstruct outer oa;\n',
    'b.c': '#include "outer.h"\nstruct outer ob;\n',
  });
  const r = await run(dir, ['a', 'b']);
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '');
  const shared = od.dicts.get('shared_ctf')!;
  const [outer] = typesNamed(shared, 'struct outer');
  assert.ok(outer, 'struct outer is shared');
  assert.deepEqual(outer.members.map((m) => m.name), ['n', 'p'], 'the definition with more members is kept');
  // Only a saw struct only_a, yet a shared struct reaches it: pointer, const and the struct itself are shared.
  assert.equal(typesNamed(shared, 'struct only_a').length, 1);
  assert.equal(typesNamed(shared, 'const struct only_a').length, 1);
  assert.equal(typesNamed(shared, 'const struct only_a *').length, 1);
  assert.equal(typesNamed(od.dicts.get('a'), 'struct only_a').length, 0);
});

test('a definition with as many members but another member type spreads sharedness too, whether met in the same module or a later one, with any number of processes', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, {
    'variant.h': 'struct only_v { int s; };\nstruct only_w { int w; };\nstruct v {\n\tint n;\n#if defined(V)\n\tstruct only_v *p;\n#elif defined(W)\n\tstruct only_w *p;\n#else\n\tlong *p;\n#endif\n};\n',
    // Module m is two compile units, the second with the other definition; module w sees a third.
    'm1.c': '#include "variant.h"\nstruct v m1_v;\n',
    'm2.c': '#define V\n#include "variant.h"\nstruct v m2_v;\n',
    'c.c': '#include "variant.h"\nstruct v c_v;\n',
    'w.c': '#define W\n#include "variant.h"\nstruct v w_v;\n',
  });
  execFileSync('ld', ['-r', path.join(dir, 'm1.o'), path.join(dir, 'm2.o'), '-o', path.join(dir, 'm.o')]);
  const outs: string[] = [];
  for (const jobs of [1, 2]) {
    const { out } = await run(dir, ['m', 'c', 'w'], { jobs, out: `out${jobs}` });
    const od = objdumpDicts(dir, out);
    assert.equal(od.stderr, '', 'objdump --ctf warns');
    const shared = od.dicts.get('shared_ctf')!;
    const [v] = typesNamed(shared, 'struct v');
    assert.ok(v, 'struct v (m, c and w) is shared');
    // The first definition with the most members is kept; the others' member types are shared with it.
    assert.equal(typesNamed(shared, 'struct only_v').length, 1, 'only_v: a member type of m\'s second definition');
    assert.equal(typesNamed(shared, 'struct only_w').length, 1, 'only_w: a member type of w\'s definition');
    for (const m of ['m', 'w']) assert.equal(typesNamed(od.dicts.get(m), 'struct only_v').length + typesNamed(od.dicts.get(m), 'struct only_w').length, 0);
    outs.push(fs.readdirSync(out).sort().map((f) => `${f}:${fs.readFileSync(path.join(out, f)).toString('base64')}`).join('\n'));
  }
  assert.equal(outs[0], outs[1], 'the same dicts with 1 and 2 processes');
});

test('the struct one / struct two cycle terminates with both shared', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  const h = 'struct one;\nstruct two { struct one *foo; };\nstruct one { struct two *foo; };\n';
  cc(dir, { 'cyc.h': h, 'a.c': '#include "cyc.h"\nstruct two a_two;\n', 'b.c': '#include "cyc.h"\nstruct two b_two;\nstruct one b_one;\n' });
  const r = await run(dir, ['a', 'b']);
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '');
  const shared = od.dicts.get('shared_ctf')!;
  assert.equal(typesNamed(shared, 'struct one').length, 1);
  assert.equal(typesNamed(shared, 'struct two').length, 1);
  assert.equal(typesNamed(shared, 'struct one *').length, 1);
  assert.equal(typesNamed(shared, 'struct two *').length, 1);
  for (const m of ['a', 'b']) assert.equal([...od.dicts.get(m)!.types.values()].filter((x) => /struct (one|two)/.test(x.text)).length, 0);
});

test('alias fixup ties opaque and complete structs together, repeated until nothing changes', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  // foo is shared (a, b). Its member points to an opaque bar in a and b; only c defines bar,
  // whose member points to baz, which only d defines: two rounds of alias fixup.
  cc(dir, {
    'foo.h': 'struct bar;\nstruct foo { struct bar *bar; };\n',
    'bar.h': 'struct baz;\nstruct bar { struct baz *baz; int v; };\n',
    'baz.h': 'struct baz { long deep; };\n',
    'a.c': '#include "foo.h"\nstruct foo a_foo;\n',
    'b.c': '#include "foo.h"\nstruct foo b_foo;\n',
    'c.c': '#include "bar.h"\nstruct bar c_bar;\n',
    'd.c': '#include "baz.h"\nstruct baz d_baz;\n',
  });
  const r = await run(dir, ['a', 'b', 'c', 'd']);
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '');
  const shared = od.dicts.get('shared_ctf')!;
  const bar = typesNamed(shared, 'struct bar').filter((x) => x.kind === 6);
  const baz = typesNamed(shared, 'struct baz').filter((x) => x.kind === 6);
  assert.equal(bar.length, 1, 'the complete struct bar is shared (alias of the shared opaque one)');
  assert.equal(baz.length, 1, 'and so is the complete struct baz, reached through bar');
  assert.equal(typesNamed(od.dicts.get('c'), 'struct bar').length, 0);
  assert.equal(typesNamed(od.dicts.get('d'), 'struct baz').length, 0);
  assert.ok(r.graph.stats.aliasRounds >= 3, `alias fixup ran ${r.graph.stats.aliasRounds} rounds`);
  assert.ok(r.graph.stats.sharedByAlias >= 2);
});

test('the blacklist: a module that #defines a shared struct into another shape keeps its own copy', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  const ens = '#include "pci.h"\nstruct ensoniq {\n\tstruct pcidev *pci;\n#ifdef CHIP1371\n\tlong ac97[8];\n#endif\n\tint irq;\n};\nstruct ensoniq card;\nstruct pcidev shared_dev;\n';
  cc(dir, {
    'pci.h': 'struct pcidev { int bus; };\n',
    'ens1370.c': ens,
    'ens1371.c': '#define CHIP1371\n#include "ens1370.c"\n',
  });
  // Without the blacklist the two shapes collide: one of them is wrong for the other module.
  const plain = await run(dir, ['ens1370', 'ens1371'], { out: 'plain' });
  const odp = objdumpDicts(dir, plain.out);
  const [wrong] = typesNamed(odp.dicts.get('shared_ctf'), 'struct ensoniq');
  assert.ok(wrong, 'without the blacklist struct ensoniq is shared');
  assert.equal(wrong.size, 80, 'with 1371\'s shape');
  const r = await run(dir, ['ens1370', 'ens1371'], { blacklist: '# modules that redefine shared types\nens1371\n', out: 'black' });
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '');
  assert.equal(typesNamed(od.dicts.get('shared_ctf'), 'struct ensoniq').length, 0);
  const [e70] = typesNamed(od.dicts.get('ens1370'), 'struct ensoniq');
  const [e71] = typesNamed(od.dicts.get('ens1371'), 'struct ensoniq');
  assert.deepEqual([e70?.size, e70?.members.map((m) => m.name)], [16, ['pci', 'irq']]);
  assert.deepEqual([e71?.size, e71?.members.map((m) => m.name)], [80, ['pci', 'ac97', 'irq']]);
  assert.equal(e71.members[2].bitOffset, 72 * 8);
});

test('out-of-tree mode (-e) shares nothing: every dict stands alone with all it uses', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, { 'foo.h': FOO_H, 'bar.h': BAR_H, 'a.c': '#include "foo.h"\nstruct foo *a_foo;\nvoid *a_v;\n', 'b.c': '#include "foo.h"\n#include "bar.h"\nfoo_t b_foo;\n' });
  const r = await run(dir, ['a', 'b'], { sharing: false });
  assert.deepEqual(fs.readdirSync(r.out).sort(), ['a.mod.ctf', 'b.mod.ctf']);
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '');
  for (const m of ['a', 'b']) {
    const d = od.dicts.get(m)!;
    assert.equal(d.parentName, '', `${m} has no parent`);
    assert.equal(typesNamed(d, 'struct foo').length, 1, `${m} has its own struct foo`);
    for (const ty of d.types.values()) assert.ok(ty.id < 0x80000000, 'no child ids');
  }
  assert.equal(typesNamed(od.dicts.get('a'), 'void *').length, 1, 'void is in the standalone dict');
});

const LAYOUT_C = `
struct horror {
	int spacer;
	union {
		struct {
			int spacer;
			struct { int foo; int bar; } b;
		} a;
		struct { char x; long y; };
	};
	const struct { short q1; short q2; };
	unsigned int f1:3, f2:7;
	signed char f3:2;
	int (*fn)(const char *, ...);
	const volatile unsigned long *restrict cvr;
	char name[16];
	int grid[2][3];
	int zero[0];
};
struct flex { int n; char data[]; };
union u { int i; float f; };
enum color { RED, GREEN = 5, BLUE = -1 };
typedef void (*handler_t)(int);
struct user { struct horror h; struct flex *f; union u u; enum color c; handler_t h2; double d; _Bool b; };
struct user the_user;
_Atomic int atomic_var;
`;

/** Our CTF struct layouts against pahole's, for every struct and union pahole prints. */
function checkLayouts(out: string, dir: string, obj: string, label: string): void {
  const od = objdumpDicts(dir, out, fs.readdirSync(out).filter((f) => f.endsWith('.ctf')));
  assert.equal(od.stderr, '', `${label}: objdump warns`);
  const all = [...od.dicts.values()].flatMap((d) => [...d.types.values()]);
  const ph = pahole(['-F', 'dwarf', obj]);
  assert.ok(ph.size >= 4);
  for (const [name, p] of ph) {
    const ours = all.filter((x) => x.text === `${p.kind} ${name}` && x.kind === (p.kind === 'struct' ? 6 : 7));
    assert.equal(ours.length, 1, `${label}: ${p.kind} ${name} once`);
    const o = ours[0];
    if (p.size >= 0) assert.equal(o.size, p.size, `${label}: size of ${name}`);
    assert.deepEqual(o.members.map((m) => [m.name, m.bitOffset]), p.members.map((m) => [m.name, m.bitOffset]), `${label}: members of ${name}`);
  }
}

test('every kind and every member-offset case, in DWARF 2 (block locations, legacy bit offsets), 4 with type units, 5 and compressed, matches pahole', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  const variants: [string, string[]][] = [
    ['dw2', ['-gdwarf-2', '-gstrict-dwarf']],
    ['dw4types', ['-gdwarf-4', '-fdebug-types-section']],
    ['dw5', ['-gdwarf-5']],
    ['dw5gz', ['-gdwarf-5', '-gz=zlib']],
  ];
  const results: string[][] = [];
  // pahole 1.24 does not read type units in a relocatable object: it judges a DWARF 5 build of the same source.
  cc(dir, { 'ref.c': LAYOUT_C }, ['-gdwarf-5']);
  for (const [name, flags] of variants) {
    cc(dir, { [`${name}.c`]: LAYOUT_C }, flags);
    const r = await run(dir, [name], { out: `out-${name}` });
    assert.deepEqual(r.warnings, [], `${name}: no warnings`);
    checkLayouts(r.out, dir, path.join(dir, 'ref.o'), name);
    const od = objdumpDicts(dir, r.out);
    const types = [...od.dicts.values()].flatMap((d) => [...d.types.values()].map((x) => x.text)).sort();
    results.push(types);
    // Spot checks that pahole does not make.
    const every = [...od.dicts.values()].flatMap((d) => [...d.types.values()]);
    // CTF writes a flexible array as 0 elements, which objdump prints as [0].
    const flex = every.find((x) => x.text === 'char [0]');
    assert.ok(flex, `${name}: flexible array`);
    assert.ok(every.some((x) => x.text === 'int [3][2]' || x.text === 'int [2][3]'), `${name}: 2-D array`);
    // DWARF 2 has no DW_TAG_restrict_type (gcc drops the qualifier there).
    const cv = name === 'dw2' ? 'volatile const long unsigned int *' : 'volatile const long unsigned int *restrict';
    assert.ok(every.some((x) => x.text === cv), `${name}: cv-qualifiers (${cv})`);
    assert.ok(every.some((x) => x.text.includes('(*)') && x.kind === 3), `${name}: function pointers`);
    const vars = [...od.dicts.values()].flatMap((d) => d.variables);
    const av = vars.find(([n]) => n === 'atomic_var');
    assert.ok(av && every.find((x) => x.id === av[1])?.text === 'int', `${name}: _Atomic is transparent`);
    const color = every.find((x) => x.text === 'enum color')!;
    assert.deepEqual(color.enumerators, [{ name: 'RED', value: 0 }, { name: 'GREEN', value: 5 }, { name: 'BLUE', value: -1 }]);
  }
  const noRestrict = (l: string[]) => l.filter((x) => !x.includes('restrict'));
  for (let i = 2; i < results.length; i++) assert.deepEqual(results[i], results[1], `${variants[i][0]} gives the same types as ${variants[1][0]}`);
  assert.deepEqual(noRestrict(results[0]), noRestrict(results[1]), 'DWARF 2 gives the same types but for restrict');
});

/** Patch the DW_OP_plus_uconst of member `member`'s location in a DWARF 2 object into DW_OP_lit0 DW_OP_plus. */
function breakMemberLocation(obj: string, member: string): void {
  const info = new DwarfInfo(loadDwarfSections(obj));
  let target: Die | undefined;
  const walk = (d: Die, depth: number) => {
    if (depth > 8) return;
    for (const c of d.children()) {
      if (c.tag === DW_TAG_member && c.name() === member) target = c;
      walk(c, depth + 1);
    }
  };
  for (const u of info.infoUnitList()) walk(u.root(), 0);
  assert.ok(target, `member ${member} found`);
  const loc = target!.attr(DW_AT_data_member_location);
  assert.ok(loc && loc.cls === 'block' && loc.bytes[0] === 0x23, 'a DW_OP_plus_uconst block');
  const elf = ElfFile.open(obj);
  const sec = elf.section('.debug_info')!;
  elf.close();
  const bytes = fs.readFileSync(obj);
  bytes[sec.offset + loc.offset] = 0x96; // DW_OP_nop: an expression dwarf2ctf does not accept
  fs.writeFileSync(obj, bytes);
}

test('a type that cannot be assembled is left out with a warning naming it; what refers to it goes too; the dict stays valid', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, {
    'm.c': 'struct victim { int a; int broken_here; };\nstruct user { struct victim *v; };\nstruct fine { int ok; };\n' +
      'struct user u; struct fine f; struct victim vv;\n',
  }, ['-gdwarf-2', '-gstrict-dwarf']);
  breakMemberLocation(path.join(dir, 'm.o'), 'broken_here');
  const r = await run(dir, ['m']);
  assert.ok(r.warnings.some((w) => w.includes('struct victim') && w.includes('broken_here')), `a warning names the type: ${r.warnings.join(' | ')}`);
  const od = objdumpDicts(dir, r.out);
  assert.equal(od.stderr, '');
  const all = [...od.dicts.values()].flatMap((d) => [...d.types.values()]);
  assert.ok(!all.some((x) => x.text.includes('struct victim')), 'struct victim and its pointer are left out');
  assert.ok(!all.some((x) => x.text === 'struct user'), 'struct user refers to it and is left out');
  assert.ok(all.some((x) => x.text === 'struct fine'), 'the rest is there');
  const m = od.dicts.get('m')!;
  assert.deepEqual(m.variables.map(([n]) => n), ['f'], 'variables of left-out types go too');
});

test('unchanged input rewrites nothing', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, { 'foo.h': FOO_H, 'a.c': '#include "foo.h"\nfoo_t a;\n', 'b.c': '#include "foo.h"\nfoo_t b;\n' });
  const r1 = await run(dir, ['a', 'b']);
  const mtimes = (o: string) => fs.readdirSync(o).map((f) => [f, fs.statSync(path.join(o, f)).mtimeMs]);
  const before = mtimes(r1.out);
  await new Promise((res) => setTimeout(res, 20));
  const r2 = await run(dir, ['a', 'b']);
  assert.ok(r2.dicts.every((d) => !d.written));
  assert.deepEqual(mtimes(r2.out), before);
});

test('type IDs use canonical paths: a header reached by two different relative paths is one type', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  fs.mkdirSync(path.join(dir, 'inc'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'inc', 'foo.h'), FOO_H);
  fs.writeFileSync(path.join(dir, 'sub', 'a.c'), '#include "../inc/foo.h"\nstruct foo a_foo;\n');
  fs.writeFileSync(path.join(dir, 'b.c'), '#include "./inc/../inc/foo.h"\nstruct foo b_foo;\n');
  execFileSync('gcc', ['-g', '-c', 'sub/a.c', '-o', 'a.o'], { cwd: dir });
  execFileSync('gcc', ['-g', '-c', 'b.c', '-o', 'b.o'], { cwd: dir });
  const r = await run(dir, ['a', 'b']);
  const ids = r.graph.ids.filter((id) => id.endsWith('//struct foo'));
  assert.deepEqual(ids, [`${fs.realpathSync(dir)}/inc/foo.h//3//struct foo`], 'one ID, with the canonical path');
  const od = objdumpDicts(dir, r.out);
  assert.equal(typesNamed(od.dicts.get('shared_ctf'), 'struct foo').length, 1);
});

test('ctf embed: a module dict into its object as .ctf, and a ctf.ko-style container; ctf dump resolves children through shared_ctf', async (t) => {
  const { dir, cleanup } = tmpdir('virtmem-d2c-');
  t.after(cleanup);
  cc(dir, { 'foo.h': FOO_H, 'bar.h': BAR_H, 'a.c': '#include "foo.h"\nstruct foo *a_foo;\nstruct a_priv { struct foo f; } a_priv;\n', 'b.c': '#include "foo.h"\n#include "bar.h"\nfoo_t b_foo;\n' });
  const r = await run(dir, ['a', 'b']);
  const virtmem = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../bin/virtmem.js');
  const vm = (...args: string[]) => spawnSync(process.execPath, [virtmem, ...args], { encoding: 'utf8' });
  // The container: one .ctf archive; objdump reads it with shared_ctf as the parent.
  const ko = path.join(dir, 'ctf.ko');
  let c = vm('ctf', 'embed', '--container', r.out, '-o', ko, '--like', path.join(dir, 'a.o'), '--seed-sections');
  assert.equal(c.status, 0, c.stderr);
  const od = spawnSync('objdump', ['--ctf=.ctf', '--ctf-parent=shared_ctf', ko], { encoding: 'utf8' });
  assert.equal(od.status, 0);
  assert.equal(od.stderr, '');
  assert.match(od.stdout, /CTF archive member: shared_ctf/);
  assert.match(od.stdout, /CTF archive member: vmlinux/);
  const secs = spawnSync('readelf', ['-SW', ko], { encoding: 'utf8' }).stdout;
  assert.match(secs, / \.ctf\.shared_ctf /);
  assert.match(secs, / \.ctf\.vmlinux /);
  c = vm('ctf', 'dump', ko);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /struct foo \{\n\tstruct bar \*bar;\n\tint n;\n\};/);
  // A module: its dict into its object; objdump reads the section, ctf dump with --parent shows its types.
  const out = path.join(dir, 'a-ctf.o');
  c = vm('ctf', 'embed', path.join(dir, 'a.o'), path.join(r.out, 'a.mod.ctf'), '-o', out);
  assert.equal(c.status, 0, c.stderr);
  const oda = spawnSync('objdump', ['--ctf=.ctf', out], { encoding: 'utf8' });
  assert.equal(oda.status, 0);
  assert.match(oda.stdout, /Parent name: shared_ctf/);
  c = vm('ctf', 'dump', '--parent', path.join(r.out, 'shared_ctf.builtin.ctf'), out);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /struct a_priv \{\n\tstruct foo f;\n\};/);
  assert.match(c.stdout, /extern struct foo \*a_foo;/);
  // Embedding again replaces the section (the seed's --gzip layout this time).
  c = vm('ctf', 'embed', out, path.join(r.out, 'a.mod.ctf'), '-o', out, '--gzip');
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /replaced/);
  c = vm('ctf', 'dump', '--parent', path.join(r.out, 'shared_ctf.builtin.ctf'), out);
  assert.match(c.stdout, /struct a_priv/);
});
