/**
 * XArrays (include/linux/xarray.h; the radix tree is an XArray since Linux
 * 4.20, commit f8d5d0cc145c "xarray: Add definition of struct xarray"), as
 * drgn's xa_load and xa_for_each: the page cache, IDRs (pid numbers live in
 * init_pid_ns.idr.idr_rt), and more.
 *
 * An entry is a pointer-sized word. Words with low bits 10 are internal: a
 * node pointer (value above 4096: the node is at entry - 2), a sibling
 * (a multi-index entry's alias slot: below XA_CHUNK_SIZE - 1 shifted), the
 * retry (256) and zero (257) entries, which iteration skips as xa_for_each
 * does. Value entries (low bit 1) are yielded as they are. The node fan-out
 * (XA_CHUNK_SHIFT, 6 unless CONFIG_BASE_SMALL) is read from the length of
 * xa_node.slots rather than assumed.
 *
 * Walks are guarded: a child's shift must be its parent's minus
 * XA_CHUNK_SHIFT, no node is visited twice, and there is a node limit.
 */
import { describe } from '../types/index.js';
import { ObjectError } from './errors.js';
import { Obj } from './object.js';
import type { Program } from './program.js';
import { WalkGuard, type WalkOptions } from './walk.js';

const hex = (a: bigint) => '0x' + a.toString(16);

const xaMkInternal = (v: bigint) => (v << 2n) | 2n;
const xaIsInternal = (e: bigint) => (e & 3n) === 2n;
const XA_RETRY_ENTRY = xaMkInternal(256n);
const XA_ZERO_ENTRY = xaMkInternal(257n);

interface XaLayout { chunkShift: number; chunkSize: number; shiftOff: bigint; slotsOff: bigint }

const layouts = new WeakMap<Program, XaLayout>();

function layout(prog: Program): XaLayout {
  let l = layouts.get(prog);
  if (!l) {
    const node = prog.type('struct xa_node');
    const count = prog.object(node, 0n).member('slots').resolvedType;
    if (count.kind !== 'array' || !count.count) throw new ObjectError(`struct xa_node.slots is not a sized array in ${prog.describe()}`);
    const chunkSize = count.count;
    l = {
      chunkSize,
      chunkShift: Math.log2(chunkSize),
      shiftOff: BigInt(prog.offsetof(node, 'shift')),
      slotsOff: BigInt(prog.offsetof(node, 'slots')),
    };
    layouts.set(prog, l);
  }
  return l;
}

function headOf(xa: Obj): bigint {
  const o = xa.resolvedType.kind === 'pointer' ? xa.deref() : xa;
  if (!o.hasMember('xa_head')) throw new ObjectError(`not an xarray: ${describe(xa.type)}`);
  return o.member('xa_head').pointerValue();
}

/** An entry found in an xarray: its index and the entry word (a pointer or a value entry). */
export interface XaEntry { index: bigint; entry: bigint }

/** xa_for_each: each present entry with its index, in index order. */
export function* xaForEach(xa: Obj, opts: WalkOptions = {}): Generator<XaEntry> {
  const prog = xa.prog;
  const head = headOf(xa);
  if (head === 0n) return;
  const isNode = (e: bigint) => xaIsInternal(e) && e > 4096n;
  if (!isNode(head)) {
    if (!xaIsInternal(head)) yield { index: 0n, entry: head };
    return;
  }
  const L = layout(prog);
  const g = new WalkGuard(`xarray at ${hex(xa.address ?? head)}`, opts);
  const sibling = xaMkInternal(BigInt(L.chunkSize - 1));
  // Depth-first in index order; each frame walks one node's slots.
  interface Frame { node: bigint; base: bigint; shift: number; slots: DataView; i: number }
  const open = (node: bigint, base: bigint, expected: number): Frame => {
    g.visit(node);
    const [shift, bytes] = g.read(node, () => [
      prog.map.getByte(node + L.shiftOff),
      prog.read(node + L.slotsOff, 8 * L.chunkSize),
    ] as const);
    if ((expected >= 0 && shift !== expected) || shift > 64 || shift % L.chunkShift !== 0) {
      g.fail('corrupt', node, `node shift ${shift}${expected >= 0 ? `, expected ${expected}` : ''}`);
    }
    return { node, base, shift, slots: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), i: 0 };
  };
  const stack: Frame[] = [open(head - 2n, 0n, -1)];
  while (stack.length) {
    const f = stack[stack.length - 1];
    if (f.i >= L.chunkSize) { stack.pop(); continue; }
    const i = f.i++;
    const e = f.slots.getBigUint64(i * 8, true);
    if (e === 0n || e === XA_RETRY_ENTRY || e === XA_ZERO_ENTRY) continue;
    const index = f.base + (BigInt(i) << BigInt(f.shift));
    if (xaIsInternal(e)) {
      if (e < sibling) continue;
      if (isNode(e)) {
        if (f.shift === 0) g.fail('corrupt', f.node, `node pointer in a leaf node's slot ${i}`);
        if (stack.length > 16) g.fail('corrupt', f.node, 'xarray deeper than 16 levels');
        stack.push(open(e - 2n, index, f.shift - L.chunkShift));
      }
      continue;
    }
    g.count++;
    if (g.count > g.max) g.fail('limit', f.node, `more than ${g.max} entries`);
    yield { index, entry: e };
  }
}

/** xa_load: the entry at `index`, or 0n. */
export function xaLoad(xa: Obj, index: bigint): bigint {
  const prog = xa.prog;
  let e = headOf(xa);
  const isNode = (x: bigint) => xaIsInternal(x) && x > 4096n;
  if (!isNode(e)) return index === 0n && !xaIsInternal(e) ? e : 0n;
  const L = layout(prog);
  const g = new WalkGuard(`xarray at ${hex(xa.address ?? e)}`, { max: 16 });
  for (;;) {
    const node = e - 2n;
    g.visit(node);
    g.count++;
    const shift = g.read(node, () => prog.map.getByte(node + L.shiftOff));
    if (shift > 64 || shift % L.chunkShift) g.fail('corrupt', node, `node shift ${shift}`);
    if (index >> BigInt(shift + L.chunkShift) !== 0n && g.count === 1) return 0n; // beyond the tree
    let offset = Number((index >> BigInt(shift)) & BigInt(L.chunkSize - 1));
    e = g.read(node, () => prog.readWord(node + L.slotsOff + BigInt(offset * 8)));
    if (xaIsInternal(e) && e < xaMkInternal(BigInt(L.chunkSize - 1))) {
      offset = Number(e >> 2n); // sibling: the canonical slot
      e = g.read(node, () => prog.readWord(node + L.slotsOff + BigInt(offset * 8)));
    }
    if (!isNode(e)) return xaIsInternal(e) ? 0n : e;
    if (shift === 0) g.fail('corrupt', node, 'node pointer in a leaf node');
  }
}
