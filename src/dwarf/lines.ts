/**
 * Line number programs (.debug_line, DWARF 2-5 section 6.2): the header and
 * the state machine that turns the program into rows of (address, file,
 * line, column, discriminator, flags).
 *
 * Header. DWARF 2-4: include_directories is a list of strings ended by an
 * empty one, file_names a list of {string, uleb dir, uleb mtime, uleb length}
 * ended by an empty name; file numbers count from 1 and directory 0 means the
 * unit's DW_AT_comp_dir. DWARF 5: each list is described by (DW_LNCT content
 * type, form) pairs and a count; numbering starts at 0 and directory 0 is the
 * compilation directory itself. Forms are decoded with form.ts, through the
 * unit's string tables when a unit is given (strx needs one), else through the
 * DwarfInfo's .debug_str and .debug_line_str.
 *
 * State machine. Every opcode of section 6.2.5: special opcodes, the twelve
 * standard ones (an unknown standard opcode is skipped using
 * standard_opcode_lengths), and the extended ones (end_sequence, set_address,
 * define_file, set_discriminator; others skipped by their length). VLIW
 * op_index arithmetic is done when maximum_operations_per_instruction > 1.
 * Rows are handed to a callback as one reused state object, so a whole
 * vmlinux (millions of rows) makes no per-row garbage. Addresses are kept as
 * two u32 halves (hi, lo): kernel addresses do not fit a double, and bigint
 * arithmetic per row is slow.
 *
 * Bad input: every loop is bounded by the program's end; errors are
 * FormatErrors naming .debug_line and the offset.
 */
import { FormatError, Reader } from '../bytes/index.js';
import * as C from './constants.js';
import { readForm, skipForm, type FormContext } from './form.js';
import type { DwarfInfo, Unit } from './info.js';
import { dwName } from './names.js';
import type { UnitHeader } from './unit.js';

/** Entries in one header list at most (bad input must not run away). */
const MAX_ENTRIES = 1 << 20;
const TWO32 = 2 ** 32;

export interface LineFileEntry {
  name: string;
  /** Directory index as written (DWARF 2-4: 0 = comp_dir, n = include_directories[n-1]; DWARF 5: dirs[n]). */
  dir: number;
}

export interface LineProgramHeader {
  /** Offset of unit_length in .debug_line. */
  offset: number;
  /** Offset just past this program. */
  end: number;
  /** Offset of the first opcode. */
  programAt: number;
  version: number;
  offsetSize: 4 | 8;
  addressSize: number;
  minInstLength: number;
  maxOpsPerInst: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  /** standard_opcode_lengths[op - 1]: uleb arguments of standard opcode op. */
  standardOpcodeLengths: Uint8Array;
  /** DWARF 2-4: include_directories (entry 0 is the first written one); DWARF 5: the directory table (0 = comp dir). */
  dirs: string[];
  /** The file table; DW_LNE_define_file entries are appended while the program runs. */
  files: LineFileEntry[];
  /** The number of files[0]: 1 before DWARF 5, 0 from DWARF 5. */
  fileBase: number;
}

