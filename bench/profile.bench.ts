/**
 * Profile benchmarks (issue 10):
 * - `virtmem profile build` on Debian's 6.1 vmlinux (symbols + line tables +
 *   metadata) beside `pahole -J --btf_encode_detached` on the same file (BTF
 *   from DWARF: the other "compact kernel metadata from DWARF" job); wall time,
 *   peak RSS, and the output sizes;
 * - a cold guest command on the 6.1 KASLR dump with the profile (found in the
 *   store by build-id), memory-only, and with --vmlinux. `virtmem ps` is not on
 *   main yet, so `virtmem uname` (the first guest command) is what is timed.
 * Best of 3 (build: 1 run each).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixtures } from '../test/helpers/fixtures.js';
import { kernels } from '../test/helpers/kernels.js';
import { VIRTMEM_BIN, best, measure, report, version } from './lib.js';
import type { Bench } from './run.js';

export const bench: Bench = {
  name: 'profile: build vs pahole -J; cold uname with a profile vs memory-only and --vmlinux',
  async run() {
    const k = kernels().find((x) => x.abi.startsWith('6.1'));
    if (!k) { console.log('   skipped: no Debian 6.1 kernel (scripts/kernels.sh)'); return; }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-bench-profile-'));
    try {
      const prof = path.join(tmp, '6.1.profile');
      const ours = measure(process.execPath, [VIRTMEM_BIN, 'profile', 'build', k.vmlinux, '-o', prof]);
      if (ours.status !== 0) throw new Error('virtmem profile build failed');
      const haveP = spawnSync('pahole', ['--version']).status === 0;
      console.log(`   ${k.abi}: profile ${(fs.statSync(prof).size / 1048576).toFixed(1)} MB`);
      if (haveP) {
        const btf = path.join(tmp, 'vmlinux.btf');
        const peer = measure('pahole', ['-J', `--btf_encode_detached=${btf}`, k.vmlinux]);
        console.log(`   peer: pahole ${version('pahole')}; its BTF ${(fs.statSync(btf).size / 1048576).toFixed(1)} MB`);
        report('profile build (symbols + lines + metadata) vs pahole -J', ours, peer, 'pahole -J');
      } else {
        console.log(`     virtmem: ${ours.wallSeconds.toFixed(2)} s, ${ours.peakRssMiB.toFixed(0)} MiB peak (pahole not installed)`);
      }
      const f = fixtures().find((x) => x.kaslr && x.abi === k.abi);
      if (!f) { console.log('   cold uname: skipped, no KASLR fixture of this kernel'); return; }
      const env = { ...process.env, VIRTMEM_PROFILES: path.join(tmp, 'store') };
      if (measure(process.execPath, [VIRTMEM_BIN, 'profile', 'add', prof], { env }).status !== 0) throw new Error('profile add failed');
      const dump = f.dumps.elfPaging;
      const run = (extra: string[]) => best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'uname', dump, ...extra], { env }));
      const withProfile = run([]);
      const memOnly = run(['--no-profile']);
      const dwarf = run(['--no-profile', '--vmlinux', k.vmlinux]);
      report('cold `virtmem uname` with the profile vs memory-only', withProfile, memOnly, 'virtmem memory-only');
      report('cold `virtmem uname` with the profile vs --vmlinux (DWARF)', withProfile, dwarf, 'virtmem --vmlinux');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
