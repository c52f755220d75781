/**
 * The contract of a guest tool (ps, pstree, uname, dmesg, ifconfig, lsmod).
 *
 * A command declares its columns and yields rows from a Program; it reads no
 * bytes itself (it asks program/ helpers). One unreadable task, record or
 * device becomes a row with Unreadable cells (use `readCell`) or is reported as
 * a problem, and the remaining rows still come. The CLI runner (cli/guest.ts)
 * opens the dump, renders the rows as a table, JSON or CSV, prints problems on
 * stderr, and exits with PARTIAL_EXIT when anything was unreadable.
 */
import { VirtmemError } from '../bytes/index.js';
import type { Program } from '../program/index.js';
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
import { cell, Unreadable, type Cell, type Column, type Row } from './table.js';

/** Exit code of a command whose output is incomplete (some cells or rows unreadable). */
export const PARTIAL_EXIT = 3;

/** Option values a command receives (from node:util parseArgs). */
export type CommandOptions = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command's rows produce besides the rows: problems that are not one cell. */
export interface RowSink {
  /** Record a problem (e.g. "task list truncated at 0x...: loop"); makes the result partial. */
  problem(message: string): void;
}

export interface GuestCommand {
  /** Subcommand name ("ps"). */
  name: string;
  summary: string;
  /** Other names the command answers to as a program (bin/virt-ps.js). */
  aliases?: string[];
  /** Command-specific options (besides the common --vmlinux/--types/--json/--csv...). */
  options?: Options;
  /** Usage text of the command-specific part, e.g. "[--threads]". */
  usage?: string;
  /** Longer help text printed by --help. */
  help?: string;
  /** The columns shown for these options. */
  columns(opts: CommandOptions): Column[];
  /**
   * The rows. May throw a VirtmemError partway: the rows yielded so far are
   * kept and the error becomes a problem (the result is partial).
   */
  rows(prog: Program, opts: CommandOptions, sink: RowSink): Iterable<Row>;
  /**
   * Optional custom text rendering for the table format (pstree draws a tree);
   * JSON and CSV always come from the rows.
   */
  text?(rows: Row[], opts: CommandOptions): string;
}

/** A cell read through `read`, or Unreadable when a VirtmemError stops it. */
export function readCell<T extends Cell>(read: () => T): T | Unreadable {
  return cell(read, (e) => e instanceof VirtmemError);
}

/** True when any cell of the row is Unreadable (nested arrays/objects included). */
export function rowIsPartial(row: Row): boolean {
  const bad = (c: Cell): boolean =>
    c instanceof Unreadable || (Array.isArray(c) ? c.some(bad) : !!c && typeof c === 'object' && Object.values(c).some(bad));
  return Object.values(row).some(bad);
}
