/**
 * Atomic output: write to a temporary file beside the target, fsync, rename.
 * A reader never sees half a file, and a crash never loses the old one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';

export function writeFileAtomic(target: string, data: Uint8Array | string): void {
  const tmp = tmpBeside(target);
  writeNew(tmp, typeof data === 'string' ? Buffer.from(data) : data, true);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

let tmpSeq = 0;

/** A temporary name in the target's directory (so the rename stays on one filesystem), of this process and thread. */
function tmpBeside(target: string): string {
  const dir = path.dirname(path.resolve(target));
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${threadId}.${Date.now()}.${tmpSeq++}.tmp`);
}

/** Create `file` (a new name: an existing one is an error) with `data`, fsync'd when `sync`; a failure removes it and throws. */
function writeNew(file: string, data: Uint8Array, sync: boolean): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    fs.writeSync(fd, data);
    if (sync) fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}

/** A file staged for a target: its temporary name beside it. */
export interface Staged { target: string; tmp: string }

/** Sync each of `files` (its bytes on disk); the first error met, if any. */
export type Syncer = (files: string[]) => Promise<Error | undefined>;

/**
 * Sync files all at once, on libuv's threads, so the filesystem commits
 * them together (1,227 dicts on this machine's ext4: 0.25 s one after the
 * other, 0.16 s on the default four threads, 0.04 s on 32; see
 * UV_THREADPOOL_SIZE, which a process must be started with).
 */
export const syncAll: Syncer = async (files) => {
  let error: Error | undefined;
  await Promise.all(files.map((f) => new Promise<void>((resolve) => {
    fs.open(f, 'r', (e, fd) => {
      if (e) { error ??= e; resolve(); return; }
      fs.fsync(fd, (e2) => {
        if (e2) error ??= e2;
        fs.close(fd, () => resolve());
      });
    });
  })));
  return error;
};

/**
 * Many files replaced atomically as one batch: each is written to a
 * temporary file beside its target as it comes (nothing synced yet); commit()
 * then syncs them all at once and renames each over its target, with the
 * same guarantee per file as writeFileAtomic (its bytes are on disk before
 * its name is). Syncing each as it comes instead slowed the making of the
 * next files fourfold on ext4.
 */
export class AtomicBatch {
  private staged: Staged[] = [];

  /** Stage `data` for `target`, unless the target holds exactly these bytes (`exists`: false when the caller knows it does not exist). True when staged. */
  add(target: string, data: Uint8Array, exists = true): boolean {
    if (exists) try {
      const old = fs.readFileSync(target);
      if (old.length === data.length && Buffer.compare(old, data) === 0) return false;
    } catch { /* missing: write it */ }
    const tmp = tmpBeside(target);
    writeNew(tmp, data, false);
    this.staged.push({ target, tmp });
    return true;
  }

  /** Hand what is staged over to another batch (adopt): this one forgets it. */
  take(): Staged[] {
    const s = this.staged;
    this.staged = [];
    return s;
  }

  /** Take over files another batch staged (take). */
  adopt(staged: Staged[]): void {
    for (const s of staged) this.staged.push(s);
  }

  /** Give up what is staged: the temporary files are removed, the targets left alone. */
  discard(): void {
    for (const s of this.staged) fs.rmSync(s.tmp, { force: true });
    this.staged = [];
  }

  /**
   * Sync every staged file (through `sync`), then rename each over its
   * target. Returns the targets that could not be replaced, with why (their
   * temporary files are removed; the old targets stay as they were). A failed
   * sync fails them all: nothing is renamed before every file is synced.
   */
  async commit(sync: Syncer = syncAll): Promise<Map<string, Error>> {
    const staged = this.staged;
    this.staged = [];
    let syncError: Error | undefined;
    try {
      syncError = await sync(staged.map((s) => s.tmp));
    } catch (e) {
      syncError = e as Error;
    }
    return renameAll(staged, syncError);
  }
}

/** Rename each staged file over its target (none when the sync failed); the failures, with why. */
function renameAll(staged: Staged[], syncError: Error | undefined): Map<string, Error> {
  const failed = new Map<string, Error>();
  for (const s of staged) {
    try {
      if (syncError) throw syncError;
      fs.renameSync(s.tmp, s.target);
    } catch (e) {
      failed.set(s.target, e as Error);
      fs.rmSync(s.tmp, { force: true });
    }
  }
  return failed;
}
