/**
 * LazyTypeBuilder, the build-with-queue / broken-cache / rollback piece the
 * DWARF, CTF and BTF converters share (their own tests run it on real files).
 * Here a builder over a small table of records, as a format would hold them,
 * checks the contract itself: cycles close through the cache, nothing
 * recurses, a failure drops everything the call made and is remembered, and
 * asking again from inside a task is answered from the cache or the queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError } from '../../src/bytes/index.js';
import { LazyTypeBuilder, type PointerType, type StructType, type Type, type TypedefType } from '../../src/types/index.js';

/** A record: a struct with members pointing at ids, a pointer, a typedef, or a bad record. */
type Rec =
  | { kind: 'struct'; name: string; members: number[] }
  | { kind: 'pointer'; to: number }
  | { kind: 'typedef'; name: string; to: number }
  | { kind: 'bad' };

class TableTypes extends LazyTypeBuilder<number> {
  readonly format = 'table';
  shallowCalls = 0;
  checks: number[][] = [];
  constructor(readonly recs: Map<number, Rec>) { super(); }

  protected shallow(id: number): Type {
    this.shallowCalls++;
    const r = this.recs.get(id);
    if (!r || r.kind === 'bad') throw new FormatError(`record ${id} is bad`, { source: 'table' });
    switch (r.kind) {
      case 'pointer': {
        const t = this.put(id, { kind: 'pointer', size: 8, target: { kind: 'void' } } as PointerType);
        this.defer(() => { t.target = this.typeOf(r.to); });
        return t;
      }
      case 'typedef': {
        const t = this.put(id, { kind: 'typedef', name: r.name, target: { kind: 'void' } } as TypedefType);
        this.defer(() => { t.target = this.typeOf(r.to); });
        return t;
      }
      case 'struct': {
        const t = this.put(id, { kind: 'struct', name: r.name, size: 8 * r.members.length, members: [] } as StructType);
        this.defer(() => { t.members = r.members.map((m, i) => ({ name: `m${i}`, type: this.typeOf(m), bitOffset: 64 * i })); });
        this.after(() => { if (t.members.length !== r.members.length) throw new FormatError('late check saw a half-filled struct', {}); });
        return t;
      }
    }
  }

  protected override check(made: readonly number[]): void {
    this.checks.push([...made]);
  }

  isCached(id: number): boolean { return this.cached(id) !== undefined; }
  brokenIds(): number[] { return [...this.broken.keys()]; }
}

test('a cycle (struct list_head { struct list_head *next, *prev; }) closes through the cache, each record made once', () => {
  const tt = new TableTypes(new Map<number, Rec>([[1, { kind: 'struct', name: 'list_head', members: [2, 2] }], [2, { kind: 'pointer', to: 1 }]]));
  const lh = tt.typeOf(1) as StructType;
  assert.equal(lh.kind, 'struct');
  assert.equal((lh.members[0].type as PointerType).target, lh);
  assert.equal(lh.members[0].type, lh.members[1].type);
  assert.deepEqual(lh.origin, { format: 'table', id: 1 });
  assert.equal(tt.shallowCalls, 2);
  assert.equal(tt.typeOf(2), lh.members[0].type); // from the cache, no new object
  assert.equal(tt.shallowCalls, 2);
  assert.deepEqual(tt.checks, [[1, 2]]);
});

test('a long chain builds without recursion (100000 typedefs over a struct)', () => {
  const recs = new Map<number, Rec>([[0, { kind: 'struct', name: 's', members: [] }]]);
  for (let i = 1; i <= 100_000; i++) recs.set(i, { kind: 'typedef', name: `t${i}`, to: i - 1 });
  const tt = new TableTypes(recs);
  let t = tt.typeOf(100_000);
  for (let i = 0; i < 100_000; i++) t = (t as TypedefType).target;
  assert.equal(t, tt.typeOf(0));
});

test('a broken record rolls back everything the call made, is remembered, and other types stay readable', () => {
  const recs = new Map<number, Rec>([
    [1, { kind: 'struct', name: 'holder', members: [2, 3] }], [2, { kind: 'pointer', to: 4 }], [3, { kind: 'bad' }],
    [4, { kind: 'struct', name: 'fine', members: [] }], [5, { kind: 'typedef', name: 'fine_t', to: 4 }],
  ]);
  const tt = new TableTypes(recs);
  assert.throws(() => tt.typeOf(1), (e: Error) => e instanceof FormatError && /record 3 is bad/.test(e.message));
  for (const id of [1, 2, 4]) assert.equal(tt.isCached(id), false, `type ${id} made by the failed call is dropped`);
  assert.deepEqual(tt.brokenIds(), [1]);
  const calls = tt.shallowCalls;
  assert.throws(() => tt.typeOf(1), /record 3 is bad/); // remembered: not built again
  assert.equal(tt.shallowCalls, calls);
  const fine = tt.typeOf(5) as TypedefType;
  assert.equal(fine.target, tt.typeOf(4));
  assert.equal(fine.target.kind, 'struct');
  assert.deepEqual(tt.checks, [[5, 4]]); // the failed call never reached check()
});

test('re-entrancy: typeOf from inside a task (and from a later top-level call) sees one object per id', () => {
  const recs = new Map<number, Rec>([
    [1, { kind: 'struct', name: 'a', members: [3] }], [2, { kind: 'struct', name: 'b', members: [4] }],
    [3, { kind: 'pointer', to: 2 }], [4, { kind: 'pointer', to: 1 }],
  ]);
  const tt = new TableTypes(recs);
  const a = tt.typeOf(1) as StructType;
  const b = ((a.members[0].type as PointerType).target) as StructType;
  assert.equal(b.name, 'b');
  assert.equal(((b.members[0].type as PointerType).target), a);
  assert.equal(tt.typeOf(2), b);
  // A call that fails after a successful one leaves the earlier types alone.
  recs.set(6, { kind: 'struct', name: 'c', members: [1, 7] });
  recs.set(7, { kind: 'bad' });
  assert.throws(() => tt.typeOf(6), FormatError);
  assert.equal(tt.typeOf(1), a);
  assert.equal(tt.isCached(6), false);
});

test('a failure in an after() fix-up or in check() rolls back like one in a task', () => {
  class Rejecting extends TableTypes {
    protected override check(made: readonly number[]): void {
      super.check(made);
      if (made.includes(9)) throw new FormatError('cycle through typedefs', {});
    }
  }
  const tt = new Rejecting(new Map<number, Rec>([[8, { kind: 'typedef', name: 'x', to: 9 }], [9, { kind: 'typedef', name: 'y', to: 8 }]]));
  assert.throws(() => tt.typeOf(8), /cycle through typedefs/);
  assert.equal(tt.isCached(8), false);
  assert.equal(tt.isCached(9), false);
  assert.throws(() => tt.typeOf(8), /cycle through typedefs/);
});
