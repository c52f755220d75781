/**
 * `virtmem mem`: a guest's memory from a dump.
 *
 *   mem info DUMP [--json] [--vmcoreinfo]     format, ranges and holes, notes, VMCOREINFO,
 *                                             architecture, page-table root, paging mode, KASLR
 *   mem read DUMP ADDR [LEN] [--phys]         hex dump (virtual addresses go through the page tables)
 *   mem find DUMP STRING [--all] [--align] [--phys] [--hex] [--limit N]
 *   mem find DUMP --pointer ADDR [--all] [--phys]
 *   mem string DUMP ADDR [--phys]             the C string at ADDR
 *   mem save DUMP OUT [--from ADDR] [--to ADDR]   physical memory (and VMCOREINFO) as a VMMEMMAP file
 */
import { UsageError, VirtmemError } from '../bytes/index.js';
import { kernelMemory, type KernelMemory } from '../arch/index.js';
import {
  MemoryFault, MemoryMap, findIter, openDump, saveMap,
  type AddressSpace, type DumpFormat, type PhysicalMemory,
} from '../memory/index.js';
import { flag, parse, parseAddress, str, type Parsed } from './args.js';
import type { Subcommand } from './main.js';
import { renderJson } from './render.js';

const USAGE = `virtmem mem info|read|find|string|save DUMP ... [--format elf|kdump|flat|lime|saved|raw]
  info DUMP [--json] [--vmcoreinfo]
  read DUMP ADDR [LEN] [--phys]
  find DUMP STRING [--all] [--align] [--phys] [--hex] [--limit N] [--count]
  find DUMP --pointer ADDR [--all] [--phys] [--limit N]
  string DUMP ADDR [--phys]
  save DUMP OUT [--from ADDR] [--to ADDR]`;

const hex = (n: bigint | number) => '0x' + n.toString(16);

/** --format FMT: read DUMP as this format instead of detecting it (e.g. raw for a plain image). */
const FORMAT_OPT = { format: { type: 'string' as const } };
const FORMATS: DumpFormat[] = ['elf', 'kdump', 'flat', 'lime', 'saved', 'raw'];

function open(dump: string, p: Parsed): PhysicalMemory {
  const f = str(p, 'format');
  if (f !== undefined && !FORMATS.includes(f as DumpFormat)) throw new UsageError(`unknown --format ${f} (one of ${FORMATS.join(', ')})`);
  return openDump(dump, f as DumpFormat | undefined);
}
const out = (s: string) => process.stdout.write(s);

function noteTypeName(name: string, type: number): string {
  if (name === 'CORE' || name === 'LINUX') {
    const t: Record<number, string> = { 1: 'NT_PRSTATUS', 2: 'NT_PRFPREG', 3: 'NT_PRPSINFO', 4: 'NT_TASKSTRUCT', 6: 'NT_AUXV', 0x202: 'NT_X86_XSTATE' };
    if (t[type]) return t[type];
  }
  if (name === 'VMCOREINFO' && type === 0) return 'VMCOREINFO';
  if (name === 'QEMU' && type === 0) return 'QEMU CPU state';
  return `type ${type}`;
}

/** Physical memory holes below the highest present address. */
function holes(phys: PhysicalMemory): { start: number; end: number }[] {
  const r = phys.ranges();
  const h: { start: number; end: number }[] = [];
  let prev = 0;
  for (const x of r) { if (x.start > prev) h.push({ start: prev, end: x.start }); prev = x.end; }
  return h;
}

