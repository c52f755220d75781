/** arch/: virtual-to-physical translation per architecture (x86-64 4- and 5-level), kernel page-table discovery. */
export { X86_64_4LEVEL, X86_64_5LEVEL, X86_64_ENTRY, type EntryFormat, type PagingLevel, type PagingMode } from './paging.js';
export { X86_64Space, type Translation } from './x86_64.js';
export { START_KERNEL, START_KERNEL_MAP, findKernelPaging, pagingFromVmcoreinfo, scanForKernelPaging, type KernelPaging } from './x86_64_kernel.js';
export { dumpMachine, kernelMemory, type KernelMemory } from './guest.js';
