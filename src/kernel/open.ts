/**
 * openKernel: a dump opened as a kernel program, with its symbols and types.
 *
 * Memory-only by default (nothing but the dump):
 *   memory     the dump's physical memory, page tables and KASLR offset (arch/)
 *   identity   VMCOREINFO OSRELEASE/BUILD-ID, the banner at linux_banner (else a
 *              scan for "Linux version "), the build-id note in the image
 *   symbols    kallsyms decoded from the image (kallsyms.ts); if that fails, the
 *              few SYMBOL() lines of VMCOREINFO, with a warning
 *   types      the BTF the kernel keeps in its image (image-btf.ts), wrapped in
 *              KernelTypes so that the globals table (globals.ts) types the
 *              variables BTF does not describe
 * Overrides:
 *   vmlinux    DWARF types, and its .symtab shifted by the KASLR offset as symbols
 *              (per-CPU symbols are not shifted; the sorted table is built on first
 *              need, a few lookups by name do without it: LazyElfSymbols); its build-id and banner are
 *              checked against the dump's, a mismatch is a warning
 *   types      a CTF file (dict, archive, or ELF .ctf) or a BTF file (raw, or ELF
 *              .BTF) for the types; wins over vmlinux's DWARF
 *   systemMap  a System.map (shifted) for the symbols, when no vmlinux is given
 *   profile    a kernel profile (given, or found by findProfile from the identity
 *              read first): its .symtab (shifted) for the symbols and its .ctf for
 *              the types; a build-id other than the dump's is refused
 * Each step that fails leaves a warning and the next source is tried; only a dump
 * that cannot be read as an x86-64 kernel at all, or a file given on the command
 * line that cannot be read, is an error. `sources` says where each thing came from.
 */
import * as fs from 'node:fs';
import { UsageError, VirtmemError } from '../bytes/index.js';
import { START_KERNEL, START_KERNEL_MAP, X86_64Space, findKernelPaging, kernelMemory, type KernelMemory } from '../arch/index.js';
import { BtfTypes, Btf, btfBytes } from '../btf/index.js';
import { CtfTypes, loadCtf } from '../ctf/index.js';
import { DwarfInfo, loadDwarfSections } from '../dwarf/index.js';
import { ElfFile } from '../elf/index.js';
import { MemoryMap, openDump, type DumpFormat, type PhysicalMemory } from '../memory/index.js';
import { DwarfTypes, type Type, type TypeSource } from '../types/index.js';
import { bannerRelease, identifyKernel } from './identify.js';
import { findImageBtf } from './image-btf.js';
import { kallsymsFromImage } from './kallsyms.js';
import { KernelTypes } from './kernel-types.js';
import { LazyElfSymbols, SortedSymbols, symbolsFromSystemMap, type SymbolTable } from './symbols.js';

export interface OpenKernelOptions {
  /** vmlinux with DWARF: types from its DWARF, symbols from its .symtab. */
  vmlinux?: string;
  /** CTF or BTF file for the types. */
  types?: string;
  /** System.map for the symbols (when no vmlinux). */
  systemMap?: string;
  /** Dump format instead of detecting it. */
  format?: DumpFormat;
  /** Ignore VMCOREINFO's kallsyms symbols and find the tables by scanning (tests, damaged notes). */
  scanKallsyms?: boolean;
  /**
   * Act as if the dump carried no VMCOREINFO (page tables, kallsyms and identity
   * then all come from scans of memory): what a dump of a guest without
   * qemu_fw_cfg, or a LiME/raw image, gives; tests use it on dumps that have one.
   */
  ignoreVmcoreinfo?: boolean;
  /**
   * A kernel profile (profile/format.ts: an ELF file with .symtab, .ctf and a
   * build-id note) for symbols and, when it has .ctf, types. Its build-id must
   * be the dump's: another kernel's profile is refused (UsageError).
   */
  profile?: string;
  /**
   * Finds the dump's profile (the CLI passes the profile store's lookup),
   * called with the identity read before the symbols (VMCOREINFO BUILD-ID /
   * OSRELEASE, else the banner scan). Used when no vmlinux, System.map or
   * profile is given; memory-only when it finds none.
   */
  findProfile?: (id: { buildId?: string; release?: string }) => string | undefined;
}

