import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ElfFile } from '../../src/elf/index.js';
import { symbolsFromElf, symbolsFromSystemMap } from '../../src/kernel/index.js';
import { kernelOrSkip } from '../helpers/kernels.js';

test('vmlinux .symtab and System.map agree on every text and data symbol System.map lists', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const elf = ElfFile.open(k.vmlinux);
  const fromElf = symbolsFromElf(elf);
  const map = symbolsFromSystemMap(fs.readFileSync(k.systemMap, 'utf8'), k.systemMap);
  assert.ok(map.count > 50000, `System.map has ${map.count} symbols`);
  let compared = 0;
  for (const [name, addr] of map.entries()) {
    const a = fromElf.address(name);
    if (a === undefined) continue; // symbols only System.map has (absolute, per-cpu offsets in .symtab as NOTYPE 0)
    compared++;
    if (a !== addr && fromElf.address(name) !== addr) {
      // Duplicate static names: accept when the ELF table has the name at this address too.
      const hit = fromElf.symbolize(addr);
      assert.ok(hit && hit.address === addr, `${name}: System.map ${addr.toString(16)} vs .symtab ${a.toString(16)}`);
    }
  }
  assert.ok(compared > 50000, `compared ${compared}`);
  elf.close();
});

test('symbolize gives function+offset within the symbol and nothing past its end', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const elf = ElfFile.open(k.vmlinux);
  const offset = 0x1e000000n; // a KASLR-like shift: every address moves with it
  const s = symbolsFromElf(elf, offset);
  const map = symbolsFromSystemMap(fs.readFileSync(k.systemMap, 'utf8'), k.systemMap, offset);
  const start = map.address('start_kernel')!;
  assert.equal(s.address('start_kernel'), start);
  const hit = s.symbolize(start + 5n)!;
  assert.equal(hit.name, 'start_kernel');
  assert.equal(hit.offset, 5n);
  assert.ok(hit.size && hit.size > 5n);
  assert.equal(s.symbolize(0x1000n), undefined, 'below every symbol');
  elf.close();
});

test('a malformed System.map line is an error naming the file and line', () => {
  assert.throws(() => symbolsFromSystemMap('ffffffff81000000 T _text\nnot a symbol line\n', 'bad.map'), /bad\.map: System\.map: line 2/);
});

test('LazyElfSymbols answers lookups by name as the full table does, before and after building it', async (t) => {
  const k = kernelOrSkip(t, '6.12');
  if (!k) return;
  const { LazyElfSymbols, SortedSymbols } = await import('../../src/kernel/index.js');
  const elf = ElfFile.open(k.vmlinux);
  const shift = { shiftFrom: 0xffffffff80000000n };
  const full = symbolsFromElf(elf, 0x2a000000n, shift);
  const lazy = new LazyElfSymbols(elf.compactSymbols(), 'lazy', 0x2a000000n, shift, 1000);
  assert.equal(lazy.count, full.count);
  // Names that occur once, several times (static functions), per-CPU ones (not shifted), and none.
  const counts = new Map<string, number>();
  for (const [n] of full.entries()) counts.set(n, (counts.get(n) ?? 0) + 1);
  const multi = [...counts].filter(([, c]) => c > 3).slice(0, 5).map(([n]) => n);
  const names = ['linux_banner', 'init_task', 'start_kernel', 'runqueues', '__per_cpu_offset', 'no_such_symbol_x', ...multi];
  assert.ok(multi.length === 5);
  for (const n of names) assert.equal(lazy.address(n), full.address(n), n);
  assert.ok(full.address('runqueues')! < 0x100000000n, 'per-CPU offset not shifted');
  assert.ok(lazy instanceof LazyElfSymbols && !(lazy instanceof SortedSymbols));
  const hit = lazy.symbolize(full.address('start_kernel')! + 3n)!;
  assert.equal(hit.name, 'start_kernel');
  for (const n of names) assert.equal(lazy.address(n), full.address(n), `${n} after building`);
  elf.close();
});
