/**
 * Seeded mutation fuzzing for parser entry points: flip bytes, overwrite
 * 32-bit words with edge values, truncate, and check that the entry point
 * returns or throws a VirtmemError, nothing else (no RangeError, no TypeError,
 * no hang: the mutation count is bounded and each parser has its own limits).
 *
 * Every fuzz run replays: the inputs are the same bytes each run (compile with
 * `gccReplayable`, which keeps the temp directory's name out of the output),
 * the seeds are fixed, and a failure names the seed, the round and the file the
 * failing input was saved to. Environment, for longer sweeps:
 *   VIRTMEM_FUZZ_SEED=n        mix n into every stream's seed (unset: the fixed defaults)
 *   VIRTMEM_FUZZ_ITERATIONS=n  every stream runs n rounds instead of its default
 *   VIRTMEM_FUZZ_SCALE=x       every stream runs x times its default rounds
 *   VIRTMEM_FUZZ_SLOW_MS=n     also report a round that takes more than n ms
 *   VIRTMEM_FUZZ_FAILURES=dir  where failing inputs go (default <tmp>/virtmem-fuzz-failures)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { VirtmemError } from '../../src/bytes/index.js';

/** The seed of one fuzz stream: `dflt`, or with VIRTMEM_FUZZ_SEED set, that mixed into `dflt` (streams stay distinct). */
export function fuzzSeed(dflt: number): number {
  const env = process.env.VIRTMEM_FUZZ_SEED;
  if (env === undefined || env === '') return dflt >>> 0;
  let h = (Number(env) >>> 0) ^ Math.imul(dflt >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rounds of one fuzz stream: `dflt`, VIRTMEM_FUZZ_ITERATIONS, or `dflt` times VIRTMEM_FUZZ_SCALE. */
export function fuzzRounds(dflt: number): number {
  const n = process.env.VIRTMEM_FUZZ_ITERATIONS;
  if (n) return Math.max(1, Math.floor(Number(n)));
  const scale = Number(process.env.VIRTMEM_FUZZ_SCALE || 1);
  return Math.max(1, Math.round(dflt * scale));
}

/** How to replay a seed: the stream's seed and the environment it came from. */
export function seedNote(seed: number): string {
  return `seed ${seed}, VIRTMEM_FUZZ_SEED=${process.env.VIRTMEM_FUZZ_SEED || 'unset'}`;
}

/** Save a failing input where it outlives the test's temp dir; returns the path. */
export function saveFailure(label: string, seed: number, round: number, input: Uint8Array | string): string {
  const dir = process.env.VIRTMEM_FUZZ_FAILURES || path.join(os.tmpdir(), 'virtmem-fuzz-failures');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${label.replace(/[^\w.-]+/g, '_')}-seed${seed}-round${round}.${typeof input === 'string' ? 'txt' : 'bin'}`);
  fs.writeFileSync(file, input);
  return file;
}

/** One line for a failing round: where, how to replay, what. */
export function failure(label: string, seed: number, round: number, input: Uint8Array | string, e: unknown): string {
  const why = e instanceof Error ? (e.stack ?? String(e)).split('\n').slice(0, 4).join(' | ') : String(e);
  return `${label}: round ${round} (${seedNote(seed)}), input saved as ${saveFailure(label, seed, round, input)}: ${why}`;
}

/** Milliseconds after which a round is reported as slow (VIRTMEM_FUZZ_SLOW_MS; off by default: speed belongs to benchmarks). */
export function slowMs(): number {
  return Number(process.env.VIRTMEM_FUZZ_SLOW_MS || Infinity);
}

/**
 * Run `cc` (gcc, a cross gcc, gcc as linker) in `dir` so that what it writes
 * does not depend on the directory's name: name inputs and outputs relative to
 * `dir`. gcc records the working directory (DW_AT_comp_dir, and the CTF/BTF
 * unit name, which -fdebug-prefix-map does not reach) from PWD when PWD names
 * the same directory, so PWD=/proc/self/cwd makes it the same string each run.
 */
export function gccReplayable(cc: string, dir: string, args: string[]): void {
  const r = spawnSync(cc, args, { cwd: dir, env: { ...process.env, PWD: '/proc/self/cwd' }, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cc} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

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

/**
 * Run `f` on rounds of mutations of `input` (seed and rounds as fuzzSeed and
 * fuzzRounds make them of `seed` and `rounds`); returns the unexpected errors
 * (should be none), each naming its seed, round and saved input.
 */
export function fuzz(input: Uint8Array, seed: number, rounds: number, f: (bytes: Uint8Array) => void, protect = 0, label = 'fuzz'): string[] {
  const s = fuzzSeed(seed);
  const n = fuzzRounds(rounds);
  const rand = rng(s);
  const slow = slowMs();
  const bad: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = mutate(input, rand, protect);
    const start = performance.now();
    try {
      f(m);
    } catch (e) {
      if (!(e instanceof VirtmemError)) bad.push(failure(label, s, i, m, e));
    }
    const ms = performance.now() - start;
    if (ms > slow) bad.push(failure(label, s, i, m, `slow: ${ms.toFixed(0)} ms`));
    if (bad.length >= 5) break;
  }
  return bad;
}
