/**
 * The DWARF lookup cache: which DIE of a vmlinux answered each type and
 * variable lookup, kept on disk so that the next command on the same kernel
 * goes straight to the DIE instead of scanning .debug_info for its name (a
 * scan of a Debian vmlinux takes up to a second per name; the answer is a
 * number).
 *
 * One JSON file per kernel build, <dir>/<build-id>.json (dir: $VIRTMEM_INDEX,
 * else ${VIRTMEM_CACHE:-~/.cache/virtmem}/index): { format, buildId, fileSize, infoSize, answers: { query:
 * DieKey | null } }. A file whose format version, build-id or sizes do not
 * match the vmlinux is ignored (and replaced on the next write): the same
 * build-id can name both a vmlinux with DWARF and one without. DwarfTypes
 * checks each answer against the DIE it names before using it, so a wrong
 * entry costs a scan, never a wrong type.
 *
 * New answers are written once per turn of the event loop (a command's
 * lookups come in bursts), atomically, merged with what another process may
 * have written meanwhile. A cache that cannot be read or written is silently
 * left alone: it only saves time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../bytes/index.js';
import type { DieKey } from '../dwarf/index.js';
import type { DwarfLookupMemo } from '../types/index.js';

/** Bump when the meaning of a query or an answer changes. */
export const LOOKUP_CACHE_FORMAT = 1;

/** Upper bound on remembered answers (a file of a few hundred kilobytes). */
const MAX_ANSWERS = 20_000;

export interface LookupCacheKey {
  buildId: string;
  /** Size of the vmlinux file. */
  fileSize: number;
  /** Size of its .debug_info. */
  infoSize: number;
}

interface CacheFile extends LookupCacheKey {
  format: number;
  answers: Record<string, number | null>;
}

/** The directory lookup caches live in: $VIRTMEM_INDEX, else ${VIRTMEM_CACHE:-~/.cache/virtmem}/index. */
export function lookupCacheDir(): string {
  if (process.env.VIRTMEM_INDEX) return process.env.VIRTMEM_INDEX;
  const root = process.env.VIRTMEM_CACHE || path.join(os.homedir(), '.cache', 'virtmem');
  return path.join(root, 'index');
}

export class LookupCache implements DwarfLookupMemo {
  private readonly answers = new Map<string, DieKey | null>();
  private readonly fresh = new Map<string, DieKey | null>();
  private flushing = false;

  private constructor(readonly file: string, private readonly key: LookupCacheKey) {}

  /** The cache for this kernel build (empty if there is no file yet or it does not match). */
  static open(key: LookupCacheKey, dir = lookupCacheDir()): LookupCache | undefined {
    if (!/^[0-9a-f]{8,128}$/.test(key.buildId)) return undefined;
    const c = new LookupCache(path.join(dir, `${key.buildId}.json`), key);
    const f = c.read();
    if (f) for (const [q, a] of Object.entries(f.answers)) c.answers.set(q, a as DieKey | null);
    return c;
  }

  get size(): number { return this.answers.size; }

  get(query: string): DieKey | null | undefined {
    return this.answers.get(query);
  }

  set(query: string, answer: DieKey | null): void {
    if (this.answers.get(query) === answer) return;
    this.answers.set(query, answer);
    this.fresh.set(query, answer);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  /** Write the answers learnt since the last write (done on its own after a burst of set calls). */
  flush(): void {
    this.flushing = false;
    if (!this.fresh.size) return;
    try {
      const answers: Record<string, number | null> = this.read()?.answers ?? {};
      for (const [q, a] of this.fresh) answers[q] = a;
      this.fresh.clear();
      const keys = Object.keys(answers);
      for (let i = 0; i < keys.length - MAX_ANSWERS; i++) delete answers[keys[i]];
      const out: CacheFile = { format: LOOKUP_CACHE_FORMAT, ...this.key, answers };
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, JSON.stringify(out));
    } catch {
      // A cache that cannot be written only costs time.
    }
  }

  /** The file's contents if it is a cache for this build, else undefined. */
  private read(): CacheFile | undefined {
    let f: Partial<CacheFile>;
    try { f = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<CacheFile>; } catch { return undefined; }
    if (!f || typeof f !== 'object' || f.format !== LOOKUP_CACHE_FORMAT) return undefined;
    if (f.buildId !== this.key.buildId || f.fileSize !== this.key.fileSize || f.infoSize !== this.key.infoSize) return undefined;
    if (!f.answers || typeof f.answers !== 'object' || Array.isArray(f.answers)) return undefined;
    const answers: Record<string, number | null> = {};
    for (const [q, a] of Object.entries(f.answers)) {
      if (a === null || (typeof a === 'number' && Number.isSafeInteger(a) && a >= 0)) answers[q] = a;
    }
    return { ...(f as CacheFile), answers };
  }
}
