/**
 * Test helpers for dwarf2ctf: have objdump --ctf read a directory of gzip'd
 * dicts (wrapped into one archive with shared_ctf as the parent, as the
 * ctf.ko container holds them), and derive objects.builtin for a Debian
 * kernel from its vmlinux compile-unit names and its modules.builtin.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeArchive } from '../../src/ctf/index.js';
import { DwarfInfo, loadDwarfSections, DW_AT_name } from '../../src/dwarf/index.js';
import { parseObjdumpCtf, wrapCtf, type OdDict } from './ctf-tools.js';

export interface OdResult {
  dicts: Map<string, OdDict>;
  stderr: string;
  /** objdump's listing, for messages. */
  stdout: string;
}

/** The member name of an output file: "shared_ctf.builtin.ctf" -> "shared_ctf". */
export function dictName(file: string): string {
  return path.basename(file).replace(/\.(builtin|mod)\.ctf$/, '');
}

/** objdump --ctf over every dict of `outDir` (or `files`), children with shared_ctf as parent. */
export function objdumpDicts(tmp: string, outDir: string, files?: string[]): OdResult {
  const list = files ?? fs.readdirSync(outDir).filter((f) => f.endsWith('.ctf')).sort();
  const members = list.map((f) => ({ name: dictName(f), bytes: new Uint8Array(gunzipSync(fs.readFileSync(path.join(outDir, f)))) }));
  const hasShared = members.some((m) => m.name === 'shared_ctf');
  if (!hasShared) {
    // Standalone dicts: objdump each on its own (an archive without a ".ctf" member needs a parent name).
    const all: OdResult = { dicts: new Map(), stderr: '', stdout: '' };
    for (const m of members) {
      const obj = wrapCtf(tmp, m.bytes, `od1-${m.name}`);
      const r = spawnSync('objdump', ['--ctf=.ctf', obj], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`objdump --ctf ${obj} failed: ${r.stderr}`);
      for (const d of parseObjdumpCtf(r.stdout)) all.dicts.set(m.name, { ...d, name: m.name });
      all.stderr += r.stderr;
      all.stdout += r.stdout;
    }
    return all;
  }
  const obj = wrapCtf(tmp, writeArchive(members), `od-${path.basename(outDir)}`);
  const args = ['--ctf=.ctf', ...(hasShared ? ['--ctf-parent=shared_ctf'] : []), obj];
  // The listing of a kernel's dicts runs to hundreds of megabytes: through a file, not a pipe.
  const listing = path.join(tmp, `od-${path.basename(outDir)}.txt`);
  const fd = fs.openSync(listing, 'w');
  let r;
  try {
    r = spawnSync('objdump', args, { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 28 });
  } finally {
    fs.closeSync(fd);
  }
  if (r.status !== 0) throw new Error(`objdump ${args.join(' ')} failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  const stdout = fs.readFileSync(listing, 'utf8');
  fs.rmSync(listing);
  const dicts = new Map<string, OdDict>();
  for (const d of parseObjdumpCtf(stdout)) if (d.name !== '.ctf' || d.types.size) dicts.set(d.name, d);
  return { dicts, stderr: r.stderr, stdout: '' };
}

/** The types of an objdump dict whose text is `text` ("struct foo"). */
export function typesNamed(d: OdDict | undefined, text: string) {
  return d ? [...d.types.values()].filter((t) => t.text === text) : [];
}

/**
 * objects.builtin for a Debian kernel, which ships neither vmlinux.o nor the
 * kernel's modules.builtin.objs. For every module kernel/D/N.ko listed in
 * modules.builtin:
 *  - if vmlinux has a compile unit D/N.c (a one-file module), its object is D/N.o;
 *  - else if D ends in /N (fs/ext4/ext4.ko), every compile unit under D/ not
 *    claimed by another module is its object;
 *  - else (crypto/crypto.ko, made of api.o cipher.o ... per the Makefile, which
 *    Debian does not ship) the module is left out: its types stay in vmlinux.
 * Returns the text of objects.builtin (modules.builtin.objs format) and how
 * many modules got objects.
 */
export function deriveObjectsBuiltin(vmlinux: string, modulesBuiltin: string): { text: string; modules: number; units: string[] } {
  const info = new DwarfInfo(loadDwarfSections(vmlinux));
  const units: string[] = [];
  for (const u of info.infoUnitList()) {
    const n = u.root().attr(DW_AT_name);
    if (n && n.cls === 'string') units.push(n.value);
  }
  const objects = new Set(units.filter((u) => /\.[cS]$/.test(u)).map((u) => u.replace(/\.[cS]$/, '.o')));
  const mods = fs.readFileSync(modulesBuiltin, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const claimed = new Set<string>();
  const lines: string[] = [];
  const pending: [string, string, string][] = [];
  for (const m of mods) {
    const rel = m.replace(/^kernel\//, '');
    const dir = path.dirname(rel);
    const name = path.basename(rel, '.ko');
    const single = `${dir}/${name}.o`;
    if (objects.has(single)) { lines.push(`${m}: ${single}`); claimed.add(single); } else if (path.basename(dir) === name) pending.push([m, dir, name]);
  }
  for (const [m, dir] of pending) {
    const objs = [...objects].filter((o) => o.startsWith(dir + '/') && !claimed.has(o));
    if (!objs.length) continue;
    for (const o of objs) claimed.add(o);
    lines.push(`${m}: ${objs.join(' ')}`);
  }
  return { text: lines.join('\n') + '\n', modules: lines.length, units };
}

/** Every .ko file under `dir`, recursively, sorted by path. */
export function koFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ko')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
