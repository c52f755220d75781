/**
 * Test helpers for CTF: compile C with gcc -gctf into a temp dir, pull a
 * section out with objcopy, wrap raw bytes into an object so objdump can read
 * them, and parse `objdump --ctf` text (the judge) into plain data that tests
 * compare field by field with ours.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../src/elf/index.js';

/** A temporary directory removed by `cleanup`. */
export function tmpdir(prefix = 'virtmem-ctf-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Compile C source `src` to `<dir>/<name>.o` with `flags` (default -gctf); returns the object path. */
export function compile(dir: string, name: string, src: string, flags: string[] = ['-gctf'], cc = 'gcc'): string {
  const c = path.join(dir, `${name}.c`);
  const o = path.join(dir, `${name}.o`);
  fs.writeFileSync(c, src);
  execFileSync(cc, [...flags, '-c', c, '-o', o], { stdio: ['ignore', 'ignore', 'pipe'] });
  return o;
}

/** Link objects into an executable with gcc (which runs ld's CTF deduplicator). */
export function link(dir: string, name: string, objs: string[], flags: string[] = ['-gctf']): string {
  const out = path.join(dir, name);
  execFileSync('gcc', [...flags, ...objs, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

/** The bytes of section `section` of ELF file `file` (read with our elf/ layer). */
export function dumpSection(file: string, section: string): Uint8Array {
  const elf = ElfFile.open(file);
  try {
    return elf.sectionData(section, { relocate: false }).slice();
  } finally {
    elf.close();
  }
}

/** An object file in `dir` whose .ctf section holds `bytes`; `cc` picks the target (and byte order). */
export function wrapCtf(dir: string, bytes: Uint8Array, name = 'wrapped', cc = 'gcc'): string {
  const base = compile(dir, `${name}-base`, 'int virtmem_wrapped_dummy;\n', [], cc);
  const raw = path.join(dir, `${name}.ctf`);
  fs.writeFileSync(raw, bytes);
  const out = path.join(dir, `${name}.o`);
  execFileSync('objcopy', ['--add-section', `.ctf=${raw}`, base, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

/** Run objdump --ctf=.ctf; stdout and stderr. */
export function objdumpCtf(file: string): { stdout: string; stderr: string } {
  const r = spawnSync('objdump', ['--ctf=.ctf', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`objdump --ctf failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

export interface OdMember { bitOffset: number; name: string; id: number; kind: number }
export interface OdType {
  id: number;
  kind: number;
  /** Text of the type itself (before "(size", "(format", "[slice"). */
  text: string;
  size?: number;
  format?: number;
  slice?: { offset: number; bits: number };
  /** The id after "->" (what the type refers to). */
  ref?: number;
  members: OdMember[];
  enumerators: { name: string; value: number }[];
}
export interface OdDict {
  /** ".ctf" for the section's dict or the archive's parent, else the member name. */
  name: string;
  flags: number;
  parentName: string;
  cuName: string;
  objects: [string, number][];
  functions: [string, number][];
  variables: [string, number][];
  types: Map<number, OdType>;
  /** The raw listing from "Labels:" to "Strings:" (offset-free, for text comparison). */
  body: string;
}

const TYPE_LINE = /^ {4}(0x[0-9a-f]+): \(kind (\d+)\) (.*)$/;
const MEMBER_LINE = /^ +\[(0x[0-9a-f]+)\] (.*?): ID (0x[0-9a-f]+): \(kind (\d+)\)/;
const SYM_LINE = /^ {4}(\S+) -> (0x[0-9a-f]+): /;

function describe(rest: string): Omit<OdType, 'id' | 'kind' | 'members' | 'enumerators'> {
  const arrow = rest.indexOf(' -> ');
  const self = arrow >= 0 ? rest.slice(0, arrow) : rest;
  const ref = arrow >= 0 ? parseInt(rest.slice(arrow + 4), 16) : undefined;
  const cut = self.search(/ \(size | \(format | \[slice | \(aligned /);
  const text = (cut >= 0 ? self.slice(0, cut) : self).trim();
  const size = /\(size (0x[0-9a-f]+)\)/.exec(self);
  const format = /\(format (0x[0-9a-f]+)\)/.exec(self);
  const slice = /\[slice (0x[0-9a-f]+):(0x[0-9a-f]+)\]/.exec(self);
  return {
    text,
    size: size ? parseInt(size[1], 16) : undefined,
    format: format ? parseInt(format[1], 16) : undefined,
    slice: slice ? { offset: parseInt(slice[1], 16), bits: parseInt(slice[2], 16) } : undefined,
    ref,
  };
}

/** Parse objdump --ctf output into one OdDict per dict (section dict, or archive members). */
export function parseObjdumpCtf(out: string): OdDict[] {
  const dicts: OdDict[] = [];
  let d: OdDict | undefined;
  let section = '';
  let cur: OdType | undefined;
  let memberIndent: number | undefined;
  let bodyLines: string[] = [];
  const lines = out.split('\n');
  const finish = () => { if (d) d.body = bodyLines.join('\n'); };
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if (/^Contents of CTF section/.test(line) || (m = /^CTF archive member: (.*):$/.exec(line))) {
      finish();
      const member = /^CTF archive member: (.*):$/.exec(line);
      d = { name: member ? member[1] : '.ctf', flags: 0, parentName: '', cuName: '', objects: [], functions: [], variables: [], types: new Map(), body: '' };
      dicts.push(d);
      section = 'header';
      bodyLines = [];
      continue;
    }
    if (!d) continue;
    if (/^ {2}\S/.test(line)) {
      section = line.trim().replace(/:$/, '');
      cur = undefined;
      if (section === 'Strings') { finish(); bodyLines = []; }
      else bodyLines.push(line);
      continue;
    }
    if (section !== 'Strings' && section !== 'Header') bodyLines.push(line);
    if (section === 'Header') {
      if ((m = /Flags: (0x[0-9a-f]+)/.exec(line))) d.flags = parseInt(m[1], 16);
      if ((m = /Parent name: (.*)$/.exec(line))) d.parentName = m[1];
      if ((m = /Compilation unit name: (.*)$/.exec(line))) d.cuName = m[1];
    } else if (section === 'Data objects' || section === 'Function objects' || section === 'Variables') {
      if ((m = SYM_LINE.exec(line))) {
        const list = section === 'Data objects' ? d.objects : section === 'Function objects' ? d.functions : d.variables;
        list.push([m[1], parseInt(m[2], 16)]);
      }
    } else if (section === 'Types') {
      if ((m = TYPE_LINE.exec(line))) {
        memberIndent = undefined;
        cur = { id: parseInt(m[1], 16), kind: Number(m[2]), ...describe(m[3]), members: [], enumerators: [] };
        d.types.set(cur.id, cur);
      } else if (cur && (m = MEMBER_LINE.exec(line))) {
        // Members of anonymous members are listed too, indented further: keep the direct ones.
        const indent = line.search(/\S/);
        memberIndent ??= indent;
        if (indent === memberIndent) cur.members.push({ bitOffset: parseInt(m[1], 16), name: m[2], id: parseInt(m[3], 16), kind: Number(m[4]) });
      } else if (cur && (m = /^ +(\S+): (-?\d+)$/.exec(line))) {
        cur.enumerators.push({ name: m[1], value: Number(m[2]) });
      }
    }
  }
  finish();
  return dicts;
}

/** Whether `tool` runs here. */
export function have(tool: string, args = ['--version']): boolean {
  const r = spawnSync(tool, args, { stdio: 'ignore' });
  return r.status === 0;
}
