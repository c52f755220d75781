import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfTypes } from '../../src/btf/index.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { KERNEL_GLOBALS, KernelTypes, findImageBtf, kallsymsFromImage, parseDecl } from '../../src/kernel/index.js';
import { DwarfTypes, TypeModelError, resolve, type Type } from '../../src/types/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { openKernelMemory } from './image.js';

/** Whether the table's type `a` is DWARF's `b`: same structure by name and size; a table `[]` matches any count. */
function same(a: Type, b: Type, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  // DWARF may repeat a qualifier (const const char) or put it on an array rather than its elements; the C meaning is one.
  while (b.kind === 'const' && (b.target.kind === 'const' || b.target.kind === 'array')) b = b.target;
  // A typedef of a struct is that struct (pg_data_t *node_data[] on 6.1, struct pglist_data * on 6.12).
  if (a.kind !== b.kind && (a.kind === 'typedef' || b.kind === 'typedef')) return same(resolve(a), resolve(b), depth + 1);
  if (a.kind !== b.kind) return `${a.kind} vs ${b.kind}`;
  switch (a.kind) {
    case 'pointer': case 'const': case 'volatile': case 'restrict': case 'atomic':
      return same(a.target, (b as typeof a).target, depth + 1);
    case 'array': {
      const bb = b as typeof a;
      if (a.count !== undefined && a.count !== bb.count) return `[${a.count}] vs [${bb.count}]`;
      return same(a.element, bb.element, depth + 1);
    }
    case 'struct': case 'union': case 'enum': case 'int': case 'typedef': case 'float': {
      const bb = b as typeof a;
      if (a.name !== bb.name) return `${a.name} vs ${bb.name}`;
      if ('size' in a && 'size' in bb && a.size !== bb.size) return `${a.name}: size ${a.size} vs ${bb.size}`;
      return undefined;
    }
    default: return undefined;
  }
}

for (const [kernel, kaslr] of [['6.1', true], ['6.12', false]] as const) {
  test(`${kernel}: every global of the table the kernel has gets DWARF's type and the run-time address from memory alone`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr });
    if (!f) return;
    const { km, text } = openKernelMemory(f.dumps.elf);
    const kaslrOffset = km.paging.kaslrOffset;
    const symbols = kallsymsFromImage(km.map, { text, vmcoreinfo: km.vmcoreinfo });
    const mem = new KernelTypes(new BtfTypes(findImageBtf(km.map, { symbols, text }).btf), symbols, { kaslrOffset });
    const dwarf = new DwarfTypes(new DwarfInfo(loadDwarfSections(f.kernel.vmlinux)));
    const withDwarf = new KernelTypes(dwarf, symbols, { kaslrOffset });
    let checked = 0;
    const bad: string[] = [];
    for (const name of Object.keys(KERNEL_GLOBALS)) {
      const d = dwarf.variable(name);
      const addr = symbols.address(name);
      const v = mem.variable(name);
      if (addr === undefined) { assert.equal(v, undefined, `${name}: not in this kernel, not made up`); continue; }
      if (!d) { bad.push(`${name}: no DWARF variable to check against`); continue; }
      assert.ok(v, name);
      assert.equal(mem.typeOrigin(name), 'table', name);
      assert.equal(v.address, addr, `${name}: kallsyms address`);
      if (d.address !== undefined) assert.equal(v.address, d.address + kaslrOffset, `${name}: DWARF address shifted by KASLR`);
      const why = same(v.type, d.type);
      if (why) bad.push(`${name}: ${why}`);
      // With DWARF as the source, the variable comes from DWARF, at the same run-time address.
      assert.equal(withDwarf.typeOrigin(name), 'source');
      assert.equal(withDwarf.variable(name)!.address, addr);
      checked++;
    }
    // jiffies is a linker alias of jiffies_64 on x86-64: DWARF has it as a declaration only.
    assert.deepEqual(bad.filter((b) => !b.startsWith('jiffies:')), []);
    assert.ok(checked >= 25, `checked ${checked}`);
    // Per-CPU variables come from BTF's own VARs, at their per-CPU offsets.
    assert.equal(mem.typeOrigin('runqueues'), 'source');
    assert.equal(mem.variable('runqueues')!.address, symbols.address('runqueues'));
    assert.ok(mem.variable('runqueues')!.address! < text);
    assert.equal(mem.variable('no_such_global_anywhere'), undefined);
  });
}

test('globals table declarations parse; a malformed one is a TypeModelError', () => {
  const fake = { format: 'x', lookup: () => ({ kind: 'int', name: 'int', size: 4, signed: true, encoding: 'plain' }) as Type, variable: () => undefined, types: () => [] };
  for (const [name, d] of Object.entries(KERNEL_GLOBALS)) {
    for (const alt of typeof d.type === 'string' ? [d.type] : d.type) assert.ok(parseDecl(alt, fake), `${name}: ${alt}`);
  }
  const arr = parseDecl('const struct x *[4]', fake)!;
  assert.equal(arr.kind, 'array');
  assert.equal(arr.kind === 'array' && arr.count, 4);
  assert.equal(arr.kind === 'array' && arr.element.kind, 'pointer');
  assert.throws(() => parseDecl('struct (x)', fake), TypeModelError);
});
