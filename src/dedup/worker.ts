/**
 * A scanning child process (run.ts Scanner forks this file): receives
 * ScanTasks over its IPC channel, answers FileSummaries (or an error
 * message) with its peak RSS, using the ScanConfig of its first message.
 * Asked to, it syncs the dicts the main process wrote. It exits when the
 * channel closes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serialize } from 'node:v8';
import { VirtmemError, syncAll } from '../bytes/index.js';
import type { ScanReply } from './run.js';
import { setParticipant } from './scan.js';
import { runTask, type ScanConfig, type ScanTask } from './task.js';

interface Msg {
  seq: number;
  task?: ScanTask;
  cfg?: ScanConfig;
  participant?: number;
  /** Files to sync (the dicts the main process staged: this process has more libuv threads, prestart.ts). */
  sync?: string[];
}

let cfg: ScanConfig | undefined;

function answer(r: ScanReply): void {
  r.rss = process.resourceUsage().maxRSS * 1024;
  // A large summary (a kernel-image slice's: megabytes) goes through a file. Through the channel
  // it would trickle out 200 KB per turn of this process's event loop, that is one per task
  // scanned: the main process got a slice's summary seconds late, and every answer queued behind
  // it (so this process waited for its next tasks).
  const s = r.summary;
  if (s && s.ids.length + 8 * s.defs.length > LARGE_SUMMARY) {
    try {
      const file = path.join(summaryDir(), `${r.seq}.v8`);
      fs.writeFileSync(file, serialize(r), { flag: 'wx', mode: 0o600 });
      process.send!({ seq: r.seq, file, rss: r.rss });
      return;
    } catch { /* (no room there) through the channel after all */ }
  }
  process.send!(r);
}

/** About 100 KB serialized: ids, and defs at about eight ids' worth each. */
const LARGE_SUMMARY = 25_000;
let dir: string | undefined;
/**
 * A directory of this process's own (mode 0700, made fresh: nobody else can
 * put a file or a link where a summary goes), memory-backed when /dev/shm is
 * there. The main process removes each summary once read; the directory goes
 * when this process does (see 'disconnect').
 */
function summaryDir(): string {
  if (dir === undefined) {
    let base = os.tmpdir();
    try { fs.accessSync('/dev/shm', fs.constants.W_OK); base = '/dev/shm'; } catch { /* the usual temporary directory */ }
    dir = fs.mkdtempSync(path.join(base, 'virtmem-dwarf2ctf-'));
  }
  return dir;
}

process.on('message', (msg: Msg) => {
  if (msg.cfg) { cfg = msg.cfg; setParticipant(msg.participant ?? 0); return; }
  if (msg.sync) {
    void syncAll(msg.sync).then((e) => answer({ seq: msg.seq, synced: true, error: e?.message }));
    return;
  }
  try {
    answer({ seq: msg.seq, summary: runTask(msg.task!, cfg!) });
  } catch (e) {
    answer({ seq: msg.seq, error: (e as Error).message, usage: e instanceof VirtmemError });
  }
});
process.on('disconnect', () => {
  // (the main process is done, or gave up: leave no summaries it did not read)
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
