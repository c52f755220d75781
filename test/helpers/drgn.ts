/**
 * Running drgn (python3-drgn 0.0.22) as the judge of program/ on a fixture:
 * a Python script over `prog` whose printed lines the test compares with ours.
 * drgn 0.0.22 reads QEMU's paging=true ELF (elf-paging.core) only, so scripts
 * run on that dump; ours read the kdump of the same boot.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { Fixture } from './fixtures.js';

/** True if drgn runs here; else the test is skipped with the reason on stderr. */
export function drgnOrSkip(t: TestContext): boolean {
  if (spawnSync('drgn', ['--version']).status === 0) return true;
  const why = 'drgn is not installed (python3-drgn; scripts/setup.sh)';
  process.stderr.write(`SKIP: ${why}\n`);
  t.skip(why);
  return false;
}

/** Run a drgn script (Python source) on the fixture's paging ELF dump; its stdout lines. */
export function runDrgn(f: Fixture, script: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-drgn-'));
  try {
    const file = path.join(dir, 'judge.py');
    fs.writeFileSync(file, script);
    const out = execFileSync('drgn', ['-q', '-c', f.dumps.elfPaging, '-s', f.kernel.vmlinux, file], { encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trimEnd().split('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
