/**
 * kernel/: a guest kernel in a dump as a program: who it is, its symbols, its types.
 *
 * Start here (program/ and the commands): `openKernel(dumpPath, opts?)` -> KernelContext
 *   name          the dump's path
 *   memory        KernelMemory (arch/): phys, info, vmcoreinfo?, paging, space, map
 *   map           kernel virtual memory, MemoryMap<8, 'little', true> (getString, getCLong, followPointer, ...)
 *   arch          'x86_64'
 *   release       "6.12.117+deb12-cloud-amd64" (VMCOREINFO OSRELEASE, else from the banner)
 *   banner        linux_banner, /proc/version's line with its "\n" (at linux_banner, else a scan)
 *   buildId       GNU build-id hex (VMCOREINFO BUILD-ID, else the image's own notes)
 *   kaslrOffset   bigint; text = run-time _text
 *   symbols       SymbolTable, RUN-TIME addresses: address(name), symbolize(addr), entries()
 *   types         KernelTypes (a TypeSource): lookup(name, kind?) for types; variable(name) gives
 *                 {name, type, address} with the RUN-TIME address, typed by the source or, for the
 *                 globals BTF does not describe (init_task, init_uts_ns, prb, modules, init_net, ...),
 *                 by the globals table (globals.ts; typeOrigin(name) says which)
 *   sources       [{what: 'memory'|'paging'|'identity'|'symbols'|'types'|'variables', from, count?, unused?}]
 *   warnings      what did not add up (wrong vmlinux, no kallsyms, no BTF, ...)
 * Options: { vmlinux?: DWARF types + .symtab, types?: CTF or BTF file, systemMap?, format?,
 *            ignoreVmcoreinfo?, scanKallsyms?, lookupCache? }. Memory-only by default: kallsyms decoded from
 *            the image and the BTF the kernel keeps in memory. See open.ts.
 *
 * The parts, for other uses:
 *   SymbolTable, SortedSymbols, LazyElfSymbols, symbolsFromElf, symbolsFromSystemMap (symbols.ts)
 *   kallsymsFromImage, findKallsyms, decodeKallsyms, KallsymsSymbols    (kallsyms.ts)
 *   findImageBtf                                                        (image-btf.ts)
 *   KERNEL_GLOBALS, parseDecl, KernelTypes                              (globals.ts, kernel-types.ts)
 *   identifyKernel, bannerRelease, buildIdFromNotes                     (identify.ts)
 *   openKernel; profileTypes(elf, path): a profile's .ctf as CtfTypes (vmlinux over shared_ctf)  (open.ts)
 *   LookupCache: DWARF lookup answers on disk per vmlinux build-id      (lookup-cache.ts)
 */
export { LazyElfSymbols, SortedSymbols, symbolsFromCompact, symbolsFromElf, symbolsFromSystemMap, type ShiftOptions, type SymbolHit, type SymbolTable } from './symbols.js';
export { KallsymsSymbols, decodeKallsyms, findKallsyms, kallsymsFromImage, type KallsymsLayout, type KallsymsLocation, type KallsymsOptions } from './kallsyms.js';
export { findImageBtf, type ImageBtf, type ImageBtfOptions } from './image-btf.js';
export { KERNEL_GLOBALS, declType, parseDecl, type GlobalDecl } from './globals.js';
export { KernelTypes, type KernelTypesOptions } from './kernel-types.js';
export { bannerRelease, buildIdFromNotes, identifyKernel, type KernelIdentity } from './identify.js';
export { LookupCache, lookupCacheDir, LOOKUP_CACHE_FORMAT, type LookupCacheKey } from './lookup-cache.js';
export { openKernel, profileTypes, type KernelContext, type KernelSource, type OpenKernelOptions, type ProfileTypes } from './open.js';
