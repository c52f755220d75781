/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320, as zlib and gzip
 * compute it), for the profile's section checksums: a corrupt profile must be
 * an error, never a wrong answer. Node 20's zlib has no crc32 of its own.
 */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
