/**
 * The local profile store: a directory of profiles named by build-id
 * (<build-id>.profile) and an index (index.json: build-id, release, arch,
 * size, when added) to find them by release string too. The directory is
 * $VIRTMEM_PROFILES, else ~/.cache/virtmem/profiles. Every write is atomic
 * (bytes/ writeFileAtomic), so a reader never sees half a profile or index.
 * The index is a cache of what the files say: entries whose file is gone are
 * dropped when read, and `add` always reads the profile's own metadata.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError, writeFileAtomic } from '../bytes/index.js';
import { Profile } from './open.js';

export interface StoreEntry {
  buildId: string;
  release?: string;
  arch?: string;
  size: number;
  added: string;
  /** Parts present (symtab, lines, ctf). */
  parts: string[];
}

export interface Found {
  path: string;
  entry: StoreEntry;
  /** How it was matched: by build-id, or by release string only (no build-id to go by). */
  by: 'build-id' | 'release';
}

export function storeDir(): string {
  return process.env.VIRTMEM_PROFILES || path.join(os.homedir(), '.cache', 'virtmem', 'profiles');
}

const isBuildId = (s: string) => /^[0-9a-f]{8,128}$/.test(s);

export class ProfileStore {
  constructor(readonly dir = storeDir()) {}

  private get indexPath(): string { return path.join(this.dir, 'index.json'); }
  fileFor(buildId: string): string { return path.join(this.dir, `${buildId}.profile`); }

  list(): StoreEntry[] {
    let raw: unknown;
    try { raw = JSON.parse(fs.readFileSync(this.indexPath, 'utf8')); } catch { return []; }
    const entries = (raw as { entries?: StoreEntry[] })?.entries;
    if (!Array.isArray(entries)) return [];
    return entries.filter((e) => e && typeof e.buildId === 'string' && isBuildId(e.buildId) && fs.existsSync(this.fileFor(e.buildId)));
  }

  private save(entries: StoreEntry[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    entries.sort((a, b) => (a.release ?? '').localeCompare(b.release ?? '') || a.buildId.localeCompare(b.buildId));
    writeFileAtomic(this.indexPath, JSON.stringify({ version: 1, entries }, null, 1) + '\n');
  }

  /** Copy the profile at `file` into the store (replacing one with the same build-id). */
  add(file: string): StoreEntry {
    const p = Profile.open(file);
    let entry: StoreEntry;
    try {
      const id = p.meta.buildId;
      if (!id || !isBuildId(id)) throw new UsageError(`${file}: the profile has no build-id; the store keys profiles by build-id`);
      entry = { buildId: id, release: p.meta.release, arch: p.meta.arch, size: fs.statSync(file).size, added: new Date().toISOString(), parts: p.parts() };
    } finally {
      p.close();
    }
    fs.mkdirSync(this.dir, { recursive: true });
    const target = this.fileFor(entry.buildId);
    if (path.resolve(file) !== path.resolve(target)) writeFileAtomic(target, fs.readFileSync(file));
    this.save([...this.list().filter((e) => e.buildId !== entry.buildId), entry]);
    return entry;
  }

  /** Remove the profiles whose build-id or release is `key`; returns those removed. */
  remove(key: string): StoreEntry[] {
    const all = this.list();
    const gone = all.filter((e) => e.buildId === key.toLowerCase() || e.release === key);
    for (const e of gone) fs.rmSync(this.fileFor(e.buildId), { force: true });
    this.save(all.filter((e) => !gone.includes(e)));
    return gone;
  }

  /**
   * The profile for a kernel: by build-id when it is known (a profile with
   * another build-id is never returned for it), else by release when exactly
   * one stored profile has that release.
   */
  find(id: { buildId?: string; release?: string }): Found | undefined {
    const all = this.list();
    if (id.buildId) {
      const e = all.find((x) => x.buildId === id.buildId!.toLowerCase());
      return e ? { path: this.fileFor(e.buildId), entry: e, by: 'build-id' } : undefined;
    }
    if (id.release) {
      const same = all.filter((x) => x.release === id.release);
      if (same.length === 1) return { path: this.fileFor(same[0].buildId), entry: same[0], by: 'release' };
    }
    return undefined;
  }
}
