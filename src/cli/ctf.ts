/**
 * `virtmem ctf dump FILE`: the CTF of an ELF file's .ctf section, a raw or
 * gzip'd dict, or a CTF archive, printed as C through the types/ printers
 * (each dict: its named types and variables, children with their parent's
 * types resolved), `--raw` as an objdump-like listing of the records, or
 * `--json` with one entry per type id.
 * `virtmem ctf from-dwarf OBJ -o OUT.ctf`: the types and global variables of
 * one object's DWARF as one CTF dict.
 */
import { FormatError, UsageError, writeFileAtomic } from '../bytes/index.js';
import {
  CTF_MODEL_ILP32, CtfTypes, dictJson, dictTypesJson, listDict, loadCtf, typesToCtf, writeDict,
} from '../ctf/index.js';
import { DW_TAG_variable, DwarfInfo, loadDwarfSections } from '../dwarf/index.js';
import { ElfFile } from '../elf/index.js';
import { DwarfTypes, printC, type Variable } from '../types/index.js';
import { flag, parse, str } from './args.js';
import { renderJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = `virtmem ctf dump FILE [--raw | --json] [--parent FILE] [--gcc-array-order]
       virtmem ctf from-dwarf OBJ -o OUT.ctf [--compress]

  dump        FILE: an ELF object or executable (its .ctf section), a raw or gzip'd CTF
              dict, or a CTF archive. Prints each dict's types and variables as C;
              --raw lists the records as objdump --ctf does; --json gives one entry per
              type id. --parent gives the parent dict of a lone child dict.
              --gcc-array-order puts back the dimensions gcc 12 reverses (T a[2][3]).
  from-dwarf  writes the types and global variables of OBJ's DWARF as one CTF dict.`;

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

export const command: Subcommand = {
  name: 'ctf',
  summary: 'CTF dicts and archives: dump as C or raw; write CTF from DWARF',
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'dump') return dump(rest);
    if (sub === 'from-dwarf') return fromDwarf(rest);
    if (!sub || sub === '--help' || sub === '-h') { process.stdout.write(`usage: ${USAGE}\n`); return sub ? 0 : 1; }
    throw new UsageError(`unknown ctf subcommand '${sub}'\nusage: ${USAGE}`);
  },
};
