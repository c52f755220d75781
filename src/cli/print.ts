/**
 * `virtmem print DUMP EXPR`: evaluate a C expression over the kernel's
 * variables and types, as `drgn -e 'print(...)'` does, and print the value as
 * C (structs nested, char arrays as strings, pointers in hex with
 * <symbol+offset>).
 *
 *   virtmem print DUMP 'init_uts_ns.name.release' --vmlinux V
 *   virtmem print DUMP '*(struct task_struct *)0xffff...' --vmlinux V
 *   --raw    the value alone: strings unquoted, integers in decimal, no types
 *   --json   the value as JSON (structs as objects, pointers as "0x..." strings)
 */
import { UsageError, VirtmemError } from '../bytes/index.js';
import { evaluate, formatObject, formatValue, toPlain } from '../program/index.js';
import { flag, parse } from './args.js';
import type { Subcommand } from './main.js';
import { openProgram, PROGRAM_OPTIONS, PROGRAM_USAGE } from './program-open.js';
import { renderJson } from './render.js';

const USAGE = `virtmem print DUMP EXPR [EXPR...] ${PROGRAM_USAGE} [--raw | --json] [--no-symbols]`;

export const command: Subcommand = {
  name: 'print',
  summary: 'evaluate a C expression over kernel variables and types (as drgn), print it as C',
  async run(argv) {
    const p = parse(argv, { ...PROGRAM_OPTIONS, raw: { type: 'boolean' }, json: { type: 'boolean' }, 'no-symbols': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
    if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
    const [dump, ...exprs] = p.positionals;
    if (!dump || !exprs.length) throw new UsageError(`missing ${dump ? 'EXPR' : 'DUMP'}\nusage: ${USAGE}`);
    const prog = openProgram(dump, p);
    const symbolize = !flag(p, 'no-symbols');
    let status = 0;
    for (const e of exprs) {
      // Each expression prints or fails on its own line; one bad one does not hide the rest.
      try {
        const o = evaluate(prog, e);
        let s: string;
        if (flag(p, 'json')) s = renderJson(toPlain(o)).trimEnd();
        else if (flag(p, 'raw')) s = formatValue(o, { symbolize });
        else s = formatObject(o, { symbolize });
        process.stdout.write(s + '\n');
      } catch (err) {
        if (!(err instanceof VirtmemError) || exprs.length === 1) throw err;
        process.stderr.write(`virtmem: ${e}: ${err.message}\n`);
        status = 1;
      }
    }
    return status;
  },
};
