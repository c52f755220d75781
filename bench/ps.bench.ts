/**
 * ps benchmark on the KASLR fixtures (Debian 6.1 and 6.12), cold and end to
 * end (process start to last row), on the same dump in the same run:
 *
 *   virtmem ps DUMP                    memory-only (kallsyms + BTF from the image)
 *   virtmem ps DUMP --vmlinux VMLINUX  DWARF types and .symtab (best of 3: the DWARF lookup
 *                                      cache warm; also shown cold, with an empty cache)
 *   drgn -q -c DUMP -s VMLINUX list.py listing every process (pid, comm, argv
 *                                      by drgn's cmdline()), as ps does
 *   crash -s VMLINUX DUMP              `ps` then `exit` on stdin
 *
 * The dump is elf-paging.core, the one form drgn 0.0.22 reads. Each line
 * says how many processes the tool listed (the guest had truth.tasks + the
 * idle task), so a fast failure is not mistaken for speed: crash 8.0.2 finds
 * only the idle tasks on 6.1 and cannot open 6.12 at all. Best of 3 (crash: 1).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCrashPs } from '../test/helpers/guest-cli.js';
import { VIRTMEM_BIN, best, measure, report, version, type Measure, have, withKaslrFixtures } from './lib.js';
import type { Bench } from './run.js';

const LIST = `
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.mm import cmdline
for t in for_each_task(prog):
    if t.pid.value_() != t.tgid.value_():
        continue
    argv = b' '.join(cmdline(t)).decode() if t.mm.value_() else '[' + t.comm.string_().decode() + ']'
    print(t.pid.value_(), t.real_parent.tgid.value_(), t.comm.string_().decode(), argv)
`;

/** `crash -s VMLINUX DUMP` with ps and exit on stdin, under /usr/bin/time. */
function crashPs(vmlinux: string, dump: string): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'crash', '-s', vmlinux, dump], {
    input: 'ps\nexit\n', encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000,
  });
  const lines = (r.stderr ?? '').trim().split('\n');
  const [wall, rss] = lines[lines.length - 1].split(' ').map(Number);
  return { wallSeconds: wall, peakRssMiB: rss / 1024, status: r.status ?? -1, stdout: r.stdout ?? '' };
}

const lines = (m: Measure) => m.stdout.trimEnd().split('\n').filter(Boolean).length;

export const bench: Bench = {
  name: 'ps: cold virtmem ps (memory-only and --vmlinux) vs drgn listing tasks and crash -s ps',
  async run() {
    const haveDrgn = have('drgn');
    const haveCrash = have('crash');
    console.log(`   peers: ${haveDrgn ? version('drgn') : 'drgn not installed'}; ${haveCrash ? version('crash') : 'crash not installed'}`);
    await withKaslrFixtures('list.py', LIST, async (fx, script) => {
      for (const f of fx) {
        const dump = f.dumps.elfPaging;
        const want = f.truth.tasks.length + 1;
        console.log(`   ${f.abi} (${path.basename(dump)}, ${want} processes):`);
        const memOnly = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'ps', dump], { keepStdout: true }));
        // First run on this kernel: an empty DWARF lookup cache (kernel/lookup-cache.ts); later runs use it.
        const coldVmlinux = best(2, () => measure(process.execPath, [VIRTMEM_BIN, 'ps', dump, '--vmlinux', f.kernel.vmlinux], { keepStdout: true, env: { ...process.env, VIRTMEM_INDEX: fs.mkdtempSync(path.join(path.dirname(script), 'index-')) } }));
        const withVmlinux = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'ps', dump, '--vmlinux', f.kernel.vmlinux], { keepStdout: true }));
        for (const [what, m] of [['memory-only', memOnly], ['--vmlinux', withVmlinux]] as const) {
          const n = lines(m) - 1; // header
          console.log(`     virtmem ps ${what}: ${n} processes${m.status !== 0 || n !== want ? ` (WRONG: exit ${m.status}, wanted ${want})` : ''}`);
        }
        if (haveDrgn) {
          const drgn = best(3, () => measure('drgn', ['-q', '-c', dump, '-s', f.kernel.vmlinux, script], { keepStdout: true }));
          console.log(`     drgn: ${drgn.status === 0 ? `${lines(drgn)} processes (no idle task: it walks the pid IDR)` : `failed (exit ${drgn.status})`}`);
          report('memory-only `virtmem ps` vs drgn with vmlinux', memOnly, drgn, 'drgn -s vmlinux');
          report('`virtmem ps --vmlinux` vs drgn with vmlinux', withVmlinux, drgn, 'drgn -s vmlinux');
          report('`virtmem ps --vmlinux`, first run on this kernel (empty lookup cache) vs drgn with vmlinux', coldVmlinux, drgn, 'drgn -s vmlinux');
        }
        if (haveCrash) {
          const crash = crashPs(f.kernel.vmlinux, dump);
          const n = parseCrashPs(crash.stdout).length;
          console.log(`     crash: exit ${crash.status}, ${n} of ${want} processes listed${n < want ? ' (crash 8.0.2 cannot read these kernels\' task lists' + (n === 0 ? ', or open them at all)' : ')') : ''}`);
          report('memory-only `virtmem ps` vs crash -s ps', memOnly, crash, 'crash -s');
          report('`virtmem ps --vmlinux` vs crash -s ps', withVmlinux, crash, 'crash -s');
        }
      }
    });
  },
};
