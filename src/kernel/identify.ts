/**
 * Which kernel a dump holds, from what the dump itself says:
 * - VMCOREINFO: OSRELEASE (the release, "6.12.117+deb12-cloud-amd64") and
 *   BUILD-ID (the vmlinux's GNU build-id, hex), when the guest handed it over.
 * - The banner, linux_banner: "Linux version <release> (<builder>) (<compiler>)
 *   <version>\n", /proc/version's text. Read at the linux_banner symbol when the
 *   symbols know it, else found by a scan of the kernel image for
 *   "Linux version " where the NUL-terminated string ends in a newline and holds
 *   no '%' (so format strings that begin the same way are passed over); one
 *   with a build number ("#1 SMP") is preferred over the weak copy that 6.1+
 *   keeps from init/version.c ("# SMP").
 * - The image's own notes: [__start_notes, __stop_notes) hold the GNU build-id
 *   note (name "GNU", type 3) the kernel reports in /sys/kernel/notes.
 * Each is optional; what was found and from where is returned.
 */
import { findIter, type AddressSpace } from '../memory/index.js';
import type { SymbolTable } from './symbols.js';

export interface KernelIdentity {
  release?: string;
  releaseFrom?: 'VMCOREINFO OSRELEASE' | 'banner';
  banner?: string;
  bannerFrom?: 'linux_banner' | 'scan of the image';
  /** Address the banner was read at. */
  bannerAddress?: bigint;
  /** GNU build-id, lowercase hex. */
  buildId?: string;
  buildIdFrom?: 'VMCOREINFO BUILD-ID' | 'image notes';
}

const BANNER = new TextEncoder().encode('Linux version ');
const MAX_BANNER = 1024;
const MAX_NOTES = 64 << 10;
const SCAN_SPAN = 256n << 20n;

/** The NUL-terminated string at `addr` (at most `max` bytes), or undefined when it does not end inside. */
function cstringAt(space: AddressSpace, addr: bigint, max: number): string | undefined {
  const b = new Uint8Array(max);
  const n = space.readInto(addr, b, 0, max);
  const end = b.subarray(0, n).indexOf(0);
  if (end < 0) return undefined;
  return Buffer.from(b.buffer, 0, end).toString('latin1');
}

function isBanner(s: string | undefined): s is string {
  return !!s && s.startsWith('Linux version ') && s.endsWith('\n') && !s.includes('%') && /^Linux version \S+ /.test(s);
}

/** The release in a banner ("Linux version 6.1.0-56-cloud-amd64 (...)" -> "6.1.0-56-cloud-amd64"). */
export function bannerRelease(banner: string): string | undefined {
  return /^Linux version (\S+)/.exec(banner)?.[1];
}

/** The GNU build-id in an ELF note area (4-byte aligned notes). */
export function buildIdFromNotes(b: Uint8Array): string | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  for (let guard = 0; p + 12 <= b.length && guard < 4096; guard++) {
    const namesz = dv.getUint32(p, true), descsz = dv.getUint32(p + 4, true), type = dv.getUint32(p + 8, true);
    const nameAt = p + 12, descAt = nameAt + ((namesz + 3) & ~3), next = descAt + ((descsz + 3) & ~3);
    if (namesz > b.length || descsz > b.length || next > b.length) return undefined;
    if (type === 3 && namesz === 4 && b[nameAt] === 0x47 && b[nameAt + 1] === 0x4e && b[nameAt + 2] === 0x55 && b[nameAt + 3] === 0 && descsz >= 8 && descsz <= 64) {
      return Buffer.from(b.subarray(descAt, descAt + descsz)).toString('hex');
    }
    if (next <= p) return undefined;
    p = next;
  }
  return undefined;
}

export function identifyKernel(space: AddressSpace, opts: { vmcoreinfo?: Map<string, string>; symbols?: SymbolTable; text: bigint }): KernelIdentity {
  const id: KernelIdentity = {};
  const v = opts.vmcoreinfo;
  const rel = v?.get('OSRELEASE');
  if (rel) { id.release = rel; id.releaseFrom = 'VMCOREINFO OSRELEASE'; }
  const bid = v?.get('BUILD-ID');
  if (bid && /^[0-9a-f]{8,128}$/i.test(bid)) { id.buildId = bid.toLowerCase(); id.buildIdFrom = 'VMCOREINFO BUILD-ID'; }

  const at = opts.symbols?.address('linux_banner');
  if (at !== undefined) {
    const s = cstringAt(space, at, MAX_BANNER);
    if (isBanner(s)) { id.banner = s; id.bannerFrom = 'linux_banner'; id.bannerAddress = at; }
  }
  if (!id.banner) {
    // Kernels since 6.1 also keep a weak linux_banner from init/version.c, built before the
    // link and so without the build number ("... # SMP ..."); the one in use has "#<n> ".
    let tries = 0;
    const found: { s: string; at: bigint }[] = [];
    for (const hit of findIter(space, BANNER, { start: opts.text, end: opts.text + SCAN_SPAN })) {
      if (++tries > 256 || found.length >= 8) break;
      const s = cstringAt(space, hit, MAX_BANNER);
      if (isBanner(s)) found.push({ s, at: hit });
    }
    const best = found.find((b) => /\) #\d+ /.test(b.s)) ?? found[0];
    if (best) { id.banner = best.s; id.bannerFrom = 'scan of the image'; id.bannerAddress = best.at; }
  }
  if (!id.release && id.banner) {
    const r = bannerRelease(id.banner);
    if (r) { id.release = r; id.releaseFrom = 'banner'; }
  }
  if (!id.buildId) {
    const s = opts.symbols?.address('__start_notes'), e = opts.symbols?.address('__stop_notes');
    if (s !== undefined && e !== undefined && e > s && e - s <= BigInt(MAX_NOTES)) {
      const b = new Uint8Array(Number(e - s));
      if (space.readInto(s, b, 0, b.length) === b.length) {
        const h = buildIdFromNotes(b);
        if (h) { id.buildId = h; id.buildIdFrom = 'image notes'; }
      }
    }
  }
  return id;
}
