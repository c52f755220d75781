import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfTypes, btfBytes } from '../../src/btf/index.js';
import { DwarfInfo, loadDwarfSections } from '../../src/dwarf/index.js';
import { findImageBtf, kallsymsFromImage } from '../../src/kernel/index.js';
import { DwarfTypes, layout, type StructType } from '../../src/types/index.js';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { openKernelMemory } from './image.js';

const STRUCTS = ['task_struct', 'list_head', 'uts_namespace', 'new_utsname', 'net_device', 'module', 'net', 'pid', 'mm_struct', 'printk_ringbuffer', 'cred', 'file', 'in_device', 'inet6_dev', 'hlist_node'];

for (const [kernel, kaslr] of [['6.1', true], ['6.12', false]] as const) {
  test(`${kernel}: vmlinux BTF found in the image (through kallsyms and by a scan) is the vmlinux's .BTF, and its layouts equal DWARF's`, (t) => {
    const f = fixtureOrSkip(t, { kernel, kaslr });
    if (!f) return;
    const { km, text } = openKernelMemory(f.dumps.elf);
    const symbols = kallsymsFromImage(km.map, { vmcoreinfo: km.vmcoreinfo, text });
    const bySym = findImageBtf(km.map, { symbols, text });
    const byScan = findImageBtf(km.map, { text });
    assert.equal(bySym.method, 'symbols');
    assert.equal(byScan.method, 'scan');
    assert.equal(bySym.address, symbols.address('__start_BTF'));
    assert.equal(byScan.address, bySym.address);
    assert.equal(byScan.size, bySym.size);
    // Byte for byte the .BTF section of the vmlinux file.
    const file = btfBytes(f.kernel.vmlinux).bytes;
    assert.equal(bySym.size, file.length);
    assert.ok(Buffer.from(km.map.getBytes(bySym.address, bySym.size)).equals(Buffer.from(file)), 'the same bytes');
    assert.equal(bySym.btf.typeCount > 50000, true, `${bySym.btf.typeCount} types`);

    const mem = new BtfTypes(byScan.btf);
    const dwarf = new DwarfTypes(new DwarfInfo(loadDwarfSections(f.kernel.vmlinux)));
    for (const name of STRUCTS) {
      const d = dwarf.lookup(name, 'struct') as StructType | undefined;
      const b = mem.lookup(name, 'struct') as StructType | undefined;
      assert.ok(d && b, `struct ${name} in both`);
      assert.equal(layout(b), layout(d), `struct ${name}`);
    }
  });
}
