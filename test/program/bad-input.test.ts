/**
 * Corrupt and malicious kernel structures never hang a walk: lists, hlists,
 * rbtrees, xarrays and the follower over memory built here (real Debian 6.1
 * types from its vmlinux DWARF, synthetic bytes at kernel addresses). Each
 * case gives a WalkError naming the problem and the address, after the good
 * entries (a marked partial result through `collect`), or a follower result
 * with the unreadable structures recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelOrSkip } from '../helpers/kernels.js';
import { dwarfTypesOf } from '../helpers/program.js';
import { SortedSymbols } from '../../src/kernel/index.js';
import { MemoryMap } from '../../src/memory/index.js';
import {
  Follower, Program, WalkError, collect, hlistForEach, listForEach, listForEachEntry, rbtreeInorderForEach, xaForEach,
  type FollowSpec,
} from '../../src/program/index.js';

const BASE = 0xffff888000000000n;
const SIZE = 1 << 20;
const HOLE = 0xffff888100000000n; // not mapped

/** A Program over `SIZE` bytes at BASE, with the 6.1 vmlinux's DWARF types. */
function synthetic(vmlinux: string) {
  const buf = new Uint8Array(SIZE);
  const dv = new DataView(buf.buffer);
  const map = MemoryMap.create('synthetic memory').addBytes(buf, BASE).setWordsize(8).setEndian('little');
  const prog = Program.fromParts({ map, symbols: new SortedSymbols('none', [], []), types: dwarfTypesOf(vmlinux), release: 'synthetic 6.1' });
  const put = (addr: bigint, v: bigint) => dv.setBigUint64(Number(addr - BASE), v, true);
  return { prog, put, buf };
}

const node = (i: number) => BASE + BigInt(0x100 * i);

function expectWalk(r: { items: unknown[]; error?: Error }, problem: string, address: bigint, count: number) {
  assert.ok(r.error instanceof WalkError, String(r.error));
  assert.equal(r.error.problem, problem, r.error.message);
  assert.equal(r.error.address, address, r.error.message);
  assert.equal(r.items.length, count);
  assert.equal(r.error.count, count);
  assert.match(r.error.message, new RegExp(`0x${address.toString(16)}`));
}

test('lists: a loop, a hole, NULL, a bad prev and an endless list stop with a WalkError after the good entries', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { prog, put } = synthetic(k.vmlinux);
  const head = () => prog.object('struct list_head', node(0));
  const chain = (n: number) => {
    for (let i = 0; i <= n; i++) { put(node(i), node(i === n ? 0 : i + 1)); put(node(i) + 8n, node(i === 0 ? n : i - 1)); }
  };
  chain(5);
  assert.equal(collect(listForEach(head())).items.length, 5);
  assert.equal(collect(listForEach(head(), { validate: true })).error, undefined);
  put(node(5), node(2)); // loops back to the middle, never to the head
  expectWalk(collect(listForEach(head())), 'cycle', node(2), 5);
  chain(5); put(node(3), HOLE);
  expectWalk(collect(listForEach(head())), 'fault', HOLE, 3);
  chain(5); put(node(3), 0n);
  expectWalk(collect(listForEach(head())), 'corrupt', node(3), 3);
  chain(5); put(node(4) + 8n, node(1));
  expectWalk(collect(listForEach(head(), { validate: true })), 'corrupt', node(4), 3);
  chain(2000);
  expectWalk(collect(listForEach(head(), { max: 100 })), 'limit', node(101), 100);
  // Entries of a looping list: container_of applied to the good ones.
  chain(5); put(node(5), node(2));
  const off = BigInt(prog.offsetof('struct task_struct', 'tasks'));
  const r = collect(listForEachEntry('struct task_struct', head(), 'tasks'));
  assert.deepEqual(r.items.map((x) => x.pointerValue()), [1, 2, 3, 4, 5].map((i) => node(i) - off));
  assert.ok(r.error instanceof WalkError);
});

