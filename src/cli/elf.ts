/**
 * `virtmem elf FILE` — what readelf -h -l -S -s -n shows (file header,
 * segments, sections, symbols, notes with build-id and VMCOREINFO), as tables,
 * JSON or CSV; options pick parts.
 * `virtmem elf edit IN -o OUT --add-section N=F --update-section N=F
 * --remove-section N` — rewrites sections as objcopy does (elf/writer.ts).
 *
 * Every part asked for is read and checked before anything is printed, so bad
 * input gives exactly one line on stderr and exit status 1. Symbol tables are
 * then written from their compact form (elfsyms.ts) as bytes, in chunks
 * streamed to stdout: a vmlinux has 100k+ symbols.
 */
import * as fs from 'node:fs';
import { UsageError, writeFileAtomic } from '../bytes/index.js';
import {
  ElfFile, editElf, elfTypeName, machineName, noteTypeName, parseVmcoreinfo, pfLetters, ptShort,
  shfLetters, shtShort, toHex, type CompactSymbols, type ElfEdit,
} from '../elf/index.js';
import { flag, parse, str, strs } from './args.js';
import type { Subcommand } from './main.js';
import { writeSymbolCsv, writeSymbolJson, writeSymbolTable } from './elfsyms.js';
import { render, toJson, type Column, type Format, type Row } from './render.js';
import { ByteSink } from './sink.js';

const USAGE = 'virtmem elf FILE [--header] [--segments] [--sections] [--symbols] [--dyn-syms] [--notes] [--json|--csv]\n' +
  '       virtmem elf edit IN -o OUT [--add-section NAME=FILE]... [--update-section NAME=FILE]... [--remove-section NAME]...';

const hex = (v: bigint | number, width = 0) => '0x' + v.toString(16).padStart(width, '0');

function headerRows(elf: ElfFile): Row[] {
  const h = elf.header;
  const withRaw = (v: number, raw: number) => (v === raw ? String(v) : `${raw} (${v})`);
  const rows: [string, string][] = [
    ['Class', elf.is64 ? 'ELF64' : 'ELF32'],
    ['Data', elf.littleEndian ? "2's complement, little endian" : "2's complement, big endian"],
    ['OS/ABI', String(h.osabi)],
    ['Type', elfTypeName(h.type)],
    ['Machine', machineName(h.machine)],
    ['Entry point address', hex(h.entry)],
    ['Start of program headers', String(h.phoff)],
    ['Start of section headers', String(h.shoff)],
    ['Flags', hex(h.flags)],
    ['Number of program headers', withRaw(h.phnum, h.rawPhnum)],
    ['Number of section headers', withRaw(h.shnum, h.rawShnum)],
    ['Section header string table index', withRaw(h.shstrndx, h.rawShstrndx)],
  ];
  const id = elf.buildId();
  if (id) rows.push(['Build ID', id]);
  return rows.map(([field, value]) => ({ field, value }));
}

const SECTION_COLS: Column[] = [
  { key: 'index', title: 'Nr', right: true }, { key: 'name', title: 'Name' }, { key: 'type', title: 'Type' },
  { key: 'addr', title: 'Address' }, { key: 'offset', title: 'Off' }, { key: 'size', title: 'Size' },
  { key: 'entsize', title: 'ES' }, { key: 'flags', title: 'Flg' }, { key: 'link', title: 'Lk', right: true },
  { key: 'info', title: 'Inf', right: true }, { key: 'addralign', title: 'Al', right: true },
];

function sectionRows(elf: ElfFile): Row[] {
  const aw = elf.is64 ? 16 : 8;
  return elf.sections.map((s) => ({
    index: s.index, name: s.name, type: shtShort(s.type, elf.header.machine), addr: hex(s.addr, aw),
    offset: hex(s.offset, 6), size: hex(s.size, 6), entsize: hex(s.entsize, 2), flags: shfLetters(s.flags, elf.header.machine),
    link: s.link, info: s.info, addralign: s.addralign,
  }));
}

