/**
 * Scanning processes started first thing: a child takes about 0.2 s to boot
 * and load its modules, and started from the entry script (bin/dwarf2ctf.js,
 * before the rest of the program is even loaded) it does so while this
 * process loads and reads its arguments, instead of after. Light on
 * purpose: nothing here imports the scanner.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

const started: ChildProcess[] = [];

/**
 * V8 flags for a dwarf2ctf process (the command sets them on its own process
 * as it starts: useDwarf2ctfFlags; a scanning child gets them on its command
 * line). Without allocation-site pretenuring: at a GC, V8 decides to allocate
 * the objects of a literal whose objects mostly survive (descriptions, unit
 * headers, DIE nodes) straight in the old generation, and each such decision
 * throws away the optimized code of every function that allocates there,
 * about ten of the scanner's hottest at a time, to be compiled again. Without
 * it: 3.7% fewer instructions on a tenth of the kernel (single-threaded, where
 * compiling counts) and half the code-dependency deoptimizations; at -j2 the
 * wall time did not measurably change (the compiler threads absorb them).
 */
export const DWARF2CTF_V8_FLAGS = ['--no-allocation-site-pretenuring'];

/** Set DWARF2CTF_V8_FLAGS on this process (before the work starts: they take effect at its next GC). */
export function useDwarf2ctfFlags(): void {
  setFlagsFromString(DWARF2CTF_V8_FLAGS.join(' '));
}

/** libuv threads in a scanning child, which syncs the dicts all at once (bytes/atomic.ts syncAll). */
export const SYNC_THREADS = 32;

/**
 * The Node flags a scanning child inherits: a --cpu-prof or a heap limit, but
 * not a test runner's, nor code to run (-e/-p/--eval/--print and their
 * argument: a child given those would run that code instead of worker.js, and
 * a program embedding dwarf2ctf in `node -e` would fork itself without end).
 */
export function scannerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--test')) continue;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '-pe' || a === '-ep') { i++; continue; }
    if (a.startsWith('--eval=') || a.startsWith('--print=')) continue;
    out.push(a);
  }
  return out;
}

/** A scanning child process (worker.js), spoken to with V8's serializer. */
export function forkScanner(): ChildProcess {
  // Node's flags (a --cpu-prof, a heap limit) carry over; a test runner's do not.
  const execArgv = [...DWARF2CTF_V8_FLAGS, ...scannerExecArgv(process.execArgv)];
  // (more libuv threads than the default 4: the dicts' fsyncs are issued all at once, bytes/atomic.ts syncAll)
  const env = process.env.UV_THREADPOOL_SIZE ? process.env : { ...process.env, UV_THREADPOOL_SIZE: String(SYNC_THREADS) };
  return fork(fileURLToPath(new URL('./worker.js', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv, env });
}

/**
 * Start the scanners a dwarf2ctf run with these arguments will want with the
 * default -j (one per core, less this process), when it has more than one
 * object file to scan (or a response file: probably many). Until one is taken
 * they do not keep this process alive: a run that stops early (a usage error,
 * -j1 in a response file) just exits, and they with it (worker.ts: on
 * disconnect).
 */
export function prestartScanners(argv: readonly string[]): void {
  if (argv.some((a) => a === '-h' || a === '--help' || a.startsWith('-j') || a.startsWith('--jobs'))) return;
  const positional = argv.filter((a) => !a.startsWith('-'));
  // OUTDIR OBJECTS.BUILTIN MODULES.BUILTIN DEDUP.BLACKLIST object...; with -e: OUTDIR object...
  const objects = positional.length - (argv.includes('-e') ? 1 : 4);
  if (objects < 2 && !positional.some((a) => a.startsWith('@'))) return;
  for (let i = 1; i < availableParallelism(); i++) {
    const c = forkScanner();
    c.unref();
    c.channel?.unref();
    started.push(c);
  }
}

/** A scanner started early and still there, now holding this process alive as any other; or undefined. */
export function takePrestarted(): ChildProcess | undefined {
  for (let c = started.shift(); c; c = started.shift()) {
    if (!c.connected) continue;
    c.ref();
    c.channel?.ref();
    return c;
  }
  return undefined;
}
