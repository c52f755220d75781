/**
 * dwarf2ctf end to end: scan every object file (in scanning child processes
 * when there is more than one core and more than one task), merge the
 * summaries in command-line order, run the duplicate passes, build one dict
 * per module and write each gzip'd into the output directory, only when its
 * bytes changed (so make does not relink what depends on it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { deserialize } from 'node:v8';
import { UsageError } from '../bytes/index.js';
import { writeDict } from '../ctf/write.js';
import { brokenTypes, buildDict, type BuiltDict } from './construct.js';
import type { FileSummary } from './defs.js';
import { SHARED_MODULE, TypeGraph } from './graph.js';
import { SHARED, VMLINUX, isKernelImage, type BuiltinMap } from './modules.js';
import { forkScanner, takePrestarted } from './prestart.js';
import { Stager } from './stager.js';
import { makeConfig, releaseTables, releaseTaskCache, runTask, type ScanConfig, type ScanTask } from './task.js';

export interface Dwarf2CtfOptions {
  outDir: string;
  /** Object files: the kernel image (vmlinux, vmlinux.o) and modules (.ko, .o). */
  files: string[];
  /** objects.builtin + modules.builtin (shared mode). */
  builtin?: BuiltinMap;
  blacklist?: Set<string>;
  /** False for -e (out-of-tree modules): nothing shared, every dict standalone. */
  sharing: boolean;
  /** Threads that scan, this one included (N - 1 workers); default: the machine's parallelism. 1 scans in this thread alone. */
  jobs?: number;
  /** Scan types defined inside functions too (default true, as the seed). */
  functionTypes?: boolean;
  /** Progress and warnings. */
  log?: (line: string) => void;
}

export interface DictReport {
  module: string;
  file: string;
  types: number;
  variables: number;
  rawBytes: number;
  gzipBytes: number;
  written: boolean;
}

export interface Dwarf2CtfResult {
  dicts: DictReport[];
  warnings: string[];
  graph: TypeGraph;
  seconds: { scan: number; dedup: number; write: number };
  /** Peak resident set size in bytes: this process's plus each scanning child's (an upper bound on the peak of the sum). */
  peakRss: number;
  /** CPU seconds (user and system) of every process, all threads (each child's as it last reported). */
  cpuSeconds: number;
}

/**
 * A kernel image is cut into slices of its compile units, about this many
 * bytes of file each, whatever -j is (the output does not depend on the cut:
 * see "settled" in index.ts; a cut fixed by the input keeps runs alike).
 * Workers take the slices as they come (load balancing); -j1 scans them one
 * after the other.
 */
export const IMAGE_SLICE_BYTES = 96 << 20;
/** Bounds on the slice count (a tiny vmlinux: one; a huge one: no more than this). */
const MAX_IMAGE_SLICES = 64;

/** How many slices a kernel image of `bytes` bytes is cut into: depends on the input only, never on -j. */
export function imageSlices(bytes: number): number {
  return Math.min(MAX_IMAGE_SLICES, Math.max(1, Math.round(bytes / IMAGE_SLICE_BYTES)));
}

