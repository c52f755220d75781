/**
 * Bad DWARF: real gcc output with one thing broken at a time. Each gives a
 * FormatError naming .debug_info/.debug_abbrev and an offset, and what does
 * not depend on the broken part stays readable. Then a seeded fuzzer mutates
 * the sections and checks every entry point returns or throws a VirtmemError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, VirtmemError } from '../../src/bytes/index.js';
import {
  DW_AT_type, DW_TAG_typedef, DwarfInfo, NameIndex, findByName, loadDwarfSections, skipForm, type Die, type DwarfSections,
} from '../../src/dwarf/index.js';
import { DwarfTypes, layout, printC, isComposite, typeToJson, type Type } from '../../src/types/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { failure, fuzzRounds, fuzzSeed, rng } from '../helpers/fuzz.js';

const UNIT1 = `
struct node { struct node *next; int v; };
typedef const struct node cnode_t;
typedef cnode_t cnode2_t;
struct holder { cnode2_t *p; struct node n; unsigned int bits:5; };
struct holder g_holder;
`;
const UNIT2 = `
struct second { long a; char b[3]; };
typedef struct second second_t;
second_t g_second;
`;

function build(t: { skip(m: string): void }, flags = ['-gdwarf-5']): DwarfSections | undefined {
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc not installed\n'); t.skip('gcc not installed'); return undefined; }
  const a = compile(UNIT1, ['-g', ...flags, '-c', '-O0'], { name: 'a.o', replayable: true });
  try {
    const b = compile(UNIT2, ['-g', ...flags, '-c', '-O0'], { name: 'b.o', dir: a.dir, replayable: true });
    const so = compile('int unused_main;', ['-shared', '-nostdlib', 'a.o', 'b.o'], { name: 'two.so', dir: a.dir, replayable: true });
    return loadDwarfSections(so.out);
  } finally {
    a.cleanup();
  }
}

function copy(s: DwarfSections): DwarfSections {
  return { ...s, info: s.info!.slice(), abbrev: s.abbrev!.slice(), str: s.str?.slice() };
}

/** Section offset of attribute `at`'s value in DIE `d`. */
function attrOffset(d: Die, at: number): number {
  const i = d.abbrev.indexOf(at);
  assert.ok(i >= 0);
  const r = d.unit.reader;
  r.pos = d.attrsAt;
  for (let j = 0; j < i; j++) skipForm(r, d.abbrev.attrs[j].form, d.unit.header);
  return r.pos;
}

function firstNamed(info: DwarfInfo, name: string, tag?: number): Die {
  for (const u of info.units()) for (const d of u.root().children()) if (d.name() === name && (tag === undefined || d.tag === tag)) return d;
  throw new Error(`no ${name}`);
}

function expectFormatError(f: () => unknown, section: string, what: RegExp): FormatError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof FormatError, `a FormatError, got ${e}`);
    assert.equal(e.section, section);
    assert.ok(e.offset !== undefined, 'names an offset');
    assert.match(e.message, what);
    return e;
  }
  assert.fail('no error');
}

test('a reference outside its unit: error at the DIE, other types still readable', (t) => {
  const s = build(t);
  if (!s) return;
  const bad = copy(s);
  const info = new DwarfInfo(bad);
  const member = [...firstNamed(info, 'node').children()][0];
  const at = attrOffset(member, DW_AT_type);
  new DataView(bad.info!.buffer).setUint32(at, 0x7ffffff0, true);
  const ti = new DwarfTypes(new DwarfInfo(bad));
  const e = expectFormatError(() => ti.lookup('node', 'struct'), '.debug_info', /outside its unit/);
  assert.equal(e.offset, at);
  const second = ti.lookup('second', 'struct');
  assert.ok(second && second.kind === 'struct' && second.size === 16);
  // Asking again gives the same error, not a half-built type.
  expectFormatError(() => ti.lookup('node', 'struct'), '.debug_info', /outside its unit/);
});

test('an unknown abbreviation code: error naming the offset; the other unit is indexed', (t) => {
  const s = build(t);
  if (!s) return;
  const bad = copy(s);
  const info = new DwarfInfo(bad);
  const d = firstNamed(info, 'holder');
  bad.info![d.offset] = 0x7f; // no such abbreviation
  const info2 = new DwarfInfo(bad);
  const ti = new DwarfTypes(info2);
  expectFormatError(() => [...findByName(info2, 'holder', new Set([0x13]))], '.debug_info', /unknown abbreviation code 127/);
  const ix = NameIndex.build(info2);
  assert.equal(ix.problems.length, 1);
  assert.equal(ix.problems[0].offset, d.offset);
  assert.ok([...ix.lookup('second')].length === 1, 'second unit indexed');
  ti.buildIndex();
  assert.equal(ti.lookup('second_t', 'typedef')?.kind, 'typedef');
});

