/**
 * BTF: parse all of a kernel's BTF (every type decoded) and list it, against
 * `bpftool btf dump file F` (to /dev/null) on the same file in the same run.
 * Inputs: the running kernel's /sys/kernel/btf/vmlinux, and the .BTF of each
 * cached Debian vmlinux (extracted once with objcopy).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { best, measure, report, version, VIRTMEM_BIN } from './lib.js';
import type { Bench } from './run.js';
import { kernels } from '../test/helpers/kernels.js';

function inputs(tmp: string): { label: string; file: string }[] {
  const out: { label: string; file: string }[] = [];
  if (fs.existsSync('/sys/kernel/btf/vmlinux')) out.push({ label: `/sys/kernel/btf/vmlinux (${os.release()})`, file: '/sys/kernel/btf/vmlinux' });
  for (const k of kernels()) {
    const f = path.join(tmp, `${k.abi}.btf`);
    try {
      execFileSync('objcopy', ['--dump-section', `.BTF=${f}`, k.vmlinux, path.join(tmp, 'discard')], { stdio: 'ignore' });
      out.push({ label: `vmlinux-${k.abi} .BTF`, file: f });
    } catch { console.log(`   (no .BTF extracted from ${k.vmlinux})`); }
  }
  return out;
}

export const bench: Bench = {
  name: 'btf: parse and list all of vmlinux\'s BTF vs bpftool btf dump',
  async run() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-bench-btf-'));
    try {
      const list = inputs(tmp);
      if (!list.length) { console.log('   skipped: no /sys/kernel/btf/vmlinux and no cached kernel'); return; }
      console.log(`   peer: ${version('bpftool', ['version'])}`);
      for (const { label, file } of list) {
        const size = fs.statSync(file).size;
        const ours = best(3, () => measure(process.execPath, [VIRTMEM_BIN, 'btf', 'dump', file]));
        const peer = best(3, () => measure('bpftool', ['btf', 'dump', 'file', file]));
        if (ours.status !== 0) throw new Error(`virtmem btf dump ${file} exited ${ours.status}`);
        report(`${label}, ${(size / 2 ** 20).toFixed(1)} MiB`, ours, peer, 'bpftool');
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
