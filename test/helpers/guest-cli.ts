/**
 * Running a guest tool (virtmem dmesg/ifconfig/lsmod/...) through the real CLI
 * on a fixture dump, as a user would: exit code, stdout, stderr, and the
 * --json rows parsed.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliRun { status: number | null; stdout: string; stderr: string }

/** `node bin/<bin> args...` (bin: "virtmem.js", "virt-dmesg.js", ...). */
export function runBin(bin: string, args: string[]): CliRun {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', bin), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `virtmem <cmd> <dump> --json ...extra`: the rows; throws with stderr when the exit code is not 0. */
export function jsonRows<T = Record<string, unknown>>(cmd: string, dump: string, extra: string[] = []): T[] {
  const r = runBin('virtmem.js', [cmd, dump, '--json', ...extra]);
  if (r.status !== 0) throw new Error(`virtmem ${cmd} ${dump} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}
