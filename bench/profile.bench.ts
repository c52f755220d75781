/**
 * Profile benchmarks (issue 10):
 * - `virtmem profile build` on Debian's 6.1 vmlinux (symbols + line tables +
 *   metadata + CTF from dwarf2ctf) beside `pahole -J --btf_encode_detached` on
 *   the same file (BTF from DWARF: the other "compact kernel types from DWARF"
 *   job); wall time, peak RSS, and the output sizes;
 * - a cold guest command on the 6.1 KASLR dump with the profile (found in the
 *   store by build-id: symbols from its .symtab, types from its .ctf),
 *   memory-only (kallsyms decoded + in-memory BTF), and with --vmlinux (DWARF):
 *   `virtmem uname`, and `virtmem print init_uts_ns.name.release` beside drgn
 *   printing the same with the vmlinux (drgn needs the 600 MB vmlinux: the
 *   profile is what replaces it).
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
        report('profile build (symbols + lines + metadata + CTF) vs pahole -J', ours, peer, 'pahole -J');
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
      const print = (extra: string[]) => best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'print', dump, 'init_uts_ns.name.release', ...extra], { env }));
      const printProfile = print([]);
      report('cold `virtmem print init_uts_ns.name.release` with the profile vs memory-only', printProfile, print(['--no-profile']), 'virtmem memory-only');
      if (spawnSync('drgn', ['--version']).status === 0) {
        const script = path.join(tmp, 'release.py');
        fs.writeFileSync(script, 'print(prog["init_uts_ns"].name.release.string_().decode())\n');
        const drgn = best(3, () => measure('drgn', ['-q', '-c', dump, '-s', k.vmlinux, script], { keepStdout: true }));
        console.log(`   peer: drgn ${version('drgn')}${drgn.status !== 0 ? ' (failed)' : ''}`);
        report('cold `virtmem print` with the profile vs drgn with the vmlinux', printProfile, drgn, 'drgn -s vmlinux');
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
