/**
 * Hands tests the real Debian kernels that scripts/kernels.sh unpacked into the
 * cache. Tests that need one call `kernelOrSkip(t)`: where none is present the
 * test is skipped with the reason printed, and counted as skipped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

export interface Kernel {
  /** e.g. "6.1.0-56-cloud-amd64" */
  abi: string;
  /** Debian package version, e.g. "6.1.192-2" */
  version: string;
  dir: string;
  /** vmlinux with DWARF (usr/lib/debug/boot/vmlinux-<abi>) */
  vmlinux: string;
  /** System.map-<abi> from the -dbg package (boot/System.map-<abi> of the image package is a one-line placeholder) */
  systemMap: string;
  /** bootable bzImage */
  vmlinuz: string;
  /** module debug files: usr/lib/debug/lib/modules/<abi> */
  debugModules: string;
  /** loadable modules: lib/modules/<abi> */
  modules: string;
}

export function cacheRoot(): string {
  return process.env.VIRTMEM_CACHE ?? path.join(os.homedir(), '.cache', 'virtmem');
}

/** Every complete kernel in the cache, oldest release first. */
export function kernels(): Kernel[] {
  const root = path.join(cacheRoot(), 'kernels');
  let names: string[] = [];
  try { names = fs.readdirSync(root); } catch { return []; }
  const out: Kernel[] = [];
  for (const abi of names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const dir = path.join(root, abi);
    if (!fs.existsSync(path.join(dir, '.complete'))) continue;
    const r = path.join(dir, 'root');
    out.push({
      abi,
      version: fs.readFileSync(path.join(dir, 'version'), 'utf8').trim(),
      dir,
      vmlinux: path.join(r, 'usr/lib/debug/boot', `vmlinux-${abi}`),
      systemMap: path.join(r, 'usr/lib/debug/boot', `System.map-${abi}`),
      vmlinuz: path.join(r, 'boot', `vmlinuz-${abi}`),
      debugModules: path.join(r, 'usr/lib/debug/lib/modules', abi),
      modules: path.join(r, 'lib/modules', abi),
    });
  }
  return out;
}

/** The kernel whose abi starts with `prefix` (default: the first), or skip the test saying why. */
export function kernelOrSkip(t: TestContext, prefix = ''): Kernel | undefined {
  const k = kernels().find((x) => x.abi.startsWith(prefix));
  if (!k) {
    const why = `no Debian kernel${prefix ? ' ' + prefix : ''} in ${path.join(cacheRoot(), 'kernels')} (run scripts/kernels.sh)`;
    process.stderr.write(`SKIP: ${why}\n`);
    t.skip(why);
  }
  return k;
}
