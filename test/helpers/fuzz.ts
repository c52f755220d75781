/**
 * Seeded mutation fuzzing for parser entry points: flip bytes, overwrite
 * 32-bit words with edge values, truncate, and check that the entry point
 * returns or throws a VirtmemError, nothing else (no RangeError, no TypeError,
 * no hang: the mutation count is bounded and each parser has its own limits).
 */
import { VirtmemError } from '../../src/bytes/index.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x20000000];

/** A mutated copy of `input`; `protect` bytes at the start are left alone (e.g. a magic). */
export function mutate(input: Uint8Array, rand: () => number, protect = 0): Uint8Array {
  const b = input.slice();
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const at = protect + Math.floor(rand() * Math.max(1, b.length - protect));
    const what = rand();
    if (what < 0.4) b[at] = Math.floor(rand() * 256);
    else if (what < 0.8 && at + 4 <= b.length) {
      const v = EDGE[Math.floor(rand() * EDGE.length)];
      new DataView(b.buffer).setUint32(at & ~3, v, rand() < 0.5);
    } else if (what < 0.9) b[at] ^= 1 << Math.floor(rand() * 8);
    else return b.subarray(0, at);
  }
  return b;
}

/** Run `f` on `rounds` mutations of `input`; returns the unexpected errors (should be none). */
export function fuzz(input: Uint8Array, seed: number, rounds: number, f: (bytes: Uint8Array) => void, protect = 0): string[] {
  const rand = rng(seed);
  const bad: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const m = mutate(input, rand, protect);
    try {
      f(m);
    } catch (e) {
      if (!(e instanceof VirtmemError)) bad.push(`round ${i}: ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`);
    }
    if (bad.length >= 5) break;
  }
  return bad;
}
