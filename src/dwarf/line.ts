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
  /**
   * What entry i's directory is made of, as the table holds it: dirBase
   * (DWARF 5 directory 0, '' when none) and, per entry, its directory entry
   * ('\0' for directory 0). With comp_dir and the name these determine the
   * path: a reader of many files keys a cache by them, strings it meets
   * again as the same objects when the file's strings are interned, where
   * the joined directory is a new string per file.
   */
  dirBase: string;
  dirKeys: string[];
  /** Entry i's name joined with its directory (not with comp_dir when the directory is relative); joined when asked for. */
  file(i: number): string | undefined;
}

const join = (dir: string | undefined, name: string) => (name.startsWith('/') || !dir ? name : `${dir}/${name}`);

function table(firstIndex: number, dirs: (string | undefined)[], names: (string | undefined)[], dirBase: string, dirKeys: string[]): LineFileTable {
  return { firstIndex, dirs, names, dirBase, dirKeys, file: (i) => (names[i] === undefined ? undefined : join(dirs[i], names[i]!)) };
}

/** dirKeys entries that no path can be: directory 0, and a directory number the table does not have. */
const DIR_0 = '\0', NO_DIR = '\0none';
/** The directory entry `d` of a line table header (whose first is number `first`) as a dirKeys entry. */
const dirKey = (rawDirs: string[], d: number, first: number): string => (d === 0 ? DIR_0 : rawDirs[d - first] ?? NO_DIR);

/** The file table of the line program at `offset` of .debug_line, read in the context of `unit`. */
export function readLineFiles(unit: Unit, offset: number, compDir: string | undefined): LineFileTable {
  const h = readLineHeader(unit.dwarf, offset, unit);
  if (h.version < 5) {
    const dirs: (string | undefined)[] = [compDir, ...h.dirs];
    return table(1, h.files.map((e) => dirs[e.dir]), h.files.map((e) => e.name), '', h.files.map((e) => dirKey(h.dirs, e.dir, 1)));
  }
  const d0 = h.dirs[0] || undefined;
  const dirs = h.dirs.map((p, i) => (i === 0 ? d0 ?? compDir : p && !p.startsWith('/') && d0 ? `${d0}/${p}` : p || undefined));
  return table(0, h.files.map((e) => dirs[e.dir]), h.files.map((e) => (e.name === '' ? undefined : e.name)), d0 ?? '', h.files.map((e) => dirKey(h.dirs, e.dir, 0)));
}
