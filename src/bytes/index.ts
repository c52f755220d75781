/** bytes/: readers and writers of raw bytes, byte sources, errors that say where. */
export { Reader, cstringAt, latin1, utf8, type ReaderOptions } from './reader.js';
export { Writer } from './writer.js';
export { BufferSource, FileSource, openFile, type ByteSource, type FileSourceOptions } from './source.js';
export { FormatError, UsageError, VirtmemError, type ErrorPlace } from './errors.js';
export { AtomicBatch, syncAll, writeFileAtomic, type Staged, type Syncer } from './atomic.js';
export { crc32 } from './crc32.js';
export { ByteInterner, ByteTable, fnv1a } from './intern.js';
export { StampedIntMap } from './stamped.js';
