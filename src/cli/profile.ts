/**
 * `virtmem profile SUBCOMMAND`: kernel profiles (profile/format.ts).
 *   build VMLINUX [MODULE.ko...] -o PROFILE [--ctf FILE] [--no-lines] [--add]
 *         symbols, line tables and metadata from the vmlinux; --ctf stores a CTF
 *         archive (dwarf2ctf's output) as .ctf; prints the size beside the
 *         vmlinux's DWARF and BTF; --add puts it in the store too
 *   strip PROFILE --keep PARTS [-o OUT]   keep only PARTS (symtab,lines,ctf)
 *   info PROFILE [--json]                 metadata, parts and sizes
 *   list [--json] | add PROFILE... | rm BUILD-ID|RELEASE...   the local store
 *                                         ($VIRTMEM_PROFILES, else ~/.cache/virtmem/profiles)
 *   fetch BUILD-ID [--add] [-o PROFILE]   debuginfod: the kernel's debuginfo by build-id
 *                                         (servers in $DEBUGINFOD_URLS), then build
 */
import * as fs from 'node:fs';
import { UsageError, writeFileAtomic } from '../bytes/index.js';
import { ElfFile } from '../elf/index.js';
import { Profile, ProfileStore, buildProfile, parseParts, storeDir, stripProfile } from '../profile/index.js';
import { flag, parse, str } from './args.js';
import type { Subcommand } from './main.js';
import { render, renderJson } from './render.js';

const USAGE = `virtmem profile build VMLINUX [MODULE.ko...] -o PROFILE [--ctf FILE] [--no-lines] [--add]
virtmem profile strip PROFILE --keep PARTS [-o OUT]      (PARTS: symtab,lines,ctf)
virtmem profile info PROFILE [--json]
virtmem profile list [--json] | add PROFILE... | rm BUILD-ID|RELEASE...
virtmem profile fetch BUILD-ID [-o PROFILE] [--add]     (debuginfod servers in DEBUGINFOD_URLS)`;

