/**
 * Seeded fuzz of the expression language's entry points: parseExpression,
 * parseTypeName and evaluate (over a synthetic memory with real 6.1 types for
 * the evaluator). Inputs are real expressions mutated (characters replaced,
 * inserted, deleted, tokens duplicated, deep nesting). Each must return or
 * throw a VirtmemError, nothing else, and quickly (bounded input, bounded
 * depth). A failure names the seed (prng per round, fuzzSeed of the round
 * number) and saves the input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtmemError } from '../../src/bytes/index.js';
import { SortedSymbols } from '../../src/kernel/index.js';
import { MemoryMap } from '../../src/memory/index.js';
import { Program, evaluate, formatObject, parseExpression, parseTypeName } from '../../src/program/index.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { prng } from '../helpers/prng.js';
import { failure, fuzzRounds, fuzzSeed } from '../helpers/fuzz.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { DwarfTypes } from '../../src/types/index.js';

const CORPUS = [
  'init_uts_ns.name.release', 'init_task.comm', 'init_task.tasks.next', '*(struct task_struct *)0xffff888000001000',
  'sizeof(struct task_struct)', '&init_net', 'container_of(init_task.tasks.next, struct task_struct, tasks)->pid',
  '(unsigned long)init_task.stack + 0x10', 'init_task.comm[3] == \'a\' ? 1 : -1', 'offsetof(struct list_head, prev)',
  '((struct list_head *)0xffff888000000000)[2].next->prev', '!~-+1 << 3 >> 1 & 7 | 8 ^ 2 && 0 || 1',
  'sizeof(char *[4])', '(int (*)[3])0', 'init_task.se.load.weight / 3 % 2', "'\\x41' + '\\n'",
];
const PIECES = ['(', ')', '[', ']', '*', '&', '->', '.', 'struct', 'sizeof', '0x', '1', "'", ',', '?', ':', '-', 'int', ' ', 'init_task', '((((', '))))'];

function mutate(s: string, r: ReturnType<typeof prng>): string {
  let x = s;
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const at = r.int(x.length + 1);
    const op = r.int(5);
    if (op === 0) x = x.slice(0, at) + r.pick(PIECES) + x.slice(at);
    else if (op === 1) x = x.slice(0, at) + x.slice(at + 1 + r.int(3));
    else if (op === 2) x = x.slice(0, at) + String.fromCharCode(r.int(128)) + x.slice(at + 1);
    else if (op === 3) x = x + x.slice(at);
    else x = r.pick(PIECES).repeat(1 + r.int(300)) + x;
  }
  return x;
}

/** `f` returns or throws a VirtmemError; otherwise fail naming seed, round and the saved input. */
function check(what: string, seed: number, round: number, input: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof VirtmemError)) assert.fail(`${failure(what, seed, round, input, e)} (input ${JSON.stringify(input.slice(0, 200))})`);
  }
}

test('parseExpression and parseTypeName: any string gives a tree or an ExprSyntaxError', () => {
  for (let i = 1; i <= fuzzRounds(3000); i++) {
    const seed = fuzzSeed(i);
    const r = prng(seed);
    const input = mutate(r.pick(CORPUS), r);
    check('parseExpression', seed, i, input, () => parseExpression(input, { isTypeName: (n) => n.endsWith('_t') }));
    check('parseTypeName', seed, i, input, () => parseTypeName(input));
  }
  // Deep nesting and long inputs are refused, not a stack overflow.
  for (const s of ['('.repeat(100000) + '1' + ')'.repeat(100000), '-'.repeat(5000) + '1', '*'.repeat(5000) + 'x', 'a' + '[0]'.repeat(3000)]) {
    check('parseExpression', 0, 0, s.slice(0, 40), () => parseExpression(s));
  }
  assert.throws(() => parseExpression('('.repeat(1000) + '1' + ')'.repeat(1000)), /nested deeper than 128/);
});

test('evaluate and print: mutated expressions over real types and synthetic memory give values or VirtmemErrors', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const buf = new Uint8Array(1 << 16);
  const r0 = prng(7);
  for (let i = 0; i < buf.length; i++) buf[i] = r0.int(256);
  // Pointers into the buffer here and there, so derefs sometimes land.
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < buf.length; i += 64) dv.setBigUint64(i, 0xffff888000000000n + BigInt(r0.int(buf.length)), true);
  const map = MemoryMap.create('synthetic').addBytes(buf, 0xffff888000000000n).setWordsize(8).setEndian('little');
  const names = ['init_task', 'init_uts_ns', 'init_net'];
  const symbols = new SortedSymbols('synthetic', names, names.map((_, i) => 0xffff888000000000n + BigInt(i * 0x4000)));
  // A separate DwarfTypes with its name index built: mutated names miss, and a miss without the index scans all of DWARF.
  const types = new DwarfTypes(new DwarfInfo(loadDwarfSections(k.vmlinux)));
  types.buildIndex();
  const prog = Program.fromParts({ map, symbols, types, release: 'synthetic' });
  for (let i = 1; i <= fuzzRounds(400); i++) {
    const seed = fuzzSeed(i);
    const r = prng(seed);
    const input = r.int(4) === 0 ? r.pick(CORPUS) : mutate(r.pick(CORPUS), r);
    check('evaluate', seed, i, input, () => {
      const o = evaluate(prog, input);
      formatObject(o, { maxDepth: 3, maxElements: 16 });
    });
  }
});
