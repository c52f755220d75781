/**
 * profile/: kernel profiles, one ELF file per kernel build (format.ts
 * documents the file), and where they are kept.
 *
 * Public API
 *   buildProfile(vmlinux, {ctf?, noLines?, progress?}) -> {bytes, release, buildId, ...}  (build.ts)
 *   Profile.open(path): meta, parts(), symbols(), lines(), ctf(), checked(name)          (open.ts)
 *   stripProfile(bytes, keep), parseParts("ctf,symtab")                                   (strip.ts)
 *   openSymbolizer(PROFILE|VMLINUX) -> symbolize(addr): {symbol, line}; formatSymbol,
 *     formatLine (addr2line's spelling)                                                   (symbolize.ts)
 *   ProfileStore: list(), add(file), remove(key), find({buildId, release})                (store.ts)
 *   PARTS, PART_NAMES and the section names                                               (format.ts)
 */
export * from './format.js';
export { buildProfile, type BuildOptions, type BuildResult } from './build.js';
export { Profile } from './open.js';
export { stripProfile, parseParts } from './strip.js';
export { openSymbolizer, profileSymbolizer, formatSymbol, formatLine, type Symbolizer, type Symbolized } from './symbolize.js';
export { ProfileLines, encodeLines } from './lines.js';
export { decodeMeta, encodeMeta, type ProfileMeta } from './meta.js';
export { crc32 } from './crc32.js';
export { ProfileStore, storeDir, type StoreEntry, type Found } from './store.js';