export async function dwarf2ctf(opts: Dwarf2CtfOptions): Promise<Dwarf2CtfResult> {
  const log = opts.log ?? (() => {});
  for (const f of opts.files) {
    try { fs.accessSync(f, fs.constants.R_OK); } catch { throw new UsageError(`cannot read ${f}`); }
  }
  const cfg = makeConfig(opts.builtin, opts.blacklist ?? new Set(), opts.sharing, opts.functionTypes ?? true);
  const jobs = Math.max(1, opts.jobs ?? os.availableParallelism());
  const tasks: ScanTask[] = [];
  for (const file of opts.files) {
    const kernelImage = isKernelImage(file);
    const parts = kernelImage ? imageSlices(fs.statSync(file).size) : 1;
    for (let part = 0; part < parts; part++) tasks.push({ file, kernelImage, part, parts });
  }
  const t0 = performance.now();
  const graph = new TypeGraph(opts.sharing);
  const builtinModules = new Set<string>();
  let littleEndian: boolean | undefined;
  const consume = (s: FileSummary, task: ScanTask) => {
    if (s.ids.length) littleEndian ??= s.littleEndian;
    if (task.kernelImage) for (const m of s.modules) if (m.module !== VMLINUX) builtinModules.add(m.module);
    graph.merge(s);
  };
  let scanners: Scanner[] = [];
  try {
    if (jobs === 1 || tasks.length === 1) {
      for (const t of tasks) consume(runTask(t, cfg), t);
      releaseTaskCache();
    } else {
      scanners = await runPool(tasks, cfg, Math.min(jobs, tasks.length), consume);
      for (const w of scanners.slice(1)) w.stop(); // (the first syncs the dicts)
    }
    releaseTables(cfg);
    return await finish(opts, graph, scanners, littleEndian, builtinModules, t0, log);
  } finally {
    for (const w of scanners) w.stop();
  }
}

/** Dedup passes, then every dict built, and compressed and staged by a thread of its own while the next is built (stager.ts); all synced (by a scanning child when there is one) and renamed. */
async function finish(opts: Dwarf2CtfOptions, graph: TypeGraph, scanners: Scanner[], littleEndian: boolean | undefined, builtinModules: Set<string>,
  t0: number, log: (line: string) => void): Promise<Dwarf2CtfResult> {
  const t1 = performance.now();
  // Each dict is gzip'd and staged on a thread of its own while this one builds the next (stager.ts);
  // the thread boots during the dedup passes.
  const stager = new Stager(graph.moduleNames.length);
  const dicts: DictReport[] = [];
  let warnings: string[], t2: number;
  try {
    graph.finish();
    warnings = [...graph.warnings];
    const broken = brokenTypes(graph, (s) => warnings.push(s));
    const byModule = graph.typesByModule();
    t2 = performance.now();

    fs.mkdirSync(opts.outDir, { recursive: true });
    // What is there already (only those are read back to compare: a fresh directory costs no reads).
    const existing = new Set(fs.readdirSync(opts.outDir));
    const emit = (b: BuiltDict, file: string) => {
      const raw = writeDict(b.data);
      dicts.push({ module: b.module, file, types: b.types, variables: b.variables, rawBytes: raw.length, gzipBytes: 0, written: false });
      stager.stage(path.join(opts.outDir, file), raw, existing.has(file));
    };
    try {
      const d = { littleEndian: littleEndian ?? true, parentName: SHARED };
      if (opts.sharing) {
        const shared = buildDict(graph, SHARED_MODULE, byModule[SHARED_MODULE], broken, undefined, d);
        emit(shared, `${SHARED}.builtin.ctf`);
        for (let m = 1; m < graph.moduleNames.length; m++) {
          const name = graph.moduleNames[m];
          const b = buildDict(graph, m, byModule[m], broken, shared.ids, d);
          emit(b, m === 1 ? `${VMLINUX}.builtin.ctf` : `${name}.${builtinModules.has(name) ? 'builtin' : 'mod'}.ctf`);
        }
      } else {
        for (let m = 2; m < graph.moduleNames.length; m++) {
          emit(buildDict(graph, m, byModule[m], broken, undefined, d), `${graph.moduleNames[m]}.mod.ctf`);
        }
      }
    } catch (e) {
      await stager.discard();
      throw e;
    }
    // (a scanning child syncs them: it has more libuv threads, and the filesystem commits at once what is synced at once)
    const { staged, failed } = await stager.commit(scanners.length ? (files) => scanners[0].sync(files) : undefined);
    staged.forEach((r, i) => {
      if (r.error !== undefined) throw r.usage ? new UsageError(r.error) : new Error(r.error);
      dicts[i].gzipBytes = r.gzipBytes;
      dicts[i].written = r.written;
    });
    for (const [target, e] of failed) throw new Error(`${target}: ${e.message}`);
  } finally {
    await stager.close();
  }
  const t3 = performance.now();
  log(`${dicts.length} dicts, ${dicts.filter((x) => x.written).length} rewritten`);
  const u = process.resourceUsage();
  const peakRss = u.maxRSS * 1024 + scanners.reduce((a, w) => a + w.peakRss, 0);
  const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6 + scanners.reduce((a, w) => a + w.cpuSeconds, 0);
  return { dicts, warnings, graph, seconds: { scan: (t1 - t0) / 1000, dedup: (t2 - t1) / 1000, write: (t3 - t2) / 1000 }, peakRss, cpuSeconds };
}

