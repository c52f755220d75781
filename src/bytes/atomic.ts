/**
 * Atomic output: write to a temporary file beside the target, fsync, rename.
 * A reader never sees half a file, and a crash never loses the old one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(target: string, data: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Write only if the content differs; returns true when the file was (re)written. (`exists`: false when the caller knows there is no such file.) */
export function writeFileIfChanged(target: string, data: Uint8Array, exists = true): boolean {
  if (exists) try {
    const old = fs.readFileSync(target);
    if (old.length === data.length && Buffer.compare(old, data) === 0) return false;
  } catch { /* missing: write it */ }
  writeFileAtomic(target, data);
  return true;
}

/**
 * writeFileAtomic without blocking the thread: the write and the fsync run
 * on libuv's pool, so a program writing many files overlaps their fsyncs
 * with each other and with its own work.
 */
export async function writeFileAtomicAsync(target: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.${tmpSeq++}.tmp`);
  const fh = await fs.promises.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(typeof data === 'string' ? Buffer.from(data) : data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

let tmpSeq = 0;

/** writeFileIfChanged, asynchronously (see writeFileAtomicAsync). */
export async function writeFileIfChangedAsync(target: string, data: Uint8Array, exists = true): Promise<boolean> {
  // (exists: false when the caller knows there is no such file: nothing to compare)
  if (exists) try {
    const old = await fs.promises.readFile(target);
    if (old.length === data.length && Buffer.compare(old, data) === 0) return false;
  } catch { /* missing: write it */ }
  await writeFileAtomicAsync(target, data);
  return true;
}
