/**
 * The scanning processes keep their type-ID tables from file to file and
 * send the main process only what it has not had (scan.ts ScanTables,
 * graph.ts merge): which process scans which module must not show in the
 * output. Modules alone (no kernel image, so no slicing that depends on -j)
 * give byte-identical dicts with 1, 2 and 3 scanners, and objdump --ctf reads
 * them, children through shared_ctf, without a warning. A scanning process
 * that dies mid-scan (killed, as the OOM killer would) makes the run fail
 * with an error that says so, rather than hang or write partial dicts.
 *
 * Input: about 40 of the Debian 6.1 kernel's module debug files, every 25th
 * by size (small and large), plus a family that shares many types.
 *
 * The kernel image is scanned in slices of its compile units, and a slice's
 * scan depends on where it starts: the slicing is fixed by the input, never
 * by -j (run.ts imageSlices). The second test gives the same vmlinux and a
 * few modules, with objects.builtin as kernel.test.ts derives it, to 1, 2 and
 * 3 workers and wants the same bytes in every dict (before the slicing was
 * fixed, -j1 and -j2 put an anonymous struct in vmlinux's dict and in
 * shared_ctf's respectively).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scannerExecArgv } from '../../src/dedup/prestart.js';
import { dwarf2ctf, imageSlices, parseBuiltin, type Dwarf2CtfOptions } from '../../src/dedup/index.js';
import { tmpdir } from '../helpers/ctf-tools.js';
import { deriveObjectsBuiltin, objdumpDicts, koFiles } from '../helpers/dedup.js';
import { kernelOrSkip } from '../helpers/kernels.js';


test('modules scanned by 1, 2 or 3 processes give the same dicts, and objdump reads them', { timeout: 10 * 60_000 }, async (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-d2c-threads-');
  t.after(cleanup);
  const ko = koFiles(path.join(k.debugModules, 'kernel')).map((f) => ({ f, size: fs.statSync(f).size }))
    .sort((a, b) => a.size - b.size || a.f.localeCompare(b.f));
  const picked = new Set<string>();
  for (let i = 12; i < ko.length - 100; i += 25) picked.add(ko[i].f);
  for (const k2 of ko) if (/\/net\/netfilter\/(nf_conntrack|nf_nat|xt_conntrack|nf_tables)\.ko$/.test(k2.f)) picked.add(k2.f);
  const files = [...picked].sort();
  assert.ok(files.length >= 30, `${files.length} modules`);

  await sameForEveryJobs(dir, { files, sharing: true, builtin: { objects: new Map(), modules: new Set() }, blacklist: new Set() },
    (n) => assert.equal(n, files.length + 2, 'shared_ctf, vmlinux (empty) and one dict per module'));

  const od = objdumpDicts(dir, path.join(dir, 'j2'));
  assert.equal(od.stderr, '', 'objdump --ctf warnings');
  const shared = od.dicts.get('shared_ctf');
  assert.ok(shared && shared.types.size > 1000, `shared_ctf has ${shared?.types.size} types`);
  for (const f of files) {
    const name = path.basename(f, '.ko');
    assert.ok(od.dicts.has(name), `objdump lists the dict of ${name}`);
  }
});

/** Run dwarf2ctf with 1, 2 and 3 scanning processes into dir/j<N>; every output file must be byte-identical to -j1's. */
async function sameForEveryJobs(dir: string, opts: Omit<Dwarf2CtfOptions, 'outDir' | 'jobs'>, checkCount: (dicts: number) => void): Promise<void> {
  const outs: Map<string, Buffer>[] = [];
  for (const jobs of [1, 2, 3]) {
    const out = path.join(dir, `j${jobs}`);
    const r = await dwarf2ctf({ ...opts, outDir: out, jobs });
    checkCount(r.dicts.length);
    outs.push(new Map(fs.readdirSync(out).sort().map((f) => [f, fs.readFileSync(path.join(out, f))])));
  }
  const [one, ...rest] = outs;
  for (const [i, other] of rest.entries()) {
    assert.deepEqual([...other.keys()], [...one.keys()], `file names with ${i + 2} scanners`);
    const differ = [...one].filter(([f, bytes]) => !bytes.equals(other.get(f)!)).map(([f]) => f);
    assert.deepEqual(differ, [], `${differ.length} of ${one.size} dicts differ between -j${i + 2} and -j1`);
  }
}

