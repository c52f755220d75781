/**
 * A scanning child process (run.ts Scanner forks this file): receives
 * ScanTasks over its IPC channel, answers FileSummaries (or an error
 * message) with its peak RSS, using the ScanConfig of its first message.
 * Once the scan is over it compresses and writes dicts it is sent, one
 * after the other. It exits when the channel closes.
 */
import { gzipSync } from 'node:zlib';
import { VirtmemError, writeFileIfChanged } from '../bytes/index.js';
import type { ScanReply } from './run.js';
import { setParticipant } from './scan.js';
import { runTask, type ScanConfig, type ScanTask } from './task.js';

interface Msg {
  seq: number;
  task?: ScanTask;
  cfg?: ScanConfig;
  participant?: number;
  /** A dict to gzip and write atomically, unless `file` holds those bytes already (`exists`: it may). */
  write?: { file: string; raw: Uint8Array; exists: boolean; level: number };
}

let cfg: ScanConfig | undefined;

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
      answer({ seq: msg.seq, wrote: { gzipBytes: gz.length, written: writeFileIfChanged(w.file, gz, w.exists) } });
    } catch (e) {
      answer({ seq: msg.seq, error: `${w.file}: ${(e as Error).message}`, usage: e instanceof VirtmemError });
    }
    return;
  }
  try {
    answer({ seq: msg.seq, summary: runTask(msg.task!, cfg!) });
  } catch (e) {
    answer({ seq: msg.seq, error: (e as Error).message, usage: e instanceof VirtmemError });
  }
});
process.on('disconnect', () => process.exit(0));
