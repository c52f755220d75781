/**
 * Builds the real-guest fixtures, or reuses them from the cache (issue 3).
 *
 *   node dist/scripts/fixtures.js [--best-effort] [--only ABI-PREFIX] [--kaslr | --nokaslr] [--force]
 *
 * For each Debian kernel that scripts/kernels.sh provides, and for KASLR off
 * and on, it boots a busybox guest that builds a known state and prints its
 * ground truth (scripts/fixtures/init.sh, report.sh, plan.ts), dumps its
 * memory three ways through QMP (guest.ts), reassembles the flattened kdump
 * with `makedumpfile -R`, and writes truth.json (truth.ts). Layout:
 *
 *   ${VIRTMEM_FIXTURES:-${VIRTMEM_CACHE:-~/.cache/virtmem}/fixtures}/<abi>/<nokaslr|kaslr>/
 *     elf.core         dump-guest-memory ELF, paging=false (physical PT_LOADs, as virsh dump --memory-only)
 *     elf-paging.core  dump-guest-memory ELF, paging=true (PT_LOADs carry virtual addresses)
 *     kdump.flat       dump-guest-memory kdump-zlib: makedumpfile's flattened format, as QEMU writes it
 *     kdump            the same reassembled by `makedumpfile -R` (signature "KDUMP   ")
 *     initrd.cpio      the guest's initramfs
 *     console.log      the guest's serial console
 *     truth.json       GroundTruth (scripts/fixtures/truth.ts)
 *     .complete        stamp written last: JSON {key, inputs, builtAt, seconds, accel}
 *
 * A fixture is reused when its stamp's key (package versions + a hash of the
 * builder's own files) matches; otherwise it is built in a temporary directory
 * beside it and renamed into place. One builder at a time (a lock directory in
 * the root); guests boot one after another. Prints "<abi> <mode> <dir> <built|reused>"
 * per fixture on stdout, progress on stderr. --best-effort: where the machine
 * cannot build fixtures (a tool missing, no kernel), say why and exit 0.
 * Environment: VIRTMEM_NO_FIXTURES=1 builds nothing; VIRTMEM_KVM=1 tries KVM;
 * VIRTMEM_KEEP_FAILED=1 keeps a failed build's directory for a look.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { bootAndDump, CPUS, killGuests, KvmBroken, kvmUsable, MEMORY_MIB, QEMU } from './fixtures/guest.js';
import { BUSYBOX, buildInitramfs, sourceDir, tmpWorkDir, type Initramfs } from './fixtures/initramfs.js';
import { fixturesRoot } from './fixtures/paths.js';
import { INTERFACES, TASKS } from './fixtures/plan.js';
import { hex, parseReport, readVmcoreinfo, systemMapAddress, type GroundTruth } from './fixtures/truth.js';

const MODES = ['nokaslr', 'kaslr'] as const;
type Mode = (typeof MODES)[number];

const log = (msg: string) => process.stderr.write(`fixtures: ${msg}\n`);

class CannotBuild extends Error {}

const repoRoot = () => path.resolve(sourceDir(), '../..');

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function checkTools(): void {
  const missing = [QEMU, 'gcc', 'depmod', 'modinfo', 'xz', 'makedumpfile'].filter((t) => !have(t));
  if (!fs.existsSync(BUSYBOX)) missing.push(`${BUSYBOX} (busybox-static)`);
  if (missing.length) throw new CannotBuild(`missing ${missing.join(', ')} (run scripts/setup.sh as root)`);
}

function toolVersion(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
}

function pkgVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'unknown';
  }
}

/** sha256 over the builder's own files: this entry point's source and scripts/fixtures/. */
function builderHash(): string {
  const h = createHash('sha256');
  const files = [path.join(repoRoot(), 'scripts/fixtures.ts'), ...fs.readdirSync(sourceDir()).sort().map((f) => path.join(sourceDir(), f))];
  for (const f of files) {
    h.update(path.basename(f) + '\0');
    h.update(fs.readFileSync(f));
  }
  return h.digest('hex');
}

interface KernelInfo {
  abi: string;
  dir: string;
  version: string;
  root: string;
  vmlinuz: string;
  systemMap: string;
}