function info(argv: string[]): number {
  const p = parse(argv, { ...FORMAT_OPT, json: { type: 'boolean' }, vmcoreinfo: { type: 'boolean' } }, 'virtmem mem info DUMP [--json] [--vmcoreinfo]');
  const [dump] = p.positionals;
  if (!dump) throw new UsageError(`missing DUMP\nusage: ${USAGE}`);
  const phys = open(dump, p);
  const di = phys.info();
  let km: KernelMemory | undefined;
  let kernelError: string | undefined;
  try { km = kernelMemory(phys); } catch (e) {
    if (!(e instanceof VirtmemError)) throw e;
    kernelError = e.message;
  }
  const ranges = phys.ranges();
  const hs = holes(phys);
  const present = ranges.reduce((a, r) => a + (r.end - r.start), 0);
  const v = km?.vmcoreinfo;
  const kernel = km ? {
    architecture: 'x86_64',
    pagingMode: km.paging.mode.name,
    pageTableRoot: BigInt(km.paging.root),
    rootVirtual: km.paging.rootSymbol,
    found: km.paging.method === 'vmcoreinfo' ? 'from VMCOREINFO' : 'by scanning physical memory',
    kaslrOffset: km.paging.kaslrOffset,
    physBase: km.paging.physBase,
    warnings: km.paging.warnings,
  } : undefined;
  if (flag(p, 'json')) {
    out(renderJson({
      file: dump, format: di.format, details: Object.fromEntries(di.details.map(([k, x]) => [k, x])),
      physical: { present, ranges: ranges.map((r) => ({ start: r.start, end: r.end })), holes: hs },
      notes: di.notes.map((n) => ({ name: n.name, type: noteTypeName(n.name, n.type), size: n.desc.length })),
      vmcoreinfo: v ? Object.fromEntries(v) : undefined,
      kernel, kernelError,
    }));
    return 0;
  }
  const lines: string[] = [];
  lines.push(`file: ${dump}`, `format: ${di.format}`);
  for (const [k, x] of di.details) lines.push(`  ${k}: ${typeof x === 'bigint' ? hex(x) : x}`);
  lines.push(`physical memory: ${present} bytes (${(present / 1048576).toFixed(1)} MiB) in ${ranges.length} range(s), ${hs.length} hole(s)`);
  const show = ranges.length > 40 ? ranges.slice(0, 40) : ranges;
  for (const r of show) lines.push(`  ${hex(r.start).padStart(14)} - ${hex(r.end).padStart(14)}  ${((r.end - r.start) / 1024).toFixed(0)} KiB`);
  if (show.length < ranges.length) lines.push(`  ... ${ranges.length - show.length} more (--json lists all)`);
  if (hs.length) {
    const holeBytes = hs.reduce((a, h) => a + h.end - h.start, 0);
    lines.push(`holes: ${hs.length}, ${(holeBytes / 1048576).toFixed(1)} MiB below the top of memory`);
  }
  lines.push(`notes: ${di.notes.length}`);
  const counts = new Map<string, number>();
  for (const n of di.notes) { const k = `${n.name} ${noteTypeName(n.name, n.type)}`; counts.set(k, (counts.get(k) ?? 0) + 1); }
  for (const [k, c] of counts) lines.push(`  ${k}${c > 1 ? ` x${c}` : ''}`);
  if (v) {
    lines.push(`VMCOREINFO: ${v.size} entries`);
    const keys = flag(p, 'vmcoreinfo') ? [...v.keys()] : ['OSRELEASE', 'BUILD-ID', 'PAGESIZE', 'KERNELOFFSET', 'NUMBER(phys_base)', 'SYMBOL(init_top_pgt)', 'SYMBOL(swapper_pg_dir)', 'NUMBER(pgtable_l5_enabled)', 'CRASHTIME'];
    for (const k of keys) if (v.has(k)) lines.push(`  ${k}=${v.get(k)}`);
    if (!flag(p, 'vmcoreinfo')) lines.push('  (--vmcoreinfo shows every entry)');
  } else lines.push('VMCOREINFO: none');
  if (kernel) {
    lines.push(`architecture: ${kernel.architecture}`);
    lines.push(`paging: ${kernel.pagingMode}, root ${hex(kernel.pageTableRoot)}${kernel.rootVirtual !== undefined ? ` (virtual ${hex(kernel.rootVirtual)})` : ''}, ${kernel.found}`);
    lines.push(`KASLR offset: ${hex(kernel.kaslrOffset)}${kernel.kaslrOffset === 0n ? ' (none)' : ''}`);
    lines.push(`phys_base: ${hex(kernel.physBase)}`);
    for (const w of kernel.warnings) lines.push(`warning: ${w}`);
  } else lines.push(`kernel: ${kernelError}`);
  out(lines.join('\n') + '\n');
  phys.close();
  return 0;
}

/** The space an address argument refers to: physical with --phys, else kernel virtual. */
function spaceFor(phys: PhysicalMemory, phys_: boolean): AddressSpace {
  return phys_ ? phys : kernelMemory(phys).space;
}

