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
