/**
 * The printers on bad input: real BTF (the Debian vmlinux's .BTF, gcc -gbtf)
 * and DWARF (gcc -g) with records mutated, converted to the type model, then
 * printC, the layout printer and the JSON view run on every type reached.
 * Each case must give text or a VirtmemError, and stay within a time budget:
 * a corrupt size field (a struct of 0xffffffff bytes) once made printC pad
 * byte by byte for most of a minute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Btf, BtfTypes, btfBytes } from '../../src/btf/index.js';
import { VirtmemError } from '../../src/bytes/index.js';
import { DwarfInfo, loadDwarfSections, type DwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes, isComposite, layout, printC, resolve, typeToJson, type Type } from '../../src/types/index.js';
import { compile, haveTool } from '../helpers/cc.js';
import { failure, fuzz, fuzzRounds, fuzzSeed, mutate, rng } from '../helpers/fuzz.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { TYPES_C } from './fixture-c.js';

/** Time one fuzz case may take (printing one type and its by-value closure takes milliseconds). */
const CASE_BUDGET_MS = 1000;

/** printC, layout and JSON of `t`, each allowed to fail with a VirtmemError only. */
function printAll(t: Type): void {
  for (const f of [
    () => printC([t]),
    () => { const r = resolve(t); if (isComposite(r)) layout(r); },
    () => JSON.stringify(typeToJson(t), (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
  ]) {
    try { f(); } catch (e) { if (!(e instanceof VirtmemError)) throw e; }
  }
}

/** Run `f`; what went wrong (an error that is not a VirtmemError, or a run over the budget), if anything. */
function timed(f: () => void): unknown {
  const start = performance.now();
  try { f(); } catch (e) {
    if (!(e instanceof VirtmemError)) return e;
  }
  const ms = performance.now() - start;
  if (ms > CASE_BUDGET_MS) return `took ${ms.toFixed(0)} ms (budget ${CASE_BUDGET_MS})`;
  return undefined;
}

/** Every type of a (small) BTF, printed. */
function printBtf(bytes: Uint8Array): void {
  const btf = Btf.open(bytes, { source: 'fuzzed' });
  const bt = new BtfTypes(btf);
  for (let id = btf.firstId; id < btf.nextId; id++) {
    let t: Type;
    try { t = bt.typeOf(id); } catch (e) { if (e instanceof VirtmemError) continue; throw e; }
    printAll(t);
  }
}

test('mutated vmlinux BTF: printC, layout and JSON of the types around each mutation give text or a VirtmemError, in bounded time', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { bytes } = btfBytes(k.vmlinux);
  const good = Btf.open(bytes);
  const typeStart = good.header.hdrLen + good.header.typeOff;
  const seed = fuzzSeed(61);
  const rand = rng(seed);
  const bad: string[] = [];
  const EDGE = [0, 1, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00ffffff];
  for (let round = 0, n = fuzzRounds(300); round < n && bad.length < 5; round++) {
    // A struct or union (where sizes and members live) or any type, one to three words of its record changed.
    let id = 1 + Math.floor(rand() * (good.nextId - 1));
    for (let tries = 0; tries < 50 && rand() < 0.8; tries++) {
      const kind = good.kindOf(id);
      if (kind === 4 || kind === 5) break; // BTF_KIND_STRUCT, BTF_KIND_UNION
      id = 1 + Math.floor(rand() * (good.nextId - 1));
    }
    const b = bytes.slice();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const at = typeStart + 4 * good.start(id);
    const words = 3 + ((good.words[good.start(id) + 1] & 0xffff) * 3);
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
      const w = at + 4 * Math.floor(rand() * Math.min(words, 64));
      if (w + 4 > b.length) continue;
      dv.setUint32(w, rand() < 0.7 ? EDGE[Math.floor(rand() * EDGE.length)] : Math.floor(rand() * 2 ** 32), true);
    }
    const why = timed(() => {
      const bt = new BtfTypes(Btf.open(b, { source: 'fuzzed vmlinux' }));
      for (let near = Math.max(1, id - 2); near <= id + 2 && near < good.nextId; near++) {
        let ty: Type;
        try { ty = bt.typeOf(near); } catch (e) { if (e instanceof VirtmemError) continue; throw e; }
        printAll(ty);
      }
    });
    if (why) bad.push(failure(`vmlinux-btf-type${id}`, seed, round, b, why));
  }
  assert.deepEqual(bad, []);
});

