/**
 * `virtmem types FILE ...`: C types from an object's DWARF — declarations,
 * pahole-style layouts, JSON, or the sizes table of every struct.
 */
import { UsageError } from '../bytes/index.js';
import { DwarfInfo, loadDwarfSections } from '../dwarf/index.js';
import {
  CPrinter, DwarfTypes, isComposite, layout, printC, resolve, summarize, typeToJson, type NamedKind, type Type,
} from '../types/index.js';
import { flag, parse, strs } from './args.js';
import { toJson } from './render.js';
import type { Subcommand } from './main.js';

const USAGE = `virtmem types FILE [--struct NAME] [--union NAME] [--enum NAME] [--typedef NAME] [--var NAME] [--all] [--sizes] [--layout] [--json]

C types from the DWARF of FILE (an ELF object, executable, vmlinux or .ko).

  --struct NAME    the C definition of struct NAME (repeatable; also --union, --enum, --typedef)
  --var NAME       the declaration of variable NAME, with its address when known
  --all            every named type, as C that gcc compiles (dependencies first)
  --sizes          every struct and union: name, size in bytes, number of holes (as pahole --sizes:
                   file-scope types, one row per distinct definition; unions have 0 holes)
  --layout         pahole-style layout instead of C: each member's offset and size,
                   bitfields as "byte:bit" (storage unit's byte offset, then the bit in it),
                   holes, trailing padding, total size
  --json           JSON for machines: an array with, for each type, name, kind and size
                   (bytes); structs and unions add members [{name, bitOffset, size, bitSize?,
                   type}] where bitOffset counts bits from the start of the type. A nested
                   anonymous struct/union member has name null, type "struct"/"union" and
                   its own members array, whose bitOffsets also count from the start of
                   the outermost type. Enums add signed and values [{name, value}];
                   --var gives {name, type, address}.`;

const KINDS: NamedKind[] = ['struct', 'union', 'enum', 'typedef'];

export const command: Subcommand = {
  name: 'types',
  summary: 'C types from DWARF: declarations, pahole-style layouts, JSON',
  async run(argv: string[]): Promise<number> {
    const p = parse(argv, {
      struct: { type: 'string', multiple: true }, union: { type: 'string', multiple: true },
      enum: { type: 'string', multiple: true }, typedef: { type: 'string', multiple: true },
      var: { type: 'string', multiple: true }, all: { type: 'boolean' }, sizes: { type: 'boolean' },
      layout: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    }, USAGE);
    if (flag(p, 'help')) { process.stdout.write(USAGE + '\n'); return 0; }
    if (p.positionals.length !== 1) throw new UsageError(`expected one FILE\nusage: ${USAGE.split('\n')[0]}`);
    const file = p.positionals[0];
    const wantLayout = flag(p, 'layout');
    const json = flag(p, 'json');

    const info = new DwarfInfo(loadDwarfSections(file));
    if (!info.sections.info) throw new UsageError(`${file}: no DWARF (.debug_info) in this file`);
    const ti = new DwarfTypes(info);

    if (flag(p, 'sizes')) {
      // Every distinct file-scope struct and union, as pahole --sizes lists them: one row per
      // name, size and member layout (a name defined two ways in two units gets two rows).
      const lines: string[] = [];
      const rows: unknown[] = [];
      for (const t of ti.loadAll().named) {
        if (!isComposite(t) || t.name === undefined) continue;
        const s = summarize(t);
        if (json) rows.push({ name: t.name, kind: t.kind, size: t.size, holes: s.holes });
        else lines.push(`${t.name}\t${t.size}\t${s.holes}`);
      }
      process.stdout.write(json ? JSON.stringify(rows, null, 1) + '\n' : lines.join('\n') + '\n');
      return 0;
    }

    const found: Type[] = [];
    for (const kind of KINDS) {
      for (const name of strs(p, kind)) {
        const t = ti.lookup(name, kind);
        if (!t) throw new UsageError(`${file}: no ${kind} named ${name}`);
        found.push(t);
      }
    }
    const vars = strs(p, 'var').map((name) => {
      const v = ti.variable(name);
      if (!v) throw new UsageError(`${file}: no variable named ${name}`);
      return v;
    });
    if (flag(p, 'all')) {
      ti.buildIndex();
      found.push(...ti.types());
    }
    if (!found.length && !vars.length) throw new UsageError(`nothing to show: give --struct, --union, --enum, --typedef, --var, --all or --sizes\nusage: ${USAGE.split('\n')[0]}`);

    const cp = new CPrinter();
    if (json) {
      const out: unknown[] = found.map((t) => typeToJson(t, cp));
      for (const v of vars) out.push({ name: v.name, type: cp.declare(v.type, '', 0), address: v.address ?? null, declaration: v.declaration ?? false, typeInfo: typeToJson(resolve(v.type), cp) });
      process.stdout.write(JSON.stringify(toJson(out), null, 1) + '\n');
      return 0;
    }
    const parts: string[] = [];
    if (wantLayout) {
      for (const t of [...found, ...vars.map((v) => v.type)]) {
        const r = resolve(t);
        if (isComposite(r)) parts.push(layout(r));
        else parts.push(cp.definition(t));
      }
    } else if (flag(p, 'all')) {
      parts.push(printC(found));
    } else {
      for (const t of found) parts.push(cp.definition(t));
    }
    if (!wantLayout) {
      for (const v of vars) {
        const addr = v.address !== undefined ? ` /* 0x${v.address.toString(16)} */` : '';
        parts.push(`${v.declaration ? 'extern ' : ''}${cp.declare(v.type, v.name, 0)};${addr}`);
      }
    }
    process.stdout.write(parts.join('\n\n') + '\n');
    const problems = ti.problems();
    for (const e of problems.slice(0, 5)) process.stderr.write(`virtmem: warning: ${e.message}\n`);
    return 0;
  },
};
