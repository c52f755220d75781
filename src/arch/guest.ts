/**
 * A guest kernel's memory from a dump: its physical memory, its VMCOREINFO,
 * the paging facts found for it, and its kernel virtual address space both as
 * an AddressSpace and as the seed's MemoryMap (word size 8, little-endian).
 */
import { VirtmemError } from '../bytes/index.js';
import { MemoryMap, parseVmcoreinfoText, type DumpInfo, type PhysicalMemory } from '../memory/index.js';
import { X86_64Space } from './x86_64.js';
import { findKernelPaging, type KernelPaging } from './x86_64_kernel.js';

export interface KernelMemory {
  phys: PhysicalMemory;
  info: DumpInfo;
  vmcoreinfo?: Map<string, string>;
  paging: KernelPaging;
  /** Kernel virtual addresses. */
  space: X86_64Space;
  /** The same as a memory map with word size and byte order set. */
  map: MemoryMap<8, 'little', true>;
}

/** Machine name of a dump, from its header or VMCOREINFO ("x86_64"), if it says. */
export function dumpMachine(info: DumpInfo, vmci?: Map<string, string>): string | undefined {
  if (info.machine) return info.machine;
  if (vmci?.has('SYMBOL(init_top_pgt)') || vmci?.has('NUMBER(pgtable_l5_enabled)')) return 'x86_64';
  return undefined;
}

export function kernelMemory(phys: PhysicalMemory): KernelMemory {
  const info = phys.info();
  const vmcoreinfo = info.vmcoreinfo ? parseVmcoreinfoText(info.vmcoreinfo) : undefined;
  const machine = dumpMachine(info, vmcoreinfo);
  if (machine && machine !== 'x86_64') throw new VirtmemError(`${phys.name}: ${machine} guests are not supported yet (x86_64 only)`);
  const paging = findKernelPaging(phys, vmcoreinfo);
  const space = new X86_64Space(phys, paging.root, paging.mode);
  const map = MemoryMap.ofSpace(space).setWordsize(8).setEndian('little');
  return { phys, info, vmcoreinfo, paging, space, map };
}