function hexdump(addr: bigint, b: Uint8Array): string {
  const lines: string[] = [];
  const w = addr + BigInt(b.length) > 0xffffffffn ? 16 : 8;
  for (let i = 0; i < b.length; i += 16) {
    const row = b.subarray(i, i + 16);
    const hx = [...row].map((x) => x.toString(16).padStart(2, '0'));
    const left = hx.slice(0, 8).join(' '), right = hx.slice(8).join(' ');
    const text = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${(addr + BigInt(i)).toString(16).padStart(w, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${text}|`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

function read(argv: string[]): number {
  const p = parse(argv, { ...FORMAT_OPT, phys: { type: 'boolean' } }, 'virtmem mem read DUMP ADDR [LEN] [--phys]');
  const [dump, a, l] = p.positionals;
  if (!dump || !a) throw new UsageError(`missing DUMP or ADDR\nusage: ${USAGE}`);
  const addr = parseAddress(a);
  const len = l ? Number(parseAddress(l, 'length')) : 256;
  if (len > 1 << 30) throw new UsageError(`length ${len} too large (at most 1 GiB)`);
  const phys = open(dump, p);
  const space = spaceFor(phys, flag(p, 'phys'));
  const buf = new Uint8Array(len);
  const got = space.readInto(addr, buf, 0, len);
  out(hexdump(addr, buf.subarray(0, got)));
  if (got < len) {
    const bad = addr + BigInt(got);
    throw new MemoryFault(space.name, bad, space.explain?.(bad) ?? 'not present');
  }
  return 0;
}

function unescape(s: string): Uint8Array {
  return Buffer.from(s.replace(/\\x([0-9a-f]{2})|\\n|\\t|\\0|\\\\/gi, (m, h) => (h ? String.fromCharCode(parseInt(h, 16)) : m === '\\n' ? '\n' : m === '\\t' ? '\t' : m === '\\0' ? '\0' : '\\')), 'latin1');
}

function find(argv: string[]): number {
  const p = parse(argv, { ...FORMAT_OPT,
    phys: { type: 'boolean' }, all: { type: 'boolean' }, align: { type: 'boolean' }, hex: { type: 'boolean' },
    pointer: { type: 'string' }, limit: { type: 'string' }, count: { type: 'boolean' },
  }, 'virtmem mem find DUMP STRING|--pointer ADDR [--all] [--align] [--phys] [--hex] [--limit N] [--count]');
  const [dump, s] = p.positionals;
  const ptr = str(p, 'pointer');
  if (!dump || (s === undefined && ptr === undefined)) throw new UsageError(`missing DUMP or STRING\nusage: ${USAGE}`);
  let needle: Uint8Array;
  let align = 1;
  if (ptr !== undefined) {
    const v = parseAddress(ptr, 'pointer');
    needle = new Uint8Array(8);
    new DataView(needle.buffer).setBigUint64(0, v & ((1n << 64n) - 1n), true);
    align = 8;
  } else if (flag(p, 'hex')) {
    const h = s!.replace(/\s+/g, '');
    if (!/^([0-9a-f]{2})+$/i.test(h)) throw new UsageError(`--hex needs an even number of hex digits: ${s}`);
    needle = Buffer.from(h, 'hex');
  } else needle = unescape(s!);
  if (needle.length === 0) throw new UsageError('empty search string');
  if (flag(p, 'align')) align = 8;
  const limitS = str(p, 'limit');
  const limit = limitS ? Number(parseAddress(limitS, 'limit')) : flag(p, 'all') || flag(p, 'count') ? Infinity : 1;
  const phys = open(dump, p);
  const space = spaceFor(phys, flag(p, 'phys'));
  let n = 0;
  for (const a of findIter(space, needle, { align })) {
    n++;
    if (!flag(p, 'count')) out(hex(a) + '\n');
    if (n >= limit) break;
  }
  if (flag(p, 'count')) out(`${n}\n`);
  return n > 0 ? 0 : 1;
}

function string(argv: string[]): number {
  const p = parse(argv, { ...FORMAT_OPT, phys: { type: 'boolean' }, max: { type: 'string' } }, 'virtmem mem string DUMP ADDR [--phys] [--max N]');
  const [dump, a] = p.positionals;
  if (!dump || !a) throw new UsageError(`missing DUMP or ADDR\nusage: ${USAGE}`);
  const phys = open(dump, p);
  const space = spaceFor(phys, flag(p, 'phys'));
  const max = str(p, 'max') ? Number(parseAddress(str(p, 'max')!, 'max')) : 1 << 16;
  const m = MemoryMap.ofSpace(space);
  out(m.getString(parseAddress(a), max) + '\n');
  return 0;
}

function save(argv: string[]): number {
  const p = parse(argv, { ...FORMAT_OPT, from: { type: 'string' }, to: { type: 'string' } }, 'virtmem mem save DUMP OUT [--from ADDR] [--to ADDR]');
  const [dump, target] = p.positionals;
  if (!dump || !target) throw new UsageError(`missing DUMP or OUT\nusage: ${USAGE}`);
  const phys = open(dump, p);
  const from = str(p, 'from') ? parseAddress(str(p, 'from')!) : undefined;
  const to = str(p, 'to') ? parseAddress(str(p, 'to')!) : undefined;
  const ranges = saveMap(phys, target, { name: `physical memory of ${dump}`, wordsize: 8, endian: 'little', vmcoreinfo: phys.info().vmcoreinfo, from, to });
  const bytes = ranges.reduce((a, r) => a + (r.end - r.start), 0n);
  process.stderr.write(`saved ${ranges.length} range(s), ${bytes} bytes of physical memory to ${target}\n`);
  return 0;
}

export const command: Subcommand = {
  name: 'mem',
  summary: 'guest memory in a dump: info, read, find, string, save',
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'info': return info(rest);
      case 'read': return read(rest);
      case 'find': return find(rest);
      case 'string': return string(rest);
      case 'save': return save(rest);
      case undefined: case '--help': case '-h':
        out(`usage: ${USAGE}\n`);
        return sub ? 0 : 1;
      default: throw new UsageError(`unknown mem subcommand '${sub}'\nusage: ${USAGE}`);
    }
  },
};
