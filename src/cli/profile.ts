/**
 * `virtmem profile SUBCOMMAND`: kernel profiles (profile/format.ts).
 *   build VMLINUX [MODULE.ko|DIR...] -o PROFILE [--ctf FILE | --no-ctf] [--no-lines]
 *         [--objects-builtin F --modules-builtin F] [-j N] [--add]
 *         symbols, line tables and metadata from the vmlinux, the modules'
 *         symbols (section-relative), and CTF from dwarf2ctf over vmlinux and the
 *         modules (a DIR is searched for *.ko); --ctf stores a CTF archive made
 *         elsewhere instead; prints the size beside the vmlinux's DWARF and BTF;
 *         --add puts it in the store too
 *   strip PROFILE --keep PARTS [-o OUT]   keep only PARTS (symtab,lines,ctf)
 *   info PROFILE [--json]                 metadata, parts and sizes
 *   list [--json] | add PROFILE... | rm BUILD-ID|RELEASE...   the local store
 *                                         ($VIRTMEM_PROFILES, else ~/.cache/virtmem/profiles)
 *   fetch BUILD-ID|DUMP [MODULE...] [-o PROFILE] [--add]   debuginfod (profile/debuginfod.ts):
 *         the kernel's debuginfo by build-id (a DUMP's from openKernel's
 *         identification) from $DEBUGINFOD_URLS, then build as `build` does;
 *         into the store unless -o is given without --add
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError, writeFileAtomic } from '../bytes/index.js';
import { ElfFile } from '../elf/index.js';
import { parseBuiltin } from '../dedup/index.js';
import { Profile, ProfileStore, buildKernelProfile, fetchDebuginfo, moduleFiles, normalizeBuildId, parseParts, storeDir, stripProfile } from '../profile/index.js';
import { flag, parse, str, type Parsed } from './args.js';
import type { Subcommand } from './main.js';
import { render, renderJson } from './render.js';

const USAGE = `virtmem profile build VMLINUX [MODULE.ko|DIR...] -o PROFILE [--ctf FILE | --no-ctf] [--no-lines] [--add]
        [--objects-builtin FILE --modules-builtin FILE] [-j N]
virtmem profile strip PROFILE --keep PARTS [-o OUT]      (PARTS: symtab,lines,ctf)
virtmem profile info PROFILE [--json]
virtmem profile list [--json] | add PROFILE... | rm BUILD-ID|RELEASE...
virtmem profile fetch BUILD-ID|DUMP [MODULE.ko|DIR...] [-o PROFILE] [--add] [build options]
        the kernel's debuginfo by build-id from the debuginfod servers in DEBUGINFOD_URLS
        (cached in DEBUGINFOD_CACHE_PATH, else ~/.cache/virtmem/debuginfod), then build its
        profile: into PROFILE with -o, into the store without -o or with --add`;

const OPTIONS = {
  output: { type: 'string', short: 'o' }, ctf: { type: 'string' }, 'no-lines': { type: 'boolean' }, add: { type: 'boolean' },
  'no-ctf': { type: 'boolean' }, 'objects-builtin': { type: 'string' }, 'modules-builtin': { type: 'string' }, jobs: { type: 'string', short: 'j' },
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

function readText(file: string): string {
  try { return fs.readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

/** `profile build` (and the build step of `profile fetch`): write PROFILE, report sizes, --add (or `add`) to the store. */
async function build(p: Parsed, vmlinux: string, moduleArgs: string[], out: string, store: ProfileStore, add = false): Promise<void> {
  const ctfPath = str(p, 'ctf');
  if (ctfPath && flag(p, 'no-ctf')) throw new UsageError('--ctf and --no-ctf: give one');
  let ctf: Uint8Array | undefined;
  if (ctfPath) {
    try { ctf = new Uint8Array(fs.readFileSync(ctfPath)); } catch (e) { throw new UsageError(`cannot read --ctf ${ctfPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  }
  const ob = str(p, 'objects-builtin'), mb_ = str(p, 'modules-builtin');
  if (!!ob !== !!mb_) throw new UsageError('--objects-builtin and --modules-builtin go together');
  const builtin = ob && mb_ ? parseBuiltin(readText(ob), readText(mb_)) : undefined;
  const j = str(p, 'jobs');
  const jobs = j === undefined ? undefined : Number(j);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 256)) throw new UsageError(`bad -j ${j}`);
  const modules = moduleFiles(moduleArgs);
  if (moduleArgs.length && !modules.length) throw new UsageError(`no *.ko files in ${moduleArgs.join(' ')}`);
  const t0 = Date.now();
  const r = await buildKernelProfile(vmlinux, modules, {
    ctf, noCtf: flag(p, 'no-ctf'), builtin, jobs, noLines: flag(p, 'no-lines'), progress: (w) => process.stderr.write(`profile: ${w}...\n`),
  });
  for (const w of (r.warnings ?? []).slice(0, 10)) process.stderr.write(`profile: dwarf2ctf warning: ${w}\n`);
  if ((r.warnings?.length ?? 0) > 10) process.stderr.write(`profile: ${r.warnings!.length - 10} more dwarf2ctf warnings\n`);
  writeFileAtomic(out, r.bytes);
  const ref = debugSizes(vmlinux);
  const parts = Object.entries(r.sizes).map(([k, v]) => `${k} ${mb(v)}`).join(', ');
  process.stdout.write(
    `${out}: ${mb(r.bytes.length)} (${parts}) for ${r.release ?? '(release unknown)'} build-id ${r.buildId ?? '(none)'}\n` +
    `  ${r.symbols} symbols, ${r.modules} modules' symbols, ${r.lineRows} line rows` +
    `${r.ctfMembers ? `, CTF dicts ${r.ctfMembers.length <= 6 ? r.ctfMembers.join(' ') : `${r.ctfMembers.slice(0, 5).join(' ')} ... (${r.ctfMembers.length})`}` : ''}; built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
    `  beside: vmlinux DWARF ${mb(ref.dwarf)}${ref.btf ? `, vmlinux BTF ${mb(ref.btf)}` : ''}\n`);
  if (add || flag(p, 'add')) {
    const e = store.add(out);
    process.stdout.write(`added to ${storeDir()} as ${e.buildId}\n`);
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
        const [vmlinux, ...moduleArgs] = p.positionals;
        const out = str(p, 'output');
        if (!vmlinux || !out) throw new UsageError(`usage: ${USAGE.split('\n')[0]}`);
        await build(p, vmlinux, moduleArgs, out, store);
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
          const modules = prof.modules()?.names() ?? [];
          const ctfMembers = prof.ctfTypes()?.members ?? [];
          const info = { file, version: m.version, release: m.release, buildId: m.buildId, arch: m.arch, pageSize: m.pageSize, banner: m.banner, text: m.text, parts: prof.parts(), sections, modules, ctfMembers };
          if (flag(p, 'json')) { process.stdout.write(renderJson(info)); return 0; }
          process.stdout.write([
            `profile:   ${file} (version ${m.version})`, `release:   ${m.release ?? '(unknown)'}`, `build-id:  ${m.buildId ?? '(none)'}`,
            `arch:      ${m.arch ?? '?'}, page size ${m.pageSize ?? '?'}`, `banner:    ${m.banner ?? '(none)'}`, `parts:     ${prof.parts().join(', ') || '(none)'}`,
            `modules:   ${modules.length ? `${modules.length} (${modules.slice(0, 8).join(' ')}${modules.length > 8 ? ' ...' : ''})` : '(none)'}`,
            `CTF dicts: ${ctfMembers.length ? `${ctfMembers.length} (${ctfMembers.slice(0, 8).join(' ')}${ctfMembers.length > 8 ? ' ...' : ''})` : '(none)'}`,
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
      case 'fetch': {
        const [what, ...moduleArgs] = p.positionals;
        if (!what) throw new UsageError(`usage: ${USAGE.split('\n').find((l) => l.includes('fetch'))!.trim()}`);
        let buildId: string;
        let release: string | undefined;
        if (/^[0-9a-fA-F]{8,128}$/.test(what) && !fs.existsSync(what)) buildId = normalizeBuildId(what);
        else {
          const { openKernel } = await import('../kernel/index.js');
          const k = openKernel(what, {});
          if (!k.buildId) throw new UsageError(`${what}: the dump states no build-id (no VMCOREINFO BUILD-ID, no notes found): give the build-id`);
          buildId = k.buildId;
          release = k.release;
          process.stderr.write(`profile: ${what} holds ${release ?? 'a kernel'} with build-id ${buildId}\n`);
        }
        const got = await fetchDebuginfo(buildId);
        process.stderr.write(`profile: debuginfo ${got.fromCache ? 'from the cache' : `downloaded from ${got.url}`}: ${got.path} (${mb(got.size)})\n`);
        const out = str(p, 'output');
        const tmp = out ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-fetch-'));
        try {
          await build(p, got.path, moduleArgs, out ?? path.join(tmp!, `${buildId}.profile`), store, !out);
        } finally {
          if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown profile command '${sub}'\n${USAGE}`);
    }
  },
};
