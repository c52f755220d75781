/**
 * `virtmem ctf dump FILE`: the CTF of an ELF file's .ctf section, a raw or
 * gzip'd dict, or a CTF archive, printed as C through the types/ printers
 * (each dict: its named types and variables, children with their parent's
 * types resolved), `--raw` as an objdump-like listing of the records, or
 * `--json` with one entry per type id.
 * `virtmem ctf from-dwarf OBJ -o OUT.ctf`: the types and global variables of
 * one object's DWARF as one CTF dict.
 * `virtmem ctf embed`: dwarf2ctf's link step (the seed's objcopy
 * --add-section), done with elf/'s writer: a module's dict into its .ko as
 * .ctf, or the shared, vmlinux and built-in dicts into a ctf.ko-style
 * container (one .ctf archive whose children find shared_ctf as parent).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FormatError, UsageError, Writer, writeFileAtomic } from '../bytes/index.js';
import {
  CTF_MODEL_ILP32, CTF_MODEL_LP64, CtfTypes, dictJson, dictTypesJson, listDict, loadCtf, openCtf, typesToCtf, writeArchive, writeDict,
} from '../ctf/index.js';
import { DW_TAG_variable, DwarfInfo, loadDwarfSections } from '../dwarf/index.js';
import { ElfFile, editElf } from '../elf/index.js';
import { DwarfTypes, printC, type Variable } from '../types/index.js';
import { flag, parse, str } from './args.js';
import { renderJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = `virtmem ctf dump FILE [--raw | --json] [--parent FILE] [--gcc-array-order]
       virtmem ctf from-dwarf OBJ -o OUT.ctf [--compress]
       virtmem ctf embed MODULE.ko MODULE.mod.ctf -o OUT.ko [--gzip]
       virtmem ctf embed --container OUTDIR -o ctf.ko [--like FILE] [--seed-sections]

  dump        FILE: an ELF object or executable (its .ctf section), a raw or gzip'd CTF
              dict, or a CTF archive. Prints each dict's types and variables as C;
              --raw lists the records as objdump --ctf does; --json gives one entry per
              type id. --parent gives the parent dict of a lone child dict.
              --gcc-array-order puts back the dimensions gcc 12 reverses (T a[2][3]).
  from-dwarf  writes the types and global variables of OBJ's DWARF as one CTF dict.
  embed       puts dwarf2ctf output into ELF files: a module's dict into its .ko as .ctf
              (a zlib-compressed dict objdump --ctf reads; --gzip keeps dwarf2ctf's gzip'd
              bytes as the seed's kernels did); --container: shared_ctf, vmlinux and every
              *.builtin.ctf of OUTDIR as one CTF archive in the .ctf section of a new ELF
              relocatable object (ELF class, byte order and machine of --like FILE, else
              x86-64); --seed-sections adds the seed's .ctf.<name> sections (gzip'd) too.`;

async function dump(argv: string[]): Promise<number> {
  const p = parse(argv, {
    json: { type: 'boolean' }, raw: { type: 'boolean' }, parent: { type: 'string' },
    'gcc-array-order': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  if (!file || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const parentFile = str(p, 'parent');
  const parent = parentFile ? loadCtf(parentFile).dicts[0].dict : undefined;
  const set = loadCtf(file, { parent });
  let errors = 0;
  const onError = (e: FormatError) => { errors++; process.stderr.write(`virtmem: ${e.message}\n`); };
  if (flag(p, 'json')) {
    const dicts = set.dicts.map(({ name, dict }) => dictJson(name, dict, onError));
    const types = set.dicts.flatMap(({ name, dict }) => dictTypesJson(name, dict, onError));
    process.stdout.write(renderJson({ container: set.container, gzipped: set.gzipped, model: set.model, dicts, types }));
  } else if (flag(p, 'raw')) {
    for (const { name, dict } of set.dicts) process.stdout.write(listDict(name, dict, onError) + '\n');
  } else {
    const pointerSize = set.model === CTF_MODEL_ILP32 ? 4 : 8;
    for (const { name, dict } of set.dicts) {
      const ct = new CtfTypes(dict, { pointerSize, gccArrayOrder: flag(p, 'gcc-array-order') });
      const head = [`CTF dict ${name}`, dict.parentName && `parent ${dict.parentName}`, dict.cuName && `CU ${dict.cuName}`, `${dict.typeCount} types`].filter(Boolean).join(', ');
      let variables: Variable[] = [];
      try { variables = ct.variables(); } catch (e) { if (e instanceof FormatError) onError(e); else throw e; }
      process.stdout.write(`/* ${head} */\n${printC([...ct.types()], { variables })}\n`);
      for (const e of ct.all()) if (e.error) onError(e.error);
      if (dict.indexError) onError(dict.indexError);
    }
  }
  return errors ? 1 : 0;
}

async function fromDwarf(argv: string[]): Promise<number> {
  const p = parse(argv, { output: { type: 'string', short: 'o' }, compress: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const [file] = p.positionals;
  const out = str(p, 'output');
  if (!file || !out || p.positionals.length > 1) throw new UsageError(`usage: ${USAGE}`);
  const elf = ElfFile.open(file);
  const littleEndian = elf.littleEndian;
  const pointerSize = elf.is64 ? 8 : 4;
  elf.close();
  const info = new DwarfInfo(loadDwarfSections(file));
  if (!info.sections.info) throw new UsageError(`${file}: no DWARF (.debug_info) in this file`);
  const ti = new DwarfTypes(info);
  const index = ti.buildIndex();
  const roots = [...ti.types()];
  const variables: Variable[] = [];
  const seen = new Set<string>();
  for (const e of index.entries()) {
    if (e.tag !== DW_TAG_variable || e.declaration || seen.has(e.name)) continue;
    seen.add(e.name);
    try {
      const v = ti.variable(e.name);
      if (v) variables.push(v);
    } catch (err) { if (!(err instanceof FormatError)) throw err; process.stderr.write(`virtmem: warning: ${err.message}\n`); }
  }
  const { data, lossy } = typesToCtf(roots, variables, { littleEndian, pointerSize, cuName: file });
  for (const l of lossy) process.stderr.write(`virtmem: warning: not expressible in CTF: ${l}\n`);
  for (const e of ti.problems().slice(0, 5)) process.stderr.write(`virtmem: warning: ${e.message}\n`);
  writeFileAtomic(out, writeDict(data, { compress: flag(p, 'compress') }));
  process.stderr.write(`${out}: ${data.types.length} types, ${data.variables.length} variables\n`);
  return 0;
}

/** A dwarf2ctf output file (gzip'd or not) as a dict serialized zlib-compressed, the way libctf stores it. */
function compressedDict(bytes: Uint8Array, source: string): Uint8Array {
  const set = openCtf(bytes, { source });
  if (set.dicts.length !== 1) throw new UsageError(`${source}: expected one CTF dict, found ${set.container === 'archive' ? 'an archive' : set.dicts.length}`);
  return writeDict(set.dicts[0].dict.toData(), { compress: true });
}

/** An empty ELF relocatable object: a null section and .shstrtab, in the class, byte order and machine given. */
function emptyElf(is64: boolean, littleEndian: boolean, machine: number): Uint8Array {
  const ehsize = is64 ? 64 : 52, shentsize = is64 ? 64 : 40;
  const names = new TextEncoder().encode('\0.shstrtab\0');
  const shoff = ehsize + names.length + ((8 - ((ehsize + names.length) % 8)) % 8);
  const w = new Writer(littleEndian, shoff + 2 * shentsize);
  w.bytes(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, littleEndian ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  w.u16(1 /* ET_REL */).u16(machine).u32(1);
  if (is64) w.u64(0n).u64(0n).u64(BigInt(shoff)); else w.u32(0).u32(0).u32(shoff);
  w.u32(0).u16(ehsize).u16(0).u16(0).u16(shentsize).u16(2).u16(1);
  w.bytes(names);
  while (w.length < shoff) w.u8(0);
  const sh = (name: number, type: number, offset: number, size: number) => {
    if (is64) w.u32(name).u32(type).u64(0n).u64(0n).u64(BigInt(offset)).u64(BigInt(size)).u32(0).u32(0).u64(1n).u64(0n);
    else w.u32(name).u32(type).u32(0).u32(0).u32(offset).u32(size).u32(0).u32(0).u32(1).u32(0);
  };
  sh(0, 0, 0, 0);
  sh(1, 3 /* SHT_STRTAB */, ehsize, names.length);
  return w.finish();
}

async function embed(argv: string[]): Promise<number> {
  const p = parse(argv, {
    output: { type: 'string', short: 'o' }, gzip: { type: 'boolean' }, container: { type: 'string' }, like: { type: 'string' },
    'seed-sections': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const out = str(p, 'output');
  const dir = str(p, 'container');
  if (!out) throw new UsageError(`usage: ${USAGE}`);
  if (dir !== undefined) {
    if (p.positionals.length) throw new UsageError(`usage: ${USAGE}`);
    let files: string[];
    try { files = fs.readdirSync(dir).filter((f) => f.endsWith('.builtin.ctf')).sort(); } catch (e) {
      throw new UsageError(`cannot read ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (!files.includes('shared_ctf.builtin.ctf')) throw new UsageError(`${dir}: no shared_ctf.builtin.ctf (run dwarf2ctf first)`);
    let is64 = true, le = true, machine = 62; // EM_X86_64
    const like = str(p, 'like');
    if (like) { const e = ElfFile.open(like); is64 = e.is64; le = e.littleEndian; machine = e.header.machine; e.close(); }
    const members: { name: string; bytes: Uint8Array }[] = [];
    const edits: { op: 'add'; name: string; data: Uint8Array; addralign: number }[] = [];
    for (const f of files) {
      const raw = new Uint8Array(fs.readFileSync(path.join(dir, f)));
      const name = f.replace(/\.builtin\.ctf$/, '');
      members.push({ name, bytes: compressedDict(raw, path.join(dir, f)) });
      if (flag(p, 'seed-sections')) edits.push({ op: 'add', name: `.ctf.${name}`, data: raw, addralign: 1 });
    }
    edits.unshift({ op: 'add', name: '.ctf', data: writeArchive(members, is64 ? CTF_MODEL_LP64 : CTF_MODEL_ILP32), addralign: 8 });
    writeFileAtomic(out, editElf(emptyElf(is64, le, machine), edits, out));
    process.stderr.write(`${out}: ${members.length} dicts (${members.map((m) => m.name).join(', ')})\n`);
    return 0;
  }
  const [ko, ctf] = p.positionals;
  if (!ko || !ctf || p.positionals.length > 2) throw new UsageError(`usage: ${USAGE}`);
  let raw: Uint8Array;
  try { raw = new Uint8Array(fs.readFileSync(ctf)); } catch (e) { throw new UsageError(`cannot read ${ctf}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const data = flag(p, 'gzip') ? raw : compressedDict(raw, ctf);
  let input: Uint8Array;
  try { input = new Uint8Array(fs.readFileSync(ko)); } catch (e) { throw new UsageError(`cannot read ${ko}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const elf = ElfFile.fromBytes(input, ko);
  const had = elf.section('.ctf') !== undefined;
  const edits = [...(had ? [{ op: 'remove' as const, name: '.ctf' }] : []), { op: 'add' as const, name: '.ctf', data, addralign: 1 }];
  writeFileAtomic(out, editElf(input, edits, ko));
  process.stderr.write(`${out}: .ctf ${had ? 'replaced' : 'added'} (${data.length} bytes)\n`);
  return 0;
}

export const command: Subcommand = {
  name: 'ctf',
  summary: 'CTF dicts and archives: dump as C or raw; write CTF from DWARF',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'dump') return dump(rest);
    if (sub === 'from-dwarf') return fromDwarf(rest);
    if (sub === 'embed') return embed(rest);
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(`usage: ${USAGE}\n`); return sub ? 0 : 1; }
    throw new UsageError(`unknown ctf subcommand '${sub}'\nusage: ${USAGE}`);
  },
};
