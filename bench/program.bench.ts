/**
 * program/ benchmarks on the KASLR fixtures (Debian 6.1 and 6.12):
 *
 * 1. Cold `virtmem print DUMP init_uts_ns.name.release` (a new process:
 *    open the dump, find symbols and types, evaluate, print), memory-only and
 *    with --vmlinux, beside drgn printing the same value
 *    (`drgn -q -c DUMP -s VMLINUX script.py`; drgn 0.0.22 has no -e) on the
 *    same dump in the same run. drgn 0.0.22 reads only the paging=true ELF
 *    dump (elf-paging.core); for the other forms its one-line error is shown
 *    beside our time on them.
 * 2. Cold `virtmem follow DUMP init_task` beside drgn walking the same
 *    structures is not comparable (drgn has no follower); printed alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VIRTMEM_BIN, best, measure, report, version, drgnError, have, withKaslrFixtures } from './lib.js';
import type { Bench } from './run.js';

const SCRIPT = "print(prog['init_uts_ns'].name.release.string_().decode())\n";


export const bench: Bench = {
  name: 'program: cold virtmem print init_uts_ns.name.release (memory-only and --vmlinux) vs drgn -c DUMP -s VMLINUX',
  async run() {
    const haveDrgn = have('drgn');
    console.log(`   peer: ${haveDrgn ? version('drgn') : 'drgn not installed'}`);
    await withKaslrFixtures('release.py', SCRIPT, async (fx, script) => {
      for (const f of fx) {
        const dump = f.dumps.elfPaging;
        console.log(`   ${f.abi} (${path.basename(dump)}):`);
        const expr = 'init_uts_ns.name.release';
        const memOnly = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'print', dump, expr, '--raw'], { keepStdout: true }));
        // First run on this kernel: an empty DWARF lookup cache (kernel/lookup-cache.ts); later runs use it.
        const coldVmlinux = best(2, () => measure(process.execPath, [VIRTMEM_BIN, 'print', dump, expr, '--raw', '--vmlinux', f.kernel.vmlinux], { keepStdout: true, env: { ...process.env, VIRTMEM_INDEX: fs.mkdtempSync(path.join(path.dirname(script), 'index-')) } }));
        const withVmlinux = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'print', dump, expr, '--raw', '--vmlinux', f.kernel.vmlinux], { keepStdout: true }));
        for (const [what, m] of [['memory-only', memOnly], ['--vmlinux', withVmlinux]] as const) {
          if (m.status !== 0 || m.stdout.trim() !== f.truth.uname.release) console.log(`     virtmem ${what} FAILED (status ${m.status}, printed ${JSON.stringify(m.stdout.trim())})`);
        }
        if (!haveDrgn) {
          console.log(`     virtmem memory-only: ${memOnly.wallSeconds.toFixed(2)} s, ${memOnly.peakRssMiB.toFixed(0)} MiB; --vmlinux: ${withVmlinux.wallSeconds.toFixed(2)} s, ${withVmlinux.peakRssMiB.toFixed(0)} MiB`);
          continue;
        }
        const drgn = best(3, () => measure('drgn', ['-q', '-c', dump, '-s', f.kernel.vmlinux, script], { keepStdout: true }));
        if (drgn.status !== 0) console.log(`     drgn failed: ${drgnError(dump, f.kernel.vmlinux, script)}`);
        else if (drgn.stdout.trim() !== f.truth.uname.release) console.log(`     drgn printed ${JSON.stringify(drgn.stdout.trim())}`);
        report('memory-only `virtmem print` vs drgn with vmlinux', memOnly, drgn, 'drgn -s vmlinux');
        report('`virtmem print --vmlinux` vs drgn with vmlinux', withVmlinux, drgn, 'drgn -s vmlinux');
        report('`virtmem print --vmlinux`, first run on this kernel (empty lookup cache) vs drgn with vmlinux', coldVmlinux, drgn, 'drgn -s vmlinux');
        for (const [what, d] of [['paging=false ELF', f.dumps.elf], ['kdump (zlib)', f.dumps.kdump], ['flattened kdump', f.dumps.kdumpFlat]] as const) {
          const err = drgnError(d, f.kernel.vmlinux, script);
          const ours = measure(process.execPath, [VIRTMEM_BIN, 'print', d, expr, '--raw'], { keepStdout: true });
          const ok = ours.status === 0 && ours.stdout.trim() === f.truth.uname.release;
          console.log(`     ${what}: drgn ${err ? `fails: ${err}` : 'ok'}; virtmem print memory-only ${ok ? `ok in ${ours.wallSeconds.toFixed(2)} s, ${ours.peakRssMiB.toFixed(0)} MiB` : 'FAILED'}`);
        }
        const fol = best(2, () => measure(process.execPath, [VIRTMEM_BIN, 'follow', f.dumps.kdump, 'init_task']));
        console.log(`     virtmem follow kdump init_task (memory-only, no peer): ${fol.wallSeconds.toFixed(2)} s, ${fol.peakRssMiB.toFixed(0)} MiB`);
      }
    });
  },
};
