/**
 * Compile C written by a test with the real gcc (or a cross gcc) into a temp
 * dir; the caller removes it with `cleanup()`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Compiled {
  dir: string;
  out: string;
  cleanup(): void;
}

export function haveTool(tool: string): boolean {
  return spawnSync(tool, ['--version']).status === 0;
}

/**
 * gcc `flags` on `source`; output `name`. Throws with gcc's stderr on failure.
 * `replayable`: the output does not depend on the temp dir's name (a fuzz seed's
 * bytes must be the same each run): gcc runs in the dir on relative names, and
 * PWD=/proc/self/cwd (gcc records PWD as the working directory when it names
 * the same directory: DW_AT_comp_dir, the CTF/BTF unit name).
 */
export function compile(source: string, flags: string[], opts: { cc?: string; name?: string; dir?: string; replayable?: boolean } = {}): Compiled {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-cc-'));
  const src = path.join(dir, 'input.c');
  fs.writeFileSync(src, source);
  const out = path.join(dir, opts.name ?? 'out.so');
  const r = opts.replayable
    ? spawnSync(opts.cc ?? 'gcc', [...flags, 'input.c', '-o', path.basename(out)], { encoding: 'utf8', cwd: dir, env: { ...process.env, PWD: '/proc/self/cwd' } })
    : spawnSync(opts.cc ?? 'gcc', [...flags, src, '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${opts.cc ?? 'gcc'} ${flags.join(' ')} failed:\n${r.stderr}`);
  return { dir, out, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
