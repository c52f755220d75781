/**
 * Kernel identification benchmarks (issue 8): a cold `virtmem info DUMP` in a
 * new process, memory-only (kallsyms decoded from the image, BTF found in it)
 * and with --vmlinux (DWARF + .symtab), beside drgn opening the same dump with
 * the same vmlinux and printing the release, the banner, _text and
 * sizeof(struct task_struct) (`drgn -q -c DUMP -s VMLINUX script.py`; drgn
 * 0.0.22 has no -e). drgn 0.0.22 cannot read paging=false ELF dumps ("recursive
 * address translation") nor QEMU's kdump files (libkdumpfile: no arch name),
 * and without -s it finds no symbols, so the dump measured is elf-paging.core;
 * where drgn fails on the other forms, its one-line error is printed.
 * Best of 3 runs each; wall time and peak RSS from /usr/bin/time.
 */
import * as path from 'node:path';
import { VIRTMEM_BIN, best, measure, report, version, drgnError, have, withKaslrFixtures } from './lib.js';
import type { Bench } from './run.js';

const SCRIPT = `print(prog["init_uts_ns"].name.release.string_().decode())
print(prog["linux_banner"].string_().decode().rstrip())
print(hex(prog.symbol("_text").address))
print(prog.type("struct task_struct").size)
`;


export const bench: Bench = {
  name: 'kernel: cold virtmem info (memory-only and --vmlinux) vs drgn -c DUMP -s VMLINUX',
  async run() {
    const haveDrgn = have('drgn');
    console.log(`   peer: ${haveDrgn ? version('drgn') : 'drgn not installed'}`);
    await withKaslrFixtures('info.py', SCRIPT, async (fx, script) => {
      for (const f of fx) {
        const dump = f.dumps.elfPaging;
        console.log(`   ${f.abi} (kaslr), ${dump}`);
        const memOnly = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'info', dump]));
        const withVmlinux = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'info', dump, '--vmlinux', f.kernel.vmlinux]));
        if (memOnly.status !== 0 || withVmlinux.status !== 0) throw new Error(`virtmem info failed on ${dump}`);
        if (!haveDrgn) {
          console.log(`     virtmem memory-only: ${memOnly.wallSeconds.toFixed(2)} s, ${memOnly.peakRssMiB.toFixed(0)} MiB; --vmlinux: ${withVmlinux.wallSeconds.toFixed(2)} s, ${withVmlinux.peakRssMiB.toFixed(0)} MiB`);
          continue;
        }
        const drgn = best(3, () => measure('drgn', ['-q', '-c', dump, '-s', f.kernel.vmlinux, script]));
        if (drgn.status !== 0) console.log(`     drgn failed: ${drgnError(dump, f.kernel.vmlinux, script)}`);
        report('memory-only `virtmem info` vs drgn with vmlinux', memOnly, drgn, 'drgn -s vmlinux');
        report('`virtmem info --vmlinux` vs drgn with vmlinux', withVmlinux, drgn, 'drgn -s vmlinux');
        // What drgn does with the other dump forms, and with no vmlinux.
        for (const [what, d, v] of [['elf.core (paging=false)', f.dumps.elf, f.kernel.vmlinux], ['kdump (zlib)', f.dumps.kdump, f.kernel.vmlinux], ['elf-paging.core without -s', dump, undefined]] as const) {
          const err = drgnError(d, v, script);
          const ours = measure(process.execPath, [VIRTMEM_BIN, 'info', d]);
          console.log(`     ${what}: drgn ${err ? `fails: ${err}` : 'ok'}; virtmem info memory-only ${ours.status === 0 ? `ok in ${ours.wallSeconds.toFixed(2)} s, ${ours.peakRssMiB.toFixed(0)} MiB` : 'FAILED'}`);
        }
      }
    });
  },
};
