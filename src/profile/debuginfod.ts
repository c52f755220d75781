/**
 * A debuginfod client: a kernel's (or any ELF file's) debuginfo by GNU
 * build-id, from the servers in DEBUGINFOD_URLS, kept in a local cache.
 *
 * Protocol (elfutils' debuginfod web API): GET <server>/buildid/<HEX>/debuginfo,
 * HEX the build-id in lower-case hex; 200 with the file as the body (the
 * server may state its size in Content-Length or X-DEBUGINFOD-SIZE), 404 when
 * the server has no such build-id. Servers are tried in the order given;
 * redirects are followed (at most MAX_REDIRECTS).
 *
 * Environment, as elfutils' client reads it:
 *   DEBUGINFOD_URLS        servers, separated by white space
 *   DEBUGINFOD_TIMEOUT     seconds a connection may stay silent (default 90)
 *   DEBUGINFOD_CACHE_PATH  the cache directory (default ~/.cache/virtmem/debuginfod);
 *                          same layout as elfutils': <cache>/<HEX>/debuginfo
 *
 * The body is streamed into a temporary file beside its cache entry, fsync'd
 * and renamed into place only when complete and only when its own build-id
 * note is the one asked for, so a cache entry is always a whole, right file.
 * Progress goes to stderr: a bar redrawn in place when stderr is a terminal,
 * else one line per 10%.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError, VirtmemError } from '../bytes/index.js';
import { ElfFile } from '../elf/index.js';

export const MAX_REDIRECTS = 8;
const DEFAULT_TIMEOUT_S = 90;

export interface DebuginfodOptions {
  /** Server base URLs; default DEBUGINFOD_URLS. */
  urls?: string[];
  /** Cache directory; default DEBUGINFOD_CACHE_PATH, else ~/.cache/virtmem/debuginfod. */
  cacheDir?: string;
  /** Idle timeout in milliseconds; default DEBUGINFOD_TIMEOUT seconds, else 90 s. */
  timeoutMs?: number;
  /** Where progress goes; default process.stderr. */
  progress?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean } | null;
}

export interface Fetched {
  /** The cached file. */
  path: string;
  size: number;
  /** True when no server was asked. */
  fromCache: boolean;
  /** The URL it came from (after redirects), when downloaded. */
  url?: string;
}

/** A server that could not be used (unreachable, bad answer, timeout). */
export class DebuginfodError extends VirtmemError {
  override name = 'DebuginfodError';
}

export function debuginfodUrls(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.DEBUGINFOD_URLS ?? '').split(/\s+/).filter(Boolean).map((u) => u.replace(/\/+$/, ''));
}

export function debuginfodCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEBUGINFOD_CACHE_PATH || path.join(os.homedir(), '.cache', 'virtmem', 'debuginfod');
}

function timeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.DEBUGINFOD_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_TIMEOUT_S) * 1000;
}

/** A build-id as hex, lower case; a UsageError when it is not one. */
export function normalizeBuildId(id: string): string {
  const h = id.trim().toLowerCase();
  if (!/^[0-9a-f]{2,128}$/.test(h) || h.length % 2) throw new UsageError(`not a build-id (an even number of hex digits): ${JSON.stringify(id)}`);
  return h;
}

/** The cache path of a build-id's debuginfo (present or not). */
export function cachedDebuginfo(buildId: string, cacheDir = debuginfodCacheDir()): string {
  return path.join(cacheDir, normalizeBuildId(buildId), 'debuginfo');
}

/**
 * The debuginfo of `buildId`: from the cache when it is there, else from the
 * first server that has it. Throws UsageError when every server answered 404
 * (or none is configured), DebuginfodError when a server could not be used and
 * none had the file.
 */
export async function fetchDebuginfo(buildId: string, opts: DebuginfodOptions = {}): Promise<Fetched> {
  const id = normalizeBuildId(buildId);
  const target = cachedDebuginfo(id, opts.cacheDir ?? debuginfodCacheDir());
  try {
    const st = fs.statSync(target);
    // elfutils' client leaves empty files as negative entries in a shared cache: not a hit.
    if (st.isFile() && st.size > 0) return { path: target, size: st.size, fromCache: true };
  } catch { /* not cached */ }
  const urls = (opts.urls ?? debuginfodUrls()).map((u) => u.replace(/\/+$/, ''));
  if (!urls.length) throw new UsageError(`debuginfo for build-id ${id} is not in the cache ${path.dirname(path.dirname(target))} and DEBUGINFOD_URLS names no server`);
  const timeoutMs = opts.timeoutMs ?? timeoutFromEnv();
  const progress = opts.progress === undefined ? process.stderr : opts.progress;
  const failures: string[] = [];
  let notFound = 0;
  for (const base of urls) {
    const url = `${base}/buildid/${id}/debuginfo`;
    try {
      const r = await download(url, target, id, timeoutMs, progress);
      return { path: target, size: r.size, fromCache: false, url: r.url };
    } catch (e) {
      if (e instanceof NotFound) { notFound++; failures.push(`${base}: 404 ${e.message}`); continue; }
      if (e instanceof VirtmemError) { failures.push(`${base}: ${e.message}`); continue; }
      throw e;
    }
  }
  const why = failures.join('; ');
  if (notFound === urls.length) throw new UsageError(`no debuginfod server has debuginfo for build-id ${id} (${why})`);
  throw new DebuginfodError(`cannot fetch debuginfo for build-id ${id}: ${why}`);
}

class NotFound extends VirtmemError {}

interface Sink { write(s: string): unknown; isTTY?: boolean }

