/**
 * Raw physical memory image: byte i of the file is physical address i (what
 * `dd if=/dev/mem`, QEMU's `pmemsave` or a VM's memory-backend file give).
 */
import { FileSource, type ByteSource } from '../../bytes/index.js';
import { DirectReader, SegmentedMemory } from '../phys.js';

export function openRaw(source: ByteSource): SegmentedMemory {
  const m = new SegmentedMemory(`physical memory of ${source.name}`, source, [{ pa: 0, size: source.size, offset: 0, fileSize: source.size }], {
    format: 'raw',
    details: [['size', source.size]],
    notes: [],
  });
  if (source instanceof FileSource) m.direct = new DirectReader(source.name);
  return m;
}