/** One line of "where things came from". */
export interface KernelSource {
  what: 'memory' | 'paging' | 'identity' | 'symbols' | 'types' | 'variables';
  /** Human-readable origin, e.g. "kallsyms decoded from the image (tables from VMCOREINFO)". */
  from: string;
  /** How many (symbols, types, table globals), where it applies. */
  count?: number;
  /** True for a source that is available but not the one in use (VMCOREINFO's symbols beside kallsyms). */
  unused?: boolean;
}

export interface KernelContext {
  /** The dump's path. */
  name: string;
  memory: KernelMemory;
  /** Kernel virtual memory (word size 8, little-endian). */
  map: MemoryMap<8, 'little', true>;
  arch: 'x86_64';
  /** "6.12.117+deb12-cloud-amd64", when found. */
  release?: string;
  /** linux_banner, /proc/version's line, with its newline. */
  banner?: string;
  /** GNU build-id of the running kernel (hex), when found. */
  buildId?: string;
  kaslrOffset: bigint;
  /** Run-time _text. */
  text: bigint;
  /** Run-time addresses. */
  symbols: SymbolTable;
  /** Types, and variables with run-time addresses (KernelTypes). */
  types: KernelTypes;
  sources: KernelSource[];
  warnings: string[];
  /** The profile the symbols (and maybe types) came from, when one was used. */
  profile?: string;
}

const msg = (e: unknown) => (e instanceof VirtmemError ? e.message : String(e));

/** A TypeSource with nothing in it, when no types could be found. */
class NoTypes implements TypeSource {
  readonly format = 'none';
  lookup(): Type | undefined { return undefined; }
  variable(): undefined { return undefined; }
  types(): Iterable<Type> { return []; }
}

function readable(path: string, what: string): void {
  try { fs.accessSync(path, fs.constants.R_OK); } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function firstBytes(path: string, n: number): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try { const b = new Uint8Array(n); return b.subarray(0, fs.readSync(fd, b, 0, n, 0)); } finally { fs.closeSync(fd); }
}

/** Types from a CTF or BTF file (--types). */
function typesFile(path: string): { types: TypeSource; from: string; count: number } {
  readable(path, '--types file');
  const head = firstBytes(path, 8);
  const isElf = head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
  const btfMagic = (head[0] | (head[1] << 8)) === 0xeb9f || (head[1] | (head[0] << 8)) === 0xeb9f;
  let useBtf = btfMagic;
  if (isElf) {
    const elf = ElfFile.open(path);
    const ctf = !!elf.section('.ctf'), btf = !!elf.section('.BTF');
    elf.close();
    if (!ctf && !btf) throw new UsageError(`${path}: an ELF file with neither .ctf nor .BTF`);
    useBtf = !ctf;
  }
  if (useBtf) {
    const { bytes, section } = btfBytes(path);
    const btf = Btf.open(bytes, { source: path, section });
    if (btf.indexError) throw btf.indexError;
    return { types: new BtfTypes(btf), from: `BTF file ${path}${section ? ` (${section})` : ''}`, count: btf.typeCount };
  }
  const set = loadCtf(path);
  const pick = set.dicts.find((d) => d.name === 'vmlinux') ?? set.dicts.find((d) => d.name === '.ctf') ?? set.dicts[0];
  if (!pick) throw new UsageError(`${path}: a CTF archive with no dicts`);
  const ctf = new CtfTypes(pick.dict);
  let count = 0;
  for (const _ of ctf.types()) count++;
  return { types: ctf, from: `CTF ${set.container} ${path}${set.dicts.length > 1 ? ` (dict ${pick.name})` : ''}`, count };
}

/** kernelMemory() as if there were no VMCOREINFO. */
function withoutVmcoreinfo(phys: PhysicalMemory): KernelMemory {
  const info = phys.info();
  const paging = findKernelPaging(phys, undefined);
  const space = new X86_64Space(phys, paging.root, paging.mode);
  const map = MemoryMap.ofSpace(space).setWordsize(8).setEndian('little');
  return { phys, info, vmcoreinfo: undefined, paging, space, map };
}

