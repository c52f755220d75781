import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CtfDict, CtfTypes, openCtf, typesToCtf, writeDict } from '../../src/ctf/index.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, type NamedKind, type Type } from '../../src/types/index.js';
import { compile, dumpSection, link, objdumpCtf, parseObjdumpCtf, tmpdir, wrapCtf } from '../helpers/ctf-tools.js';
import { shape } from './shape.js';
import { CONFLICT_A, CONFLICT_B, CONFLICT_C, EVERY_KIND } from './source.js';

/** A kernel-flavoured source: lists, bitfields of typedefs, nested anonymous members, function pointers, 2-D arrays. */
const KERNELISH = `
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
struct list_head { struct list_head *next, *prev; };
struct ops { int (*open)(struct inode_like *, void *); void (*release)(void); long (*ioctl)(unsigned int, unsigned long, ...); };
struct inode_like { u32 i_mode; u8 i_flag1:1, i_flag2:3; u64 big:40; struct list_head i_list;
  union { struct { u32 a, b; }; u64 ab; }; const struct ops *i_op; char grid[4][5][6]; int tail[]; };
enum state { ST_NEG = -2, ST_ZERO, ST_BIG = 0x7fffffff };
struct inode_like inode_var;
enum state state_var;
struct ops ops_var;
u64 (*table[3])(int);
volatile unsigned long jiffies_like;
`;

const NAMED: NamedKind[] = ['struct', 'union', 'enum', 'typedef', 'int', 'float'];

function kindOf(t: Type): NamedKind | undefined {
  return (NAMED as string[]).includes(t.kind) ? (t.kind as NamedKind) : undefined;
}

function nameOf(t: Type): string | undefined {
  return 'name' in t ? t.name : undefined;
}

function dwarfOf(file: string): DwarfTypes {
  return new DwarfTypes(new DwarfInfo(loadDwarfSections(file)));
}

/** Differences between DWARF's named types and variables and another source's. */
function compareSources(dwarf: DwarfTypes, other: { lookup(n: string, k?: NamedKind): Type | undefined; variable(n: string): { type: Type } | undefined }, varNames: string[], minTypes = 5): string[] {
  const out: string[] = [];
  let n = 0;
  for (const t of dwarf.types()) {
    const k = kindOf(t);
    const name = nameOf(t);
    if (!k || !name) continue;
    n++;
    const o = other.lookup(name, k);
    if (!o) { out.push(`${k} ${name}: missing`); continue; }
    if (shape(o) !== shape(t)) out.push(`${k} ${name}:\n  dwarf ${shape(t)}\n  other ${shape(o)}`);
  }
  if (n < minTypes) out.push(`only ${n} named types compared`);
  for (const v of varNames) {
    const d = dwarf.variable(v);
    const o = other.variable(v);
    if (!d || !o) { out.push(`variable ${v}: dwarf ${!!d}, other ${!!o}`); continue; }
    if (shape(d.type) !== shape(o.type)) out.push(`variable ${v}:\n  dwarf ${shape(d.type)}\n  other ${shape(o.type)}`);
  }
  return out;
}

const VARS_EVERY = ['head', 'uu', 'col', 'sm', 'fnp', 'vfn', 'flag', 'fl', 'cd', 'fa', 'outer', 'vp', 'cvi', 'rp', 'fp'];
const VARS_KERNEL = ['inode_var', 'state_var', 'ops_var', 'table', 'jiffies_like'];

test('gcc -g -gctf: the types and variables our CTF reader builds equal those our DWARF reader builds', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  for (const [name, src, vars] of [['every', EVERY_KIND, VARS_EVERY], ['kernelish', KERNELISH, VARS_KERNEL]] as const) {
    const o = compile(dir, name, src, ['-g', '-gctf']);
    const ctf = new CtfTypes(openCtf(dumpSection(o, '.ctf')).dicts[0].dict, { gccArrayOrder: true });
    assert.deepEqual(compareSources(dwarfOf(o), ctf, [...vars]), [], name);
  }
});

test('ld-linked -gctf executable: each CU\'s types, read through the archive (children through the parent), equal DWARF\'s', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  const srcs = { a: CONFLICT_A, b: CONFLICT_B, c: CONFLICT_C };
  const objs = Object.entries(srcs).map(([n, s]) => compile(dir, n, s, ['-g', '-gctf']));
  const exe = link(dir, 'abc', objs, ['-g', '-gctf']);
  const set = openCtf(dumpSection(exe, '.ctf'));
  const parent = set.dicts.find((d) => d.name === '.ctf')!.dict;
  for (const [i, n] of Object.keys(srcs).entries()) {
    // A CU's types are in its child dict when they conflicted, else in the parent.
    const child = set.dicts.find((d) => d.name.endsWith(`/${n}.c`))?.dict;
    const ctf = new CtfTypes(child ?? parent, { gccArrayOrder: true });
    assert.deepEqual(compareSources(dwarfOf(objs[i]), ctf, [], 2), [], n);
  }
});

test('round trip DWARF -> types -> CTF -> types equals DWARF -> types; objdump reads what we wrote', (t) => {
  const { dir, cleanup } = tmpdir();
  t.after(cleanup);
  for (const [name, src, vars] of [['every', EVERY_KIND, VARS_EVERY], ['kernelish', KERNELISH, VARS_KERNEL]] as const) {
    const o = compile(dir, name, src, ['-g']);
    const dwarf = dwarfOf(o);
    const roots = [...dwarf.types()];
    const variables = vars.map((v) => dwarf.variable(v)!).filter(Boolean);
    for (const le of [true, false]) {
      const { data, lossy } = typesToCtf(roots, variables, { littleEndian: le, cuName: name });
      assert.deepEqual(lossy, [], `${name}: nothing lost`);
      const bytes = writeDict(data, { compress: !le });
      const back = new CtfTypes(CtfDict.open(bytes));
      assert.deepEqual(compareSources(dwarf, back, [...vars]), [], `${name} ${le ? 'LE' : 'BE'}`);
      const { stdout, stderr } = objdumpCtf(wrapCtf(dir, bytes, `${name}-${le}`));
      assert.equal(stderr, '', 'objdump reads it without a warning');
      const [od] = parseObjdumpCtf(stdout);
      assert.equal(od.types.size, data.types.length);
      assert.deepEqual(od.variables.map((v) => v[0]), [...new Set(variables.map((v) => v.name))].sort());
    }
  }
});
