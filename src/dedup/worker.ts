/**
 * A scanning child process (run.ts Scanner forks this file): receives
 * ScanTasks over its IPC channel, answers FileSummaries (or an error
 * message) with its peak RSS, using the ScanConfig of its first message.
 * Once the scan is over it compresses the dicts it is sent as they come and
 * stages each in a temporary file (bytes/atomic.ts AtomicBatch); on "flush"
 * it syncs and renames them all and answers for each. It exits when the
 * channel closes.
 */
import { gzipSync } from 'node:zlib';
import { AtomicBatch, VirtmemError } from '../bytes/index.js';
import type { ScanReply } from './run.js';
import { setParticipant } from './scan.js';
import { runTask, type ScanConfig, type ScanTask } from './task.js';

interface Msg {
  seq: number;
  task?: ScanTask;
  cfg?: ScanConfig;
  participant?: number;
  /** A dict to gzip and stage, unless `file` holds those bytes already (`exists`: it may). */
  write?: { file: string; raw: Uint8Array; exists: boolean; level: number };
  /** Sync and rename what is staged, and answer for each. */
  flush?: boolean;
}

let cfg: ScanConfig | undefined;

const batch = new AtomicBatch();
/** Dicts staged or found unchanged, answered at the flush. */
let written: { seq: number; file: string; gzipBytes: number; written: boolean }[] = [];

function answer(r: ScanReply): void {
  r.rss = process.resourceUsage().maxRSS * 1024;
  process.send!(r);
}

process.on('message', (msg: Msg) => {
  if (msg.cfg) { cfg = msg.cfg; setParticipant(msg.participant ?? 0); return; }
  if (msg.write) {
    const w = msg.write;
    try {
      const gz = gzipSync(w.raw, { level: w.level });
      written.push({ seq: msg.seq, file: w.file, gzipBytes: gz.length, written: batch.add(w.file, gz, w.exists) });
    } catch (e) {
      answer({ seq: msg.seq, error: `${w.file}: ${(e as Error).message}`, usage: e instanceof VirtmemError });
    }
    return;
  }
  if (msg.flush) {
    const failed = batch.commit();
    for (const w of written) {
      const e = failed.get(w.file);
      answer(e ? { seq: w.seq, error: `${w.file}: ${e.message}` } : { seq: w.seq, wrote: { gzipBytes: w.gzipBytes, written: w.written } });
    }
    written = [];
    return;
  }
  try {
    answer({ seq: msg.seq, summary: runTask(msg.task!, cfg!) });
  } catch (e) {
    answer({ seq: msg.seq, error: (e as Error).message, usage: e instanceof VirtmemError });
  }
});
process.on('disconnect', () => {
  batch.discard(); // (the main process gave up before the flush: leave no temporary files)
  process.exit(0);
});
