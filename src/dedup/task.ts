/**
 * One unit of scanning work: a file (or a slice of a kernel image's compile
 * units) -> its FileSummary. The same function runs in the main process and
 * in scanning child processes (worker.ts); it keeps the last file's DWARF
 * open so a scanner given several slices of vmlinux loads it once.
 */
import { FormatError } from '../bytes/index.js';
import { DwarfInfo } from '../dwarf/info.js';
import { loadDwarfSections } from '../dwarf/load.js';
import type { FileSummary } from './defs.js';
import { TuMapper, moduleName, type BuiltinMap } from './modules.js';
import { ScanTables, scanFile } from './scan.js';

export interface ScanConfig {
  /** [object path, module] pairs of objects.builtin (only for built-in modules). */
  builtinObjects: [string, string][];
  blacklist: string[];
  /** False in out-of-tree (-e) mode: nothing is shared, every module is private. */
  sharing: boolean;
  functionTypes: boolean;
}

export interface ScanTask {
  file: string;
  kernelImage: boolean;
  /** This slice and how many there are (slices split the compile units by size). */
  part: number;
  parts: number;
}

let cached: { file: string; info: DwarfInfo } | undefined;

function dwarfOf(file: string): DwarfInfo {
  if (cached?.file !== file) {
    cached = undefined; // drop the previous file's sections before loading the next
    cached = { file, info: new DwarfInfo(loadDwarfSections(file)) };
  }
  return cached.info;
}

/** Split `n` units of the given sizes into `parts` contiguous ranges of about equal bytes. */
export function unitSlice(sizes: number[], part: number, parts: number): [number, number] {
  const total = sizes.reduce((a, b) => a + b, 0);
  let acc = 0, from = -1, to = sizes.length;
  for (let i = 0; i < sizes.length; i++) {
    const slice = Math.min(parts - 1, Math.floor((acc * parts) / Math.max(total, 1)));
    if (slice === part && from < 0) from = i;
    if (slice > part) { to = i; break; }
    acc += sizes[i];
  }
  return from < 0 ? [0, 0] : [from, to];
}

export function makeConfig(builtin: BuiltinMap | undefined, blacklist: Set<string>, sharing: boolean, functionTypes = true): ScanConfig {
  return { builtinObjects: builtin ? [...builtin.objects] : [], blacklist: [...blacklist], sharing, functionTypes };
}

const mappers = new WeakMap<ScanConfig, TuMapper>();
/** One set of type-ID tables per run (ScanConfig) in this thread: kept from file to file. */
const tables = new WeakMap<ScanConfig, ScanTables>();

export function runTask(task: ScanTask, cfg: ScanConfig): FileSummary {
  let mapper = mappers.get(cfg);
  if (!mapper) {
    mapper = new TuMapper({ objects: new Map(cfg.builtinObjects), modules: new Set(cfg.builtinObjects.map(([, m]) => m)) });
    mappers.set(cfg, mapper);
  }
  const black = new Set(cfg.blacklist);
  const own = moduleName(task.file);
  let info: DwarfInfo;
  try {
    info = dwarfOf(task.file);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return {
      file: task.file, littleEndian: true, tables: -1, ids: new Int32Array(0), firstNew: 0, newIds: [], newAliasable: new Uint8Array(0),
      defs: [], defAt: new Int32Array(0), modules: [], warnings: [`${task.file}: ${e.message}`],
    };
  }
  let unitRange: [number, number] | undefined;
  if (task.parts > 1) unitRange = unitSlice(info.infoUnitList().map((u) => u.header.end - u.header.offset), task.part, task.parts);
  const m = mapper;
  let t = tables.get(cfg);
  if (!t) { t = new ScanTables(); tables.set(cfg, t); }
  return scanFile(info, task.file, {
    tables: t,
    moduleOf: task.kernelImage ? (cu) => m.kernelModule(cu) : () => own,
    namespaced: (mod) => !cfg.sharing || black.has(mod),
    unitRange,
    functionTypes: cfg.functionTypes,
    singleModule: !task.kernelImage,
  });
}

/** Forget the open file (the caller is done with it). */
export function releaseTaskCache(): void {
  cached = undefined;
}

/** Forget this thread's type-ID tables for a run (its scan is over: they are garbage from now on). */
export function releaseTables(cfg: ScanConfig): void {
  tables.delete(cfg);
  mappers.delete(cfg);
}
