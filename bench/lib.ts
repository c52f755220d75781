/**
 * Benchmark helpers: run a command under GNU time for wall time and peak RSS,
 * and print virtmem beside its peer with the ratio and the peer's version.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { fixtures, type Fixture } from '../test/helpers/fixtures.js';

export interface Measure {
  wallSeconds: number;
  peakRssMiB: number;
  /** User + system CPU seconds (all threads): steadier than wall time on a shared machine. */
  cpuSeconds?: number;
  status: number;
  stdout: string;
}

/** The virtmem CLI entry, for running it as a child process. */
export const VIRTMEM_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/virtmem.js');

/** Run `cmd args` once under /usr/bin/time; stdout is captured (or discarded). */
export function measure(cmd: string, args: string[], opts: { keepStdout?: boolean; env?: NodeJS.ProcessEnv } = {}): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: opts.env ?? process.env,
    stdio: ['ignore', opts.keepStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const lines = (r.stderr ?? '').trim().split('\n');
  const [wall, rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { wallSeconds: wall, peakRssMiB: rss / 1024, cpuSeconds: user + sys, status: r.status ?? -1, stdout: r.stdout ?? '' };
}

/** Best (lowest wall time) of `n` runs. */
export function best(n: number, f: () => Measure): Measure {
  let b: Measure | undefined;
  for (let i = 0; i < n; i++) {
    const m = f();
    if (!b || m.wallSeconds < b.wallSeconds) b = m;
  }
  return b!;
}

/** First line of `tool --version` (or the given args). */
export function version(tool: string, args = ['--version']): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  return ((r.stdout || r.stderr || '').split('\n')[0] || 'unknown').trim();
}

/** Print one comparison line: ours, the peer's, and the ratios. */
export function report(label: string, ours: Measure, peer: Measure, peerName: string): void {
  const t = ours.wallSeconds / Math.max(peer.wallSeconds, 0.001);
  const m = ours.peakRssMiB / Math.max(peer.peakRssMiB, 0.001);
  console.log(`   ${label}`);
  console.log(`     virtmem: ${ours.wallSeconds.toFixed(2)} s, ${ours.peakRssMiB.toFixed(0)} MiB peak`);
  console.log(`     ${peerName}: ${peer.wallSeconds.toFixed(2)} s, ${peer.peakRssMiB.toFixed(0)} MiB peak`);
  console.log(`     ratio (virtmem / peer): time ${t.toFixed(2)}x, memory ${m.toFixed(2)}x`);
}

/**
 * Run drgn on `dump` (with `vmlinux` when given) and `script`: undefined when it
 * succeeds, else the last line of its error (peers fail on some dumps: say so).
 */
export function drgnError(dump: string, vmlinux: string | undefined, script: string): string | undefined {
  const r = spawnSync('drgn', ['-q', '-c', dump, ...(vmlinux ? ['-s', vmlinux] : []), script], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const lines = (r.stderr || '').trim().split('\n');
  return lines[lines.length - 1] || `exit ${r.status}`;
}

/** True when the peer tool runs (`tool --version` exits 0). */
export function have(tool: string): boolean {
  return spawnSync(tool, ['--version']).status === 0;
}

/**
 * The guest benchmarks' common frame: the KASLR fixtures (or a line saying
 * there are none), and a drgn script written to a temporary file that is
 * removed afterwards.
 */
export async function withKaslrFixtures(scriptName: string, script: string, body: (fx: Fixture[], scriptPath: string) => Promise<void> | void): Promise<void> {
  const fx = fixtures().filter((f) => f.kaslr);
  if (!fx.length) { console.log('   skipped: no KASLR fixtures (npm run fixtures)'); return; }
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'virtmem-bench-'));
  const scriptPath = join(tmp, scriptName);
  fs.writeFileSync(scriptPath, script);
  try {
    await body(fx, scriptPath);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