/**
 * How many workers scan kernel-image slices: about the image's share of the
 * input bytes, at least one. The others never load the image (each worker
 * that does holds its DWARF, hundreds of megabytes), and take modules.
 */
export function imageWorkers(tasks: ScanTask[], n: number, sizeOf: (file: string) => number): number {
  const files = new Map<string, boolean>();
  for (const t of tasks) files.set(t.file, t.kernelImage);
  let image = 0, total = 0;
  for (const [f, isImage] of files) {
    const size = sizeOf(f);
    total += size;
    if (isImage) image += size;
  }
  return Math.min(n, Math.max(1, Math.round((n * image) / Math.max(total, 1))));
}

/** At most this long merging summaries before this process looks at its children's messages again. */
const MERGE_SLICE_MS = 10;
/**
 * Work (bytes of input) a scanning child keeps in hand, at least: this thread
 * answers only between its own tasks. Before one of those, a child gets half
 * as much again as that task is worth on top (per byte, the modules a child
 * has in hand may go faster than this task). In bytes, not tasks: eight tasks
 * in hand, at the end of a kernel where the modules are large, kept a child
 * busy 0.3-0.4 s after this thread had run out.
 */
const IN_HAND_BYTES = 4 << 20;
/** Tasks a scanning child keeps in hand, at least: with one, it waited between kernel-image slices for this thread to answer. */
const IN_HAND_TASKS = 2;
/**
 * The largest task (bytes of input) this thread takes while a child can take
 * it instead: a large module here (mlx5_core, 0.5 s) left a child that had
 * finished what it held idle until this thread could feed it again.
 */
const MY_TASK_BYTES = 12 << 20;

/**
 * A scanning child process: worker.js run by fork() (prestart.ts), spoken to
 * over its IPC channel with V8's serializer (typed arrays cross as such).
 * Processes, not worker threads: threads share one address space, and every
 * mapping change one makes (the JIT's code pages, the heaps growing and
 * shrinking) stops the others for a TLB shootdown and contends for the
 * mmap lock; on this 2-core VM that cost 0.8 s of CPU per run in the
 * kernel alone, and a process does the same work without it.
 */
class Scanner {
  private readonly child: ChildProcess;
  private stopping = false;
  /** The child's peak RSS in bytes, as it last reported. */
  peakRss = 0;
  /** CPU seconds it has used, as it last reported (its last report, the answer to the sync, comes as it exits). */
  cpuSeconds = 0;

  constructor(cfg: ScanConfig, participant: number) {
    this.child = takePrestarted() ?? forkScanner();
    this.child.send({ seq: -1, cfg, participant });
  }

  send(seq: number, task: ScanTask): void { this.child.send({ seq, task }); }
  onMessage(f: (m: ScanReply) => void): void {
    this.child.on('message', (m: ScanReply) => {
      if (m.file !== undefined) m = this.fromFile(m.file, m.seq);
      else if (m.bytes !== undefined) m = deserialize(m.bytes) as ScanReply;
      if (m.rss) this.peakRss = m.rss;
      if (m.cpu) this.cpuSeconds = m.cpu;
      if (m.synced) this.synced(m);
      else f(m);
    });
  }

