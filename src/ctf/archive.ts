/**
 * CTF archives (struct ctf_archive): named dicts stored together, what ld
 * writes into .ctf when the dicts of its inputs conflict. Every integer is a
 * little-endian u64 whatever the dicts' byte order:
 *   {magic CTFA_MAGIC, model, ndicts, names offset, ctfs offset}
 *   ndicts × {name offset (into names), ctf offset (into ctfs)}, sorted by name
 *   ctfs: per dict a u64 size, which counts its own 8 bytes, then the dict,
 *         padded to 8
 *   names: NUL-terminated member names
 * The parent dict is named ".ctf"; children are named after their CU.
 */
import { FormatError, Reader, Writer, cstringAt, type ErrorPlace } from '../bytes/index.js';
import { CTFA_HEADER_SIZE, CTFA_MAGIC, CTF_MODEL_LP64 } from './constants.js';

export interface CtfArchiveMember {
  name: string;
  /** The dict's bytes (a view into the archive). */
  bytes: Uint8Array;
  /** Offset of the dict in the archive, for messages. */
  offset: number;
}

export interface CtfArchive {
  /** CTF_MODEL_ILP32 or CTF_MODEL_LP64. */
  model: number;
  members: CtfArchiveMember[];
}

/** Whether `bytes` start with the archive magic. */
export function isCtfArchive(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) === CTFA_MAGIC;
}

export function readArchive(bytes: Uint8Array, place: ErrorPlace = {}): CtfArchive {
  const r = new Reader(bytes, { littleEndian: true, source: place.source, format: 'CTF archive', section: place.section ?? 'archive header' });
  const magic = r.u64();
  if (magic !== CTFA_MAGIC) throw r.error(`not a CTF archive (magic 0x${magic.toString(16)})`);
  const model = r.u64n();
  const ndicts = r.u64n();
  const names = r.u64n();
  const ctfs = r.u64n();
  if (CTFA_HEADER_SIZE + ndicts * 16 > bytes.length) throw r.error(`${ndicts} members cannot fit in ${bytes.length} bytes`, 16);
  if (names > bytes.length) throw r.error(`name table offset 0x${names.toString(16)} past the end`, 24);
  if (ctfs > bytes.length) throw r.error(`dict table offset 0x${ctfs.toString(16)} past the end`, 32);
  const nameTable = bytes.subarray(names);
  const members: CtfArchiveMember[] = [];
  for (let i = 0; i < ndicts; i++) {
    const nameOff = r.u64n();
    const at = r.start;
    const ctfOff = r.u64n();
    const name = cstringAt(nameTable, nameOff, { source: place.source, format: 'CTF archive', section: 'name table', offset: names + nameOff });
    const p = ctfs + ctfOff;
    if (p + 8 > bytes.length) throw r.error(`member "${name}" at 0x${p.toString(16)} is past the end`, at + 8);
    const size = Number(new DataView(bytes.buffer, bytes.byteOffset + p, 8).getBigUint64(0, true));
    if (size < 8 || p + size > bytes.length) {
      throw new FormatError(`member "${name}" size 0x${size.toString(16)} runs past the end of the archive`, { source: place.source, format: 'CTF archive', section: 'dict table', offset: p });
    }
    members.push({ name, bytes: bytes.subarray(p + 8, p + size), offset: p + 8 });
  }
  return { model, members };
}

/** Serialize an archive; members are sorted by name as libctf looks them up by bisection. */
export function writeArchive(members: { name: string; bytes: Uint8Array }[], model = CTF_MODEL_LP64): Uint8Array {
  const sorted = [...members].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const n = sorted.length;
  const ctfsOff = CTFA_HEADER_SIZE + 16 * n;
  const ctfs = new Writer(true, 4096);
  const dictOffsets: number[] = [];
  for (const m of members) {
    dictOffsets.push(ctfs.length);
    ctfs.u64(8 + m.bytes.length).bytes(m.bytes).align(8);
  }
  const names = new Writer(true);
  const nameOffsets = new Map<string, number>();
  for (const m of members) {
    if (!nameOffsets.has(m.name)) { nameOffsets.set(m.name, names.length); names.cstring(m.name); }
  }
  const w = new Writer(true, ctfsOff + ctfs.length + names.length);
  w.u64(CTFA_MAGIC).u64(model).u64(n).u64(ctfsOff + ctfs.length).u64(ctfsOff);
  for (const m of sorted) w.u64(nameOffsets.get(m.name)!).u64(dictOffsets[members.indexOf(m)]);
  w.bytes(ctfs.view0()).bytes(names.view0());
  return w.finish();
}
