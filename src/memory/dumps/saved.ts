/**
 * A saved memory map (mapfile.ts, "VMMEMMAP") of physical memory opened as a
 * dump, so `virtmem mem` reads what `virtmem mem save` wrote.
 */
import { FileSource, FormatError } from '../../bytes/index.js';
import { readMapFileInfo } from '../mapfile.js';
import { DirectReader, SegmentedMemory } from '../phys.js';

export function isSavedMap(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 8)).toString('latin1') === 'VMMEMMAP';
}

export function openSavedMap(path: string): SegmentedMemory {
  const src = new FileSource(path);
  const info = readMapFileInfo(src);
  const segs = info.ranges.map((r) => {
    if (r.addr + r.size > 1n << 52n) {
      throw new FormatError(`range at 0x${r.addr.toString(16)} is not a physical address (a saved virtual map cannot be opened as a dump; use loadMap)`, { source: path, format: 'virtmem memory map', section: 'ranges' });
    }
    return { pa: Number(r.addr), size: Number(r.size), offset: r.offset, fileSize: Number(r.size) };
  });
  const m = new SegmentedMemory(`physical memory of ${path}`, src, segs, {
    format: 'saved memory map (VMMEMMAP)',
    details: [['version', info.version], ['name', info.name], ['ranges', info.ranges.length]],
    notes: [],
    vmcoreinfo: info.vmcoreinfo,
  });
  m.direct = new DirectReader(path);
  return m;
}