function findKernels(): KernelInfo[] {
  let out: string;
  try {
    out = execFileSync('bash', [path.join(repoRoot(), 'scripts/kernels.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    throw new CannotBuild(`scripts/kernels.sh failed: ${(e as Error).message.split('\n')[0]}`);
  }
  const kernels: KernelInfo[] = [];
  for (const line of out.split('\n')) {
    const [abi, dir] = line.trim().split(/\s+/);
    if (!abi || !dir) continue;
    const root = path.join(dir, 'root');
    kernels.push({
      abi, dir, root,
      version: fs.readFileSync(path.join(dir, 'version'), 'utf8').trim(),
      vmlinuz: path.join(root, 'boot', `vmlinuz-${abi}`),
      systemMap: path.join(root, 'usr/lib/debug/boot', `System.map-${abi}`),
    });
  }
  if (!kernels.length) throw new CannotBuild('scripts/kernels.sh gave no kernel');
  return kernels;
}

/** Takes the root's lock directory, waiting for a live holder; returns the release function. */
async function lock(root: string): Promise<() => void> {
  const dir = path.join(root, '.lock');
  const deadline = Date.now() + 60 * 60_000;
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid = 0;
    try { pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8')); } catch { /* being written or gone */ }
    let alive = true;
    if (pid > 0) {
      try { process.kill(pid, 0); } catch { alive = false; }
    } else if (Date.now() - (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 10_000) {
      alive = false;
    }
    if (!alive) {
      log(`removing a stale lock (pid ${pid || '?'})`);
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!said) log(`waiting for another fixture builder (pid ${pid}) to finish`);
    said = true;
    if (Date.now() > deadline) throw new Error(`fixture builder lock ${dir} held by pid ${pid} for an hour`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Removes what interrupted builders left (we hold the lock, so no builder is using them). */
function removeLeftovers(root: string): void {
  for (const abi of fs.readdirSync(root)) {
    const d = path.join(root, abi);
    if (abi.startsWith('.') || !fs.statSync(d).isDirectory()) continue;
    for (const name of fs.readdirSync(d)) {
      if (/^\.(nokaslr|kaslr)\.(tmp|old)-\d+$/.test(name)) {
        log(`removing the leftover ${path.join(d, name)}`);
        fs.rmSync(path.join(d, name), { recursive: true, force: true });
      }
    }
  }
}

interface Stamp {
  key: string;
  inputs: Record<string, string>;
  builtAt: string;
  seconds: number;
  accel: string;
}

function readStamp(dir: string): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, '.complete'), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

function checkMagic(file: string, offset: number, magic: Buffer): void {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(magic.length);
    fs.readSync(fd, b, 0, b.length, offset);
    if (!b.equals(magic)) throw new Error(`${file}: expected ${JSON.stringify(magic.toString('latin1'))} at ${offset}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** What the builder checks before it stamps a fixture: the guest did what the plan says. */
function checkTruth(t: GroundTruth, closure: string[], mode: Mode): void {
  const names = new Set(t.tasks.map((x) => x.name));
  const lost = TASKS.filter((p) => !names.has(p.name)).map((p) => p.name);
  if (lost.length) throw new Error(`the guest reports no task ${lost.join(', ')}`);
  for (const i of INTERFACES) if (!t.interfaces.some((x) => x.name === i.name)) throw new Error(`the guest reports no interface ${i.name}`);
  const loaded = new Set(t.modules.map((m) => m.name));
  const missing = closure.filter((m) => !loaded.has(m));
  if (missing.length) throw new Error(`modules not loaded: ${missing.join(', ')}`);
  if (!t.vmcoreinfo) throw new Error('the ELF dump carries no VMCOREINFO note (was qemu_fw_cfg loaded?)');
  if (t.kaslrOffset.vmcoreinfo !== t.kaslrOffset.kallsyms)
    throw new Error(`KASLR offsets disagree: VMCOREINFO ${t.kaslrOffset.vmcoreinfo}, kallsyms ${t.kaslrOffset.kallsyms}`);
  if ((mode === 'nokaslr') !== (t.kaslrOffset.kallsyms === '0x0'))
    throw new Error(`${mode} guest has KASLR offset ${t.kaslrOffset.kallsyms}`);
}

/**
 * TCG unless VIRTMEM_KVM=1 and /dev/kvm opens: nested KVM (as on this team's
 * machines) can open /dev/kvm and then hang or fail inside the guest, and TCG
 * boots the guest in about 10 s anyway. A KVM failure QEMU reports falls back to TCG.
 */
let accel = process.env.VIRTMEM_KVM === '1' && kvmUsable() ? 'kvm' : 'tcg';

async function buildOne(k: KernelInfo, mode: Mode, initramfs: Initramfs, tmp: string, work: string): Promise<string> {
  const initrd = path.join(tmp, 'initrd.cpio');
  fs.writeFileSync(initrd, initramfs.archive);
  const boot = () => bootAndDump({ vmlinuz: k.vmlinuz, initrd, kaslr: mode === 'kaslr', work, out: tmp, log, accel });
  let r;
  try {
    r = await boot();
  } catch (e) {
    if (!(e instanceof KvmBroken)) throw e;
    log(`${e.message}; using TCG from now on`);
    accel = 'tcg';
    r = await boot();
  }
  fs.writeFileSync(path.join(tmp, 'console.log'), r.console);
  const kdump = path.join(tmp, 'kdump');
  execFileSync('sh', ['-c', 'makedumpfile -R "$1" < "$2"', 'sh', kdump, r.files.kdumpFlat], { stdio: ['ignore', 'ignore', 'pipe'] });
  checkMagic(r.files.elf, 0, Buffer.from('\x7fELF', 'latin1'));
  checkMagic(r.files.elfPaging, 0, Buffer.from('\x7fELF', 'latin1'));
  checkMagic(r.files.kdumpFlat, 0, Buffer.from('makedumpfile'));
  checkMagic(kdump, 0, Buffer.from('KDUMP   '));

  const reported = parseReport(r.console);
  const vmcoreinfo = readVmcoreinfo(r.files.elf);
  const mapText = systemMapAddress(k.systemMap, '_text');
  const kaslrOffset: GroundTruth['kaslrOffset'] = {};
  if (vmcoreinfo?.KERNELOFFSET !== undefined) kaslrOffset.vmcoreinfo = hex(BigInt('0x' + vmcoreinfo.KERNELOFFSET));
  if (reported.kallsyms._text && mapText !== undefined) kaslrOffset.kallsyms = hex(BigInt('0x' + reported.kallsyms._text) - mapText);
  const truth: GroundTruth = {
    ...reported,
    kaslrOffset,
    vmcoreinfo,
    boot: { accel: r.accel, memoryMiB: MEMORY_MIB, cpus: CPUS, append: r.append, readySeconds: r.readySeconds, qemu: toolVersion(QEMU, ['--version']) },
  };
  checkTruth(truth, initramfs.closure, mode);
  fs.writeFileSync(path.join(tmp, 'truth.json'), JSON.stringify(truth, null, 1) + '\n');
  return r.accel;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'best-effort': { type: 'boolean' },
      only: { type: 'string' },
      kaslr: { type: 'boolean' },
      nokaslr: { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  const modes = MODES.filter((m) => (values.kaslr || values.nokaslr ? values[m] : true));
  let kernels: KernelInfo[];
  try {
    if (process.env.VIRTMEM_NO_FIXTURES === '1') throw new CannotBuild('VIRTMEM_NO_FIXTURES=1');
    checkTools();
    kernels = findKernels().filter((k) => k.abi.startsWith(values.only ?? ''));
    if (!kernels.length) throw new CannotBuild(`no kernel matches ${values.only}`);
  } catch (e) {
    if (!(e instanceof CannotBuild)) throw e;
    log(`cannot build the real-guest fixtures here: ${e.message}; tests that need them will be skipped`);
    return values['best-effort'] ? 0 : 1;
  }

  const root = fixturesRoot();
  fs.mkdirSync(root, { recursive: true });
  const inputs = {
    builder: builderHash(),
    qemu: pkgVersion('qemu-system-x86'),
    busybox: pkgVersion('busybox-static'),
    gcc: toolVersion('gcc', ['-dumpfullversion']),
    makedumpfile: pkgVersion('makedumpfile'),
  };
  const release = await lock(root);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      killGuests();
      release();
      process.exit(130);
    });
  }
  try {
    removeLeftovers(root);
    for (const k of kernels) {
      let initramfs: Initramfs | undefined;
      for (const mode of modes) {
        const dir = path.join(root, k.abi, mode);
        const keyInputs = { ...inputs, kernel: `${k.abi} ${k.version}`, mode };
        const key = createHash('sha256').update(JSON.stringify(keyInputs)).digest('hex');
        if (!values.force && readStamp(dir)?.key === key) {
          process.stdout.write(`${k.abi} ${mode} ${dir} reused\n`);
          continue;
        }
        log(`building ${k.abi} ${mode} (${k.version})`);
        const started = Date.now();
        const work = tmpWorkDir();
        const tmp = path.join(root, k.abi, `.${mode}.tmp-${process.pid}`);
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        let kept = '';
        try {
          initramfs ??= buildInitramfs({ abi: k.abi, root: k.root }, work);
          let used = '';
          for (let attempt = 1; ; attempt++) {
            try {
              used = await buildOne(k, mode, initramfs, tmp, work);
              break;
            } catch (e) {
              // One more boot: a KASLR guest can land on offset 0 by chance, and a
              // TCG guest on a loaded machine can fail once where it boots the next time.
              if (attempt >= 2) throw e;
              log(`retrying once after: ${(e as Error).message}`);
            }
          }
          const stamp: Stamp = { key, inputs: keyInputs, builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000, accel: used };
          fs.writeFileSync(path.join(tmp, '.complete'), JSON.stringify(stamp, null, 1) + '\n');
          const old = path.join(root, k.abi, `.${mode}.old-${process.pid}`);
          if (fs.existsSync(dir)) fs.renameSync(dir, old);
          fs.renameSync(tmp, dir);
          fs.rmSync(old, { recursive: true, force: true });
          log(`built ${k.abi} ${mode} in ${stamp.seconds.toFixed(1)} s`);
          process.stdout.write(`${k.abi} ${mode} ${dir} built\n`);
        } catch (e) {
          if (process.env.VIRTMEM_KEEP_FAILED === '1') {
            log(`keeping the failed build in ${tmp}`);
            kept = tmp;
          }
          throw e;
        } finally {
          if (kept !== tmp) fs.rmSync(tmp, { recursive: true, force: true });
          fs.rmSync(work, { recursive: true, force: true });
        }
      }
    }
  } finally {
    release();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    log(`error: ${e.message}`);
    process.exit(1);
  },
);
