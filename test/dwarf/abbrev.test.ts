/**
 * Abbreviation tables (dwarf/abbrev.ts): an entry met before is found by its
 * bytes without being decoded again, and must come out exactly as decoding
 * it would (its attributes, forms and DW_FORM_implicit_const values), also
 * when its code differs; bad bytes still get the decoder's error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/bytes/index.js';
import { ElfFile } from '../../src/elf/index.js';
import { parseAbbrevTable, type Abbrev } from '../../src/dwarf/index.js';
import { compile } from '../helpers/cc.js';

const shape = (a: Abbrev) => ({ tag: a.tag, children: a.hasChildren, ats: [...a.ats], forms: [...a.forms], consts: a.consts ? [...a.consts] : undefined });

test('a real DWARF 5 table parsed twice (the second time from entries already met) gives the same abbreviations', (t) => {
  const c = compile('struct s { int a; char b[3]; struct s *next; };\nstruct s g;\nint f(struct s *p, int k) { int x = p->a + k; return x * 3; }\n',
    ['-g', '-gdwarf-5', '-O1', '-c'], { name: 'a.o' });
  t.after(() => c.cleanup());
  const elf = ElfFile.open(c.out);
  const bytes = elf.sectionData('.debug_abbrev');
  const first = parseAbbrevTable(new Reader(bytes, { littleEndian: true }), 0 as never);
  const again = parseAbbrevTable(new Reader(bytes, { littleEndian: true }), 0 as never);
  assert.ok(first.size > 5, `only ${first.size} abbreviations`);
  assert.equal(again.size, first.size);
  let implicit = 0;
  for (let code = 1; code <= first.size; code++) {
    const a = first.get(code), b = again.get(code);
    assert.ok(a && b, `code ${code}`);
    assert.deepEqual(shape(b), shape(a));
    if (a.consts) implicit++;
  }
  assert.ok(implicit > 0, 'gcc -gdwarf-5 uses DW_FORM_implicit_const (decl_file of members)');
});

test('an entry met before under another code, with an implicit_const and a two-byte form, and a truncated table', () => {
  // code, tag, children, (at, form)*, 0, 0. DW_TAG_member 0x0d; DW_AT_name 0x03 / DW_FORM_string 0x08;
  // DW_AT_decl_file 0x3a / DW_FORM_implicit_const 0x21 value -2 (sleb 0x7e); a GNU attribute 0x2137 (two bytes)
  // with DW_FORM_GNU_ref_alt 0x1f20 (two bytes: 0xa0 0x3e).
  const entry = [0x0d, 0x00, 0x03, 0x08, 0x3a, 0x21, 0x7e, 0xb7, 0x42, 0xa0, 0x3e, 0x00, 0x00];
  const table = Uint8Array.from([0x01, ...entry, 0x05, ...entry, 0x00]);
  const t1 = parseAbbrevTable(new Reader(table, { littleEndian: true }), 0 as never);
  const a = t1.get(1)!, b = t1.get(5)!;
  assert.deepEqual(shape(a), { tag: 0x0d, children: false, ats: [0x03, 0x3a, 0x2137], forms: [0x08, 0x21, 0x1f20], consts: [undefined, -2n, undefined] });
  assert.deepEqual(shape(b), shape(a));
  assert.equal(t1.get(2), undefined);
  const cut = table.subarray(0, 8);
  assert.throws(() => parseAbbrevTable(new Reader(cut, { littleEndian: true }), 0 as never), /end of data|LEB128|past/i);
  const twice = Uint8Array.from([0x01, ...entry, 0x01, ...entry, 0x00]);
  assert.throws(() => parseAbbrevTable(new Reader(twice, { littleEndian: true }), 0 as never), /defined twice/);
});