/** Read the header of the line program at `offset` of .debug_line. `unit` (its CU) supplies strx and defaults. */
export function readLineHeader(dwarf: DwarfInfo, offset: number, unit?: Unit): LineProgramHeader {
  const sec = dwarf.sections.line;
  if (!sec) throw new FormatError('no .debug_line section', dwarf.place('line', offset));
  const r = dwarf.readerFor('line');
  if (offset < 0 || offset >= sec.length) throw r.error(`line program offset 0x${offset.toString(16)} outside .debug_line (0x${sec.length.toString(16)} bytes)`, Math.max(0, Math.min(offset, sec.length)));
  r.pos = offset;
  let length = r.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) { offsetSize = 8; length = r.u64n(); }
  else if (length >= 0xfffffff0) throw r.error(`reserved unit_length 0x${length.toString(16)}`);
  const end = r.pos + length;
  if (end > sec.length) throw r.error(`line program of 0x${length.toString(16)} bytes runs past the end of .debug_line`, offset);
  const version = r.u16();
  if (version < 2 || version > 5) throw r.error(`unsupported line program version ${version}`);
  let addressSize = unit?.header.addressSize ?? dwarf.sections.addressSize ?? 8;
  if (version >= 5) {
    addressSize = r.u8();
    const seg = r.u8();
    if (seg !== 0) throw r.error(`segment selectors (size ${seg}) are not supported`);
    if (![1, 2, 4, 8].includes(addressSize)) throw r.error(`unsupported address size ${addressSize}`);
  }
  const headerLength = offsetSize === 8 ? r.u64n() : r.u32();
  const programAt = r.pos + headerLength;
  if (programAt > end) throw r.error(`header_length 0x${headerLength.toString(16)} runs past the program`, offset);
  const minInstLength = r.u8();
  const maxOpsPerInst = version >= 4 ? r.u8() : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  if (lineRange === 0) throw r.error('line_range is 0');
  if (maxOpsPerInst === 0) throw r.error('maximum_operations_per_instruction is 0');
  if (opcodeBase === 0) throw r.error('opcode_base is 0');
  const standardOpcodeLengths = r.bytesN(opcodeBase - 1);
  const dirs: string[] = [];
  const files: LineFileEntry[] = [];
  if (version < 5) {
    for (let n = 0; ; n++) {
      if (n > MAX_ENTRIES || r.pos >= programAt) throw r.error('include_directories not terminated inside the header');
      const s = r.cstring();
      if (s === '') break;
      dirs.push(s);
    }
    for (let n = 0; ; n++) {
      if (n > MAX_ENTRIES || r.pos >= programAt) throw r.error('file_names not terminated inside the header');
      const name = r.cstring();
      if (name === '') break;
      const dir = r.uleb128();
      r.uleb128(); r.uleb128(); // mtime, length
      files.push({ name, dir });
    }
    return { offset, end, programAt, version, offsetSize, addressSize, minInstLength, maxOpsPerInst, defaultIsStmt, lineBase, lineRange, opcodeBase, standardOpcodeLengths, dirs, files, fileBase: 1 };
  }
  // DWARF 5: entry formats. Forms use the line table's own offset and address sizes.
  const header: UnitHeader = unit
    ? { ...unit.header, offsetSize, addressSize }
    : { section: 'info', offset: 0, end: 0, version, unitType: C.DW_UT_compile, offsetSize, addressSize, abbrevOffset: 0 as never, firstDie: 0 };
  const ctx: FormContext = unit
    ? { header, str: (o) => unit.str(o), lineStr: (o) => unit.lineStr(o), strSup: (o) => unit.strSup(o), strx: (i) => unit.strx(i), addrx: (i) => unit.addrx(i) }
    : {
      header, str: (o) => dwarf.str(o), lineStr: (o) => dwarf.lineStr(o),
      strSup: () => { throw r.error('supplementary string in a line table header'); },
      strx: () => { throw r.error('DW_FORM_strx in a line table header read without its unit'); },
      addrx: () => { throw r.error('DW_FORM_addrx in a line table header'); },
    };
  const readList = (what: string, onEntry: (path: string, dir: number) => void): void => {
    const nFormats = r.u8();
    const formats: number[] = [];
    for (let i = 0; i < nFormats; i++) formats.push(r.uleb128(), r.uleb128());
    const count = r.uleb128();
    if (count > MAX_ENTRIES) throw r.error(`${count} entries in the ${what} table`);
    for (let i = 0; i < count; i++) {
      let path = '';
      let dir = 0;
      for (let k = 0; k < formats.length; k += 2) {
        const ct = formats[k], form = formats[k + 1];
        if (ct === C.DW_LNCT_path && form === C.DW_FORM_line_strp) {
          // The common forms, without an AttrValue each (a kernel has millions of entries).
          path = ctx.lineStr(offsetSize === 8 ? r.u64n() : r.u32());
        } else if (ct === C.DW_LNCT_directory_index && (form === C.DW_FORM_udata || form === C.DW_FORM_data1 || form === C.DW_FORM_data2)) {
          dir = form === C.DW_FORM_udata ? r.uleb128() : form === C.DW_FORM_data1 ? r.u8() : r.u16();
        } else if (ct === C.DW_LNCT_path) {
          const v = readForm(r, form, ctx);
          if (v.cls !== 'string') throw r.error(`DW_LNCT_path in form ${dwName('DW_FORM', form)}`);
          path = v.value;
        } else if (ct === C.DW_LNCT_directory_index) {
          const v = readForm(r, form, ctx);
          if (v.cls !== 'constant') throw r.error(`DW_LNCT_directory_index in form ${dwName('DW_FORM', form)}`);
          dir = Number(v.value);
        } else {
          skipForm(r, form, header);
        }
        if (r.pos > programAt) throw r.error(`${what} table runs past header_length`);
      }
      onEntry(path, dir);
    }
  };
  readList('directory', (p) => dirs.push(p));
  readList('file name', (name, dir) => files.push({ name, dir }));
  return { offset, end, programAt, version, offsetSize, addressSize, minInstLength, maxOpsPerInst, defaultIsStmt, lineBase, lineRange, opcodeBase, standardOpcodeLengths, dirs, files, fileBase: 0 };
}