  /** A reply the child handed over in a file (worker.ts answer), which is removed. */
  private fromFile(file: string, seq: number): ScanReply {
    try {
      return deserialize(fs.readFileSync(file)) as ScanReply;
    } catch (e) {
      return { seq, error: `cannot read the summary the scanning process left in ${file}: ${(e as Error).message}` };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  private syncing?: { resolve: (e: Error | undefined) => void };

  /** Have the child sync `files` (it has more libuv threads than this process: prestart.ts); the first error, if any. */
  sync(files: string[]): Promise<Error | undefined> {
    if (!this.child.connected) return Promise.resolve(new Error('dwarf2ctf: the scanning process that syncs the dicts is gone'));
    return new Promise((resolve) => {
      this.syncing = { resolve };
      this.child.send({ seq: 0, sync: files });
    });
  }

  private synced(m: ScanReply): void {
    const w = this.syncing;
    this.syncing = undefined;
    w?.resolve(m.error === undefined ? undefined : new Error(m.error));
  }

  onError(f: (e: Error) => void): void { this.child.on('error', f); }
  /** Called when the child goes away before it was told to (killed, out of memory, crashed). */
  onExit(f: (why: string) => void): void {
    this.child.on('exit', (code, signal) => {
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      this.syncing?.resolve(new Error(`dwarf2ctf: the scanning process that syncs the dicts ended (${why})`));
      this.syncing = undefined;
      if (!this.stopping) f(why);
    });
  }
  /** Done: the child exits when its channel closes (worker.ts). */
  stop(): void {
    this.stopping = true;
    if (this.child.connected) this.child.disconnect();
  }
}

/** What a scanning process answers: a summary or an error, or that it synced what it was asked to (with the first error, if any), with its peak RSS so far. */
export interface ScanReply {
  seq: number;
  synced?: boolean;
  summary?: FileSummary;
  /** The reply itself is in this file (V8-serialized): a large summary. */
  file?: string;
  /** The reply itself, V8-serialized: a summary small enough for the channel. */
  bytes?: Uint8Array;
  error?: string;
  usage?: boolean;
  rss?: number;
  /** CPU seconds (user and system, all its threads) the process has used so far. */
  cpu?: number;
}

/**
 * Run tasks on `n` participants: n - 1 child processes and this thread (the
 * last participant); results are consumed in task order. This thread scans
 * too (one process fewer to start, warm up and send summaries from), between
 * the children's messages; it is an image participant only when all are, so
 * what it scans comes in small pieces (modules) and the children are not
 * kept waiting for their next task. Each child has IN_HAND_BYTES of input and
 * IN_HAND_TASKS tasks in hand, and before this thread starts a task of its own, half as much again as
 * that task on top; this thread leaves the large ones to them (MY_TASK_BYTES).
 * Each participant takes tasks in increasing task order (its summaries
 * name IDs relative to its earlier ones, so they must be merged in the order
 * it made them): image participants the next task of any kind, the others
 * the next that is not an image slice. Returns the children, still running;
 * the caller stops them.
 */
async function runPool(tasks: ScanTask[], cfg: ScanConfig, n: number, consume: (s: FileSummary, t: ScanTask) => void): Promise<Scanner[]> {
  const workers = Array.from({ length: n - 1 }, (_, k) => new Scanner(cfg, k + 1));
  const fileSize = new Map<string, number>();
  const sizeOf = (f: string) => {
    let s = fileSize.get(f);
    if (s === undefined) { try { s = fs.statSync(f).size; } catch { s = 0; } fileSize.set(f, s); }
    return s;
  };
  const forImage = imageWorkers(tasks, n, sizeOf);
  /** A task's work, about: its share of its file's bytes. */
  const work = tasks.map((t) => sizeOf(t.file) / t.parts);
  /** Per child, the work it has in hand (sent, not answered). */
  const inHand = new Array<number>(n - 1).fill(0);
  const tasksInHand = new Array<number>(n - 1).fill(0);
  const results = new Map<number, FileSummary>();
  const taken = new Uint8Array(tasks.length);
  const last = new Array<number>(n).fill(-1);
  let merged = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  // Work of the tasks from each on that this thread may take (no image slices).
  const workFrom = new Float64Array(tasks.length + 1);
  for (let i = tasks.length - 1; i >= 0; i--) workFrom[i] = workFrom[i + 1] + (tasks[i].kernelImage ? 0 : work[i]);
  const me = n - 1;
  /** Whether this thread leaves task `seq` to a child: a large one, while a child can still take it and enough is left after it to keep this thread busy meanwhile. */
  const leave = (seq: number): boolean =>
    work[seq] > MY_TASK_BYTES && workFrom[seq + 1] > 2 * work[seq] && last.some((l, k) => k !== me && l < seq);
  const next = (i: number): number => {
    for (let seq = last[i] + 1; seq < tasks.length; seq++) {
      if (taken[seq] || (i >= forImage && tasks[seq].kernelImage) || (i === me && leave(seq))) continue;
      taken[seq] = 1;
      last[i] = seq;
      return seq;
    }
    return -1;
  };
  // Summaries are merged in task order, a slice of time at a time: when a kernel-image slice comes
  // in, hundreds of module summaries may be waiting behind it, and merging them all at once would
  // leave the children's messages (and their next tasks) waiting that long.
  const drain = (): boolean => {
    const until = performance.now() + MERGE_SLICE_MS;
    while (results.has(merged)) {
      const s = results.get(merged)!;
      results.delete(merged);
      consume(s, tasks[merged]);
      merged++;
      if (performance.now() > until) return results.has(merged);
    }
    return false;
  };
  const feed = (k: number): boolean => {
    if (failure) return false;
    const seq = next(k);
    if (seq < 0) return false;
    inHand[k] += work[seq];
    tasksInHand[k]++;
    workers[k].send(seq, tasks[seq]);
    return true;
  };
  /** Feed child k until it has `bytes` of input and IN_HAND_TASKS tasks in hand (or no task is left for it). */
  const topUp = (k: number, bytes: number): void => {
    while ((inHand[k] < bytes || tasksInHand[k] < IN_HAND_TASKS) && feed(k));
  };
  workers.forEach((w, k) => {
    w.onMessage((msg) => {
      if (msg.error !== undefined) failure ??= new Error(`${tasks[msg.seq].file}: ${msg.error}`);
      else results.set(msg.seq, msg.summary!);
      inHand[k] -= work[msg.seq];
      tasksInHand[k]--;
      topUp(k, IN_HAND_BYTES);
      wake?.();
    });
    w.onError((e) => { failure ??= e; wake?.(); });
    // A child that goes away with tasks in hand must not leave this thread waiting.
    w.onExit((why) => {
      if (merged < tasks.length) failure ??= new Error(`dwarf2ctf scanning process ${k + 1} ended (${why}) before the scan was done`);
      wake?.();
    });
    topUp(k, IN_HAND_BYTES);
  });
  while (!failure && merged < tasks.length) {
    const seq = next(me);
    if (seq >= 0) {
      // This process answers no message while it scans: first each child gets more work in hand
      // than this task (a big module here would otherwise leave them idle).
      for (let k = 0; k < workers.length; k++) topUp(k, IN_HAND_BYTES + 1.5 * work[seq]);
      try {
        results.set(seq, runTask(tasks[seq], cfg));
      } catch (e) {
        failure ??= e instanceof Error ? e : new Error(String(e));
        break;
      }
      drain();
      await new Promise((r) => setImmediate(r)); // let the children's messages in
      continue;
    }
    if (drain()) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    if (merged >= tasks.length) break;
    releaseTaskCache(); // this thread's last file
    await new Promise<void>((r) => { wake = r; });
    wake = undefined;
  }
  releaseTaskCache();
  if (failure) {
    for (const w of workers) w.stop();
    throw failure;
  }
  return workers;
}
