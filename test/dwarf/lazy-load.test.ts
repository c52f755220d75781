/**
 * openDwarfSections: .debug_info read unit by unit as units are used must
 * answer exactly what the whole-section read (loadDwarfSections) answers: on a
 * gcc-built executable (forced lazy) and on Debian's vmlinux (lazy on its
 * own), types and variables compared as printed C, layouts and addresses. A
 * broken unit header gives the same FormatError either way, and a vmlinux
 * read lazily reads only the units its lookups touch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FormatError, VirtmemError } from '../../src/bytes/index.js';
import { DwarfInfo, loadDwarfSections, openDwarfSections, type DwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, layout, printC, type StructType, type Type } from '../../src/types/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { kernelOrSkip } from '../helpers/kernels.js';

const UNIT1 = `
struct node { struct node *next; int v; };
typedef const struct node cnode_t;
enum color { RED, GREEN = 7 };
extern int shared_count;
int shared_count = 3;
struct node first_node;
static const char *names[4] = { "a", "b" };
const char **names_p = names;
`;
const UNIT2 = `
struct second { long a; char b[3]; enum { X, Y } e; };
typedef struct second second_t;
second_t g_second;
extern int shared_count;
int *count_p = &shared_count;
int main(void) { return 0; }
`;

function both(t: { skip(m: string): void }): { lazy: DwarfSections; eager: DwarfSections; dir: string; exe: string; cleanup(): void } | undefined {
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc not installed\n'); t.skip('gcc not installed'); return undefined; }
  const a = compile(UNIT1, ['-g', '-c', '-O0'], { name: 'a.o' });
  const b = compile(UNIT2, ['-g', '-c', '-O0'], { name: 'b.o', dir: a.dir });
  const exe = compile('', [a.out, b.out, '-x', 'none'], { name: 'prog', dir: a.dir });
  return { lazy: openDwarfSections(exe.out, { lazyMin: 0 }), eager: loadDwarfSections(exe.out), dir: a.dir, exe: exe.out, cleanup: a.cleanup };
}

function describe(t: Type | undefined): string {
  return t ? printC([t]) : '(none)';
}

test('gcc executable: lazily read .debug_info gives the same units, types and variables as the whole section', (t) => {
  const x = both(t);
  if (!x) return;
  try {
    assert.ok(x.lazy.ensure, 'the lazy path was taken');
    assert.equal(x.eager.ensure, undefined);
    const li = new DwarfInfo(x.lazy), ei = new DwarfInfo(x.eager);
    assert.deepEqual(li.units().map((u) => u.header), ei.units().map((u) => u.header));
    assert.equal(li.units().length, 2);
    const lt = new DwarfTypes(li), et = new DwarfTypes(ei);
    for (const [name, kind] of [['node', 'struct'], ['second', 'struct'], ['cnode_t', 'typedef'], ['color', 'enum'], ['second_t', undefined], ['int', 'int'], ['nope', undefined]] as const) {
      assert.equal(describe(lt.lookup(name, kind)), describe(et.lookup(name, kind)), `${kind ?? 'any'} ${name}`);
    }
    assert.match(describe(lt.lookup('second', 'struct')), /long int a;[\s\S]*char b\[3\];/);
    for (const v of ['shared_count', 'first_node', 'names', 'names_p', 'g_second', 'count_p', 'nope']) {
      const a = lt.variable(v), b = et.variable(v);
      assert.equal(a?.address, b?.address, `${v} address`);
      assert.equal(describe(a?.type), describe(b?.type), `${v} type`);
    }
    // The addresses are nm's.
    const nm = spawnSync('nm', [x.exe], { encoding: 'utf8' }).stdout;
    for (const v of ['shared_count', 'first_node', 'g_second', 'names_p']) {
      const m = new RegExp(`^([0-9a-f]+) \\w ${v}$`, 'm').exec(nm);
      assert.ok(m, `nm lists ${v}`);
      assert.equal(lt.variable(v)?.address, BigInt('0x' + m[1]), `${v} at nm's address`);
    }
  } finally {
    x.cleanup();
  }
});

test('gcc executable with a broken unit_length: the lazy read reports the FormatError the whole read does', (t) => {
  const x = both(t);
  if (!x) return;
  try {
    const elf = fs.readFileSync(x.exe);
    // Find .debug_info's file offset through the eager sections: its first bytes are unique enough.
    const head = Buffer.from(x.eager.info!.subarray(0, 32));
    const at = elf.indexOf(head);
    assert.ok(at > 0, '.debug_info found in the file');
    const firstLen = elf.readUInt32LE(at);
    // Second unit's length: far past the end of the section.
    elf.writeUInt32LE(0x7ffffff0, at + 4 + firstLen);
    const bad = path.join(x.dir, 'bad');
    fs.writeFileSync(bad, elf);
    const li = new DwarfInfo(openDwarfSections(bad, { lazyMin: 0 })), ei = new DwarfInfo(loadDwarfSections(bad));
    assert.equal(li.units().length, 1);
    assert.equal(ei.units().length, 1);
    assert.equal(li.problems.length, 1);
    assert.ok(li.problems[0] instanceof FormatError);
    assert.equal(li.problems[0].message, ei.problems[0].message);
    assert.match(li.problems[0].message, /runs past the end of the section/);
    // The first unit stays readable.
    assert.equal(describe(new DwarfTypes(li).lookup('node', 'struct')), describe(new DwarfTypes(ei).lookup('node', 'struct')));
    // Whatever is asked, a VirtmemError or an answer.
    for (const v of ['g_second', 'count_p']) {
      try { new DwarfTypes(li).variable(v); } catch (e) { assert.ok(e instanceof VirtmemError, String(e)); }
    }
  } finally {
    x.cleanup();
  }
});

test('Debian vmlinux: read lazily, lookups agree with the whole read and read only the units they need', (t) => {
  const k = kernelOrSkip(t, '6.12');
  if (!k) return;
  const lazy = openDwarfSections(k.vmlinux);
  assert.ok(lazy.ensure, 'a vmlinux is read lazily');
  const touched = new Set<number>();
  const ensure = lazy.ensure;
  lazy.ensure = (s, start, end) => { touched.add(start); ensure(s, start, end); };
  const li = new DwarfInfo(lazy);
  const lt = new DwarfTypes(li);
  const eager = new DwarfTypes(new DwarfInfo(loadDwarfSections(k.vmlinux)));
  for (const name of ['task_struct', 'list_head', 'mm_struct']) {
    const a = lt.lookup(name, 'struct'), b = eager.lookup(name, 'struct');
    assert.ok(a && b, name);
    assert.equal(layout(a as StructType), layout(b as StructType), `struct ${name} layout`);
  }
  for (const v of ['init_task', 'init_uts_ns']) {
    const a = lt.variable(v), b = eager.variable(v);
    assert.ok(a && b, v);
    assert.equal(a.address, b.address, `${v} address`);
    assert.equal(describe(a.type), describe(b.type), `${v} type`);
  }
  assert.ok(touched.size > 0 && touched.size < li.units().length, `read ${touched.size} of ${li.units().length} units`);
});