const SEGMENT_COLS: Column[] = [
  { key: 'type', title: 'Type' }, { key: 'offset', title: 'Offset' }, { key: 'vaddr', title: 'VirtAddr' },
  { key: 'paddr', title: 'PhysAddr' }, { key: 'filesz', title: 'FileSiz' }, { key: 'memsz', title: 'MemSiz' },
  { key: 'flags', title: 'Flg' }, { key: 'align', title: 'Align' },
];

function segmentRows(elf: ElfFile): Row[] {
  const aw = elf.is64 ? 16 : 8;
  return elf.segments.map((p) => ({
    type: ptShort(p.type), offset: hex(p.offset, 6), vaddr: hex(p.vaddr, aw), paddr: hex(p.paddr, aw),
    filesz: hex(p.filesz, 6), memsz: hex(p.memsz, 6), flags: pfLetters(p.flags), align: hex(p.align),
  }));
}

const SYMBOL_COLS: Column[] = [
  { key: 'index', title: 'Num', right: true }, { key: 'value', title: 'Value' }, { key: 'size', title: 'Size', right: true },
  { key: 'type', title: 'Type' }, { key: 'bind', title: 'Bind' }, { key: 'visibility', title: 'Vis' },
  { key: 'ndx', title: 'Ndx', right: true }, { key: 'name', title: 'Name' },
];

const NOTE_COLS: Column[] = [
  { key: 'owner', title: 'Owner' }, { key: 'size', title: 'Data size' }, { key: 'description', title: 'Description' },
  { key: 'where', title: 'In' }, { key: 'detail', title: 'Detail' },
];

function noteRows(elf: ElfFile): Row[] {
  return elf.notes().map((n) => {
    let detail = '';
    if (n.name === 'GNU' && n.type === 3) detail = `Build ID: ${toHex(n.desc)}`;
    else if (n.name === 'VMCOREINFO') {
      const m = parseVmcoreinfo(n.desc);
      detail = `${m.size} entries${m.has('OSRELEASE') ? `, OSRELEASE=${m.get('OSRELEASE')}` : ''}${m.has('BUILD-ID') ? `, BUILD-ID=${m.get('BUILD-ID')}` : ''}`;
    }
    return {
      owner: n.name, size: hex(n.desc.length, 8), description: noteTypeName(n.name, n.type, elf.header.type),
      where: n.section ?? hex(n.offset), detail,
    };
  });
}

