/**
 * The CLI runner of every guest tool (commands/): common options, opening the
 * dump as a Program, collecting rows (keeping what was read when a walk stops
 * partway), rendering as table / JSON / CSV, problems on stderr, and the exit
 * code: 0 complete, 3 (PARTIAL_EXIT) partial, 1 error.
 *
 *   virtmem ps DUMP [--vmlinux F] [--types F] [--system-map F] [--format FMT] [--json|--csv] [...]
 */
import { UsageError, VirtmemError } from '../bytes/index.js';
import { HOW_TO_GIVE_TYPES, MissingLayoutError, PARTIAL_EXIT, rowIsPartial, type CommandOptions, type GuestCommand, type Row } from '../commands/index.js';
import { LookupError, type Program } from '../program/index.js';
import { flag, parse } from './args.js';
import type { Subcommand } from './main.js';
import { openProgram, PROGRAM_OPTIONS, PROGRAM_USAGE } from './program-open.js';
import { render, renderJson } from './render.js';

/** What a command's rows came to: the rows, problems besides cells, and whether anything was unreadable. */
export interface Collected {
  rows: Row[];
  problems: string[];
  partial: boolean;
}

/**
 * Run a command's rows over a Program, keeping the rows read when a walk stops
 * partway (its error becomes a problem). A MissingLayoutError (the kernel's
 * types lack what the command reads), or any error before the first row, is
 * thrown: nothing could be read.
 */
export function collectRows(cmd: GuestCommand, prog: Program, opts: CommandOptions): Collected {
  const problems: string[] = [];
  const rows: Row[] = [];
  try {
    for (const r of cmd.rows(prog, opts, { problem: (m) => problems.push(m) })) rows.push(r);
  } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    if (e instanceof MissingLayoutError) throw e;
    // Nothing read at all: an error, not a partial result; a missing type or variable says how to supply one.
    if (rows.length === 0) throw e instanceof LookupError ? new MissingLayoutError(`${e.message}; ${HOW_TO_GIVE_TYPES}`) : e;
    problems.push(e.message);
  }
  return { rows, problems, partial: problems.length > 0 || rows.some(rowIsPartial) };
}

export function guestSubcommand(cmd: GuestCommand): Subcommand {
  const usage = `virtmem ${cmd.name} DUMP ${PROGRAM_USAGE} [--json | --csv]${cmd.usage ? ' ' + cmd.usage : ''}`;
  return {
    name: cmd.name,
    summary: cmd.summary,
    async run(argv) {
      const p = parse(argv, {
        ...PROGRAM_OPTIONS,
        json: { type: 'boolean' },
        csv: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...(cmd.options ?? {}),
      }, usage);
      if (flag(p, 'help')) {
        process.stdout.write(`usage: ${usage}\n${cmd.help ? '\n' + cmd.help.trimEnd() + '\n' : ''}`);
        return 0;
      }
      const [dump, ...extra] = p.positionals;
      if (!dump) throw new UsageError(`missing DUMP\nusage: ${usage}`);
      if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'\nusage: ${usage}`);
      const opts = p.values as CommandOptions;
      const prog = openProgram(dump, p);
      const { rows, problems, partial } = collectRows(cmd, prog, opts);
      const columns = cmd.columns(opts);
      let out: string;
      if (flag(p, 'json')) out = renderJson(rows);
      else if (flag(p, 'csv')) out = render('csv', columns, rows);
      else out = cmd.text ? cmd.text(rows, opts) : render('table', columns, rows);
      process.stdout.write(out);
      for (const m of problems) process.stderr.write(`virtmem ${cmd.name}: partial: ${m}\n`);
      if (partial && !problems.length) process.stderr.write(`virtmem ${cmd.name}: partial: some values could not be read (shown as <unreadable>)\n`);
      return partial ? PARTIAL_EXIT : 0;
    },
  };
}
