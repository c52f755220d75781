/**
 * The body of the Stager's thread (stager.ts): stage each dict it is posted,
 * in order, unless the posting thread has claimed it; on "handOver", answer
 * for those it staged and hand their files over, in one message; on
 * "discard", remove them. Light on purpose: it imports neither the scanner nor the CTF
 * writer, so it boots in a few milliseconds.
 */
import { parentPort } from 'node:worker_threads';
import { AtomicBatch } from '../bytes/atomic.js';
import { BY_THREAD, UNCLAIMED, stageDict, type StageAnswer, type StageRequest, type StagedDict } from './stager.js';

const batch = new AtomicBatch();
let claims: Int32Array<ArrayBufferLike> = new Int32Array(0);
let staged: [number, StagedDict][] = [];

const port = parentPort!;
port.on('message', (m: StageRequest) => {
  if (m.claims) {
    claims = m.claims;
  } else if (m.dict) {
    const d = m.dict;
    if (Atomics.compareExchange(claims, d.index, UNCLAIMED, BY_THREAD) === UNCLAIMED) staged.push([d.index, stageDict(batch, d.file, d.raw, d.exists)]);
  } else if (m.handOver) {
    port.postMessage({ staged, files: batch.take() } satisfies StageAnswer);
    staged = [];
  } else if (m.discard) {
    batch.discard();
    staged = [];
    port.postMessage({ staged: [], files: [] } satisfies StageAnswer);
  }
});
