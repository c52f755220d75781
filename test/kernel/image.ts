/**
 * Helpers for kernel/ tests: a fixture dump opened as kernel memory, System.map
 * as name -> [(address, letter)], and a slice of a real image copied into a
 * MemoryMap at its own addresses (for damage and fuzz tests).
 */
import * as fs from 'node:fs';
import { START_KERNEL, kernelMemory, type KernelMemory } from '../../src/arch/index.js';
import { MemoryMap, openDump } from '../../src/memory/index.js';

export function openKernelMemory(dump: string): { km: KernelMemory; text: bigint } {
  const km = kernelMemory(openDump(dump));
  return { km, text: START_KERNEL + km.paging.kaslrOffset };
}

export function readSystemMap(path: string): Map<string, { addr: bigint; letter: string }[]> {
  const out = new Map<string, { addr: bigint; letter: string }[]>();
  for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) (\S) (\S+)$/.exec(line);
    if (!m) continue;
    let l = out.get(m[3]);
    if (!l) out.set(m[3], (l = []));
    l.push({ addr: BigInt('0x' + m[1]), letter: m[2] });
  }
  return out;
}

/** Bytes [start, end) of `km`'s kernel space copied into a fresh map at the same addresses. */
export function sliceOf(km: KernelMemory, start: bigint, end: bigint): { start: bigint; bytes: Uint8Array; map: (bytes: Uint8Array) => MemoryMap<undefined, undefined, true> } {
  const bytes = km.map.getBytes(start, Number(end - start));
  return { start, bytes, map: (b) => MemoryMap.ofBytes(b, start, 'image slice') };
}
