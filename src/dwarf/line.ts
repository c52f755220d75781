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
  /** File names joined with their directory (not with comp_dir when the directory is relative). */
  files: (string | undefined)[];
  /** The index DW_AT_decl_file uses for files[0]: 1 before DWARF 5, 0 from DWARF 5. */
  firstIndex: number;
  /** Per entry of files, the directory and the name it was joined from (for callers that cache by the parts). */
  dirs: (string | undefined)[];
  names: (string | undefined)[];
}

/** The file table of the line program at `offset` of .debug_line, read in the context of `unit`. */
export function readLineFiles(unit: Unit, offset: number, compDir: string | undefined): LineFileTable {
  const h = readLineHeader(unit.dwarf, offset, unit);
  const join = (dir: string | undefined, name: string) => (name.startsWith('/') || !dir ? name : `${dir}/${name}`);
  if (h.version < 5) {
    const dirs: (string | undefined)[] = [compDir, ...h.dirs];
    return { files: h.files.map((e) => join(dirs[e.dir], e.name)), firstIndex: 1, dirs: h.files.map((e) => dirs[e.dir]), names: h.files.map((e) => e.name) };
  }
  const d0 = h.dirs[0] || undefined;
  const dirs = h.dirs.map((p, i) => (i === 0 ? d0 ?? compDir : p && !p.startsWith('/') && d0 ? `${d0}/${p}` : p || undefined));
  return {
    files: h.files.map((e) => (e.name === '' ? undefined : join(dirs[e.dir], e.name))), firstIndex: 0,
    dirs: h.files.map((e) => dirs[e.dir]), names: h.files.map((e) => (e.name === '' ? undefined : e.name)),
  };
}
