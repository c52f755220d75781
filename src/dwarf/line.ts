/**
 * The file table of a line program header as DW_AT_decl_file indexes it
 * (dedup/ names types by the file that declares them). The header is read by
 * lines.ts (readLineHeader, the one header reader); this module only joins
 * the names with their directories:
 *
 * DWARF 2-4: file 1 is the first entry; directory 0 is the unit's
 * DW_AT_comp_dir, directory n the n-th include_directories entry. DWARF 5:
 * entries count from 0; directory 0 is the compilation directory (comp_dir
 * when the table has no path for it) and a relative directory n is taken
 * below directory 0.
 */
import { DW_LNCT_directory_index, DW_LNCT_path } from './constants.js';
import type { Unit } from './info.js';
import { readLineHeader } from './lines.js';

export { DW_LNCT_path, DW_LNCT_directory_index };

export interface LineFileTable {
  /** The index DW_AT_decl_file uses for entry 0: 1 before DWARF 5, 0 from DWARF 5. */
  firstIndex: number;
  /** Per entry, its directory (joined with directory 0 in DWARF 5 when relative) and its name (undefined: none). */
  dirs: (string | undefined)[];
  names: (string | undefined)[];
  /** Entry i's name joined with its directory (not with comp_dir when the directory is relative); joined when asked for. */
  file(i: number): string | undefined;
}

const join = (dir: string | undefined, name: string) => (name.startsWith('/') || !dir ? name : `${dir}/${name}`);

function table(firstIndex: number, dirs: (string | undefined)[], names: (string | undefined)[]): LineFileTable {
  return { firstIndex, dirs, names, file: (i) => (names[i] === undefined ? undefined : join(dirs[i], names[i]!)) };
}

/** The file table of the line program at `offset` of .debug_line, read in the context of `unit`. */
export function readLineFiles(unit: Unit, offset: number, compDir: string | undefined): LineFileTable {
  const h = readLineHeader(unit.dwarf, offset, unit);
  if (h.version < 5) {
    const dirs: (string | undefined)[] = [compDir, ...h.dirs];
    return table(1, h.files.map((e) => dirs[e.dir]), h.files.map((e) => e.name));
  }
  const d0 = h.dirs[0] || undefined;
  const dirs = h.dirs.map((p, i) => (i === 0 ? d0 ?? compDir : p && !p.startsWith('/') && d0 ? `${d0}/${p}` : p || undefined));
  return table(0, h.files.map((e) => dirs[e.dir]), h.files.map((e) => (e.name === '' ? undefined : e.name)));
}