test('an unknown form in .debug_abbrev: error naming it', (t) => {
  const s = build(t);
  if (!s) return;
  const bad = copy(s);
  const info = new DwarfInfo(bad);
  const d = firstNamed(info, 'second');
  // Find the form byte of the first attribute of this DIE's abbreviation: scan the table.
  const u = d.unit;
  const ab = bad.abbrev!;
  let p = u.header.abbrevOffset;
  const uleb = () => { let v = 0, m = 1; for (;;) { const b = ab[p++]; v += (b & 0x7f) * m; if (!(b & 0x80)) return v; m *= 128; } };
  for (;;) {
    const code = uleb();
    assert.ok(code !== 0);
    uleb(); p++; // tag, children
    if (code === d.abbrev.code) { uleb(); ab[p] = 0x7e; break; }
    for (;;) { const a = uleb(), f = uleb(); if (f === 0x21) uleb(); if (a === 0 && f === 0) break; }
  }
  const ti = new DwarfTypes(new DwarfInfo(bad));
  expectFormatError(() => ti.lookup('second', 'struct'), '.debug_info', /unknown attribute form DW_FORM_<0x7e>/);
  assert.equal(ti.lookup('node', 'struct')?.kind, 'struct');
});

test('a truncated unit: the units before it stay readable, the problem is reported', (t) => {
  const s = build(t);
  if (!s) return;
  const info0 = new DwarfInfo(s);
  const units = info0.infoUnitList();
  assert.ok(units.length >= 2);
  const cut = units[1].header.offset + 20;
  const bad = { ...s, info: s.info!.slice(0, cut) };
  const info = new DwarfInfo(bad);
  assert.equal(info.infoUnitList().length, 1);
  assert.equal(info.problems.length, 1);
  assert.equal(info.problems[0].section, '.debug_info');
  assert.equal(info.problems[0].offset, units[1].header.offset);
  assert.match(info.problems[0].message, /runs past the end of the section/);
  assert.equal(new DwarfTypes(info).lookup('holder', 'struct')?.kind, 'struct');
});

test('a typedef cycle: an error naming the DIE, not a hang', (t) => {
  const s = build(t);
  if (!s) return;
  const bad = copy(s);
  const info = new DwarfInfo(bad);
  const td = firstNamed(info, 'cnode2_t', DW_TAG_typedef);
  const at = attrOffset(td, DW_AT_type);
  assert.equal(td.abbrev.attrs[td.abbrev.indexOf(DW_AT_type)].form, 0x13); // DW_FORM_ref4
  new DataView(bad.info!.buffer).setUint32(at, td.offset - td.unit.header.offset, true); // points at itself
  const ti = new DwarfTypes(new DwarfInfo(bad));
  expectFormatError(() => ti.lookup('cnode2_t', 'typedef'), '.debug_info', /cycle/);
  assert.equal(ti.lookup('second', 'struct')?.kind, 'struct');
});

/** Every entry point on `s`: each returns or throws a VirtmemError. */
function exercise(s: DwarfSections): void {
  const guard = (f: () => unknown) => {
    try { f(); } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
    }
  };
  let info!: DwarfInfo;
  guard(() => { info = new DwarfInfo(s); });
  if (!info) return;
  guard(() => info.units());
  guard(() => { for (const u of info.units()) for (const d of u.root().children()) { d.attrs(); d.name(); for (const c of d.children()) c.attrs(); } });
  guard(() => NameIndex.build(info));
  const ti = new DwarfTypes(info);
  const found: Type[] = [];
  for (const n of ['node', 'holder', 'second', 'cnode2_t', 'second_t']) guard(() => { const x = ti.lookup(n); if (x) found.push(x); });
  guard(() => ti.variable('g_holder'));
  guard(() => { for (const x of ti.types()) found.push(x); });
  for (const x of found) {
    guard(() => printC([x]));
    guard(() => typeToJson(x));
    guard(() => { if (isComposite(x)) layout(x); });
  }
}

for (const flags of [['-gdwarf-5'], ['-gdwarf-4', '-fdebug-types-section'], ['-gdwarf-2'], ['-gdwarf-5', '-gdwarf64']]) {
  test(`fuzz (${flags.join(' ')}): mutated and truncated sections give results or VirtmemErrors, never crashes or hangs`, (t) => {
    const s = build(t, flags);
    if (!s) return;
    const seed = fuzzSeed(0x5eed + flags.length);
    const rand = rng(seed);
    const roles = (['info', 'abbrev', 'str', 'strOffsets', 'types'] as const).filter((r) => s[r]?.length);
    let runs = 0;
    const rounds = fuzzRounds(300);
    for (let i = 0; i < rounds; i++) {
      const m: DwarfSections = { ...s };
      const role = roles[Math.floor(rand() * roles.length)] as 'info' | 'abbrev' | 'str';
      let b: Uint8Array = s[role]!.slice();
      if (rand() < 0.1) b = b.slice(0, Math.floor(rand() * b.length));
      else {
        const n = 1 + Math.floor(rand() * 8);
        for (let j = 0; j < n; j++) {
          const p = Math.floor(rand() * b.length);
          b[p] = rand() < 0.5 ? Math.floor(rand() * 256) : b[p] ^ (1 << Math.floor(rand() * 8));
        }
      }
      m[role] = b;
      try {
        exercise(m);
      } catch (e) {
        assert.fail(failure(`dwarf${flags.join('')}-${role}`, seed, i, b, e));
      }
      runs++;
    }
    t.diagnostic(`${runs} mutated inputs`);
    assert.equal(runs, rounds);
  });
}
