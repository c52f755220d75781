/**
 * Worker-thread entry: receives ScanTasks, answers FileSummaries (or an
 * error message), using the ScanConfig it was started with.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { VirtmemError } from '../bytes/index.js';
import { releaseTaskCache, runTask, type ScanConfig, type ScanTask } from './task.js';

const cfg = workerData as ScanConfig;

parentPort?.on('message', (msg: { seq: number; task?: ScanTask; release?: boolean }) => {
  if (msg.release) { releaseTaskCache(); return; }
  try {
    const summary = runTask(msg.task!, cfg);
    parentPort!.postMessage({ seq: msg.seq, summary }, [summary.ids.buffer as ArrayBuffer, summary.newAliasable.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ seq: msg.seq, error: `${err.message}`, usage: e instanceof VirtmemError });
  }
});
