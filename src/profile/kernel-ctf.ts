/**
 * The .ctf part of a kernel profile: dwarf2ctf (dedup/) run over the vmlinux
 * and the given module debug files into a temporary directory, then its
 * dicts gathered into one CTF archive as `virtmem ctf embed --container`
 * builds ctf.ko: a member per dict named after its module (shared_ctf,
 * vmlinux, each built-in module when objects.builtin maps any, each loadable
 * module given), each stored zlib-compressed as libctf writes dicts, the
 * children naming shared_ctf as their parent. objdump --ctf reads it.
 *
 * Also: the module files to use, from file and directory arguments (a
 * directory such as usr/lib/debug/lib/modules/<abi> is searched for *.ko).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../bytes/index.js';
import { CTF_MODEL_ILP32, CTF_MODEL_LP64, openCtf, writeArchive, writeDict } from '../ctf/index.js';
import { dwarf2ctf, type BuiltinMap } from '../dedup/index.js';

export interface KernelCtfOptions {
  /** objects.builtin + modules.builtin, parsed (dedup parseBuiltin): built-in modules get dicts of their own. */
  builtin?: BuiltinMap;
  /** Worker threads for dwarf2ctf (default: the cores). */
  jobs?: number;
  is64?: boolean;
  log?: (line: string) => void;
}

export interface KernelCtf {
  archive: Uint8Array;
  /** Member names, in archive order. */
  members: string[];
  types: number;
  warnings: string[];
}

/** Module files from the arguments: files as given, directories searched (depth-limited) for *.ko and *.ko.debug. */
export function moduleFiles(args: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 16) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && /\.ko(\.debug)?$/.test(e.name)) out.push(p);
    }
  };
  for (const a of args) {
    let st: fs.Stats;
    try { st = fs.statSync(a); } catch (e) { throw new UsageError(`cannot read module ${a}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    if (st.isDirectory()) walk(a, 0);
    else out.push(a);
  }
  return out;
}

/** dwarf2ctf over `vmlinux` and `modules`, as one CTF archive. */
export async function kernelCtf(vmlinux: string, modules: string[], opts: KernelCtfOptions = {}): Promise<KernelCtf> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-profile-ctf-'));
  try {
    // dwarf2ctf tells the kernel image from modules by its file name (vmlinux, vmlinux-<abi>).
    let image = vmlinux;
    if (!/^vmlinux(\.o|-.*)?$/.test(path.basename(vmlinux))) {
      image = path.join(tmp, 'vmlinux');
      fs.symlinkSync(path.resolve(vmlinux), image);
    }
    const out = path.join(tmp, 'out');
    const r = await dwarf2ctf({ outDir: out, files: [image, ...modules], builtin: opts.builtin, blacklist: new Set(), sharing: true, jobs: opts.jobs, log: opts.log });
    const members: { name: string; bytes: Uint8Array }[] = [];
    for (const d of r.dicts) {
      const file = path.join(out, d.file);
      const set = openCtf(new Uint8Array(fs.readFileSync(file)), { source: file });
      members.push({ name: d.file.replace(/\.(builtin|mod)\.ctf$/, ''), bytes: writeDict(set.dicts[0].dict.toData(), { compress: true }) });
    }
    const archive = writeArchive(members, opts.is64 === false ? CTF_MODEL_ILP32 : CTF_MODEL_LP64);
    return { archive, members: members.map((m) => m.name), types: r.dicts.reduce((a, d) => a + d.types, 0), warnings: r.warnings };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