test('a corrupt struct size (0xffffffff) prints in bounded time and text, with the layout kept', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { bytes } = btfBytes(k.vmlinux);
  const good = Btf.open(bytes);
  const b = bytes.slice();
  const id = good.lookup('task_struct').find((i) => good.kindOf(i) === 4)!;
  new DataView(b.buffer, b.byteOffset).setUint32(good.header.hdrLen + good.header.typeOff + 4 * good.start(id) + 8, 0xffffffff, true);
  const bt = new BtfTypes(Btf.open(b));
  const ts = bt.typeOf(id);
  const plain = printC([new BtfTypes(good).typeOf(id)]);
  const c = printC([ts]);
  // The only change: one char array pads to the recorded size, instead of a line per 8 bytes.
  assert.ok(c.length < plain.length + 200, `printed ${c.length} characters, ${plain.length} for the real struct`);
  assert.match(c, /char __virtmem_pad\d+\[\d+\];\n\}/);
  assert.match(layout(ts as never), /size: 4294967295, cachelines: 67108864/);
});

test('mutated gcc -gbtf BTF: every type printed, text or a VirtmemError, in bounded time', (t) => {
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc not installed\n'); t.skip('gcc not installed'); return; }
  const c = compile(TYPES_C, ['-gbtf', '-c', '-O0'], { name: 'btf.o', replayable: true });
  t.after(c.cleanup);
  const btf = btfBytes(c.out).bytes;
  const bad: string[] = [];
  const seed = fuzzSeed(7);
  const rand = rng(seed);
  for (let i = 0, n = fuzzRounds(400); i < n && bad.length < 5; i++) {
    const m = mutate(btf, rand, 2);
    const why = timed(() => printBtf(m));
    if (why) bad.push(failure('gcc-btf-print', seed, i, m, why));
  }
  assert.deepEqual(bad, []);
});

test('mutated gcc DWARF: every type printed, text or a VirtmemError, in bounded time', (t) => {
  if (!haveTool('gcc')) { process.stderr.write('SKIP: gcc not installed\n'); t.skip('gcc not installed'); return; }
  const bad: string[] = [];
  for (const [flags, seed] of [[['-gdwarf-5'], 5], [['-gdwarf-4', '-fno-eliminate-unused-debug-types'], 4]] as const) {
    const c = compile(TYPES_C, ['-g', ...flags, '-c', '-O0'], { name: 'dwarf.o', replayable: true });
    let sections: DwarfSections;
    try { sections = loadDwarfSections(c.out); } finally { c.cleanup(); }
    const info = sections.info!;
    bad.push(...fuzz(info, seed, 250, (m) => {
      const why = timed(() => {
        const dt = new DwarfTypes(new DwarfInfo({ ...sections, info: m }));
        for (const ty of dt.loadAll().named) printAll(ty);
        for (const name of ['all', 'bf', 'arr', 'uses']) {
          try { const ty = dt.lookup(name, 'struct'); if (ty) printAll(ty); } catch (e) { if (!(e instanceof VirtmemError)) throw e; }
        }
      });
      // fuzz() records it, with the seed, round and saved input.
      if (why) throw why instanceof Error ? why : new Error(String(why));
    }, 0, `dwarf-print-${flags.join('')}`));
  }
  assert.deepEqual(bad, []);
});

test('types shared level after level (anonymous structs, function types) stop at a budget, not after 2^40 lines', () => {
  // Only a corrupt file can make these (C spells each anonymous type once), so the graph is built here.
  const int: Type = { kind: 'int', name: 'int', size: 4, signed: true, encoding: 'plain' };
  let anon: Type = int;
  let fn: Type = int;
  for (let i = 0; i < 40; i++) {
    anon = { kind: 'struct', name: undefined, size: 8, members: [{ name: undefined, type: anon, bitOffset: 0 }, { name: undefined, type: anon, bitOffset: 0 }] };
    fn = { kind: 'pointer', size: 8, target: { kind: 'function', returns: fn, params: [{ name: 'a', type: fn }, { name: 'b', type: fn }], varargs: false, prototyped: true } };
  }
  const top: Type = { kind: 'struct', name: 'top', size: 8, members: [{ name: undefined, type: anon, bitOffset: 0 }, { name: 'f', type: fn, bitOffset: 0 }] };
  // Without the budgets each call would print 2^40 lines; with them each stops after at most 2^16.
  assert.throws(() => printC([top]), (e: Error) => e instanceof VirtmemError && /^struct top: definition longer than/.test(e.message));
  assert.throws(() => layout(top as never), (e: Error) => e instanceof VirtmemError && /^struct top: layout longer than/.test(e.message));
  assert.throws(() => typeToJson(top), (e: Error) => e instanceof VirtmemError && /^struct top: more than \d+ members/.test(e.message));
  const onlyFn: Type = { kind: 'typedef', name: 'fn_t', target: fn };
  assert.throws(() => printC([onlyFn]), (e: Error) => e instanceof VirtmemError && /declarator of more than/.test(e.message));
});