test('hlists, rbtrees and xarrays with cycles, holes and impossible shapes', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { prog, put } = synthetic(k.vmlinux);
  // hlist: first -> n1 -> n2 -> n1
  put(node(0), node(1)); put(node(1), node(2)); put(node(2), node(1));
  expectWalk(collect(hlistForEach(prog.object('struct hlist_head', node(0)))), 'cycle', node(1), 2);
  put(node(2), HOLE);
  expectWalk(collect(hlistForEach(prog.object('struct hlist_head', node(0)))), 'fault', HOLE, 2);

  // rbtree: root -> a; a.left = b; b.right = a (a cycle through a child link).
  const rb = prog.type('struct rb_node');
  const left = BigInt(prog.offsetof(rb, 'rb_left')), right = BigInt(prog.offsetof(rb, 'rb_right'));
  const root = prog.object('struct rb_root', node(10));
  put(node(10), node(11));
  put(node(11) + left, node(12)); put(node(12) + right, node(11));
  const rr = collect(rbtreeInorderForEach(root));
  assert.ok(rr.error instanceof WalkError && rr.error.problem === 'cycle', String(rr.error));
  // A left-leaning chain 300 deep: deeper than any real tree.
  for (let i = 0; i < 300; i++) { put(node(20 + i) + left, i === 299 ? 0n : node(21 + i)); put(node(20 + i) + right, 0n); }
  put(node(10), node(20));
  const deep = collect(rbtreeInorderForEach(root));
  assert.ok(deep.error instanceof WalkError && deep.error.problem === 'corrupt', String(deep.error));
  assert.match(deep.error!.message, /deeper than 128/);
  put(node(20) + left, HOLE);
  const hole = collect(rbtreeInorderForEach(root));
  assert.ok(hole.error instanceof WalkError && hole.error.problem === 'fault' && hole.error.address === HOLE + left, String(hole.error));

  // xarray: xa_head is a node (internal: +2) whose slot 0 points back at itself.
  const xa = prog.object('struct xarray', node(400));
  const headOff = BigInt(prog.offsetof('struct xarray', 'xa_head'));
  const xn = prog.type('struct xa_node');
  const shiftOff = BigInt(prog.offsetof(xn, 'shift')), slotsOff = BigInt(prog.offsetof(xn, 'slots'));
  const n1 = BASE + 0x80000n, n2 = BASE + 0x81000n;
  put(node(400) + headOff, n1 + 2n);
  put(n1 + shiftOff - (shiftOff % 8n), 6n << (8n * (shiftOff % 8n))); // shift 6
  put(n1 + slotsOff, n2 + 2n); // child
  put(n1 + slotsOff + 8n, 0xffff888000001230n); // an entry at index 64
  put(n2 + shiftOff - (shiftOff % 8n), 0n); // child shift 0
  put(n2 + slotsOff + 8n * 3n, 0xffff888000004560n); // index 3
  assert.deepEqual(collect(xaForEach(xa)).items, [{ index: 3n, entry: 0xffff888000004560n }, { index: 64n, entry: 0xffff888000001230n }]);
  put(n2 + slotsOff, n1 + 2n); // a leaf pointing at its parent
  const xc = collect(xaForEach(xa));
  assert.ok(xc.error instanceof WalkError && xc.error.problem === 'corrupt', String(xc.error));
  put(n2 + slotsOff, 0n);
  put(n2 + shiftOff - (shiftOff % 8n), 12n << (8n * (shiftOff % 8n))); // child shift not parent's minus 6
  const xs = collect(xaForEach(xa));
  assert.ok(xs.error instanceof WalkError && xs.error.problem === 'corrupt' && /expected 0/.test(xs.error.message), String(xs.error));
  put(n1 + slotsOff, HOLE + 2n);
  const xh = collect(xaForEach(xa));
  assert.ok(xh.error instanceof WalkError && xh.error.problem === 'fault', String(xh.error));
});

test('the follower over a looping list and a list into a hole ends, recording the fault', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { prog, put } = synthetic(k.vmlinux);
  const spec: FollowSpec = { structs: { module: { list: { list: 'self' } } }, anchors: {} };
  const fo = new Follower(prog, spec);
  const off = BigInt(prog.offsetof('struct module', 'list'));
  const mod = (i: number) => BASE + BigInt(0x1000 * (i + 1));
  // m0 -> m1 -> m2 -> m1 (a loop that never returns to m0)
  put(mod(0) + off, mod(1) + off); put(mod(1) + off, mod(2) + off); put(mod(2) + off, mod(1) + off);
  let r = fo.follow({ struct: 'module', address: mod(0) });
  assert.equal(r.counts.get('module')?.count, 3);
  assert.deepEqual(r.faults, []);
  put(mod(2) + off, HOLE + off);
  r = fo.follow({ struct: 'module', address: mod(0) });
  assert.equal(r.counts.get('module')?.count, 3);
  assert.equal(r.faults.length, 1);
  assert.equal(r.faults[0].address, HOLE);
  assert.match(r.faults[0].reason, /cannot read 0xffff888100000000/);
  // NULL, poison and ERR_PTR links are not followed; --max marks truncation.
  put(mod(2) + off, 0xdead000000000100n);
  r = fo.follow({ struct: 'module', address: mod(0) }, { max: 2 });
  assert.equal(r.truncated, true);
  assert.equal(r.counts.get('module')?.count, 2);
});
