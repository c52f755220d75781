/**
 * The CTF v3 header (ctf_header_t, 52 bytes): a preamble {u16 magic, u8
 * version, u8 flags} then twelve u32 in the dict's byte order. Section offsets
 * count from the end of the header (after decompression, when CTF_F_COMPRESS is
 * set). A reader that sees the magic byte-swapped reads the rest swapped.
 */
import { Reader, Writer, FormatError, type ErrorPlace } from '../bytes/index.js';
import {
  CTF_F_MAX, CTF_HEADER_SIZE, CTF_MAGIC, CTF_MAGIC_SWAPPED, CTF_VERSION_3,
} from './constants.js';

export interface CtfHeader {
  magic: number;
  version: number;
  flags: number;
  /** String references (name of the parent's label, of the parent, of the compilation unit). */
  parlabel: number;
  parname: number;
  cuname: number;
  lbloff: number;
  objtoff: number;
  funcoff: number;
  objtidxoff: number;
  funcidxoff: number;
  varoff: number;
  typeoff: number;
  stroff: number;
  strlen: number;
}

/** The byte order of a dict from its first two bytes, or undefined if it is not CTF. */
export function ctfByteOrder(bytes: Uint8Array): 'le' | 'be' | undefined {
  if (bytes.length < 2) return undefined;
  const le = bytes[0] | (bytes[1] << 8);
  if (le === CTF_MAGIC) return 'le';
  if (le === CTF_MAGIC_SWAPPED) return 'be';
  return undefined;
}

/** Read and check a v3 header at the start of `bytes`. */
export function readHeader(bytes: Uint8Array, place: ErrorPlace): { header: CtfHeader; littleEndian: boolean } {
  const order = ctfByteOrder(bytes);
  if (!order) {
    const got = bytes.length >= 2 ? `0x${(bytes[0] | bytes[1] << 8).toString(16)}` : 'too few bytes';
    throw new FormatError(`not a CTF dict (magic ${got}, want 0x${CTF_MAGIC.toString(16)})`, { ...place, section: place.section ?? 'CTF header' });
  }
  const r = new Reader(bytes, { littleEndian: order === 'le', source: place.source, format: 'CTF', section: place.section, base: Number(place.offset ?? 0) });
  const magic = r.u16();
  const version = r.u8();
  const flags = r.u8();
  if (version !== CTF_VERSION_3) {
    throw r.error(`CTF version ${version} is not supported (only CTF_VERSION_3, on-disk ${CTF_VERSION_3})`, 2);
  }
  if (flags & ~CTF_F_MAX) throw r.error(`unknown header flags 0x${(flags & ~CTF_F_MAX).toString(16)}`, 3);
  if (bytes.length < CTF_HEADER_SIZE) throw r.error(`header truncated: ${bytes.length} of ${CTF_HEADER_SIZE} bytes`, 0);
  const h: CtfHeader = {
    magic, version, flags,
    parlabel: r.u32(), parname: r.u32(), cuname: r.u32(),
    lbloff: r.u32(), objtoff: r.u32(), funcoff: r.u32(), objtidxoff: r.u32(), funcidxoff: r.u32(),
    varoff: r.u32(), typeoff: r.u32(), stroff: r.u32(), strlen: r.u32(),
  };
  return { header: h, littleEndian: order === 'le' };
}

/** Check that the sections are in order, aligned and inside `dataLength` bytes. */
export function checkSections(h: CtfHeader, dataLength: number, place: ErrorPlace): void {
  const order: [string, number][] = [
    ['label', h.lbloff], ['data object', h.objtoff], ['function info', h.funcoff],
    ['object index', h.objtidxoff], ['function index', h.funcidxoff], ['variable', h.varoff],
    ['type', h.typeoff], ['string', h.stroff],
  ];
  const at = (name: string) => ({ ...place, section: 'CTF header', offset: 4 + 4 * (3 + order.findIndex((o) => o[0] === name)) });
  for (let i = 0; i < order.length; i++) {
    const [name, off] = order[i];
    if (i > 0 && off < order[i - 1][1]) throw new FormatError(`${name} section offset 0x${off.toString(16)} before the ${order[i - 1][0]} section's 0x${order[i - 1][1].toString(16)}`, at(name));
    if (name !== 'string' && off & 3) throw new FormatError(`${name} section offset 0x${off.toString(16)} is not 4-byte aligned`, at(name));
  }
  if (h.stroff + h.strlen > dataLength) {
    throw new FormatError(`string section 0x${h.stroff.toString(16)}+0x${h.strlen.toString(16)} runs past the 0x${dataLength.toString(16)} bytes of data`, { ...place, section: 'CTF header', offset: 0x30 });
  }
}

export function writeHeader(w: Writer, h: CtfHeader): void {
  w.u16(CTF_MAGIC).u8(h.version).u8(h.flags);
  for (const v of [h.parlabel, h.parname, h.cuname, h.lbloff, h.objtoff, h.funcoff, h.objtidxoff, h.funcidxoff, h.varoff, h.typeoff, h.stroff, h.strlen]) w.u32(v);
}
