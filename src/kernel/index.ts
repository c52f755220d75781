/**
 * kernel/: identify a guest kernel and find its symbols and types.
 *
 * Contract for program/ (and everything above):
 *   SymbolTable (symbols.ts): source, count, address(name), symbolize(addr), entries().
 *   Types come as a types/ TypeSource (DWARF, CTF or BTF).
 */
export { SortedSymbols, symbolsFromElf, symbolsFromSystemMap, type SymbolHit, type SymbolTable } from './symbols.js';
export { KallsymsSymbols, decodeKallsyms, findKallsyms, kallsymsFromImage, type KallsymsLayout, type KallsymsLocation, type KallsymsOptions } from './kallsyms.js';
export { findImageBtf, type ImageBtf, type ImageBtfOptions } from './image-btf.js';
export { KERNEL_GLOBALS, declType, parseDecl, type GlobalDecl } from './globals.js';
export { KernelTypes, type KernelTypesOptions } from './kernel-types.js';
