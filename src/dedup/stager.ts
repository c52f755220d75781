/**
 * Compressing and writing the dicts beside building them. dwarf2ctf builds
 * every dict on one thread (they all depend on the one type graph); each is
 * then gzip'd (about 170 ms for a whole kernel's 1,227) and staged in a
 * temporary file. The Stager posts each dict, as it is built, to a thread of
 * its own (stage-thread.ts, on the next core), which stages them in order;
 * once the last is built, this thread stages from the other end those the
 * thread has not come to yet. Each dict is claimed by one side only, through
 * a shared array. Then the thread hands over the files it staged, and all are
 * synced and renamed as one batch (AtomicBatch; the sync can be done by a
 * process with more libuv threads, see run.ts).
 *
 * A thread, not the scanning child processes that are idle by then: a
 * message to a child goes out only as this thread's event loop turns, and
 * building the dicts never lets it turn, so the children got their first
 * dict when the last was built (the write phase took 0.45-0.55 s that way).
 * A message to a thread is delivered by that thread's own loop. Nor libuv's
 * threads (zlib's and fs's asynchronous calls): every step of those comes
 * back through this thread's loop, and four at once took the core this
 * thread builds on (0.65-0.75 s).
 */
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { AtomicBatch, type Staged, type Syncer } from '../bytes/atomic.js';
import { VirtmemError } from '../bytes/errors.js';

/** zlib level of the dicts (gzip's default). */
const GZIP_LEVEL = 6;

/** What became of one dict: its compressed size and whether it was staged (false: the file held those bytes already), or why it could not be. */
export type StagedDict = { gzipBytes: number; written: boolean; error?: undefined; usage?: undefined } | { error: string; usage?: boolean };

/** A dict's bytes gzip'd and staged in `batch` for `file`, unless the file holds those bytes already (`exists`: false when it is known not to exist). */
export function stageDict(batch: AtomicBatch, file: string, raw: Uint8Array, exists: boolean): StagedDict {
  try {
    const gz = gzipSync(raw, { level: GZIP_LEVEL });
    return { gzipBytes: gz.length, written: batch.add(file, gz, exists) };
  } catch (e) {
    return { error: `${file}: ${(e as Error).message}`, usage: e instanceof VirtmemError };
  }
}

/** Who staged a dict (the claims array). */
export const UNCLAIMED = 0, BY_THREAD = 1, BY_CALLER = 2;

/** To the thread: the claims array first, then dicts to stage (each unless claimed), then hand over (what it staged) or discard. */
export interface StageRequest {
  claims?: Int32Array;
  dict?: { index: number; file: string; raw: Uint8Array; exists: boolean };
  handOver?: boolean;
  discard?: boolean;
}

/** From the thread, after a hand-over or a discard: what became of each dict it staged, by index, and the files it staged (now the caller's). */
export interface StageAnswer {
  staged: [number, StagedDict][];
  files: Staged[];
}

export class Stager {
  private readonly thread: Worker;
  private readonly claims: Int32Array;
  private readonly batch = new AtomicBatch();
  /** The dicts posted, kept until the thread has claimed them or this thread stages them. */
  private readonly dicts: ({ file: string; raw: Uint8Array; exists: boolean } | undefined)[] = [];
  private answer?: { resolve: (a: StageAnswer) => void; reject: (e: Error) => void };
  private failure?: Error;

  /** Room for `capacity` dicts. */
  constructor(capacity: number) {
    this.claims = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, capacity)));
    this.thread = new Worker(new URL('./stage-thread.js', import.meta.url));
    this.thread.on('message', (a: StageAnswer) => { const w = this.answer; this.answer = undefined; w?.resolve(a); });
    this.thread.on('error', (e) => this.fail(e));
    this.thread.on('exit', (code) => this.fail(new Error(`dwarf2ctf: the thread writing the dicts ended (exit code ${code})`)));
    this.thread.postMessage({ claims: this.claims } satisfies StageRequest);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.answer;
    this.answer = undefined;
    w?.reject(this.failure);
  }

  /** Gzip `raw` and stage it for `file`, unless the file holds those bytes already (`exists`: false when it is known not to exist). */
  stage(file: string, raw: Uint8Array, exists: boolean): void {
    const index = this.dicts.length;
    if (index >= this.claims.length) throw new Error(`dwarf2ctf: more dicts than the ${this.claims.length} announced`);
    this.dicts.push({ file, raw, exists });
    this.thread.postMessage({ dict: { index, file, raw, exists } } satisfies StageRequest);
  }

  private ask(req: StageRequest): Promise<StageAnswer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<StageAnswer>((resolve, reject) => {
      this.answer = { resolve, reject };
      this.thread.postMessage(req);
    });
  }

  /**
   * Stage here, from the last back, the dicts the thread has not claimed;
   * then sync (through `sync`) and rename every dict. Returns what became of
   * each, in the order staged, and the targets that could not be replaced.
   */
  async commit(sync?: Syncer): Promise<{ staged: StagedDict[]; failed: Map<string, Error> }> {
    const staged: (StagedDict | undefined)[] = new Array(this.dicts.length);
    for (let i = this.dicts.length - 1; i >= 0; i--) {
      if (Atomics.compareExchange(this.claims, i, UNCLAIMED, BY_CALLER) !== UNCLAIMED) break; // (the thread goes in order: it has all before)
      const d = this.dicts[i]!;
      staged[i] = stageDict(this.batch, d.file, d.raw, d.exists);
    }
    this.dicts.length = 0;
    const theirs = await this.ask({ handOver: true });
    for (const [i, r] of theirs.staged) staged[i] = r;
    this.batch.adopt(theirs.files);
    const failed = await this.batch.commit(sync);
    return { staged: staged.map((r) => r ?? { error: 'dwarf2ctf: the thread writing the dicts did not answer for this one' }), failed };
  }

  /** Remove every dict staged (the targets stay as they were). */
  async discard(): Promise<void> {
    this.batch.discard();
    this.dicts.length = 0;
    if (!this.failure) await this.ask({ discard: true }).catch(() => {});
  }

  /** Done with the thread. */
  close(): Promise<number> {
    this.thread.removeAllListeners('exit');
    return this.thread.terminate();
  }
}
