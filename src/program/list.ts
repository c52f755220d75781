/**
 * Linux's doubly linked lists (include/linux/list.h) and hash lists, with
 * the kernel's names (as drgn's drgn.helpers.linux.list):
 *
 *   listForEach(head)                       list_for_each: each struct list_head * after head
 *   listForEachEntry(type, head, member)    list_for_each_entry: each containing object (a pointer)
 *   listEmpty, listIsSingular, listFirstEntry, listCount
 *   hlistForEach(head), hlistForEachEntry(type, head, member)   hlist_head / hlist_node chains
 *
 * `head` is a `struct list_head` object or a pointer to one. Every walk is
 * guarded (walk.ts): it ends when `next` comes back to the head; a node met
 * twice, a NULL or unreadable `next`, or more than `max` nodes throws a
 * WalkError after the good entries were yielded. With `validate`, each node's
 * `prev` must point back at the node before (list_for_each_entry_safe's
 * invariant), which catches a list spliced from freed memory.
 */
import { describe, resolve, type Type } from '../types/index.js';
import { ObjectError } from './errors.js';
import { Obj } from './object.js';
import { WalkGuard, type WalkOptions } from './walk.js';

export interface ListWalkOptions extends WalkOptions {
  /** Check that each node's prev points at the node before it. */
  validate?: boolean;
}

const hex = (a: bigint) => '0x' + a.toString(16);

/** Address of a list_head (or hlist_head) given as an object or a pointer to one. */
function headAddress(head: Obj): bigint {
  const r = head.resolvedType;
  if (r.kind === 'pointer') return head.pointerValue();
  return head.addressOrThrow('walk a list from');
}

function listHeadType(head: Obj): Type {
  const r = head.resolvedType;
  return r.kind === 'pointer' ? r.target : head.type;
}

/** list_for_each: each `struct list_head *` of the list, head excluded. */
export function* listForEach(head: Obj, opts: ListWalkOptions = {}): Generator<Obj> {
  const prog = head.prog;
  const lh = listHeadType(head);
  if (resolve(lh).kind !== 'struct') throw new ObjectError(`not a list head: ${describe(head.type)}`);
  const ptrType = prog.pointerTo(lh);
  const h = headAddress(head);
  const g = new WalkGuard(`list at ${hex(h)}`, opts);
  const nextOff = BigInt(prog.offsetof(lh, 'next'));
  const prevOff = BigInt(prog.offsetof(lh, 'prev'));
  let prev = h;
  let node = g.read(h, () => prog.readWord(h + nextOff));
  while (node !== h) {
    if (node === 0n) g.fail('corrupt', prev, 'NULL next pointer');
    g.visit(node);
    if (opts.validate) {
      const back = g.read(node, () => prog.readWord(node + prevOff));
      if (back !== prev) g.fail('corrupt', node, `prev is ${hex(back)}, not ${hex(prev)}`);
    }
    const next = g.read(node, () => prog.readWord(node + nextOff));
    g.count++;
    yield Obj.scalar(prog, ptrType, node);
    prev = node;
    node = next;
  }
}

/** list_for_each_entry: each object (as a pointer to `type`) whose `member` is linked into the list. */
export function* listForEachEntry(type: Type | string, head: Obj, member: string, opts: ListWalkOptions = {}): Generator<Obj> {
  const t = typeof type === 'string' ? head.prog.type(type) : type;
  const off = BigInt(head.prog.offsetof(t, member));
  const ptr = head.prog.pointerTo(t);
  for (const n of listForEach(head, opts)) yield Obj.scalar(head.prog, ptr, n.pointerValue() - off);
}

/** list_empty: head->next == head. */
export function listEmpty(head: Obj): boolean {
  const h = headAddress(head);
  return head.prog.readWord(h) === h;
}

/** list_is_singular: one entry. */
export function listIsSingular(head: Obj): boolean {
  const h = headAddress(head);
  const next = head.prog.readWord(h);
  return next !== h && next === head.prog.readWord(h + 8n);
}

/** list_first_entry: the first entry (the list must not be empty). */
export function listFirstEntry(type: Type | string, head: Obj, member: string): Obj {
  for (const e of listForEachEntry(type, head, member, { max: 1 })) return e;
  throw new ObjectError(`list at ${hex(headAddress(head))} is empty`);
}

/** Number of entries (guarded like every walk). */
export function listCount(head: Obj, opts: ListWalkOptions = {}): number {
  let n = 0;
  for (const _ of listForEach(head, opts)) n++;
  return n;
}

/** hlist_for_each: each `struct hlist_node *` of an hlist_head's chain (first, then next, until NULL). */
export function* hlistForEach(head: Obj, opts: WalkOptions = {}): Generator<Obj> {
  const prog = head.prog;
  const h = headAddress(head);
  const nodeType = prog.pointerTo(prog.type('struct hlist_node'));
  const g = new WalkGuard(`hlist at ${hex(h)}`, opts);
  let node = g.read(h, () => prog.readWord(h));
  while (node !== 0n) {
    g.visit(node);
    const next = g.read(node, () => prog.readWord(node));
    g.count++;
    yield Obj.scalar(prog, nodeType, node);
    node = next;
  }
}

/** hlist_for_each_entry: each object (pointer to `type`) whose hlist_node `member` is in the chain. */
export function* hlistForEachEntry(type: Type | string, head: Obj, member: string, opts: WalkOptions = {}): Generator<Obj> {
  const t = typeof type === 'string' ? head.prog.type(type) : type;
  const off = BigInt(head.prog.offsetof(t, member));
  const ptr = head.prog.pointerTo(t);
  for (const n of hlistForEach(head, opts)) yield Obj.scalar(head.prog, ptr, n.pointerValue() - off);
}