/** GET `url` (following redirects) into `target` atomically; checks the build-id. */
async function download(url: string, target: string, id: string, timeoutMs: number, progress: Sink | null): Promise<{ size: number; url: string }> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await get(current, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new DebuginfodError(`more than ${MAX_REDIRECTS} redirects from ${url}`);
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status === 404) { res.resume(); throw new NotFound(`${res.statusMessage ?? 'Not Found'}`); }
    if (status !== 200) { res.resume(); throw new DebuginfodError(`HTTP ${status} ${res.statusMessage ?? ''} from ${current}`.trim()); }
    const sizeHeader = res.headers['x-debuginfod-size'] ?? res.headers['content-length'];
    const total = Number(Array.isArray(sizeHeader) ? sizeHeader[0] : sizeHeader) || undefined;
    const size = await save(res, target, current, timeoutMs, total, progress);
    return { size, url: current };
  }

  function save(res: http.IncomingMessage, file: string, from: string, idle: number, total: number | undefined, sink: Sink | null): Promise<number> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = path.join(path.dirname(file), `.debuginfo.${process.pid}.${Date.now()}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o644);
    const bar = new Progress(sink, `debuginfod ${id.slice(0, 12)}`, total);
    let got = 0;
    const fail = (e: Error) => { try { fs.closeSync(fd); } catch { /* closed */ } fs.rmSync(tmp, { force: true }); return e; };
    return new Promise<number>((resolve, reject) => {
      res.setTimeout(idle, () => res.destroy(new DebuginfodError(`no data from ${from} for ${idle / 1000} s (DEBUGINFOD_TIMEOUT)`)));
      res.on('data', (chunk: Buffer) => {
        try { fs.writeSync(fd, chunk); } catch (e) { res.destroy(e as Error); return; }
        got += chunk.length;
        bar.update(got);
      });
      let settled = false;
      const failed = (e: Error) => { if (settled) return; settled = true; bar.end(false); reject(fail(e instanceof VirtmemError ? e : new DebuginfodError(`download from ${from} failed: ${e.message}`))); };
      res.on('error', failed);
      res.on('close', () => failed(new DebuginfodError(`connection to ${from} closed at ${got} of ${total ?? '?'} bytes`)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        bar.end(true);
        if (!res.complete || (total !== undefined && got !== total)) { reject(fail(new DebuginfodError(`download from ${from} cut short at ${got} of ${total ?? '?'} bytes`))); return; }
        try {
          fs.fsyncSync(fd);
          fs.closeSync(fd);
          checkBuildId(tmp, from);
          fs.renameSync(tmp, file);
        } catch (e) { fs.rmSync(tmp, { force: true }); reject(e); return; }
        resolve(got);
      });
    });
  }

  function checkBuildId(file: string, from: string): void {
    let have: string | undefined;
    try {
      const e = ElfFile.open(file);
      try { have = e.buildId(); } finally { e.close(); }
    } catch (e) {
      if (e instanceof VirtmemError) throw new DebuginfodError(`${from} sent a file that is not ELF: ${e.message}`);
      throw e;
    }
    if (have !== id) throw new DebuginfodError(`${from} sent a file with build-id ${have ?? '(none)'}, not ${id}`);
  }
}

function get(url: string, timeoutMs: number): Promise<http.IncomingMessage> {
  let u: URL;
  try { u = new URL(url); } catch { throw new UsageError(`bad debuginfod URL ${url}`); }
  const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
  if (!mod) return Promise.reject(new UsageError(`debuginfod URL ${url}: only http and https are supported`));
  return new Promise((resolve, reject) => {
    const req = mod.get(u, { headers: { 'user-agent': 'virtmem/0.1.0' } }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new DebuginfodError(`no answer from ${u.origin} in ${timeoutMs / 1000} s (DEBUGINFOD_TIMEOUT)`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof VirtmemError ? e : new DebuginfodError(`cannot connect (${e.code ?? e.message})`)));
  });
}

const MB = 1048576;

/** Download progress on stderr: a bar on a terminal, else a line per 10%. */
class Progress {
  private lastDraw = 0;
  private lastTenth = 0;
  private lastMb = 0;

  constructor(private readonly sink: Sink | null, private readonly label: string, private readonly total: number | undefined) {}

  update(got: number): void {
    const s = this.sink;
    if (!s) return;
    if (s.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      s.write(`\r${this.line(got)}\x1b[K`);
      return;
    }
    if (this.total) {
      const tenth = Math.floor((got * 10) / this.total);
      if (tenth > this.lastTenth && tenth < 10) { this.lastTenth = tenth; s.write(`${this.label}: ${tenth * 10}% (${(got / MB).toFixed(1)} of ${(this.total / MB).toFixed(1)} MB)\n`); }
    } else if (got - this.lastMb >= 64 * MB) {
      this.lastMb = got;
      s.write(`${this.label}: ${(got / MB).toFixed(0)} MB\n`);
    }
  }

  private line(got: number): string {
    if (!this.total) return `${this.label}: ${(got / MB).toFixed(1)} MB`;
    const width = 30, f = Math.min(1, got / this.total), n = Math.round(f * width);
    return `${this.label} [${'#'.repeat(n)}${' '.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}% ${(got / MB).toFixed(1)}/${(this.total / MB).toFixed(1)} MB`;
  }

  end(ok: boolean): void {
    const s = this.sink;
    if (!s) return;
    if (s.isTTY) s.write(`\r\x1b[K${ok ? '' : `${this.label}: failed\n`}`);
    else if (ok && this.total) s.write(`${this.label}: 100% (${(this.total / MB).toFixed(1)} MB)\n`);
  }
}