const OPTIONS = {
  output: { type: 'string', short: 'o' }, ctf: { type: 'string' }, 'no-lines': { type: 'boolean' }, add: { type: 'boolean' },
  keep: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/** Bytes of DWARF (.debug_* / .zdebug_*, as stored) and of .BTF in an ELF file. */
export function debugSizes(path: string): { dwarf: number; btf: number } {
  const elf = ElfFile.open(path);
  try {
    let dwarf = 0;
    for (const s of elf.sections) if (/^\.z?debug_/.test(s.name)) dwarf += s.size;
    return { dwarf, btf: elf.section('.BTF')?.size ?? 0 };
  } finally {
    elf.close();
  }
}

export const command: Subcommand = {
  name: 'profile',
  summary: 'kernel profiles: build, strip, info, list, add, rm, fetch',
  async run(argv) {
    const [sub, ...rest] = argv;
    const p = parse(rest, OPTIONS, USAGE);
    if (!sub || flag(p, 'help') || sub === 'help') { process.stdout.write(USAGE + '\n'); return sub ? 0 : 1; }
    const store = new ProfileStore();
    switch (sub) {
      case 'build': {
        const [vmlinux, ...modules] = p.positionals;
        const out = str(p, 'output');
        if (!vmlinux || !out) throw new UsageError(`usage: ${USAGE.split('\n')[0]}`);
        if (modules.length && !str(p, 'ctf')) {
          process.stderr.write(`virtmem: modules go into the profile through its CTF (give dwarf2ctf's archive with --ctf); ${modules.length} module(s) not used\n`);
        }
        const ctfPath = str(p, 'ctf');
        let ctf: Uint8Array | undefined;
        if (ctfPath) {
          try { ctf = new Uint8Array(fs.readFileSync(ctfPath)); } catch (e) { throw new UsageError(`cannot read --ctf ${ctfPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
        }
        const t0 = Date.now();
        const r = buildProfile(vmlinux, { ctf, noLines: flag(p, 'no-lines'), progress: (w) => process.stderr.write(`profile: ${w}...\n`) });
        writeFileAtomic(out, r.bytes);
        const ref = debugSizes(vmlinux);
        const parts = Object.entries(r.sizes).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
        process.stdout.write(
          `${out}: ${mb(r.bytes.length)} (${parts}) for ${r.release ?? '(release unknown)'} build-id ${r.buildId ?? '(none)'}\n` +
          `  ${r.symbols} symbols, ${r.lineRows} line rows; built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
          `  beside: vmlinux DWARF ${mb(ref.dwarf)}${ref.btf ? `, vmlinux BTF ${mb(ref.btf)}` : ''}\n`);
        if (flag(p, 'add')) {
          const e = store.add(out);
          process.stdout.write(`added to ${storeDir()} as ${e.buildId}\n`);
        }
        return 0;
      }
      case 'strip': {
        const [file] = p.positionals;
        const keep = str(p, 'keep');
        if (!file || keep === undefined) throw new UsageError(`usage: ${USAGE.split('\n')[1]}`);
        const parts = parseParts(keep);
        Profile.open(file).close(); // a profile at all?
        const { bytes, removed } = stripProfile(new Uint8Array(fs.readFileSync(file)), parts, file);
        const out = str(p, 'output') ?? file;
        writeFileAtomic(out, bytes);
        process.stdout.write(`${out}: ${removed.length ? `removed ${removed.join(' ')}` : 'nothing to remove'}; ${mb(bytes.length)}\n`);
        return 0;
      }
      case 'info': {
        const [file] = p.positionals;
        if (!file) throw new UsageError(`usage: ${USAGE.split('\n')[2]}`);
        const prof = Profile.open(file);
        try {
          const m = prof.meta;
          const sections = prof.elf.sections.filter((s) => s.index && s.type !== 8).map((s) => ({ name: s.name, size: s.size }));
          const info = { file, version: m.version, release: m.release, buildId: m.buildId, arch: m.arch, pageSize: m.pageSize, banner: m.banner, text: m.text, parts: prof.parts(), sections };
          if (flag(p, 'json')) { process.stdout.write(renderJson(info)); return 0; }
          process.stdout.write([
            `profile:   ${file} (version ${m.version})`, `release:   ${m.release ?? '(unknown)'}`, `build-id:  ${m.buildId ?? '(none)'}`,
            `arch:      ${m.arch ?? '?'}, page size ${m.pageSize ?? '?'}`, `banner:    ${m.banner ?? '(none)'}`, `parts:     ${prof.parts().join(', ') || '(none)'}`,
            ...sections.map((s) => `  ${s.name.padEnd(24)} ${String(s.size).padStart(10)}`), '',
          ].join('\n'));
          return 0;
        } finally {
          prof.close();
        }
      }
      case 'list': {
        const rows = store.list().map((e) => ({ buildId: e.buildId, release: e.release, arch: e.arch, size: e.size, parts: e.parts.join(','), added: e.added }));
        const cols = [{ key: 'buildId', title: 'BUILD-ID' }, { key: 'release', title: 'RELEASE' }, { key: 'arch', title: 'ARCH' }, { key: 'size', title: 'SIZE', right: true }, { key: 'parts', title: 'PARTS' }];
        process.stdout.write(render(flag(p, 'json') ? 'json' : 'table', cols, rows));
        return 0;
      }
      case 'add': {
        if (!p.positionals.length) throw new UsageError('usage: virtmem profile add PROFILE...');
        for (const f of p.positionals) {
          const e = store.add(f);
          process.stdout.write(`${e.buildId} ${e.release ?? ''}\n`);
        }
        return 0;
      }
      case 'rm': {
        if (!p.positionals.length) throw new UsageError('usage: virtmem profile rm BUILD-ID|RELEASE...');
        let missing = 0;
        for (const k of p.positionals) {
          const gone = store.remove(k);
          if (!gone.length) { process.stderr.write(`virtmem: no stored profile for ${k}\n`); missing++; }
          for (const e of gone) process.stdout.write(`removed ${e.buildId} ${e.release ?? ''}\n`);
        }
        return missing ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown profile command '${sub}'\n${USAGE}`);
    }
  },
};
