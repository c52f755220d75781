/**
 * `virtmem info DUMP [--vmlinux F] [--types F] [--system-map F] [--json]`: which
 * kernel a dump holds (release, banner, build-id), its architecture, paging and
 * KASLR offset, and where its symbols and types come from, with counts. With
 * nothing but the dump, symbols are the kallsyms decoded from the image and
 * types the BTF the kernel keeps in memory (kernel/open.ts).
 */
import { UsageError } from '../bytes/index.js';
import { openKernel, type KernelContext } from '../kernel/index.js';
import type { DumpFormat } from '../memory/index.js';
import { flag, parse, str } from './args.js';
import type { Subcommand } from './main.js';
import { renderJson } from './render.js';
import { PROFILE_OPTIONS, profileOptions } from './profile-find.js';

const USAGE = `virtmem info DUMP [--vmlinux FILE] [--types FILE] [--system-map FILE] [--json] [--format FMT] [--no-vmcoreinfo]
  --vmlinux FILE     types from its DWARF, symbols from its .symtab (shifted by the KASLR offset)
  --types FILE       types from a CTF (dict, archive, ELF .ctf) or BTF (raw, ELF .BTF) file
  --system-map FILE  symbols from a System.map
  --no-vmcoreinfo    ignore the dump's VMCOREINFO: page tables, kallsyms and identity by scanning memory
  --profile FILE     symbols (and CTF types) from a kernel profile; by default the store's profile for the dump's build-id
  --no-profile       do not look in the profile store
  --format FMT       read DUMP as elf, kdump, flat, lime, saved or raw instead of detecting it`;

const hex = (n: bigint | number) => '0x' + n.toString(16);

export function infoJson(k: KernelContext): Record<string, unknown> {
  const p = k.memory.paging;
  return {
    dump: k.name, format: k.memory.info.format,
    release: k.release, banner: k.banner?.trimEnd(), buildId: k.buildId,
    architecture: k.arch, pagingMode: p.mode.name, pageTableRoot: hex(p.root), pagingFrom: p.method,
    kaslrOffset: hex(k.kaslrOffset), physBase: hex(p.physBase), text: hex(k.text),
    symbols: { from: k.symbols.source, count: k.symbols.count },
    types: { format: k.types.format },
    sources: k.sources, warnings: k.warnings,
  };
}

export function infoText(k: KernelContext): string {
  const p = k.memory.paging;
  const lines = [
    `dump:          ${k.name} (${k.memory.info.format})`,
    `release:       ${k.release ?? '(unknown)'}`,
    `banner:        ${k.banner?.trimEnd() ?? '(not found)'}`,
    `build-id:      ${k.buildId ?? '(unknown)'}`,
    `architecture:  ${k.arch} (${p.mode.name} paging)`,
    `page tables:   root ${hex(p.root)} (physical), found ${p.method === 'vmcoreinfo' ? 'from VMCOREINFO' : 'by scanning physical memory'}`,
    `KASLR offset:  ${hex(k.kaslrOffset)} (_text at ${hex(k.text)}, phys_base ${hex(p.physBase)})`,
    'sources:',
  ];
  const w = Math.max(...k.sources.map((s) => s.what.length));
  for (const s of k.sources) {
    const count = s.count !== undefined ? `  [${s.count}]` : '';
    lines.push(`  ${s.what.padEnd(w)}  ${s.from}${s.unused ? ' (available, not used)' : ''}${count}`);
  }
  if (k.warnings.length) {
    lines.push('warnings:');
    for (const x of k.warnings) lines.push(`  ${x}`);
  }
  return lines.join('\n') + '\n';
}

export const command: Subcommand = {
  name: 'info',
  summary: 'which kernel a dump holds, its KASLR offset and page tables, where its symbols and types come from',
  async run(argv: string[]): Promise<number> {
    const p = parse(argv, {
      vmlinux: { type: 'string' }, types: { type: 'string' }, 'system-map': { type: 'string' }, json: { type: 'boolean' },
      format: { type: 'string' }, 'no-vmcoreinfo': { type: 'boolean' }, ...PROFILE_OPTIONS,
    }, USAGE);
    const [dump, ...extra] = p.positionals;
    if (!dump) throw new UsageError(`missing DUMP\nusage: ${USAGE}`);
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}\nusage: ${USAGE}`);
    const k = openKernel(dump, {
      vmlinux: str(p, 'vmlinux'), types: str(p, 'types'), systemMap: str(p, 'system-map'),
      format: str(p, 'format') as DumpFormat | undefined, ignoreVmcoreinfo: flag(p, 'no-vmcoreinfo'), ...profileOptions(p),
    });
    process.stdout.write(flag(p, 'json') ? renderJson(infoJson(k)) : infoText(k));
    return 0;
  },
};
