import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Btf, BtfTypes, formatBtfRaw } from '../../src/btf/index.js';
import { FormatError } from '../../src/bytes/index.js';
import { compile, dumpSection, tmpdir } from '../helpers/ctf-tools.js';
import { fuzz, gccReplayable } from '../helpers/fuzz.js';
import { EVERY_KIND } from '../ctf/source.js';

function exercise(bytes: Uint8Array, base?: Btf): void {
  const btf = Btf.open(bytes, { source: 'fuzzed', base });
  for (const e of btf.entries()) if (e.type) formatBtfRaw(btf, e.id, e.type);
  btf.lookup('node');
  // The type model, lazily: pointer targets are converted when read (not over a real kernel
  // base, whose pointers would reach thousands of base types per round).
  const bt = new BtfTypes(btf);
  bt.lookup('node', 'struct');
  if (base) return;
  for (const t of bt.types()) {
    if (t.kind !== 'struct' && t.kind !== 'union') continue;
    for (const m of t.members) if (m.type.kind === 'pointer') void m.type.target.kind;
  }
}

test('fuzzed BTF (gcc -gbtf, and a slice of the running kernel\'s as split BTF): a result or a FormatError', (t) => {
  const { dir, cleanup } = tmpdir('virtmem-btf-');
  t.after(cleanup);
  // Built so the bytes (the unit name holds the working directory) are the same every run.
  fs.writeFileSync(`${dir}/every.c`, EVERY_KIND);
  gccReplayable('gcc', dir, ['-gbtf', '-c', 'every.c', '-o', 'every.o']);
  gccReplayable('s390x-linux-gnu-gcc', dir, ['-gbtf', '-c', 'every.c', '-o', 'every-be.o']);
  const le = dumpSection(`${dir}/every.o`, '.BTF');
  const be = dumpSection(`${dir}/every-be.o`, '.BTF');
  const bad = [
    ...fuzz(le, 11, 1500, (b) => exercise(b), 2, 'btf-le'),
    ...fuzz(be, 12, 700, (b) => exercise(b), 0, 'btf-be'),
    ...fuzz(le, 13, 300, (b) => exercise(b), 0, 'btf-le-header'),
  ];
  if (fs.existsSync('/sys/kernel/btf/vmlinux')) {
    // Mutations of a real base under a fixed split BTF made from gcc's, and of the split over a real base.
    const base = Btf.open(new Uint8Array(fs.readFileSync('/sys/kernel/btf/vmlinux')));
    bad.push(...fuzz(le, 14, 300, (b) => { try { exercise(b, base); } catch (e) { if (!(e instanceof FormatError)) throw e; } }, 0, 'btf-split'));
  }
  assert.deepEqual(bad, []);
});

test('one corrupt BTF type does not hide the rest; the error names section and offset', (t) => {
  const { dir, cleanup } = tmpdir('virtmem-btf-');
  t.after(cleanup);
  const bytes = dumpSection(compile(dir, 'every', EVERY_KIND, ['-gbtf']), '.BTF').slice();
  const good = Btf.open(bytes);
  const dv = new DataView(bytes.buffer);
  const typeStart = good.header.hdrLen + good.header.typeOff;
  dv.setUint32(typeStart + 16, 0x00fffff0, true); // type 2 (after the 16-byte INT type 1): name far outside
  const btf = Btf.open(bytes, { source: 'every.o', section: '.BTF' });
  const entries = [...btf.entries()];
  assert.equal(entries.length, good.typeCount);
  const failed = entries.filter((e) => e.error);
  assert.deepEqual(failed.map((e) => e.id), [2]);
  assert.match(failed[0].error!.message, /^every\.o: BTF, section \.BTF type section, offset 0x28: type 2: string offset 0xfffff0 outside/);
  // A type section cut in the middle of type 3 keeps types 1 and 2 and says where it stopped.
  const short = dumpSection(compile(dir, 'again', EVERY_KIND, ['-gbtf']), '.BTF').slice();
  new DataView(short.buffer).setUint32(12, 16 + 16 + 6, true);
  const cut = Btf.open(short, { source: 'cut' });
  assert.equal(cut.typeCount, 2);
  assert.match(cut.indexError!.message, /^cut: BTF, section type section, offset 0x38: record truncated/);
  assert.equal(cut.type(2).name, 'long unsigned int');
});
