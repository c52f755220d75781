/**
 * A scanning child process (run.ts Scanner forks this file): receives
 * ScanTasks over its IPC channel, answers FileSummaries (or an error
 * message) with its peak RSS, using the ScanConfig of its first message.
 * It exits when the channel closes.
 */
import { VirtmemError } from '../bytes/index.js';
import type { ScanReply } from './run.js';
import { setParticipant } from './scan.js';
import { runTask, type ScanConfig, type ScanTask } from './task.js';

interface Msg { seq: number; task?: ScanTask; cfg?: ScanConfig; participant?: number }

let cfg: ScanConfig | undefined;

function answer(r: ScanReply): void {
  r.rss = process.resourceUsage().maxRSS * 1024;
  process.send!(r);
}

process.on('message', (msg: Msg) => {
  if (msg.cfg) { cfg = msg.cfg; setParticipant(msg.participant ?? 0); return; }
  try {
    answer({ seq: msg.seq, summary: runTask(msg.task!, cfg!) });
  } catch (e) {
    answer({ seq: msg.seq, error: (e as Error).message, usage: e instanceof VirtmemError });
  }
});
process.on('disconnect', () => process.exit(0));
