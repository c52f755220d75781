/**
 * Raw physical memory image: byte i of the file is physical address i (what
 * `dd if=/dev/mem`, QEMU's `pmemsave` or a VM's memory-backend file give).
 */
import type { ByteSource } from '../../bytes/index.js';
import { SegmentedMemory } from '../phys.js';

export function openRaw(source: ByteSource): SegmentedMemory {
  return new SegmentedMemory(source.name, source, [{ pa: 0, size: source.size, offset: 0, fileSize: source.size }], {
    format: 'raw',
    details: [['size', source.size]],
    notes: [],
  });
}
