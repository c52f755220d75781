/**
 * The 16-byte header every .virtmem.* section starts with (format.ts): magic,
 * version, kind, CRC-32 and length of the body. `openSection` checks all of it
 * before a byte of the body is believed.
 */
import { FormatError, Writer } from '../bytes/index.js';
import { crc32 } from './crc32.js';
import { SECTION_HEADER_SIZE, SECTION_MAGIC, SECTION_VERSION } from './format.js';

const KIND_NAMES: Record<number, string> = { 1: 'meta', 2: 'lines', 3: 'crc' };

/** Header + body, in the file's byte order. */
export function sectionBytes(kind: number, body: Uint8Array, littleEndian: boolean): Uint8Array {
  const w = new Writer(littleEndian, body.length + SECTION_HEADER_SIZE);
  w.u32(SECTION_MAGIC).u16(SECTION_VERSION).u16(kind).u32(crc32(body)).u32(body.length).bytes(body);
  return w.finish();
}

/** The body of a .virtmem section after checking its header and checksum. */
export function openSection(bytes: Uint8Array, kind: number, littleEndian: boolean, where: { source: string; section: string; offset: number }): Uint8Array {
  const place = (at: number) => ({ source: where.source, format: 'virtmem profile', section: where.section, offset: where.offset + at });
  if (bytes.length < SECTION_HEADER_SIZE) throw new FormatError(`section too short (${bytes.length} bytes) for its header`, place(0));
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, littleEndian) !== SECTION_MAGIC) throw new FormatError('bad magic (not a virtmem profile section)', place(0));
  const version = v.getUint16(4, littleEndian);
  if (version !== SECTION_VERSION) throw new FormatError(`section version ${version}; this virtmem reads version ${SECTION_VERSION}`, place(4));
  const k = v.getUint16(6, littleEndian);
  if (k !== kind) throw new FormatError(`section kind ${KIND_NAMES[k] ?? k}, expected ${KIND_NAMES[kind]}`, place(6));
  const len = v.getUint32(12, littleEndian);
  if (len !== bytes.length - SECTION_HEADER_SIZE) throw new FormatError(`body length ${len} but the section holds ${bytes.length - SECTION_HEADER_SIZE} bytes`, place(12));
  const body = bytes.subarray(SECTION_HEADER_SIZE);
  const want = v.getUint32(8, littleEndian);
  const got = crc32(body);
  if (got !== want) throw new FormatError(`checksum mismatch (CRC-32 0x${got.toString(16)}, header says 0x${want.toString(16)}): the profile is corrupt`, place(8));
  return body;
}
