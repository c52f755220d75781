/**
 * profile/: kernel profiles, one ELF file per kernel build (format.ts
 * documents the file), and where they are kept.
 *
 * Public API
 *   buildProfile(vmlinux, {ctf?, modules?, noLines?, progress?}) -> {bytes, release, buildId, ...}  (build.ts)
 *   buildKernelProfile(vmlinux, modules, {builtin?, jobs?, noCtf?, ...}): the same with the
 *     CTF archive from dwarf2ctf (kernel-ctf.ts: kernelCtf, moduleFiles)                 (build.ts)
 *   Profile.open(path): meta, parts(), symbols(), lines(), ctf(), ctfTypes() (vmlinux dict
 *     over shared_ctf), modules() (ModuleSymbols: names, module, table(name, bases)),
 *     checked(name)                                                                       (open.ts)
 *   fetchDebuginfo(buildId, {urls?, cacheDir?, timeoutMs?, progress?}) -> {path, fromCache} (debuginfod.ts)
 *   stripProfile(bytes, keep), parseParts("ctf,symtab")                                   (strip.ts)
 *   openSymbolizer(PROFILE|VMLINUX) -> symbolize(addr): {symbol, line}; formatSymbol,
 *     formatLine (addr2line's spelling)                                                   (symbolize.ts)
 *   ProfileStore: list(), add(file), remove(key), find({buildId, release})                (store.ts)
 *   PARTS, PART_NAMES and the section names                                               (format.ts)
 */
export * from './format.js';
export { buildProfile, buildKernelProfile, type BuildOptions, type BuildResult } from './build.js';
export { kernelCtf, moduleFiles, type KernelCtf, type KernelCtfOptions } from './kernel-ctf.js';
export { ModuleSymbols, readModule, kernelModuleName, encodeModsyms, type ModuleInfo, type ModuleSymbol, type ModuleSection } from './modsyms.js';
export { fetchDebuginfo, cachedDebuginfo, debuginfodUrls, debuginfodCacheDir, normalizeBuildId, DebuginfodError, type DebuginfodOptions, type Fetched } from './debuginfod.js';
export { Profile } from './open.js';
export { stripProfile, parseParts } from './strip.js';
export { openSymbolizer, profileSymbolizer, formatSymbol, formatLine, type Symbolizer, type Symbolized } from './symbolize.js';
export { ProfileLines, encodeLines } from './lines.js';
export { decodeMeta, encodeMeta, type ProfileMeta } from './meta.js';
export { crc32 } from './crc32.js';
export { ProfileStore, storeDir, type StoreEntry, type Found } from './store.js';