test('vmlinux (sliced) and modules scanned by 1, 2 or 3 processes give the same dicts', { timeout: 10 * 60_000 }, async (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-d2c-slices-');
  t.after(cleanup);
  const modulesBuiltin = path.join(k.modules, 'modules.builtin');
  const derived = deriveObjectsBuiltin(k.vmlinux, modulesBuiltin);
  const builtin = parseBuiltin(derived.text, fs.readFileSync(modulesBuiltin, 'utf8'));
  const ko = koFiles(path.join(k.debugModules, 'kernel'));
  const mods = ['drivers/net/tun.ko', 'drivers/net/tap.ko', 'drivers/net/veth.ko', 'net/sched/cls_u32.ko', 'net/netfilter/xt_tcpudp.ko']
    .map((want) => ko.find((f) => f.endsWith('/' + want))).filter((f): f is string => f !== undefined).sort();
  assert.ok(mods.length >= 4, `${mods.length} modules`);
  const slices = imageSlices(fs.statSync(k.vmlinux).size);
  assert.ok(slices >= 3, `vmlinux is cut into ${slices} slices`);
  await sameForEveryJobs(dir, { files: [k.vmlinux, ...mods], sharing: true, builtin, blacklist: new Set() },
    (n) => assert.ok(n >= mods.length + 50, `${n} dicts (shared_ctf, vmlinux, built-in modules, ${mods.length} loadable ones)`));
});

/** This process's children (Linux: /proc/PID/task/TID/children). */
function childPids(): number[] {
  const out: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${process.pid}/task`)) {
    try {
      out.push(...fs.readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch { /* the thread ended */ }
  }
  return out;
}

test('a scanning process killed mid-scan fails the run with an error naming it, and writes nothing', { timeout: 10 * 60_000 }, async (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-d2c-kill-');
  t.after(cleanup);
  const files = koFiles(path.join(k.debugModules, 'kernel')).sort();
  assert.ok(files.length > 1000, `${files.length} modules`);
  const before = new Set(childPids());
  let killed = 0;
  const timer = setInterval(() => {
    for (const pid of childPids()) {
      if (before.has(pid) || killed) continue;
      process.kill(pid, 'SIGKILL');
      killed = pid;
    }
  }, 50);
  const out = path.join(dir, 'out');
  try {
    await assert.rejects(dwarf2ctf({ outDir: out, files, sharing: true, builtin: { objects: new Map(), modules: new Set() }, blacklist: new Set(), jobs: 2 }),
      /dwarf2ctf scanning process 1 ended \(killed by SIGKILL\) before the scan was done/);
  } finally {
    clearInterval(timer);
  }
  assert.ok(killed > 0, 'a scanning process was started (and killed)');
  assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, 'no dict written');
});

test('a dict that cannot be written fails the run with an error naming the file, with 1 or 2 processes', { timeout: 10 * 60_000 }, async (t) => {
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-d2c-unwritable-');
  t.after(cleanup);
  const files = koFiles(path.join(k.debugModules, 'kernel')).filter((f) => /\/(tun|tap|veth)\.ko$/.test(f)).sort();
  assert.equal(files.length, 3);
  for (const jobs of [1, 2]) {
    const out = path.join(dir, `j${jobs}`);
    // A directory where veth's dict goes: the rename over it fails (even for root).
    fs.mkdirSync(path.join(out, 'veth.mod.ctf', 'x'), { recursive: true });
    await assert.rejects(dwarf2ctf({ outDir: out, files, sharing: true, builtin: { objects: new Map(), modules: new Set() }, blacklist: new Set(), jobs }),
      (e: Error) => /veth\.mod\.ctf/.test(e.message) && /EISDIR|ENOTEMPTY|EEXIST|directory/i.test(e.message), `-j${jobs}`);
    assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), [], `-j${jobs}: no temporary file left behind`);
  }
});

test('dwarf2ctf called from code given to `node -e` forks scanners that run the scanner, not that code', { timeout: 120_000 }, async (t) => {
  // (the flags a child inherits once carried the -e code: each child ran it again and forked its
  // own children, without end)
  assert.deepEqual(scannerExecArgv(['--max-old-space-size=900', '-e', 'code', '--test-only', '--eval=more', '-p', 'x', '--cpu-prof']),
    ['--max-old-space-size=900', '--cpu-prof']);
  const k = kernelOrSkip(t, '6.1');
  if (!k) return;
  const { dir, cleanup } = tmpdir('virtmem-d2c-eval-');
  t.after(cleanup);
  const ko = koFiles(path.join(k.debugModules, 'kernel')).filter((f) => /\/(crc32-pclmul|crct10dif-pclmul|nls_cp437)\.ko$/.test(f));
  assert.equal(ko.length, 3, 'three small modules of the kernel package');
  const main = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src/cli/main.js');
  const out = path.join(dir, 'out');
  const code = `import(${JSON.stringify(main)}).then((m) => m.main(${JSON.stringify(['-j', '2', out, '-e', ...ko])}, 'dwarf2ctf')).then((c) => { process.exitCode = c; });`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['crc32-pclmul.mod.ctf', 'crct10dif-pclmul.mod.ctf', 'nls_cp437.mod.ctf']);
});
