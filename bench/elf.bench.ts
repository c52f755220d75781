/**
 * All symbols of Debian's vmlinux: `virtmem elf --symbols` against
 * `readelf -sW`, wall time and peak memory, in the same run.
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
  name: 'elf: all symbols of the Debian vmlinux (virtmem elf --symbols vs readelf -sW)',
  async run() {
    const files = vmlinuxes();
    if (!files.length) { console.log('   skipped: no Debian vmlinux in the cache (run scripts/kernels.sh)'); return; }
    console.log(`   peer: ${version('readelf')}`);
    for (const f of files) {
      const ours = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'elf', '--symbols', f]));
      const peer = best(3, () => measure('readelf', ['-sW', f]));
      if (ours.status !== 0 || peer.status !== 0) throw new Error(`a run failed (virtmem ${ours.status}, readelf ${peer.status})`);
      report(`${path.basename(f)} (${(fs.statSync(f).size / 2 ** 20).toFixed(0)} MiB)`, ours, peer, 'readelf -sW');
    }
  },
};
