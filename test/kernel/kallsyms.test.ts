import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError } from '../../src/bytes/index.js';
import { decodeKallsyms, findKallsyms, kallsymsFromImage, type KallsymsLocation } from '../../src/kernel/index.js';
import { fixtureOrSkip, fixtures } from '../helpers/fixtures.js';
import { openKernelMemory, readSystemMap, sliceOf } from './image.js';

test('kallsyms decoded from the image equal System.map shifted by the KASLR offset, and the guest\'s /proc/kallsyms', (t) => {
  const all = fixtures();
  if (!all.length) { fixtureOrSkip(t); return; }
  for (const f of all) {
    const { km, text } = openKernelMemory(f.dumps.elf);
    const kaslr = km.paging.kaslrOffset;
    assert.equal('0x' + kaslr.toString(16), f.truth.kaslrOffset.kallsyms, `${f.abi} ${f.kaslr}: KASLR offset`);
    const viaVmci = kallsymsFromImage(km.map, { vmcoreinfo: km.vmcoreinfo, text });
    const viaScan = kallsymsFromImage(km.map, { text, scan: true });
    assert.equal(viaVmci.location.method, 'vmcoreinfo');
    assert.equal(viaScan.location.method, 'scan');
    assert.equal(viaScan.location.layout, f.abi.startsWith('6.1.') ? 'before' : 'after');
    assert.deepEqual([...viaScan.entries()], [...viaVmci.entries()], `${f.abi}: scan and VMCOREINFO agree`);

    // The guest's own /proc/kallsyms lines.
    for (const [name, hex] of Object.entries(f.truth.kallsyms)) {
      assert.equal(viaScan.address(name), BigInt('0x' + hex), `${f.abi} ${name}`);
    }
    // System.map: every kallsyms entry is there at its link-time address (per-CPU symbols are absolute, not shifted)
    // with the same letter, and every System.map symbol is in kallsyms but the absolute ones and kallsyms' own tables,
    // which scripts/kallsyms leaves out.
    const map = readSystemMap(f.kernel.systemMap);
    const seen = new Set<string>();
    let n = 0;
    for (const [name, addr] of viaScan.entries()) {
      n++;
      seen.add(name);
      const cands = map.get(name) ?? [];
      const link = addr >= text ? addr - kaslr : addr;
      const hit = cands.find((c) => c.addr === link);
      assert.ok(hit, `${f.abi}: ${name} at ${addr.toString(16)} (link ${link.toString(16)}) not in System.map (${cands.map((c) => c.addr.toString(16))})`);
    }
    assert.equal(n, viaScan.count);
    assert.ok(n > 80000, `${n} symbols`);
    const left = [...map.entries()].filter(([name, l]) => !seen.has(name) && !l.every((c) => c.letter === 'A') && !name.startsWith('kallsyms_'));
    assert.deepEqual(left.map(([name]) => name), [], `${f.abi}: System.map symbols missing from kallsyms`);
    // Letters: /proc/kallsyms' letter for a unique name is System.map's.
    let letters = 0;
    for (const name of ['start_kernel', 'init_task', 'linux_banner', 'jiffies_64', '__start_BTF', 'init_uts_ns']) {
      const c = map.get(name)!;
      assert.equal(viaScan.typeOf(name), c[0].letter, `${f.abi} letter of ${name}`);
      letters++;
    }
    assert.equal(letters, 6);
  }
});

test('kallsyms from a kdump-compressed dump equal those from the ELF dump of the same guest', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const a = openKernelMemory(f.dumps.elf);
  const b = openKernelMemory(f.dumps.kdump);
  const sa = kallsymsFromImage(a.km.map, { text: a.text, scan: true });
  const sb = kallsymsFromImage(b.km.map, { text: b.text, scan: true });
  assert.equal(sb.count, sa.count);
  assert.equal(sb.address('init_task'), BigInt('0x' + f.truth.kallsyms.init_task));
});

/** The real tables of a fixture copied into a map holding only them. */
function realTables(f: NonNullable<ReturnType<typeof fixtureOrSkip>>) {
  const { km, text } = openKernelMemory(f.dumps.elf);
  const loc = findKallsyms(km.map, { vmcoreinfo: km.vmcoreinfo, text });
  const lo = [loc.offsets!, loc.numSyms, loc.names].reduce((a, b) => (a < b ? a : b)) - 4096n;
  const hi = [loc.tokenIndex + 512n, loc.relativeBase! + 8n].reduce((a, b) => (a > b ? a : b)) + 4096n;
  return { loc, text, ...sliceOf(km, lo & ~4095n, (hi + 4095n) & ~4095n) };
}

test('damaged kallsyms tables give a FormatError naming the table and address', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1', kaslr: true });
  if (!f) return;
  const { loc, text, bytes, map, start } = realTables(f);
  const off = (addr: bigint) => Number(addr - start);
  // Intact, it decodes from the copy alone, with both methods.
  assert.equal(decodeKallsyms(map(bytes), loc, { text }).count, loc.count);
  assert.equal(kallsymsFromImage(map(bytes), { text, scan: true }).count, loc.count);

  const damage = (what: (b: Uint8Array) => void) => { const b = bytes.slice(); what(b); return map(b); };
  // Garbage in the middle of the names.
  const names = damage((b) => b.fill(0xff, off(loc.names) + 300000, off(loc.names) + 300064));
  assert.throws(() => decodeKallsyms(names, loc, { text }), (e: unknown) => e instanceof FormatError && /kallsyms, section kallsyms_(names|markers), offset 0xffffffff/.test(e.message));
  // One name's length byte changed: everything decodes, but the markers disagree.
  const shifted = damage((b) => { const p = off(loc.names); b[p] = b[p] + 1; });
  assert.throws(() => decodeKallsyms(shifted, loc, { text }), /kallsyms_(markers|names)/);
  // A token index that does not fit its table.
  const index = damage((b) => { b[off(loc.tokenIndex) + 20] ^= 0x10; });
  assert.throws(() => decodeKallsyms(index, loc, { text }), /kallsyms, section kallsyms_token_index, offset 0x[0-9a-f]+: token 10 starts at/);
  // A count far beyond the table.
  const count = damage((b) => new DataView(b.buffer).setUint32(off(loc.numSyms), 0x7fffff, true));
  assert.throws(() => kallsymsFromImage(count, { text, vmcoreinfo: new Map(Object.entries(vmciOf(loc))) }), /kallsyms_num_syms is 8388607|kallsyms_names/);
  // Offsets that are not in address order.
  const order = damage((b) => b.fill(0x11, off(loc.offsets!) + 4000, off(loc.offsets!) + 4040));
  assert.throws(() => decodeKallsyms(order, loc, { text }), /kallsyms, section kallsyms_offsets.*addresses go down at entry/);
  // No token table at all: the scan says so.
  const none = damage((b) => b.fill(0, off(loc.tokenTable), off(loc.tokenIndex) + 512));
  assert.throws(() => kallsymsFromImage(none, { text, scan: true }), /no kallsyms token table in the kernel image/);
});

function vmciOf(loc: KallsymsLocation): Record<string, string> {
  const h = (a: bigint | undefined) => a!.toString(16);
  return {
    'SYMBOL(kallsyms_names)': h(loc.names), 'SYMBOL(kallsyms_num_syms)': h(loc.numSyms), 'SYMBOL(kallsyms_token_table)': h(loc.tokenTable),
    'SYMBOL(kallsyms_token_index)': h(loc.tokenIndex), 'SYMBOL(kallsyms_offsets)': h(loc.offsets), 'SYMBOL(kallsyms_relative_base)': h(loc.relativeBase),
  };
}
