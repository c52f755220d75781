/** memory/: the seed's memory map, address spaces, and dump readers. */
export { MemoryFault } from './fault.js';
export { ADDR_LIMIT, SourceSpace, checkAddr, isPresent, mergedExtents, readExact, type AddressSpace, type Extent } from './space.js';
export { RangeIndex, type Segment } from './ranges.js';
export { countAll, findFirst, findIter, type FindOptions } from './search.js';
export { MemoryMap, sized, type AnyMap, type Endian, type MapFindOptions, type Mapping, type Wordsize } from './map.js';
export { MAPFILE_MAGIC, MAPFILE_VERSION, loadMap, readMapFileInfo, saveMap, type MapFileInfo, type SaveOptions } from './mapfile.js';
export { PhysicalMemory, SegmentedMemory, type DumpInfo, type DumpNote, type PhysRange, type PhysSegment } from './phys.js';
export { parseNoteBlob, parseVmcoreinfoText, vmcoreinfoFromNotes } from './notes.js';
export { detectFormat, openDump, type DumpFormat } from './dumps/open.js';
export { KdumpMemory } from './dumps/kdump.js';
export { FlatSource } from './dumps/flat.js';
export { openLime, LIME_MAGIC } from './dumps/lime.js';
export { openRaw } from './dumps/raw.js';
export { elfCoreMemory, type ElfCoreInput } from './dumps/elfcore.js';