async function show(argv: string[]): Promise<number> {
  const p = parse(argv, {
    header: { type: 'boolean' }, segments: { type: 'boolean' }, sections: { type: 'boolean' },
    symbols: { type: 'boolean' }, 'dyn-syms': { type: 'boolean' }, notes: { type: 'boolean' },
    json: { type: 'boolean' }, csv: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  if (p.positionals.length !== 1) throw new UsageError(`expected one FILE\nusage: ${USAGE}`);
  const parts = ['header', 'segments', 'sections', 'symbols', 'dyn-syms', 'notes'];
  const picked = parts.filter((k) => flag(p, k));
  const want = new Set(picked.length ? picked : parts);
  const format: Format = flag(p, 'json') ? 'json' : flag(p, 'csv') ? 'csv' : 'table';

  const elf = ElfFile.open(p.positionals[0]);
  try {
    // Symbol tables stay compact (elfsyms.ts writes them); the rest are rows.
    const blocks: { key: string; title: string; cols: Column[]; rows?: Row[]; syms?: CompactSymbols }[] = [];
    if (want.has('header')) blocks.push({ key: 'header', title: 'ELF header', cols: [{ key: 'field', title: 'Field' }, { key: 'value', title: 'Value' }], rows: headerRows(elf) });
    if (want.has('segments')) blocks.push({ key: 'segments', title: 'Program headers', cols: SEGMENT_COLS, rows: segmentRows(elf) });
    if (want.has('sections')) blocks.push({ key: 'sections', title: 'Section headers', cols: SECTION_COLS, rows: sectionRows(elf) });
    if (want.has('symbols')) blocks.push({ key: 'symbols', title: "Symbol table '.symtab'", cols: SYMBOL_COLS, syms: elf.compactSymbols() });
    if (want.has('dyn-syms')) blocks.push({ key: 'dynamicSymbols', title: "Symbol table '.dynsym'", cols: SYMBOL_COLS, syms: elf.compactDynamicSymbols() });
    if (want.has('notes')) blocks.push({ key: 'notes', title: 'Notes', cols: NOTE_COLS, rows: noteRows(elf) });
    // From here on nothing can fail on the file's bytes: stream the output.
    // Nothing left queued after a write: the chunk went out and can be reused.
    const out = new ByteSink((chunk) => { process.stdout.write(chunk); return process.stdout.writableLength === 0; });
    if (format === 'json') {
      out.text(`{\n  "file": ${JSON.stringify(elf.name)}`);
      for (const b of blocks) {
        out.text(`,\n  ${JSON.stringify(b.key)}: `);
        if (b.syms) writeSymbolJson(out, b.syms, elf.is64);
        else {
          const v = b.key === 'header' ? Object.fromEntries(b.rows!.map((r) => [r.field, r.value])) : b.rows;
          out.text(JSON.stringify(toJson(v), null, 2).replaceAll('\n', '\n  '));
        }
      }
      out.ascii('\n}\n');
    } else {
      blocks.forEach((b, i) => {
        if (blocks.length > 1) out.text(`${i ? '\n' : ''}${format === 'csv' ? '# ' : ''}${b.title} (${b.syms ? b.syms.length : b.rows!.length}):\n`);
        if (!b.syms) out.text(render(format, b.cols, b.rows!));
        else if (format === 'csv') writeSymbolCsv(out, b.syms, elf.is64);
        else writeSymbolTable(out, b.syms, elf.is64);
      });
    }
    out.end();
  } finally {
    elf.close();
  }
  return 0;
}

function splitAssign(v: string, opt: string): [string, string] {
  const i = v.indexOf('=');
  if (i <= 0 || i === v.length - 1) throw new UsageError(`--${opt} wants NAME=FILE, got '${v}'`);
  return [v.slice(0, i), v.slice(i + 1)];
}

function readInput(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new UsageError(`${file}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function edit(argv: string[]): Promise<number> {
  const p = parse(argv, {
    output: { type: 'string', short: 'o' },
    'add-section': { type: 'string', multiple: true },
    'update-section': { type: 'string', multiple: true },
    'remove-section': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
  const out = str(p, 'output');
  if (p.positionals.length !== 1 || !out) throw new UsageError(`expected IN and -o OUT\nusage: ${USAGE}`);
  const edits: ElfEdit[] = [];
  for (const n of strs(p, 'remove-section')) edits.push({ op: 'remove', name: n });
  for (const v of strs(p, 'update-section')) { const [name, f] = splitAssign(v, 'update-section'); edits.push({ op: 'update', name, data: readInput(f, 'section contents') }); }
  for (const v of strs(p, 'add-section')) { const [name, f] = splitAssign(v, 'add-section'); edits.push({ op: 'add', name, data: readInput(f, 'section contents') }); }
  if (!edits.length) throw new UsageError('nothing to do: give --add-section, --update-section or --remove-section');
  const input = readInput(p.positionals[0], 'ELF file');
  const result = editElf(input, edits, p.positionals[0]);
  writeFileAtomic(out, result);
  return 0;
}

export const command: Subcommand = {
  name: 'elf',
  summary: 'show an ELF file (header, segments, sections, symbols, notes) or edit its sections',
  run(argv: string[]): Promise<number> {
    return argv[0] === 'edit' ? edit(argv.slice(1)) : show(argv);
  },
};
