/**
 * The CTF v3 dict writer, the mirror of dict.ts. Sections go out in the order
 * libctf writes them (labels, data objects, function info, their two index
 * sections, variables, types, strings), each 4-byte aligned; names go into one
 * deduplicated internal string table. Variables are sorted by name (byte
 * order), because libctf finds them by binary search. With `compress`, all
 * after the header is one zlib stream and CTF_F_COMPRESS is set.
 */
import { deflateSync } from 'node:zlib';
import { Writer } from '../bytes/index.js';
import { CTF_F_COMPRESS, CTF_F_MAX, CTF_F_NEWFUNCINFO, CTF_HEADER_SIZE, CTF_MAGIC, CTF_VERSION_3 } from './constants.js';
import type { CtfDictData } from './dict.js';
import { writeHeader, type CtfHeader } from './header.js';
import { encodeRecord } from './records.js';
import { CtfStringBuilder } from './strings.js';

export interface CtfWriteOptions {
  /** zlib-compress everything after the header (CTF_F_COMPRESS). */
  compress?: boolean;
}

/** Variables in the byte order of their UTF-8 names (each name encoded once, not once per comparison). */
function byName<T extends { name: string }>(vs: readonly T[]): T[] {
  const keyed = vs.map((v) => ({ v, k: Buffer.from(v.name) }));
  keyed.sort((a, b) => Buffer.compare(a.k, b.k));
  return keyed.map((x) => x.v);
}

/** Serialize a dict. Throws a RangeError for what CTF cannot hold (too many members, ...). */
export function writeDict(d: CtfDictData, opts: CtfWriteOptions = {}): Uint8Array {
  const le = d.littleEndian;
  const strs = new CtfStringBuilder();
  // Header strings first, so the parent and CU names sit at small offsets as libctf puts them.
  const parname = strs.ref(d.parentName);
  const cuname = strs.ref(d.cuName);
  const parlabel = strs.ref(d.parentLabel);

  const body = new Writer(le, 4096);
  const lbloff = body.length;
  for (const l of d.labels) body.u32(strs.ref(l.name)).u32(l.type);
  const objtoff = body.length;
  for (const o of d.objects) body.u32(o.type);
  const funcoff = body.length;
  for (const f of d.functions) body.u32(f.type);
  const objtidxoff = body.length;
  if (d.objectsIndexed) for (const o of d.objects) body.u32(strs.ref(o.name ?? ''));
  const funcidxoff = body.length;
  if (d.functionsIndexed) for (const f of d.functions) body.u32(strs.ref(f.name ?? ''));
  const varoff = body.length;
  const vars = byName(d.variables);
  for (const v of vars) body.u32(strs.ref(v.name)).u32(v.type);
  const typeoff = body.length;
  for (const t of d.types) encodeRecord(body, t, (s) => strs.ref(s));
  const stroff = body.length;
  const strtab = strs.bytes();
  body.bytes(strtab);

  let flags = (d.flags & CTF_F_MAX & ~CTF_F_COMPRESS) | CTF_F_NEWFUNCINFO;
  let payload = body.view0();
  if (opts.compress) {
    flags |= CTF_F_COMPRESS;
    payload = new Uint8Array(deflateSync(payload));
  }
  const h: CtfHeader = {
    magic: CTF_MAGIC, version: CTF_VERSION_3, flags,
    parlabel, parname, cuname,
    lbloff, objtoff, funcoff, objtidxoff, funcidxoff, varoff, typeoff, stroff, strlen: strtab.length,
  };
  const out = new Writer(le, CTF_HEADER_SIZE + payload.length);
  writeHeader(out, h);
  out.bytes(payload);
  return out.finish();
}
