import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Btf, BTF_KIND_NAMES, BTF_KIND_STRUCT, BTF_KIND_INT } from '../../src/btf/index.js';
import { bpftoolRaw, firstDifference, oursRaw, readBytes } from '../helpers/btf-tools.js';
import { compile, dumpSection, tmpdir } from '../helpers/ctf-tools.js';
import { kernelOrSkip } from '../helpers/kernels.js';
import { EVERY_KIND } from '../ctf/source.js';

const SYS_BTF = '/sys/kernel/btf/vmlinux';

for (const [cc, label] of [
  ['gcc', 'little-endian'],
  ['s390x-linux-gnu-gcc', 'big-endian (s390x)'],
] as const) {
  test(`gcc -gbtf object (${label}): every type as bpftool lists it`, (t) => {
    const { dir, cleanup } = tmpdir('virtmem-btf-');
    t.after(cleanup);
    const o = compile(dir, 'every', EVERY_KIND, ['-gbtf'], cc);
    const bytes = dumpSection(o, '.BTF');
    const file = path.join(dir, 'every.btf');
    fs.writeFileSync(file, bytes);
    const btf = Btf.open(bytes, { source: o, section: '.BTF' });
    assert.equal(btf.littleEndian, cc === 'gcc');
    const theirs = bpftoolRaw(file);
    assert.ok(theirs.length > 40);
    assert.equal(firstDifference(oursRaw(btf), theirs), undefined);
    const node = btf.lookup('node', BTF_KIND_STRUCT);
    assert.equal(node.length, 1);
    const st = btf.type(node[0]);
    assert.ok(st.kind === BTF_KIND_STRUCT && st.members.some((m) => m.name === 'flag' && m.bitfieldSize === 3));
  });
}

test('the running kernel\'s /sys/kernel/btf/vmlinux: every type, every kind, as bpftool lists it', (t) => {
  if (!fs.existsSync(SYS_BTF)) {
    const why = `${SYS_BTF} is not present on this machine`;
    process.stderr.write(`SKIP: ${why}\n`);
    t.skip(why);
    return;
  }
  const btf = Btf.open(readBytes(SYS_BTF), { source: SYS_BTF });
  assert.equal(btf.indexError, undefined);
  const theirs = bpftoolRaw(SYS_BTF);
  assert.equal(btf.typeCount, theirs.filter((l) => l.startsWith('[')).length, 'type count');
  assert.equal(firstDifference(oursRaw(btf), theirs), undefined);
  const kinds = new Set<number>();
  for (let id = 1; id < btf.nextId; id++) kinds.add(btf.kindOf(id));
  const seen = [...kinds].map((k) => BTF_KIND_NAMES[k]).sort();
  process.stderr.write(`kinds in ${SYS_BTF}: ${seen.join(' ')}\n`);
  assert.ok(kinds.has(BTF_KIND_INT) && kinds.has(BTF_KIND_STRUCT));
});

test('Debian vmlinux .BTF and a module\'s split .BTF resolved against it, as bpftool lists them', (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-btf-');
  t.after(cleanup);
  const vmlinuxBtf = path.join(dir, 'vmlinux.btf');
  fs.writeFileSync(vmlinuxBtf, dumpSection(k.vmlinux, '.BTF'));
  const base = Btf.open(readBytes(vmlinuxBtf), { source: k.vmlinux, section: '.BTF' });
  const theirs = bpftoolRaw(vmlinuxBtf);
  assert.equal(base.typeCount, theirs.filter((l) => l.startsWith('[')).length, 'type count');
  assert.equal(firstDifference(oursRaw(base), theirs), undefined);

  const ko = path.join(k.debugModules, 'kernel/fs/xfs/xfs.ko');
  const modBtf = path.join(dir, 'xfs.btf');
  fs.writeFileSync(modBtf, dumpSection(ko, '.BTF'));
  const mod = Btf.open(readBytes(modBtf), { source: ko, section: '.BTF', base });
  assert.equal(mod.firstId, base.nextId, 'split ids continue after vmlinux');
  assert.equal(firstDifference(oursRaw(mod), bpftoolRaw(modBtf, vmlinuxBtf)), undefined);
  // A module struct whose members use vmlinux types: resolved through the base.
  const [mp] = mod.lookup('xfs_mount', BTF_KIND_STRUCT);
  const xm = mod.type(mp);
  assert.ok(xm.kind === BTF_KIND_STRUCT);
  assert.ok(xm.members.some((m) => m.type < base.nextId && base.owns(m.type)), 'some member type comes from vmlinux');
  assert.throws(() => Btf.open(readBytes(modBtf)), /split BTF .* needs its base BTF/);
});
