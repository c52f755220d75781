/**
 * Running the guest tools through their CLI (bin/virtmem.js and the virt-*
 * aliases) as a user would, and the peers (crash, drgn) beside them.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliResult { status: number | null; stdout: string; stderr: string }
export type CliRun = CliResult;

/** Run bin/<bin> with `args`. */
export function runBin(bin: string, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', bin), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `virtmem <cmd> ... --json`, parsed; fails the test unless the exit code is `status` (0 by default). */
export function runJson<T = Record<string, unknown>[]>(args: string[], status = 0): T {
  const r = runBin('virtmem.js', [...args, '--json']);
  if (r.status !== status) throw new Error(`virtmem ${args.join(' ')}: exit ${r.status}, wanted ${status}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** `virtmem <cmd> <dump> --json ...extra`: the rows; throws with stderr when the exit code is not 0. */
export function jsonRows<T = Record<string, unknown>>(cmd: string, dump: string, extra: string[] = []): T[] {
  return runJson<T[]>([cmd, dump, ...extra]);
}

/** Skip (with the reason on stderr) unless `tool --version` runs. */
export function toolOrSkip(t: TestContext, tool: string, pkg: string): boolean {
  if (spawnSync(tool, ['--version']).status === 0) return true;
  const why = `${tool} is not installed (${pkg}; scripts/setup.sh)`;
  process.stderr.write(`SKIP: ${why}\n`);
  t.skip(why);
  return false;
}

/** `crash -s VMLINUX DUMP` with `commands` on stdin (then exit); its stdout, or undefined when it fails. */
export function runCrash(vmlinux: string, dump: string, commands: string[]): { status: number | null; out: string } {
  const r = spawnSync('crash', ['-s', vmlinux, dump], { input: commands.join('\n') + '\nexit\n', encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  return { status: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

/** Rows of crash's `ps`: PID PPID CPU TASK ST %MEM VSZ RSS COMM (the current task marked ">"). */
export function parseCrashPs(out: string): { pid: number; ppid: number; cpu: number; task: bigint; st: string; comm: string }[] {
  const rows = [];
  for (const line of out.split('\n')) {
    const m = /^[> ]\s*(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]{16})\s+(\S+)\s+\S+\s+\d+\s+\d+\s+(.*)$/.exec(line);
    if (m) rows.push({ pid: +m[1], ppid: +m[2], cpu: +m[3], task: BigInt('0x' + m[4]), st: m[5], comm: m[6].trim() });
  }
  return rows;
}
