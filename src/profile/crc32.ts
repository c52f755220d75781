/** The profile's section checksum: CRC-32 as zlib computes it (bytes/crc32.ts). */
export { crc32 } from '../bytes/index.js';
