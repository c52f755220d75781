/**
 * readelf as the judge: runs GNU readelf -W on a file and parses its listings
 * (file header, sections, segments, symbols, notes, relocated hex dumps) into
 * plain records that tests compare field by field with what virtmem reads.
 * Also small helpers to compile C with the host and cross compilers.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: opts.cwd, input: opts.input });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

/** Run and insist on success. */
export function must(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'virtmem-elf-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Compile `src` (C text) with `cc` into `out` inside `dir`. */
export function compile(dir: string, cc: string, src: string, out: string, args: string[]): string {
  const c = path.join(dir, out.replace(/\.[^.]*$/, '') + '.c');
  fs.writeFileSync(c, src);
  const o = path.join(dir, out);
  must(cc, [...args, c, '-o', o]);
  return o;
}

export interface RSection { index: number; name: string; type: string; addr: bigint; offset: number; size: number; entsize: number; flags: string; link: number; info: number; align: number }
export interface RSegment { type: string; offset: number; vaddr: bigint; paddr: bigint; filesz: number; memsz: bigint; flags: string; align: number }
export interface RSymbol { index: number; value: bigint; size: bigint; type: string; bind: string; vis: string; ndx: string; name: string }
export interface RNote { owner: string; size: number; description: string; buildId?: string; where: string }

export function readelfHeader(file: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of must('readelf', ['-hW', file]).split('\n')) {
    const i = line.indexOf(':');
    if (i > 0 && line.startsWith('  ')) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

export function readelfSections(file: string): RSection[] {
  const out: RSection[] = [];
  const re = /^\s*\[\s*(\d+)\]\s(.*?)\s*(SYMTAB SECTION INDICES|\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/;
  for (const line of must('readelf', ['-SW', file]).split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    out.push({
      index: +m[1], name: m[2].trim(), type: m[3], addr: BigInt('0x' + m[4]), offset: parseInt(m[5], 16),
      size: parseInt(m[6], 16), entsize: parseInt(m[7], 16), flags: m[8], link: +m[9], info: +m[10], align: +m[11],
    });
  }
  return out;
}

export function readelfSegments(file: string): RSegment[] {
  const out: RSegment[] = [];
  const re = /^\s+(\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s([RWE ]{3})\s0x([0-9a-f]+)\s*$/;
  for (const line of must('readelf', ['-lW', file]).split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    out.push({
      type: m[1], offset: parseInt(m[2], 16), vaddr: BigInt('0x' + m[3]), paddr: BigInt('0x' + m[4]),
      filesz: parseInt(m[5], 16), memsz: BigInt('0x' + m[6]), flags: m[7], align: parseInt(m[8], 16),
    });
  }
  return out;
}

/** Symbols per table name ('.symtab', '.dynsym'). */
export function readelfSymbols(file: string): Map<string, RSymbol[]> {
  const tables = new Map<string, RSymbol[]>();
  let cur: RSymbol[] | undefined;
  const re = /^\s*(\d+):\s([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s(\S+)\s+(\S+)\s+(\S+)\s+(?:\[[^\]]*\]\s+)?(\S+)\s?(.*)$/;
  for (const line of must('readelf', ['-sW', file]).split('\n')) {
    const h = /^Symbol table '([^']*)' contains/.exec(line);
    if (h) { cur = []; tables.set(h[1], cur); continue; }
    const m = re.exec(line);
    if (!m || !cur) continue;
    cur.push({
      index: +m[1], value: BigInt('0x' + m[2]), size: BigInt(m[3]), type: m[4], bind: m[5], vis: m[6], ndx: m[7], name: m[8],
    });
  }
  return tables;
}

export function readelfNotes(file: string): RNote[] {
  const out: RNote[] = [];
  let where = '';
  for (const line of must('readelf', ['-nW', file]).split('\n')) {
    const d = /^Displaying notes found (?:in: (\S+)|at file offset (0x[0-9a-f]+))/.exec(line);
    if (d) { where = d[1] ?? d[2]; continue; }
    if (/^\s+Owner\s+Data size/.test(line)) continue;
    // With -W the description and its details share one line, split by a tab.
    const m = /^ {2}(\S.*?)\s+0x([0-9a-f]{8})\t([^\t]*)(.*)$/.exec(line);
    if (m) { out.push({ owner: m[1], size: parseInt(m[2], 16), description: m[3].trim(), where }); }
    const b = /Build ID: ([0-9a-f]+)/.exec(line);
    if (b && out.length) out[out.length - 1].buildId = b[1];
  }
  return out;
}

/** readelf -R (relocated hex dump, decompressed with -z) of one section, as bytes. */
export function readelfRelocatedDump(file: string, section: string): { bytes: Uint8Array; warnings: string } {
  const r = run('readelf', ['-z', '-R', section, file]);
  const chunks: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+0x[0-9a-f]+ (.{35}) /.exec(line);
    if (!m) continue;
    const hex = m[1].replace(/ /g, '');
    for (let i = 0; i + 1 < hex.length; i += 2) chunks.push(parseInt(hex.slice(i, i + 2), 16));
  }
  return { bytes: Uint8Array.from(chunks), warnings: r.stderr.trim() };
}
