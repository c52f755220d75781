/**
 * Guest memory benchmarks (issue 7):
 *
 * 1. find: a 16-byte string that is absent (so both tools read everything)
 *    across a 512 MB file, `virtmem mem find --format raw --count` beside
 *    `grep -c -a -F` on the same file in the same run. The fixture dumps are
 *    256 MB each, so the file is the two ELF dumps of one kernel (nokaslr and
 *    kaslr) concatenated; without fixtures, the Debian vmlinux files repeated
 *    to 512 MB. Printed as MB/s for both and the ratio.
 * 2. One million translations of random kernel virtual addresses (sampled
 *    from the mapped kernel ranges of a fixture kdump, in process): rate.
 *    No peer tool exposes bare translation, so this one prints the rate only.
 * 3. Cold `virtmem mem info` on the fixture kdump (a new process), beside
 *    `crash --osrelease` (which opens the dump and reads its VMCOREINFO).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { kernelMemory } from '../src/arch/index.js';
import { openDump } from '../src/memory/index.js';
import { cacheRoot, kernels } from '../test/helpers/kernels.js';
import { spawnSync } from 'node:child_process';
import { VIRTMEM_BIN, best, measure, report, type Measure } from './lib.js';
import type { Bench } from './run.js';
import { prng } from '../test/helpers/prng.js';

const NEEDLE = 'vIrTmEm-AbSeNt!!'; // 16 bytes

function fixtureDirs(): string[] {
  const root = process.env.VIRTMEM_FIXTURES ?? path.join(cacheRoot(), 'fixtures');
  const out: string[] = [];
  for (const abi of fs.existsSync(root) ? fs.readdirSync(root).sort() : []) {
    for (const mode of ['nokaslr', 'kaslr']) {
      const d = path.join(root, abi, mode);
      if (fs.existsSync(path.join(d, '.complete'))) out.push(d);
    }
  }
  return out;
}

/** A 512 MB input file and a description of it. */
function bigFile(tmp: string): { file: string; what: string } {
  const target = 512 << 20;
  const dirs = fixtureDirs();
  const pieces: string[] = [];
  let what: string;
  if (dirs.length >= 2) {
    pieces.push(path.join(dirs[0], 'elf.core'), path.join(dirs[1], 'elf.core'));
    what = `${pieces.join(' + ')} concatenated`;
  } else {
    for (const k of kernels()) pieces.push(k.vmlinux);
    if (!pieces.length) throw new Error('no fixtures and no kernels in the cache: run scripts/kernels.sh and npm run fixtures');
    what = `Debian vmlinux files repeated (no fixture dumps in the cache)`;
  }
  const file = path.join(tmp, 'big.img');
  const fd = fs.openSync(file, 'w');
  let written = 0;
  const buf = Buffer.alloc(8 << 20);
  while (written < target) {
    for (const p of pieces) {
      const src = fs.openSync(p, 'r');
      let pos = 0, n: number;
      while (written < target && (n = fs.readSync(src, buf, 0, Math.min(buf.length, target - written), pos)) > 0) {
        fs.writeSync(fd, buf, 0, n);
        written += n; pos += n;
      }
      fs.closeSync(src);
      if (written >= target) break;
    }
  }
  fs.closeSync(fd);
  return { file, what: `${what}, ${(written / 1048576).toFixed(0)} MiB` };
}

/** First non-empty line of `tool args` (crash prints an empty line first). */
function version(tool: string, args: string[] = ['--version']): string {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  return ((r.stdout || '') + (r.stderr || '')).split('\n').map((l) => l.trim()).find((l) => l) ?? '';
}

function mbps(bytes: number, m: Measure): string {
  return `${(bytes / 1048576 / Math.max(m.wallSeconds, 0.001)).toFixed(0)} MB/s`;
}

export const bench: Bench = {
  name: 'memory: find across 512 MB, kernel-address translations, cold mem info',
  async run() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-bench-'));
    try {
      // 1. find
      const { file, what } = bigFile(tmp);
      const size = fs.statSync(file).size;
      console.log(`   input: ${what}`);
      measure('cat', [file]); // warm the page cache for both tools
      const ours = best(3, () => measure('node', [VIRTMEM_BIN, 'mem', 'find', file, NEEDLE, '--format', 'raw', '--phys', '--count'], { keepStdout: true }));
      const peer = best(3, () => measure('grep', ['-c', '-a', '-F', NEEDLE, file], { keepStdout: true }));
      report(`find a 16-byte string in ${(size / 1048576).toFixed(0)} MiB (${version('grep')})`, ours, peer, 'grep -c -a -F');
      console.log(`     throughput: virtmem ${mbps(size, ours)}, grep ${mbps(size, peer)}; matches: virtmem ${ours.stdout.trim()}, grep ${peer.stdout.trim()}`);

      // 2. translations
      const dirs = fixtureDirs();
      const dump = dirs.length ? path.join(dirs[0], 'kdump') : undefined;
      if (!dump || !fs.existsSync(dump)) {
        console.log('   translations and cold mem info: skipped (no fixture kdump in the cache; run npm run fixtures)');
        return;
      }
      const km = kernelMemory(openDump(dump));
      const ranges: { start: bigint; size: number }[] = [];
      for (const e of km.space.extents(0xffff800000000000n)) ranges.push({ start: e.start, size: Number(e.end - e.start) });
      const total = ranges.reduce((a, r) => a + r.size, 0);
      const rnd = prng(12345).next;
      const addrs: bigint[] = [];
      for (let i = 0; i < 1_000_000; i++) {
        let x = Math.floor(rnd() * total);
        let r = 0;
        while (x >= ranges[r].size) { x -= ranges[r].size; r++; }
        addrs.push(ranges[r].start + BigInt(x));
      }
      const t0 = performance.now();
      let sum = 0;
      for (const a of addrs) sum += km.space.translate(a) & 1;
      const dt = (performance.now() - t0) / 1000;
      console.log(`   1,000,000 random kernel-address translations (${dump}, ${ranges.length} mapped ranges, ${(total / 1048576).toFixed(0)} MiB): ${dt.toFixed(2)} s, ${(1e6 / dt / 1e6).toFixed(2)} M/s (walks ${km.space.stats.walks}, TLB hits ${km.space.stats.tlbHits}; checksum ${sum})`);

      // 3. cold mem info
      const info = best(3, () => measure('node', [VIRTMEM_BIN, 'mem', 'info', dump]));
      const crash = best(3, () => measure('crash', ['--osrelease', dump], { keepStdout: true }));
      const node0 = best(3, () => measure('node', ['-e', '0']));
      const crashVersion = version('crash', ['--version']) || 'crash';
      report(`cold mem info on ${dump} (peer: ${crashVersion}, which only reads OSRELEASE from VMCOREINFO)`, info, crash, 'crash --osrelease');
      console.log(`     for scale: node itself starts in ${node0.wallSeconds.toFixed(2)} s`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