/** Open `dumpPath` as a kernel; see the header for what comes from where. */
export function openKernel(dumpPath: string, opts: OpenKernelOptions = {}): KernelContext {
  readable(dumpPath, 'dump');
  if (opts.vmlinux) readable(opts.vmlinux, '--vmlinux');
  if (opts.systemMap) readable(opts.systemMap, '--system-map');
  const warnings: string[] = [];
  const sources: KernelSource[] = [];
  const phys = openDump(dumpPath, opts.format);
  const memory = opts.ignoreVmcoreinfo ? withoutVmcoreinfo(phys) : kernelMemory(phys);
  const { map, paging, vmcoreinfo } = memory;
  const di = memory.info;
  sources.push({ what: 'memory', from: `${di.format} dump ${dumpPath}` });
  sources.push({ what: 'paging', from: paging.method === 'vmcoreinfo' ? 'VMCOREINFO (page-table root, KASLR offset)' : 'scan of physical memory for the kernel page tables' });
  for (const w of paging.warnings) warnings.push(`paging: ${w}`);
  const kaslrOffset = paging.kaslrOffset;
  const text = START_KERNEL + kaslrOffset;

  // Symbols.
  const vmciSymbols = (() => {
    if (!vmcoreinfo) return undefined;
    const names: string[] = [], addrs: bigint[] = [];
    for (const [k, v] of vmcoreinfo) {
      const m = /^SYMBOL\((.+)\)$/.exec(k);
      if (m && /^[0-9a-f]{1,16}$/i.test(v)) { names.push(m[1]); addrs.push(BigInt('0x' + v)); }
    }
    return names.length ? new SortedSymbols('VMCOREINFO SYMBOL() lines', names, addrs) : undefined;
  })();
  let symbols: SymbolTable | undefined;
  let vmlinuxElf: ElfFile | undefined;
  // A profile: given, or found by the identity the dump states before any symbols are read.
  let profile = opts.vmlinux || opts.systemMap ? undefined : opts.profile;
  if (!profile && !opts.vmlinux && !opts.systemMap && opts.findProfile) {
    const pre = identifyKernel(map, { vmcoreinfo, text });
    const release = pre.release ?? (pre.banner ? bannerRelease(pre.banner) : undefined);
    profile = opts.findProfile({ buildId: pre.buildId, release });
  }
  let profileTypes = false;
  if (profile) {
    readable(profile, 'profile');
    const pelf = ElfFile.open(profile);
    try {
      const pre = identifyKernel(map, { vmcoreinfo, text });
      const pid = pelf.buildId();
      if (pid && pre.buildId && pid !== pre.buildId) {
        throw new UsageError(`profile ${profile} is for the kernel with build-id ${pid}, but the dump's kernel has build-id ${pre.buildId}: wrong profile`);
      }
      if (!pid || !pre.buildId) warnings.push(`cannot check that profile ${profile} is the dump's kernel (no build-id on one side)`);
      const t = pelf.compactSymbols();
      if (t.length) {
        symbols = new LazyElfSymbols(t, `profile ${profile} .symtab`, kaslrOffset, { shiftFrom: START_KERNEL_MAP });
        sources.push({ what: 'symbols', from: `profile ${profile} .symtab, shifted by the KASLR offset`, count: symbols.count });
      } else warnings.push(`profile ${profile} has no .symtab (stripped): symbols from memory`);
      profileTypes = !!pelf.section('.ctf');
    } finally {
      pelf.close();
    }
  }
  if (symbols) {
    // from the profile
  } else if (opts.vmlinux) {
    vmlinuxElf = ElfFile.open(opts.vmlinux);
    symbols = new LazyElfSymbols(vmlinuxElf.compactSymbols(), `${opts.vmlinux} .symtab`, kaslrOffset, { shiftFrom: START_KERNEL_MAP });
    sources.push({ what: 'symbols', from: `vmlinux .symtab ${opts.vmlinux}, shifted by the KASLR offset`, count: symbols.count });
  } else if (opts.systemMap) {
    symbols = symbolsFromSystemMap(fs.readFileSync(opts.systemMap, 'latin1'), opts.systemMap, kaslrOffset, { shiftFrom: START_KERNEL_MAP });
    sources.push({ what: 'symbols', from: `System.map ${opts.systemMap}, shifted by the KASLR offset`, count: symbols.count });
  } else {
    try {
      const k = kallsymsFromImage(map, { vmcoreinfo, text, scan: opts.scanKallsyms, source: dumpPath });
      symbols = k;
      const how = k.location.method === 'vmcoreinfo' ? 'tables located by VMCOREINFO' : `tables found by a scan, layout "${k.location.layout}"`;
      sources.push({ what: 'symbols', from: `kallsyms decoded from the image (${how})`, count: k.count });
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      warnings.push(`kallsyms: ${e.message}`);
    }
  }
  if (vmciSymbols) sources.push({ what: 'symbols', from: 'VMCOREINFO SYMBOL() lines', count: vmciSymbols.count, unused: !!symbols });
  if (!symbols) {
    symbols = vmciSymbols ?? new SortedSymbols('none', [], []);
    if (!vmciSymbols) warnings.push('no symbols: kallsyms could not be decoded and there is no VMCOREINFO');
  }

  // Identity.
  const id = identifyKernel(map, { vmcoreinfo, symbols, text });
  if (id.release) sources.push({ what: 'identity', from: `release from ${id.releaseFrom}` });
  if (id.banner) sources.push({ what: 'identity', from: `banner from ${id.bannerFrom}` });
  if (id.buildId) sources.push({ what: 'identity', from: `build-id from ${id.buildIdFrom}` });
  if (!id.release) warnings.push('kernel release not found (no VMCOREINFO OSRELEASE, no banner)');

  // Types.
  let inner: TypeSource | undefined;
  if (opts.types || profileTypes) {
    const t = typesFile(opts.types ?? profile!);
    inner = t.types;
    sources.push({ what: 'types', from: t.from, count: t.count });
  } else if (opts.vmlinux) {
    inner = new DwarfTypes(new DwarfInfo(loadDwarfSections(opts.vmlinux)));
    sources.push({ what: 'types', from: `vmlinux DWARF ${opts.vmlinux}` });
  } else {
    try {
      const b = findImageBtf(map, { symbols, text, source: dumpPath });
      inner = new BtfTypes(b.btf);
      sources.push({ what: 'types', from: `BTF found in the image at 0x${b.address.toString(16)} (${b.size} bytes, ${b.method === 'symbols' ? 'through __start_BTF' : 'by a scan for its header'})`, count: b.btf.typeCount });
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      warnings.push(`types: ${e.message}`);
    }
  }
  if (!inner) { inner = new NoTypes(); warnings.push('no types: give --vmlinux FILE (DWARF) or --types FILE (CTF or BTF)'); }
  const types = new KernelTypes(inner, symbols, { kaslrOffset, shiftFrom: START_KERNEL_MAP });
  // Counted for BTF only: asking DWARF for a variable it lacks walks all of it.
  const present = inner.format === 'btf' ? types.tableNames().filter((n) => symbols!.address(n) !== undefined && inner!.variable(n) === undefined).length : 0;
  if (present) sources.push({ what: 'variables', from: 'globals table (kernel/globals.ts) + symbols, for globals the types do not describe', count: present });

  // A vmlinux that is not the dump's kernel gives wrong answers quietly: say so.
  if (vmlinuxElf) {
    const fileId = vmlinuxElf.buildId();
    if (id.buildId && fileId && fileId !== id.buildId) warnings.push(`--vmlinux build-id ${fileId} is not the dump's ${id.buildId}: wrong vmlinux?`);
    else if (!fileId || !id.buildId) warnings.push('cannot check that --vmlinux is the dump\'s kernel (no build-id on one side)');
    vmlinuxElf.close();
  }
  return {
    name: dumpPath, memory, map, arch: 'x86_64',
    release: id.release ?? (id.banner ? bannerRelease(id.banner) : undefined), banner: id.banner, buildId: id.buildId,
    kaslrOffset, text, symbols, types, sources, warnings, profile,
  };
}
