/**
 * The file table of a line program header (.debug_line, DWARF 2-5 section
 * 6.2.4): what DW_AT_decl_file indexes. Only the header is read, never the
 * line program itself.
 *
 * DWARF 2-4: include_directories is a list of strings ended by an empty one,
 * file_names a list of {string, uleb dir, uleb mtime, uleb length} ended by an
 * empty name; file 1 is the first entry and directory 0 is the unit's
 * DW_AT_comp_dir. DWARF 5: both lists are described by (content type, form)
 * pairs; entries count from 0, and directory 0 is the compilation directory.
 */
import { FormatError, Reader } from '../bytes/index.js';
import { readForm, skipForm, type FormContext } from './form.js';
import type { Unit } from './info.js';

export const DW_LNCT_path = 0x1;
export const DW_LNCT_directory_index = 0x2;

/** Entries in one list at most (bad input must not run away). */
const MAX_ENTRIES = 1 << 20;

export interface LineFileTable {
  /** File names joined with their directory (not with comp_dir when the directory is relative). */
  files: (string | undefined)[];
  /** The index DW_AT_decl_file uses for files[0]: 1 before DWARF 5, 0 from DWARF 5. */
  firstIndex: number;
}

/** The file table of the line program at `offset` of .debug_line, read in the context of `unit`. */
export function readLineFiles(unit: Unit, offset: number, compDir: string | undefined): LineFileTable {
  const d = unit.dwarf;
  const sec = d.sections.line;
  if (!sec) throw new FormatError('DW_AT_stmt_list without a .debug_line section', d.place('line', offset));
  const r = new Reader(sec, { littleEndian: d.sections.littleEndian, source: d.source, format: 'DWARF', section: '.debug_line' });
  if (offset < 0 || offset >= sec.length) throw r.error(`line program offset 0x${offset.toString(16)} outside .debug_line`, 0);
  r.pos = offset;
  let length = r.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) { offsetSize = 8; length = r.u64n(); }
  const end = r.pos + length;
  if (end > sec.length) throw r.error('line program runs past the end of .debug_line', offset);
  const version = r.u16();
  if (version < 2 || version > 5) throw r.error(`unsupported line program version ${version}`);
  let addressSize = unit.header.addressSize;
  if (version >= 5) { addressSize = r.u8(); r.u8(); /* segment_selector_size */ }
  const headerLength = offsetSize === 8 ? r.u64n() : r.u32();
  const programAt = r.pos + headerLength;
  r.u8(); // minimum_instruction_length
  if (version >= 4) r.u8(); // maximum_operations_per_instruction
  r.u8(); r.i8(); r.u8(); // default_is_stmt, line_base, line_range
  const opcodeBase = r.u8();
  r.skip(Math.max(0, opcodeBase - 1)); // standard_opcode_lengths
  const files: (string | undefined)[] = [];
  const join = (dir: string | undefined, name: string) => (name.startsWith('/') || !dir ? name : `${dir}/${name}`);
  if (version < 5) {
    const dirs: (string | undefined)[] = [compDir];
    for (let n = 0; ; n++) {
      if (n > MAX_ENTRIES || r.pos >= end) throw r.error('include_directories not terminated');
      const s = r.cstring();
      if (s === '') break;
      dirs.push(s);
    }
    for (let n = 0; ; n++) {
      if (n > MAX_ENTRIES || r.pos >= end) throw r.error('file_names not terminated');
      const s = r.cstring();
      if (s === '') break;
      const dir = r.uleb128();
      r.uleb128(); r.uleb128();
      files.push(join(dirs[dir], s));
    }
    return { files, firstIndex: 1 };
  }
  // DWARF 5: forms are read with the unit's string tables but the line table's offset size.
  const ctx: FormContext = {
    header: { ...unit.header, offsetSize, addressSize },
    str: (o) => unit.str(o), lineStr: (o) => unit.lineStr(o), strSup: (o) => unit.strSup(o),
    strx: (i) => unit.strx(i), addrx: (i) => unit.addrx(i),
  };
  const readList = (): { path?: string; dir?: number }[] => {
    const nFormats = r.u8();
    const formats: [number, number][] = [];
    for (let i = 0; i < nFormats; i++) formats.push([r.uleb128(), r.uleb128()]);
    const count = r.uleb128();
    if (count > MAX_ENTRIES) throw r.error(`${count} entries in a line table list`);
    const out: { path?: string; dir?: number }[] = [];
    for (let i = 0; i < count; i++) {
      const e: { path?: string; dir?: number } = {};
      for (const [ct, form] of formats) {
        if (ct === DW_LNCT_path) {
          const v = readForm(r, form, ctx);
          if (v.cls === 'string') e.path = v.value;
        } else if (ct === DW_LNCT_directory_index) {
          const v = readForm(r, form, ctx);
          if (v.cls === 'constant') e.dir = Number(v.value);
        } else {
          skipForm(r, form, ctx.header);
        }
      }
      out.push(e);
      if (r.pos > end) throw r.error('line table header runs past its program');
    }
    return out;
  };
  const dirEntries = readList();
  const fileEntries = readList();
  if (r.pos > programAt) throw r.error('line table header longer than header_length says', offset);
  const dirs = dirEntries.map((e, i) => (i === 0 ? e.path ?? compDir : e.path && !e.path.startsWith('/') && dirEntries[0].path ? `${dirEntries[0].path}/${e.path}` : e.path));
  for (const e of fileEntries) files.push(e.path === undefined ? undefined : join(dirs[e.dir ?? 0], e.path));
  return { files, firstIndex: 0 };
}
