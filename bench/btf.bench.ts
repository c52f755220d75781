/**
 * BTF: parse all of a kernel's BTF (every type decoded) and list it, against
 * `bpftool btf dump file F` (to /dev/null) on the same file in the same run.
 * Inputs: the running kernel's /sys/kernel/btf/vmlinux, and each cached
 * Debian vmlinux (an ELF file: both tools find its .BTF section).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { best, measure, report, version, VIRTMEM_BIN } from './lib.js';
import type { Bench } from './run.js';
import { kernels } from '../test/helpers/kernels.js';

function inputs(): { label: string; file: string }[] {
  const out: { label: string; file: string }[] = [];
  if (fs.existsSync('/sys/kernel/btf/vmlinux')) out.push({ label: `/sys/kernel/btf/vmlinux (${os.release()})`, file: '/sys/kernel/btf/vmlinux' });
  for (const k of kernels()) out.push({ label: `vmlinux-${k.abi} (ELF, .BTF section)`, file: k.vmlinux });
  return out;
}

export const bench: Bench = {
  name: 'btf: parse and list all of vmlinux\'s BTF vs bpftool btf dump',
  async run() {
    {
      const list = inputs();
      if (!list.length) { console.log('   skipped: no /sys/kernel/btf/vmlinux and no cached kernel'); return; }
      console.log(`   peer: ${version('bpftool', ['version'])}`);
      for (const { label, file } of list) {
        const ours = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'btf', 'dump', file]));
        const peer = best(3, () => measure('bpftool', ['btf', 'dump', 'file', file]));
        if (ours.status !== 0) throw new Error(`virtmem btf dump ${file} exited ${ours.status}`);
        report(label, ours, peer, 'bpftool');
      }
    }
  },
};
