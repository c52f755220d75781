/**
 * BTF: open a kernel's BTF and resolve the structs a command needs (pahole -F
 * btf -C as the peer, and the time beyond Node's own start); parse all of a kernel's BTF into the type model and print it as C,
 * against `bpftool btf dump file F format c`; and decode every record into the
 * raw listing, against `bpftool btf dump file F`; both to /dev/null, same file,
 * same run.
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
  name: 'btf: all of vmlinux\'s BTF into the type model (and raw) vs bpftool btf dump',
  async run() {
    {
      const list = inputs();
      if (!list.length) { console.log('   skipped: no /sys/kernel/btf/vmlinux and no cached kernel'); return; }
      console.log(`   peer: ${version('bpftool', ['version'])}`);
      console.log(`   peer: ${version('pahole', ['--version'])}`);
      for (const { label, file } of list) {
        // What a command does on a dump: open the BTF and resolve a few structs (and what they reference).
        const names = ['task_struct', 'list_head', 'uts_namespace', 'net_device', 'module'];
        const oursL = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'btf', 'dump', file, ...names.flatMap((n) => ['--struct', n]), '--layout']));
        const peerL = best(3, () => measure('pahole', ['-F', 'btf', '-C', names.join(','), file]));
        if (oursL.status !== 0) throw new Error(`virtmem btf dump --struct ${file} exited ${oursL.status}`);
        report(`${label}: open + ${names.length} struct layouts  vs  pahole -F btf -C ${names.join(',')}`, oursL, peerL, 'pahole');
        const base = best(3, () => measure(process.execPath, ['-e', '0']));
        console.log(`     node start alone (node -e 0, same moment): ${base.wallSeconds.toFixed(2)} s, ${base.peakRssMiB.toFixed(0)} MiB peak; virtmem beyond it: ${((oursL.wallSeconds - base.wallSeconds) * 1000).toFixed(0)} ms`);
        // Every type into the type model, printed as C, against bpftool's C dump.
        const oursC = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'btf', 'dump', file]));
        const peerC = best(3, () => measure('bpftool', ['btf', 'dump', 'file', file, 'format', 'c']));
        if (oursC.status !== 0) throw new Error(`virtmem btf dump ${file} exited ${oursC.status}`);
        report(`${label}: all types -> type model -> C  vs  bpftool btf dump file F format c`, oursC, peerC, 'bpftool');
        // Every record decoded and listed, against bpftool's raw dump.
        const ours = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'btf', 'dump', '--raw', file]));
        const peer = best(3, () => measure('bpftool', ['btf', 'dump', 'file', file]));
        if (ours.status !== 0) throw new Error(`virtmem btf dump --raw ${file} exited ${ours.status}`);
        report(`${label}: every record, raw listing  vs  bpftool btf dump file F`, ours, peer, 'bpftool');
      }
    }
  },
};
