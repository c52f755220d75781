/**
 * `dwarf2ctf` (also `virtmem dwarf2ctf`): the seed's two command lines.
 *
 *   dwarf2ctf OUTDIR OBJECTS.BUILTIN MODULES.BUILTIN DEDUP.BLACKLIST vmlinux.o module.o ...
 *   dwarf2ctf OUTDIR -e module.o ...
 *
 * The first shares types between the kernel and its modules (shared_ctf is
 * the parent of every other dict); the second, for out-of-tree modules,
 * shares nothing. Any argument `@FILE` is replaced by the whitespace-
 * separated words of FILE (a response file: argument lists of tens of
 * kilobytes need not go through the exec limit). Outputs are gzip'd CTF
 * dicts, rewritten only when their content changes.
 */
import * as fs from 'node:fs';
import { UsageError } from '../bytes/index.js';
import { dwarf2ctf, parseBlacklist, parseBuiltin } from '../dedup/index.js';
import { useDwarf2ctfFlags } from '../dedup/prestart.js';
import { flag, parse, str } from './args.js';
import type { Subcommand } from './main.js';

const USAGE = `dwarf2ctf OUTDIR OBJECTS.BUILTIN MODULES.BUILTIN DEDUP.BLACKLIST vmlinux.o module.o ...
       dwarf2ctf OUTDIR -e module.o ...
  options: -j N (processes scanning, this one included; default: the number of cores), -v (every warning and a
  line per dict), -q (nothing but errors), --stats (pass statistics), @FILE (read
  arguments from FILE)`;

const MAX_RESPONSE_DEPTH = 8;

/** Expand @FILE arguments (nested up to a limit). */
export function expandResponseFiles(argv: string[], depth = 0): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (a.length > 1 && a.startsWith('@')) {
      if (depth >= MAX_RESPONSE_DEPTH) throw new UsageError(`response files nested deeper than ${MAX_RESPONSE_DEPTH} at ${a}`);
      let text: string;
      try { text = fs.readFileSync(a.slice(1), 'utf8'); } catch (e) {
        throw new UsageError(`cannot read response file ${a.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      out.push(...expandResponseFiles(text.split(/\s+/).filter(Boolean), depth + 1));
    } else {
      out.push(a);
    }
  }
  return out;
}

function readText(file: string, what: string): string {
  try { return fs.readFileSync(file, 'utf8'); } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export const command: Subcommand = {
  name: 'dwarf2ctf',
  summary: 'CTF for a whole kernel: shared, vmlinux and per-module dicts from DWARF',
  async run(argv) {
    useDwarf2ctfFlags();
    const p = parse(expandResponseFiles(argv), {
      e: { type: 'boolean', short: 'e' }, jobs: { type: 'string', short: 'j' }, verbose: { type: 'boolean', short: 'v' },
      quiet: { type: 'boolean', short: 'q' }, stats: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    }, USAGE);
    if (flag(p, 'help')) { process.stdout.write(`usage: ${USAGE}\n`); return 0; }
    const pos = p.positionals;
    const outOfTree = flag(p, 'e');
    const need = outOfTree ? 2 : 5;
    if (pos.length < need) throw new UsageError(`usage: ${USAGE}`);
    const [outDir] = pos;
    let files: string[];
    let builtin;
    let blacklist = new Set<string>();
    if (outOfTree) {
      files = pos.slice(1);
    } else {
      builtin = parseBuiltin(readText(pos[1], 'objects.builtin'), readText(pos[2], 'modules.builtin'));
      blacklist = parseBlacklist(readText(pos[3], 'dedup.blacklist'));
      files = pos.slice(4);
    }
    const j = str(p, 'jobs');
    const jobs = j === undefined ? undefined : Number(j);
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 256)) throw new UsageError(`bad -j ${j}`);
    const verbose = flag(p, 'verbose');
    const quiet = flag(p, 'quiet');
    const r = await dwarf2ctf({ outDir, files, builtin, blacklist, sharing: !outOfTree, jobs });
    if (!quiet) {
      const shown = verbose ? r.warnings : r.warnings.slice(0, 20);
      for (const w of shown) process.stderr.write(`dwarf2ctf: warning: ${w}\n`);
      if (shown.length < r.warnings.length) process.stderr.write(`dwarf2ctf: ${r.warnings.length - shown.length} more warnings (-v shows them)\n`);
      if (verbose) for (const d of r.dicts) process.stderr.write(`${d.file}: ${d.types} types, ${d.variables} variables, ${d.rawBytes} bytes (${d.gzipBytes} gzip'd)${d.written ? '' : ', unchanged'}\n`);
      const types = r.dicts.reduce((a, d) => a + d.types, 0);
      const gz = r.dicts.reduce((a, d) => a + d.gzipBytes, 0);
      const written = r.dicts.filter((d) => d.written).length;
      process.stderr.write(`dwarf2ctf: ${r.dicts.length} dicts in ${outDir} (${written} written, ${r.dicts.length - written} unchanged), ${types} types, ${gz} bytes gzip'd\n`);
    }
    if (flag(p, 'stats')) {
      const s = r.graph.stats;
      process.stdout.write(`type IDs: ${r.graph.ids.length}\nduplicates: ${s.duplicates}\nshared by duplication: ${s.sharedByDuplication}\n` +
        `shared by spreading: ${s.sharedBySpread}\nshared by alias fixup: ${s.sharedByAlias}\nalias fixup rounds: ${s.aliasRounds}\n` +
        `seconds: scan ${r.seconds.scan.toFixed(2)}, dedup ${r.seconds.dedup.toFixed(2)}, write ${r.seconds.write.toFixed(2)}\n` +
        `peak RSS, all processes: ${(r.peakRss / 2 ** 20).toFixed(0)} MiB\n` +
        `CPU, all processes: ${r.cpuSeconds.toFixed(1)} s\n`);
    }
    return 0;
  },
};