const isAbsolute = (p: string) => p.startsWith('/');

/**
 * The path of file number `file` as binutils' addr2line spells it: an
 * absolute name as is; otherwise the file's directory when that is absolute,
 * else the unit's comp_dir, then the directory when relative, then the name
 * (DWARF 2-4 directory 0 adds nothing after comp_dir). undefined for a
 * number outside the table.
 */
export function lineFilePath(h: LineProgramHeader, file: number, compDir: string | undefined): string | undefined {
  const e = h.files[file - h.fileBase];
  if (!e) return undefined;
  if (isAbsolute(e.name)) return e.name;
  const sub = h.fileBase === 1 ? (e.dir === 0 ? undefined : h.dirs[e.dir - 1]) : h.dirs[e.dir];
  let dir: string | undefined;
  let rest: string | undefined = sub;
  if (!sub || !isAbsolute(sub)) dir = compDir;
  if (!dir) { dir = rest; rest = undefined; }
  if (!dir) return e.name;
  return rest ? `${dir}/${rest}/${e.name}` : `${dir}/${e.name}`;
}

/** The line state machine's registers as each row is emitted (reused between rows: copy what you keep). */
export interface LineState {
  /** The address as two u32 halves. */
  addrHi: number;
  addrLo: number;
  opIndex: number;
  file: number;
  line: number;
  column: number;
  isStmt: boolean;
  basicBlock: boolean;
  endSequence: boolean;
  prologueEnd: boolean;
  epilogueBegin: boolean;
  isa: number;
  discriminator: number;
}

/** The row's address as a bigint. */
export function stateAddress(s: LineState): bigint {
  return (BigInt(s.addrHi) << 32n) | BigInt(s.addrLo);
}

/** Rows one program may emit at most (bad input must not run away: a row needs at least one byte, so this is generous). */
const MAX_ROWS_PER_BYTE = 1;

/**
 * Run the line program of `h`, calling `row` for every row (DW_LNS_copy,
 * special opcodes, DW_LNE_end_sequence). Returns the number of rows.
 */
