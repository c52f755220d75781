/**
 * The guard every walk over kernel links shares: a node limit, a visited set
 * (a node met twice is a cycle unless it is the expected end), and reads that
 * turn a MemoryFault into a WalkError naming the walk and the link. A walk
 * yields the good entries first and throws after them, so `collect` can hand
 * back a partial result marked with the problem.
 */
import { VirtmemError } from '../bytes/index.js';
import { MemoryFault } from '../memory/index.js';
import { WalkError, type WalkProblem } from './errors.js';
import { DEFAULT_LIMITS } from './program.js';

/** Options of every walk helper. */
export interface WalkOptions {
  /** Most nodes to visit before a WalkError 'limit' (default 2^20). */
  max?: number;
}

export class WalkGuard {
  readonly max: number;
  private readonly seen = new Set<bigint>();
  count = 0;
  constructor(readonly what: string, opts: WalkOptions = {}) {
    this.max = opts.max ?? DEFAULT_LIMITS.walk;
  }

  fail(problem: WalkProblem, at: bigint, detail: string): never {
    throw new WalkError(this.what, problem, at, this.count, detail);
  }

  /** Record a visit to `node`; a WalkError if seen before or past the limit. */
  visit(node: bigint): void {
    if (this.seen.has(node)) this.fail('cycle', node, 'node visited twice (a loop that does not return to the head)');
    if (this.count >= this.max) this.fail('limit', node, `more than ${this.max} nodes`);
    this.seen.add(node);
  }

  /** Run a read; a MemoryFault becomes a WalkError 'fault' at `at`. */
  read<T>(at: bigint, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof MemoryFault) this.fail('fault', e.address, `unreadable link (${e.reason}) from node 0x${at.toString(16)}`);
      throw e;
    }
  }
}

/** Everything a walk yields, and the WalkError (or other VirtmemError) that cut it short, if any. */
export interface Collected<T> {
  items: T[];
  /** Set when the walk stopped at a bad link: `items` is then a partial result. */
  error?: VirtmemError;
}

/** Drain a walk into an array, keeping its error instead of throwing it. */
export function collect<T>(walk: Iterable<T>): Collected<T> {
  const items: T[] = [];
  try {
    for (const x of walk) items.push(x);
  } catch (e) {
    if (e instanceof VirtmemError) return { items, error: e };
    throw e;
  }
  return { items };
}
