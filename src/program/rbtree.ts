/**
 * Red-black trees (include/linux/rbtree.h), with the kernel's names as drgn
 * has them: rbParent, rbFirst, rbLast, rbNext, rbPrev, and in-order walks
 * rbtreeInorderForEach(root) / rbtreeInorderForEachEntry(type, root, member).
 *
 * `root` is a `struct rb_root` (or `rb_root_cached`, whose rb_root is used)
 * object or a pointer to one. The in-order walk keeps its own stack instead
 * of following parent pointers, so a corrupt parent link cannot send it
 * around in circles; a node met twice, a path deeper than `maxDepth` (a valid
 * tree of 2^20 nodes is at most 40 deep) or more than `max` nodes throws a
 * WalkError after the entries already yielded.
 */
import { describe, resolve, type Type } from '../types/index.js';
import { ObjectError } from './errors.js';
import { Obj } from './object.js';
import { WalkGuard, type WalkOptions } from './walk.js';

export interface RbWalkOptions extends WalkOptions {
  /** Deepest path accepted (default 128). */
  maxDepth?: number;
}

const hex = (a: bigint) => '0x' + a.toString(16);

/** The root node address of an rb_root / rb_root_cached (object or pointer). */
function rootNode(root: Obj): bigint {
  let o = root.resolvedType.kind === 'pointer' ? root.deref() : root;
  if (o.hasMember('rb_root')) o = o.member('rb_root'); // rb_root_cached
  if (!o.hasMember('rb_node')) throw new ObjectError(`not an rb_root: ${describe(root.type)}`);
  return o.member('rb_node').pointerValue();
}

interface Offsets { left: bigint; right: bigint; parentColor: bigint; ptr: Type }

function offsets(root: Obj): Offsets {
  const prog = root.prog;
  const node = prog.type('struct rb_node');
  return {
    left: BigInt(prog.offsetof(node, 'rb_left')),
    right: BigInt(prog.offsetof(node, 'rb_right')),
    parentColor: BigInt(prog.offsetof(node, '__rb_parent_color')),
    ptr: prog.pointerTo(node),
  };
}

/** rb_parent: the parent of a node (pointer), NULL at the root. */
export function rbParent(node: Obj): Obj {
  const p = node.member('__rb_parent_color').int() & ~3n;
  return Obj.scalar(node.prog, node.prog.pointerTo(node.prog.type('struct rb_node')), p);
}

/** rb_first: the leftmost node, or NULL for an empty tree. */
export function rbFirst(root: Obj): Obj { return extreme(root, 'rb_left'); }
/** rb_last: the rightmost node, or NULL. */
export function rbLast(root: Obj): Obj { return extreme(root, 'rb_right'); }

function extreme(root: Obj, side: 'rb_left' | 'rb_right'): Obj {
  const o = offsets(root);
  const g = new WalkGuard(`rbtree at ${hex(rootNode(root))}`, { max: 128 });
  let n = rootNode(root);
  if (n !== 0n) {
    for (;;) {
      g.visit(n);
      g.count++;
      const c = g.read(n, () => root.prog.readWord(n + (side === 'rb_left' ? o.left : o.right)));
      if (c === 0n) break;
      n = c;
    }
  }
  return Obj.scalar(root.prog, o.ptr, n);
}

/** rb_next: the in-order successor of a node, or NULL. */
export function rbNext(node: Obj): Obj { return step(node, 'rb_right', 'rb_left'); }
/** rb_prev: the in-order predecessor, or NULL. */
export function rbPrev(node: Obj): Obj { return step(node, 'rb_left', 'rb_right'); }

function step(node: Obj, down: 'rb_left' | 'rb_right', across: 'rb_left' | 'rb_right'): Obj {
  const prog = node.prog;
  const ptr = prog.pointerTo(prog.type('struct rb_node'));
  let n = node.pointerValue();
  const g = new WalkGuard(`rbtree node ${hex(n)}`, { max: 128 });
  const child = (a: bigint, m: string) => g.read(a, () => prog.object('struct rb_node', a).member(m).pointerValue());
  const parent = (a: bigint) => g.read(a, () => prog.object('struct rb_node', a).member('__rb_parent_color').int() & ~3n);
  if (parent(n) === n) return Obj.scalar(prog, ptr, 0n); // RB_EMPTY_NODE
  let c = child(n, down);
  if (c !== 0n) {
    n = c;
    for (;;) { g.visit(n); g.count++; const x = child(n, across); if (x === 0n) return Obj.scalar(prog, ptr, n); n = x; }
  }
  for (;;) {
    const p = parent(n);
    if (p === 0n || child(p, across) === n) return Obj.scalar(prog, ptr, p);
    g.visit(p); g.count++;
    n = p;
  }
}

/** Each `struct rb_node *` of the tree, in order. */
export function* rbtreeInorderForEach(root: Obj, opts: RbWalkOptions = {}): Generator<Obj> {
  const prog = root.prog;
  const o = offsets(root);
  const top = rootNode(root);
  const g = new WalkGuard(`rbtree at ${hex(top)}`, opts);
  const maxDepth = opts.maxDepth ?? 128;
  const stack: bigint[] = [];
  let n = top;
  while (n !== 0n || stack.length) {
    while (n !== 0n) {
      if (stack.length >= maxDepth) g.fail('corrupt', n, `tree deeper than ${maxDepth}`);
      g.visit(n);
      stack.push(n);
      const at = n;
      n = g.read(at, () => prog.readWord(at + o.left));
    }
    const cur = stack.pop()!;
    g.count++;
    const right = g.read(cur, () => prog.readWord(cur + o.right));
    yield Obj.scalar(prog, o.ptr, cur);
    n = right;
  }
}

/** Each containing object (pointer to `type`) whose rb_node `member` is in the tree, in order. */
export function* rbtreeInorderForEachEntry(type: Type | string, root: Obj, member: string, opts: RbWalkOptions = {}): Generator<Obj> {
  const t = typeof type === 'string' ? root.prog.type(type) : type;
  if (resolve(t).kind !== 'struct') throw new ObjectError(`not a struct: ${describe(t)}`);
  const off = BigInt(root.prog.offsetof(t, member));
  const ptr = root.prog.pointerTo(t);
  for (const n of rbtreeInorderForEach(root, opts)) yield Obj.scalar(root.prog, ptr, n.pointerValue() - off);
}
