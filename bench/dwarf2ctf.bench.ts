/**
 * dwarf2ctf on the whole Debian kernel — vmlinux plus every module debug
 * file — against `pahole -J` (BTF encoding) of a copy of the same vmlinux
 * alone, in the same run. Target: the whole kernel in no more time than
 * pahole takes for vmlinux. Prints wall time, peak RSS (the sum of every
 * dwarf2ctf process's peak, as --stats reports it: an upper bound on the
 * peak of the sum), the ratio, and what came out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Bench } from './run.js';
import { measure, report, version, type Measure } from './lib.js';
import { deriveObjectsBuiltin, koFiles } from '../test/helpers/dedup.js';
import { kernels } from '../test/helpers/kernels.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/dwarf2ctf.js');


/** Rounds per tool (taking turns); the best of each is compared. */
const ROUNDS = 3;

export const bench: Bench = {
  name: 'dwarf2ctf: whole Debian kernel (vmlinux + all modules) vs pahole -J of vmlinux alone',
  async run() {
    const k = kernels().find((x) => x.abi.startsWith('6.1'));
    if (!k) { console.log('   skipped: no Debian 6.1 kernel in the cache (run scripts/kernels.sh)'); return; }
    console.log(`   peer: pahole ${version('pahole')}; ${os.availableParallelism()} cores`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-bench-d2c-'));
    try {
      const modulesBuiltin = path.join(k.modules, 'modules.builtin');
      const derived = deriveObjectsBuiltin(k.vmlinux, modulesBuiltin);
      fs.writeFileSync(path.join(dir, 'objects.builtin'), derived.text);
      fs.writeFileSync(path.join(dir, 'dedup.blacklist'), '');
      const mods = koFiles(path.join(k.debugModules, 'kernel'));
      const inputBytes = [k.vmlinux, ...mods].reduce((a, f) => a + fs.statSync(f).size, 0);
      fs.writeFileSync(path.join(dir, 'args'), [path.join(dir, 'objects.builtin'), modulesBuiltin, path.join(dir, 'dedup.blacklist'), k.vmlinux, ...mods].join('\n'));
      const copy = path.join(dir, 'vmlinux');
      // Each tool three times, taking turns, best of three: this machine's speed drifts by a fifth
      // from minute to minute (more for two busy cores than for one), and turns keep both tools
      // under the same drift. Every round is printed, so the spread shows.
      // Each round writes into a directory of its own and nothing is deleted until the end: ext4
      // will not reuse an inode freed less than a minute ago and looks at each such one again for
      // every file it creates, so 1,227 files made right after 1,227 were deleted cost about a
      // second of kernel time that a build into a fresh directory does not pay.
      let ours: Measure | undefined, peer: Measure | undefined;
      let out = '';
      const rounds: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        out = path.join(dir, `out${round}`);
        const o = measure(process.execPath, [BIN, out, '-q', '--stats', `@${path.join(dir, 'args')}`], { keepStdout: true });
        if (o.status !== 0) throw new Error(`dwarf2ctf failed (status ${o.status})`);
        // GNU time's %M is one process's peak; the scanning children count too.
        const all = /peak RSS, all processes: (\d+) MiB/.exec(o.stdout);
        if (!all) throw new Error('dwarf2ctf --stats did not report its peak RSS');
        o.peakRssMiB = Number(all[1]);
        // GNU time counts the CPU of the children this process waited for; it does not wait for the scanning ones.
        const cpu = /CPU, all processes: ([\d.]+) s/.exec(o.stdout);
        if (!cpu) throw new Error('dwarf2ctf --stats did not report its CPU time');
        o.cpuSeconds = Number(cpu[1]);
        if (!ours || o.wallSeconds < ours.wallSeconds) ours = o;
        fs.copyFileSync(k.vmlinux, copy); // pahole -J writes into it
        const p = measure('pahole', ['-J', copy]);
        if (p.status !== 0) throw new Error(`pahole -J failed (status ${p.status})`);
        if (!peer || p.wallSeconds < peer.wallSeconds) peer = p;
        rounds.push(`${o.wallSeconds.toFixed(2)}/${p.wallSeconds.toFixed(2)}`);
      }
      const again = measure(process.execPath, [BIN, out, '-q', `@${path.join(dir, 'args')}`]);

      const files = fs.readdirSync(out);
      let gz = 0, raw = 0;
      for (const f of files) {
        const b = fs.readFileSync(path.join(out, f));
        gz += b.length;
        raw += gunzipSync(b).length;
      }
      console.log(`   input: vmlinux + ${mods.length} modules, ${(inputBytes / 2 ** 30).toFixed(2)} GiB of ELF`);
      console.log(`   output: ${files.length} dicts, ${(raw / 2 ** 20).toFixed(1)} MiB raw, ${(gz / 2 ** 20).toFixed(1)} MiB gzip'd`);
      report(`dwarf2ctf whole kernel vs pahole -J vmlinux, best of ${ROUNDS} each, taking turns (target: time ratio <= 1)`, ours!, peer!, 'pahole -J vmlinux');
      console.log(`     each round, virtmem/pahole seconds: ${rounds.join(', ')}`);
      console.log(`     CPU (user + sys, all threads): virtmem ${ours!.cpuSeconds?.toFixed(1)} s, pahole ${peer!.cpuSeconds?.toFixed(1)} s; ` +
        `load average at the end ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`);
      console.log(`     second run on unchanged input (rewrites nothing): ${again.wallSeconds.toFixed(2)} s`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