export function runLineProgram(dwarf: DwarfInfo, h: LineProgramHeader, row: (s: LineState) => void): number {
  const r = dwarf.readerFor('line');
  const bytes = r.bytes;
  const s: LineState = {
    addrHi: 0, addrLo: 0, opIndex: 0, file: 1, line: 1, column: 0, isStmt: h.defaultIsStmt,
    basicBlock: false, endSequence: false, prologueEnd: false, epilogueBegin: false, isa: 0, discriminator: 0,
  };
  const reset = () => {
    s.addrHi = 0; s.addrLo = 0; s.opIndex = 0; s.file = 1; s.line = 1; s.column = 0; s.isStmt = h.defaultIsStmt;
    s.basicBlock = false; s.endSequence = false; s.prologueEnd = false; s.epilogueBegin = false; s.isa = 0; s.discriminator = 0;
  };
  const { minInstLength, maxOpsPerInst, lineBase, lineRange, opcodeBase, end } = h;
  const addAddr = (bytesAdv: number) => {
    let lo = s.addrLo + bytesAdv;
    if (lo >= TWO32 || lo < 0) {
      const carry = Math.floor(lo / TWO32);
      lo -= carry * TWO32;
      s.addrHi = (s.addrHi + carry) >>> 0;
    }
    s.addrLo = lo;
  };
  // Advance by `adv` operations (DWARF 4 6.2.5.1: op_index arithmetic for VLIW).
  const advance = (adv: number) => {
    if (maxOpsPerInst === 1) { addAddr(minInstLength * adv); return; }
    const t = s.opIndex + adv;
    addAddr(minInstLength * Math.floor(t / maxOpsPerInst));
    s.opIndex = t % maxOpsPerInst;
  };
  const emit = () => {
    row(s);
    s.basicBlock = false; s.prologueEnd = false; s.epilogueBegin = false; s.discriminator = 0;
  };
  const maxRows = (end - h.programAt) * MAX_ROWS_PER_BYTE + 1;
  let rows = 0;
  r.pos = h.programAt;
  while (r.pos < end) {
    const at = r.pos;
    const op = bytes[r.pos++];
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      advance(Math.floor(adj / lineRange));
      s.line += lineBase + (adj % lineRange);
      emit();
      if (++rows > maxRows) throw r.error('line program emits more rows than it has bytes', at);
      continue;
    }
    switch (op) {
      case 0: {
        const len = r.uleb128();
        const subAt = r.pos;
        if (len === 0 || subAt + len > end) throw r.error(`extended opcode of length ${len} runs past the program`, at);
        const sub = bytes[r.pos++];
        switch (sub) {
          case C.DW_LNE_end_sequence:
            s.endSequence = true;
            emit();
            rows++;
            reset();
            break;
          case C.DW_LNE_set_address: {
            const n = len - 1;
            if (n !== 1 && n !== 2 && n !== 4 && n !== 8) throw r.error(`DW_LNE_set_address with a ${n}-byte operand`, at);
            if (n === 8) {
              const a = r.u32(), b = r.u32();
              if (r.le) { s.addrLo = a; s.addrHi = b; } else { s.addrHi = a; s.addrLo = b; }
            } else {
              s.addrHi = 0;
              s.addrLo = r.uintNn(n);
            }
            s.opIndex = 0;
            break;
          }
          case C.DW_LNE_define_file: {
            const name = r.cstring();
            const dir = r.uleb128();
            r.uleb128(); r.uleb128();
            if (h.files.length > MAX_ENTRIES) throw r.error('too many files defined', at);
            h.files.push({ name, dir });
            break;
          }
          case C.DW_LNE_set_discriminator:
            s.discriminator = r.uleb128();
            break;
          default:
            break; // vendor extension: skipped by its length below
        }
        if (r.pos > subAt + len) throw r.error(`${dwName('DW_LNE', sub)} longer than its length ${len}`, at);
        r.pos = subAt + len;
        break;
      }
      case C.DW_LNS_copy:
        emit();
        rows++;
        break;
      case C.DW_LNS_advance_pc:
        advance(r.uleb128());
        break;
      case C.DW_LNS_advance_line:
        s.line += r.sleb128();
        break;
      case C.DW_LNS_set_file:
        s.file = r.uleb128();
        break;
      case C.DW_LNS_set_column:
        s.column = r.uleb128();
        break;
      case C.DW_LNS_negate_stmt:
        s.isStmt = !s.isStmt;
        break;
      case C.DW_LNS_set_basic_block:
        s.basicBlock = true;
        break;
      case C.DW_LNS_const_add_pc:
        advance(Math.floor((255 - opcodeBase) / lineRange));
        break;
      case C.DW_LNS_fixed_advance_pc:
        addAddr(r.u16());
        s.opIndex = 0;
        break;
      case C.DW_LNS_set_prologue_end:
        s.prologueEnd = true;
        break;
      case C.DW_LNS_set_epilogue_begin:
        s.epilogueBegin = true;
        break;
      case C.DW_LNS_set_isa:
        s.isa = r.uleb128();
        break;
      default: {
        // A standard opcode this reader does not know: skip its uleb arguments.
        const n = h.standardOpcodeLengths[op - 1];
        for (let i = 0; i < n; i++) r.uleb128();
      }
    }
    if (rows > maxRows) throw r.error('line program emits more rows than it has bytes', at);
  }
  if (r.pos > end) throw r.error('last opcode runs past the end of the line program', end);
  return rows;
}

/** One row as an object (for tests and small programs; whole-file users take the callback). */
export interface LineRow {
  address: bigint;
  file: number;
  line: number;
  column: number;
  discriminator: number;
  isStmt: boolean;
  endSequence: boolean;
}

/** Every row of the program at `h`, as objects. */
export function lineRows(dwarf: DwarfInfo, h: LineProgramHeader): LineRow[] {
  const out: LineRow[] = [];
  runLineProgram(dwarf, h, (s) => out.push({
    address: stateAddress(s), file: s.file, line: s.line, column: s.column, discriminator: s.discriminator, isStmt: s.isStmt, endSequence: s.endSequence,
  }));
  return out;
}
