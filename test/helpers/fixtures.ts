/**
 * Hands tests the real-guest fixtures that scripts/fixtures.ts built (issue 3):
 * memory dumps of QEMU guests running Debian's kernels, with the ground truth
 * the guest printed about itself. `npm test` builds or reuses them first
 * (pretest); where the machine cannot, tests calling `fixtureOrSkip(t)` are
 * skipped with the reason printed, and counted as skipped.
 *
 * Layout (root: $VIRTMEM_FIXTURES, else ${VIRTMEM_CACHE:-~/.cache/virtmem}/fixtures):
 *   <root>/<abi>/<nokaslr|kaslr>/
 *     elf.core         QMP dump-guest-memory, ELF, paging=false: PT_LOADs with physical
 *                      addresses only (p_vaddr 0), as `virsh dump --memory-only` writes
 *     elf-paging.core  ELF, paging=true: PT_LOADs with the virtual addresses of CPU 0's page tables
 *     kdump.flat       kdump-zlib as QEMU 7.2 writes it: makedumpfile's flattened format
 *                      (starts with "makedumpfile")
 *     kdump            the same reassembled by `makedumpfile -R` (starts with "KDUMP   ")
 *     initrd.cpio      the guest's initramfs; console.log its serial console
 *     truth.json       GroundTruth below
 *     .complete        stamp written last: JSON {key, inputs, builtAt, seconds, accel}
 * Only directories holding .complete are handed out.
 *
 * The guest (scripts/fixtures/plan.ts says what, init.sh does it): 256 MB, 2 vCPUs,
 * TCG; hostname vm-fixture, domain virtmem.test; processes init, vm-tree ->
 * vm-branch-a -> vm-leaf, vm-tree -> vm-branch-b, vm-longargv (cmdline ~6.4 KB),
 * vm-threads (4 threads), vm-user (uid 1001/1002/1003, gid 2001/2002/2003), vm-stopped
 * (T), vm-zparent -> vm-zombie (Z); modules qemu_fw_cfg, dummy, virtio_net (+ deps;
 * on 6.1 virtio_pci and virtio too); interfaces lo, eth0 (10.0.2.15/24), vmdummy0
 * (02:76:6d:00:00:01, 10.77.0.1/24, 192.168.77.2/28, fd00:77::1/64); a random
 * marker in the kernel log. Tests compare with `PLAN` (re-exported) rather than
 * with constants of their own.
 *
 * Truth notes: tasks are what /proc listed while the guest reported (kernel
 * threads included; the reporter itself left out); states are as printed
 * ("S (sleeping)"), take [0] for the letter. Kernel threads may change state
 * between the report and the dump; the processes above do not. dmesgTail was
 * captured right after the marker was written; the dump's log ends with those
 * lines, possibly followed by a few later kernel lines. kallsyms values are
 * hex without 0x as the guest printed them; kaslrOffset values are "0x..." hex.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { fixturesRoot } from '../../scripts/fixtures/paths.js';
import type { GroundTruth } from '../../scripts/fixtures/truth.js';
import { kernels, type Kernel } from './kernels.js';

export type { GroundTruth, TruthInterface, TruthModule, TruthTask } from '../../scripts/fixtures/truth.js';
export * as PLAN from '../../scripts/fixtures/plan.js';
export { fixturesRoot };

export interface Fixture {
  abi: string;
  kernel: Kernel;
  kaslr: boolean;
  dir: string;
  dumps: { elf: string; elfPaging: string; kdumpFlat: string; kdump: string };
  truth: GroundTruth;
}

/** Every complete fixture whose kernel is in the cache: oldest kernel first, nokaslr before kaslr. */
export function fixtures(): Fixture[] {
  const root = fixturesRoot();
  const out: Fixture[] = [];
  for (const kernel of kernels()) {
    for (const mode of ['nokaslr', 'kaslr']) {
      const dir = path.join(root, kernel.abi, mode);
      if (!fs.existsSync(path.join(dir, '.complete'))) continue;
      let truth: GroundTruth;
      try {
        truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as GroundTruth;
      } catch {
        continue; // being replaced by a builder right now
      }
      out.push({
        abi: kernel.abi,
        kernel,
        kaslr: mode === 'kaslr',
        dir,
        dumps: {
          elf: path.join(dir, 'elf.core'),
          elfPaging: path.join(dir, 'elf-paging.core'),
          kdumpFlat: path.join(dir, 'kdump.flat'),
          kdump: path.join(dir, 'kdump'),
        },
        truth,
      });
    }
  }
  return out;
}

/**
 * The first fixture matching `sel` (kernel: a prefix of the abi, e.g. "6.1.0" or
 * "6.12"; kaslr: true/false), or skip the test saying why (stderr and t.skip).
 */
export function fixtureOrSkip(t: TestContext, sel: { kernel?: string; kaslr?: boolean } = {}): Fixture | undefined {
  const f = fixtures().find((x) => x.abi.startsWith(sel.kernel ?? '') && (sel.kaslr === undefined || x.kaslr === sel.kaslr));
  if (!f) {
    const what = [sel.kernel, sel.kaslr === undefined ? '' : sel.kaslr ? 'kaslr' : 'nokaslr'].filter(Boolean).join(' ');
    const why = `no real-guest fixture${what ? ' ' + what : ''} in ${fixturesRoot()} (npm run fixtures builds them; it needs qemu-system-x86, busybox-static, gcc, kmod, makedumpfile)`;
    process.stderr.write(`SKIP: ${why}\n`);
    t.skip(why);
  }
  return f;
}
