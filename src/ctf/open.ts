/**
 * Open whatever holds CTF: a bare dict (either byte order, compressed or
 * not), a CTF archive, or either of those gzip'd (dwarf2ctf's .ctf.gz). Each
 * child is connected to its parent: the member its parent name names, else the
 * archive's ".ctf" member, else the parent the caller gives.
 */
import { gunzipSync } from 'node:zlib';
import { FormatError, type ErrorPlace } from '../bytes/index.js';
import { CTF_SECTION_NAME } from './constants.js';
import { isCtfArchive, readArchive } from './archive.js';
import { CtfDict } from './dict.js';
import { ctfByteOrder } from './header.js';

const MAX_GUNZIPPED = 1 << 30;

export interface CtfSet {
  /** What the bytes were. */
  container: 'dict' | 'archive';
  gzipped: boolean;
  /** Archive data model (CTF_MODEL_*), when an archive. */
  model?: number;
  /** Dicts in archive order; a bare dict is named ".ctf". */
  dicts: { name: string; dict: CtfDict }[];
}

export interface OpenCtfOptions {
  source?: string;
  /** Section name for messages (".ctf"). */
  section?: string;
  strtab?: Uint8Array;
  /** Parent dict for children whose parent is not in `bytes`. */
  parent?: CtfDict;
}

export function openCtf(bytes: Uint8Array, opts: OpenCtfOptions = {}): CtfSet {
  const place: ErrorPlace = { source: opts.source, format: 'CTF', section: opts.section };
  let gzipped = false;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_GUNZIPPED }));
    } catch (e) {
      throw new FormatError(`gzip'd CTF does not decompress: ${(e as Error).message}`, { ...place, offset: 0 });
    }
    gzipped = true;
  }
  if (isCtfArchive(bytes)) {
    const a = readArchive(bytes, place);
    const dicts = a.members.map((m) => ({
      name: m.name,
      dict: CtfDict.open(m.bytes, { source: opts.source, section: m.name, strtab: opts.strtab }),
    }));
    const byName = new Map(dicts.map((d) => [d.name, d.dict]));
    for (const { dict } of dicts) {
      if (dict.isChild) dict.parent = byName.get(dict.parentName) ?? byName.get(CTF_SECTION_NAME) ?? opts.parent;
    }
    return { container: 'archive', gzipped, model: a.model, dicts };
  }
  if (ctfByteOrder(bytes)) {
    const dict = CtfDict.open(bytes, { source: opts.source, section: opts.section, strtab: opts.strtab, parent: opts.parent });
    return { container: 'dict', gzipped, dicts: [{ name: opts.section ?? CTF_SECTION_NAME, dict }] };
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new FormatError(`neither a CTF dict, a CTF archive nor gzip'd CTF (starts ${head || 'empty'})`, { ...place, offset: 0 });
}
