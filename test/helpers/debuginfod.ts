/**
 * Debian's real debuginfod server (elfutils), started on a free port on this
 * machine for a test, indexing the directories given (-F: ELF/DWARF files;
 * -U: .deb archives). Clients are pointed at http://127.0.0.1:PORT only.
 * `stop()` kills it; an exit hook kills it too if a test forgets or dies.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';

export function haveDebuginfod(): boolean {
  return spawnSync('debuginfod', ['--version']).status === 0;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The HTTP status of GET url (the body is not read). */
export function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { resolve(res.statusCode ?? 0); res.destroy(); });
    req.on('error', () => resolve(0));
    req.setTimeout(5000, () => { req.destroy(); resolve(0); });
  });
}

export interface Debuginfod {
  url: string;
  port: number;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => { for (const p of running) try { p.kill('SIGKILL'); } catch { /* gone */ } });

/**
 * Start debuginfod over `dirs` and wait until every build-id in `ready` is
 * served (its initial scan is done), at most `timeoutMs`.
 */
export async function startDebuginfod(opts: { files?: string[]; debs?: string[]; ready: string[]; timeoutMs?: number }): Promise<Debuginfod> {
  const port = await freePort();
  const args = ['-d', ':memory:', '-p', String(port), '-t', '0', '-g', '0', '-v'];
  if (opts.files?.length) args.push('-F', ...opts.files);
  if (opts.debs?.length) args.push('-U', ...opts.debs);
  const proc = spawn('debuginfod', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(proc);
  let log = '';
  proc.stderr!.on('data', (b: Buffer) => { if (log.length < 1 << 20) log += b.toString(); });
  const exited = new Promise<void>((r) => proc.on('exit', () => { running.delete(proc); r(); }));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const pending = new Set(opts.ready);
  while (pending.size) {
    if (proc.exitCode !== null) throw new Error(`debuginfod exited (${proc.exitCode}): ${log.slice(-2000)}`);
    if (Date.now() > deadline) { await stop(); throw new Error(`debuginfod did not serve ${[...pending].join(' ')} in time: ${log.slice(-2000)}`); }
    for (const id of [...pending]) if ((await status(`${url}/buildid/${id}/debuginfo`)) === 200) pending.delete(id);
    if (pending.size) await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, proc, log: () => log, stop };
}
