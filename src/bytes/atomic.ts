/**
 * Atomic output: write to a temporary file beside the target, fsync, rename.
 * A reader never sees half a file, and a crash never loses the old one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** A temporary name in the target's directory (so the rename stays on one filesystem). */
function tmpBeside(target: string): string {
  const dir = path.dirname(path.resolve(target));
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.${tmpSeq++}.tmp`);
}

/** Create `file` with `data` (fsync'd when `sync`); a failure removes it and throws. */
function writeNew(file: string, data: Uint8Array, sync: boolean): void {
  const fd = fs.openSync(file, 'w', 0o644);
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

/**
 * Many files replaced atomically as one batch: each is written to a
 * temporary file beside its target as it comes (nothing synced yet); commit()
 * then fsyncs them all at once and renames each over its target, with the
 * same guarantee per file as writeFileAtomic (its bytes are on disk before
 * its name is).
 */
export class AtomicBatch {
  private staged: { target: string; tmp: string }[] = [];

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

  /** Give up what is staged: the temporary files are removed, the targets left alone. */
  discard(): void {
    for (const s of this.staged) fs.rmSync(s.tmp, { force: true });
    this.staged = [];
  }

  /**
   * Sync every staged file, then rename each over its target. Returns the
   * targets that could not be replaced, with why (their temporary files are
   * removed; the old targets stay as they were). A failed sync fails them all:
   * nothing is renamed before every file is synced. The fsyncs are issued all
   * at once on libuv's threads, so the filesystem commits them together
   * (1,227 dicts on this machine's ext4: 0.25 s one after the other, 0.04 s
   * at once with 32 threads; see UV_THREADPOOL_SIZE).
   */
  async commit(): Promise<Map<string, Error>> {
    const staged = this.staged;
    this.staged = [];
    let syncError: Error | undefined;
    await Promise.all(staged.map((s) => new Promise<void>((resolve) => {
      fs.open(s.tmp, 'r', (e, fd) => {
        if (e) { syncError ??= e; resolve(); return; }
        fs.fsync(fd, (e2) => {
          if (e2) syncError ??= e2;
          fs.close(fd, () => resolve());
        });
      });
    })));
    return renameAll(staged, syncError);
  }
}

/** Rename each staged file over its target (none when the sync failed); the failures, with why. */
function renameAll(staged: { target: string; tmp: string }[], syncError: Error | undefined): Map<string, Error> {
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
