/**
 * Field-by-field comparison of what ElfFile reads with what readelf -W prints
 * for the same file: header, sections, segments, symbols and notes.
 */
import assert from 'node:assert/strict';
import {
  ElfFile, SHN, STT, elfTypeName, machineName, noteTypeName, pfLetters, ptShort, shfLetters, shtShort,
  stbShort, sttShort, stvShort, toHex,
} from '../../src/elf/index.js';
import { readelfHeader, readelfNotes, readelfSections, readelfSegments, readelfSymbols } from './readelf.js';

/** "65535 (66000)" -> 66000; "14" -> 14; "64 (bytes into file)" -> 64. */
function count(s: string | undefined): number {
  assert.ok(s !== undefined, 'readelf field missing');
  const m = /\((\d+)\)/.exec(s);
  return m ? +m[1] : parseInt(s, s.startsWith('0x') ? 16 : 10);
}

export function compareHeader(elf: ElfFile, file: string): void {
  const h = readelfHeader(file);
  const e = elf.header;
  assert.equal(h.get('Class'), elf.is64 ? 'ELF64' : 'ELF32');
  assert.match(h.get('Data')!, elf.littleEndian ? /little endian/ : /big endian/);
  assert.equal(h.get('Type')!.split(' ')[0], elfTypeName(e.type).split(' ')[0], 'e_type');
  assert.equal(h.get('Machine'), machineName(e.machine), 'e_machine');
  assert.equal(BigInt(h.get('Entry point address')!), e.entry, 'e_entry');
  assert.equal(count(h.get('Start of program headers')), e.phoff, 'e_phoff');
  assert.equal(count(h.get('Start of section headers')), e.shoff, 'e_shoff');
  assert.equal(parseInt(h.get('Flags')!.split(/[ ,]/)[0], 16), e.flags, 'e_flags');
  assert.equal(count(h.get('Number of program headers')), e.phnum, 'e_phnum');
  assert.equal(count(h.get('Number of section headers')), e.shnum, 'e_shnum');
  assert.equal(count(h.get('Section header string table index')), e.shstrndx, 'e_shstrndx');
}

export function compareSections(elf: ElfFile, file: string): void {
  const rs = readelfSections(file);
  assert.equal(rs.length, elf.sections.length, 'section count');
  for (const r of rs) {
    const s = elf.sections[r.index];
    const at = `section [${r.index}] ${r.name}`;
    // readelf shows <no-strings> when there is no section-name table.
    assert.equal(s.name, r.name === '<no-strings>' ? '' : r.name, at);
    assert.equal(shtShort(s.type, elf.header.machine), r.type, at + ' type');
    assert.equal(s.addr, r.addr, at + ' addr');
    assert.equal(s.offset, r.offset, at + ' offset');
    assert.equal(s.size, r.size, at + ' size');
    assert.equal(s.entsize, r.entsize, at + ' entsize');
    assert.equal(shfLetters(s.flags, elf.header.machine), r.flags, at + ' flags');
    assert.equal(s.link, r.link, at + ' link');
    assert.equal(s.info, r.info, at + ' info');
    assert.equal(s.addralign, r.align, at + ' align');
  }
}

export function compareSegments(elf: ElfFile, file: string): void {
  const rs = readelfSegments(file);
  assert.equal(rs.length, elf.segments.length, 'segment count');
  rs.forEach((r, i) => {
    const p = elf.segments[i];
    const at = `segment ${i} ${r.type}`;
    assert.equal(ptShort(p.type), r.type, at);
    assert.equal(p.offset, r.offset, at + ' offset');
    assert.equal(p.vaddr, r.vaddr, at + ' vaddr');
    assert.equal(p.paddr, r.paddr, at + ' paddr');
    assert.equal(p.filesz, r.filesz, at + ' filesz');
    assert.equal(p.memsz, r.memsz, at + ' memsz');
    assert.equal(pfLetters(p.flags), r.flags, at + ' flags');
    assert.equal(p.align, r.align, at + ' align');
  });
}

function ndxText(shndx: number, fromX: boolean): string {
  if (shndx === SHN.SHN_UNDEF) return 'UND';
  if (!fromX && shndx === SHN.SHN_ABS) return 'ABS';
  if (!fromX && shndx === SHN.SHN_COMMON) return 'COM';
  return String(shndx);
}

/** Compares every table readelf lists; returns the number of symbols compared. */
export function compareSymbols(elf: ElfFile, file: string): number {
  const tables = readelfSymbols(file);
  let n = 0;
  for (const [name, rsyms] of tables) {
    const ours = elf.symbolTable(name);
    assert.equal(ours.length, rsyms.length, `${name} entries`);
    for (const r of rsyms) {
      const s = ours[r.index];
      const at = `${name}[${r.index}] ${r.name}`;
      assert.equal(s.value, r.value, at + ' value');
      assert.equal(s.size, r.size, at + ' size');
      assert.equal(sttShort(s.type), r.type, at + ' type');
      assert.equal(stbShort(s.bind), r.bind, at + ' bind');
      assert.equal(stvShort(s.visibility), r.vis, at + ' visibility');
      assert.equal(ndxText(s.shndx, s.shndx >= SHN.SHN_LORESERVE && s.section !== undefined), r.ndx, at + ' ndx');
      // readelf names a nameless section symbol after its section, and adds
      // "@VERSION (n)" from the version tables to dynamic symbols.
      const shown = s.name === '' && s.type === STT.STT_SECTION ? (s.section ?? '') : s.name;
      const rname = name === '.dynsym' ? r.name.replace(/@.*$/, '') : r.name;
      assert.equal(shown, rname, at + ' name');
      n++;
    }
  }
  return n;
}

export function compareNotes(elf: ElfFile, file: string): void {
  const rn = readelfNotes(file);
  const ours = elf.notes();
  assert.equal(ours.length, rn.length, 'note count');
  rn.forEach((r, i) => {
    const n = ours[i];
    const at = `note ${i} (${r.owner}) in ${r.where}`;
    assert.equal(n.name, r.owner, at + ' owner');
    assert.equal(n.desc.length, r.size, at + ' size');
    assert.equal(noteTypeName(n.name, n.type, elf.header.type), r.description, at + ' type');
    if (r.buildId) assert.equal(toHex(n.desc), r.buildId, at + ' build-id');
  });
  const bid = rn.find((r) => r.buildId)?.buildId;
  assert.equal(elf.buildId(), bid, 'buildId()');
}

/** Everything above. */
export function compareAll(file: string): ElfFile {
  const elf = ElfFile.open(file);
  compareHeader(elf, file);
  compareSections(elf, file);
  compareSegments(elf, file);
  compareSymbols(elf, file);
  compareNotes(elf, file);
  return elf;
}
