/**
 * Test helpers for BTF: run bpftool (the judge) on a BTF file, with a base for
 * split BTF, and compare its raw listing with ours line by line.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Btf, formatBtfRaw } from '../../src/btf/index.js';

/** `bpftool [-B base] btf dump file F` (raw format) as lines. */
export function bpftoolRaw(file: string, base?: string): string[] {
  const args = [...(base ? ['-B', base] : []), 'btf', 'dump', 'file', file];
  const r = spawnSync('bpftool', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.replace(/\n$/, '').split('\n');
}

/** Our raw listing of every own type, as lines. */
export function oursRaw(btf: Btf): string[] {
  const out: string[] = [];
  for (const e of btf.entries()) {
    if (!e.type) throw e.error;
    out.push(...formatBtfRaw(btf, e.id, e.type).split('\n'));
  }
  return out;
}

/** The first line where the listings differ, or undefined when they are equal. */
export function firstDifference(ours: string[], theirs: string[]): string | undefined {
  const n = Math.max(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    if (ours[i] !== theirs[i]) return `line ${i + 1}: ours ${JSON.stringify(ours[i])}, bpftool ${JSON.stringify(theirs[i])}`;
  }
  return undefined;
}

/** Bytes of a file. */
export function readBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(file));
}
