/**
 * A scanning child process (run.ts Scanner forks this file): receives
 * ScanTasks over its IPC channel, answers FileSummaries (or an error
 * message) with its peak RSS, using the ScanConfig of its first message.
 * Asked to, it syncs the dicts the main process wrote, and then exits (that
 * is the last thing asked of it); it exits too when the channel closes.
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

function answer(r: ScanReply, then?: () => void): void {
  const u = process.resourceUsage();
  r.rss = u.maxRSS * 1024;
  r.cpu = (u.userCPUTime + u.systemCPUTime) / 1e6;
  // A summary larger than the pipe holds goes through a file. Through the channel it would trickle
  // out one pipeful per turn of this process's event loop (that is, one per task scanned), and the
  // main process, which reads only between its own tasks, got it late, with every answer queued
  // behind it: a kernel-image slice's summary (megabytes) came seconds late, a module's (most are
  // 0.1-2 MB) tens of milliseconds, long enough for this process to run out of tasks while the main
  // process counted them as still in hand.
  // A summary is serialized once, here: to know its size, and then as it is handed over (in a
  // file, or as bytes through the channel, which copies them without walking the objects again).
  let msg: ScanReply = r;
  if (r.summary) {
    const bytes = serialize(r);
    msg = { seq: r.seq, bytes };
    if (bytes.length > LARGE_REPLY) {
      try {
        const file = path.join(summaryDir(), `${r.seq}.v8`);
        fs.writeFileSync(file, bytes, { flag: 'wx', mode: 0o600 });
        msg = { seq: r.seq, file }; // (the reply, its rss and cpu with it, is in the file)
      } catch { /* (no room there) through the channel after all */ }
    }
  }
  if (then) process.send!(msg, () => then());
  else process.send!(msg);
}

/** Serialized bytes above which a reply goes through a file: under a pipeful (64 KiB on Linux). */
const LARGE_REPLY = 48 << 10;
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

/**
 * Tasks received and not yet scanned. The channel hands over every message
 * that came in one read, one after the other, without this process's loop
 * turning: scanned right there, the answers to all of them waited in the
 * pipe until the last was done, and the main process, which feeds this one
 * as answers come, believed it had tasks in hand while it sat idle (60-90 ms
 * at a time, whenever the main process scanned a large module). So a task is
 * queued, and scanned on a turn of its own, after the answer before it has
 * gone out.
 */
const queue: Msg[] = [];
let scheduled = false;

function scanNext(): void {
  scheduled = false;
  const msg = queue.shift();
  if (!msg) return;
  try {
    answer({ seq: msg.seq, summary: runTask(msg.task!, cfg!) });
  } catch (e) {
    answer({ seq: msg.seq, error: (e as Error).message, usage: e instanceof VirtmemError });
  }
  if (queue.length && !scheduled) { scheduled = true; setImmediate(scanNext); }
}

process.on('message', (msg: Msg) => {
  if (msg.cfg) { cfg = msg.cfg; setParticipant(msg.participant ?? 0); return; }
  if (msg.sync) {
    // (the last thing asked of this process: it goes once the answer is out, and its teardown, a
    // few hundred megabytes to unmap, overlaps the main process's renames)
    void syncAll(msg.sync).then((e) => answer({ seq: msg.seq, synced: true, error: e?.message }, leave));
    return;
  }
  queue.push(msg);
  if (!scheduled) { scheduled = true; setImmediate(scanNext); }
});

/** Exit, leaving no summaries the main process did not read. */
function leave(): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

process.on('disconnect', () => {
  // (the main process is done, or gave up)
  leave();
});
