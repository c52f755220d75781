/**
 * Types of Debian's vmlinux from DWARF:
 * - every struct and union with its size and holes: `virtmem types --sizes`
 *   against `pahole -F dwarf --sizes` (the whole-file load);
 * - the lazy path: `virtmem types --struct task_struct` end to end in a fresh
 *   process against `pahole -F dwarf -C task_struct`.
 * Wall time and peak RSS of both, in the same run, with the ratio.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bench } from './run.js';
import { kernels } from '../test/helpers/kernels.js';
import { VIRTMEM_BIN, best, measure, report, version } from './lib.js';

function vmlinuxes(): string[] {
  return kernels().map((k) => k.vmlinux).filter((f) => fs.existsSync(f));
}

export const bench: Bench = {
  name: 'types: C types of the Debian vmlinux from DWARF (virtmem types vs pahole -F dwarf)',
  async run() {
    const files = vmlinuxes();
    if (!files.length) { console.log('   skipped: no Debian vmlinux in the cache (run scripts/kernels.sh)'); return; }
    console.log(`   peer: pahole ${version('pahole')}`);
    for (const f of files) {
      const label = `${path.basename(f)} (${(fs.statSync(f).size / 2 ** 20).toFixed(0)} MiB)`;
      const ours = best(2, () => measure(process.execPath, [VIRTMEM_BIN, 'types', '--sizes', f]));
      const peer = best(2, () => measure('pahole', ['-F', 'dwarf', '--sizes', f]));
      if (ours.status !== 0 || peer.status !== 0) throw new Error(`a run failed (virtmem ${ours.status}, pahole ${peer.status})`);
      report(`every struct/union with size and holes: ${label}`, ours, peer, 'pahole --sizes');
      const lazy = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'types', '--struct', 'task_struct', f]));
      const plazy = best(3, () => measure('pahole', ['-F', 'dwarf', '-C', 'task_struct', f]));
      if (lazy.status !== 0 || plazy.status !== 0) throw new Error(`a run failed (virtmem ${lazy.status}, pahole ${plazy.status})`);
      report(`--struct task_struct, fresh process (target < 1 s): ${label}`, lazy, plazy, 'pahole -C task_struct');
    }
  },
};
