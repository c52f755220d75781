/**
 * The ELF writer: add, replace and remove sections, as objcopy's
 * --add-section / --update-section / --remove-section do, for ET_REL, ET_EXEC,
 * ET_DYN and ET_CORE files of both classes and byte orders.
 *
 * Passes (gimli's object writer idea: reserve every file range, then write):
 *  1. Plan: which sections stay, go or come, and their new indices. Removing a
 *     section also removes the REL/RELA sections that apply to it; any other
 *     section still linking to it is an error.
 *  2. Fixed ranges: the file header, the program headers, every segment's
 *     bytes and every section inside a segment keep their offsets, so loadable
 *     content stays byte for byte where it was. A fixed section may be
 *     replaced only by bytes of the same size (written in place); removing one
 *     drops its header and leaves its bytes.
 *  3. Rewrites forced by renumbering: st_shndx in symbol tables (and
 *     SHT_SYMTAB_SHNDX), symbols of removed sections dropped from .symtab with
 *     relocations renumbered, SHT_GROUP members, sh_link / sh_info.
 *  4. Reserve: after the fixed ranges, each movable section at its alignment,
 *     then the section header table. Extended numbering (e_shnum 0,
 *     SHN_XINDEX) when the counts need it.
 *  5. Write into one buffer of the reserved size.
 */
import { FormatError, UsageError } from '../bytes/index.js';
import { ET, PN_XNUM, SHF, SHN, SHT, STB } from './constants.js';
import { ElfFile } from './file.js';
import type { ElfSection } from './headers.js';

export type ElfEdit =
  | { op: 'add'; name: string; data: Uint8Array; type?: number; flags?: bigint; addralign?: number }
  | { op: 'update'; name: string; data: Uint8Array }
  | { op: 'remove'; name: string };

interface OutSection {
  /** Index in the input, or -1 for an added section. */
  old: number;
  name: string;
  type: number; flags: bigint; addr: bigint; link: number; info: number; addralign: number; entsize: number;
  /** New contents (movable sections, and fixed sections replaced in place). */
  data?: Uint8Array;
  /** Size for sections without new data (NOBITS, fixed). */
  size: number;
  /** Fixed offset (inside a segment), or assigned in pass 4. */
  offset: number;
  fixed: boolean;
}

const hex = (n: number | bigint) => '0x' + n.toString(16);

/** Apply `edits` to the ELF file in `input`; returns the new file's bytes. */
export function editElf(input: Uint8Array, edits: ElfEdit[], name = '<buffer>'): Uint8Array {
  const elf = ElfFile.fromBytes(input, name);
  const h = elf.header;
  const is64 = elf.is64;
  const le = elf.littleEndian;
  const secs = elf.sections;
  const segs = elf.segments;
  const usage = (what: string) => new UsageError(`${name}: ${what}`);
  if (!editable(h.type)) throw usage(`cannot edit an ELF file of type ${h.type} (only ET_REL, ET_EXEC, ET_DYN, ET_CORE)`);

  // ---- 1. plan -------------------------------------------------------------
  const removed = new Set<number>();
  const updates = new Map<number, Uint8Array>();
  const adds: Extract<ElfEdit, { op: 'add' }>[] = [];
  const find = (n: string) => {
    const s = secs.find((x) => x.name === n && x.index !== 0 && !removed.has(x.index));
    if (!s) throw usage(`no section named ${n}`);
    return s;
  };
  for (const e of edits) {
    if (e.op === 'remove') {
      const s = find(e.name);
      if (s.index === h.shstrndx) throw usage(`cannot remove ${e.name}: it holds the section names`);
      removed.add(s.index);
    } else if (e.op === 'update') {
      updates.set(find(e.name).index, e.data);
    } else {
      if (!e.name) throw usage('a new section needs a name');
      if (secs.some((x) => x.name === e.name && !removed.has(x.index)) || adds.some((a) => a.name === e.name)) {
        throw usage(`section ${e.name} already exists (use --update-section to replace it)`);
      }
      adds.push(e);
    }
  }
  // Relocations of a removed section go with it.
  for (const s of secs) {
    if ((s.type === SHT.SHT_REL || s.type === SHT.SHT_RELA) && removed.has(s.info) && s.info !== 0) removed.add(s.index);
  }
  for (const s of secs) {
    if (removed.has(s.index) || s.index === 0) continue;
    if (s.link !== 0 && removed.has(s.link)) {
      throw usage(`cannot remove ${secs[s.link].name}: section ${s.name} links to it (sh_link); remove that too`);
    }
    if ((s.flags & SHF.SHF_INFO_LINK) && removed.has(s.info)) {
      throw usage(`cannot remove ${secs[s.info].name}: section ${s.name} refers to it (sh_info); remove that too`);
    }
  }

  // ---- 2. fixed ranges -----------------------------------------------------
  const inSegment = (s: ElfSection) =>
    s.type !== SHT.SHT_NOBITS && s.size > 0 && segs.some((p) => p.filesz > 0 && s.offset >= p.offset && s.offset + s.size <= p.offset + p.filesz);
  let fixedEnd = is64 ? 64 : 52;
  if (h.phnum) fixedEnd = Math.max(fixedEnd, h.phoff + h.phnum * h.phentsize);
  for (const p of segs) {
    if (!p.filesz) continue;
    if (p.offset + p.filesz > input.length) {
      throw new FormatError(`segment ${p.index} (0x${p.filesz.toString(16)} bytes at ${hex(p.offset)}) runs past end of file (size ${hex(input.length)})`,
        { source: name, format: 'ELF', section: 'program headers', offset: h.phoff + p.index * h.phentsize });
    }
    fixedEnd = Math.max(fixedEnd, p.offset + p.filesz);
  }

  const newIndex = new Int32Array(Math.max(secs.length, 1)).fill(-1);
  const out: OutSection[] = [];
  const hadSections = secs.length > 0;
  if (!hadSections) {
    out.push({ old: -1, name: '', type: 0, flags: 0n, addr: 0n, link: 0, info: 0, addralign: 0, entsize: 0, size: 0, offset: 0, fixed: false });
  }
  for (const s of secs) {
    if (removed.has(s.index)) continue;
    const fixed = s.index !== 0 && s.index !== h.shstrndx && inSegment(s);
    const o: OutSection = {
      old: s.index, name: s.name, type: s.type, flags: s.flags, addr: s.addr, link: s.link, info: s.info,
      addralign: s.addralign, entsize: s.entsize, size: s.size, offset: s.offset, fixed,
    };
    const upd = updates.get(s.index);
    if (upd) {
      if (fixed && upd.length !== s.size) {
        throw usage(`cannot change the size of ${s.name} (0x${s.size.toString(16)} -> 0x${upd.length.toString(16)}): it lies inside a segment whose bytes must stay where they are`);
      }
      if (s.type === SHT.SHT_NOBITS) o.type = SHT.SHT_PROGBITS;
      o.flags &= ~SHF.SHF_COMPRESSED;
      o.data = upd;
      o.size = upd.length;
    } else if (!fixed && s.type !== SHT.SHT_NOBITS && s.index !== 0) {
      o.data = elf.sectionData(s, { raw: true });
    }
    if (fixed) fixedEnd = Math.max(fixedEnd, s.offset + s.size);
    newIndex[s.index] = out.length;
    out.push(o);
  }
  for (const a of adds) {
    const note = a.name.startsWith('.note');
    out.push({
      old: -1, name: a.name, type: a.type ?? (note ? SHT.SHT_NOTE : SHT.SHT_PROGBITS), flags: a.flags ?? 0n, addr: 0n,
      link: 0, info: 0, addralign: a.addralign ?? (note ? 4 : 1), entsize: 0, data: a.data, size: a.data.length, offset: 0, fixed: false,
    });
  }
  // The section-name table is always rebuilt.
  let shstrOut = hadSections && h.shstrndx !== 0 ? newIndex[h.shstrndx] : -1;
  if (shstrOut < 0) {
    shstrOut = out.length;
    out.push({ old: -1, name: '.shstrtab', type: SHT.SHT_STRTAB, flags: 0n, addr: 0n, link: 0, info: 0, addralign: 1, entsize: 0, size: 0, offset: 0, fixed: false });
  }

  // ---- 3. rewrites forced by renumbering -----------------------------------
  const renumbered = removed.size > 0;
  const mapIndex = (i: number) => (i === 0 ? 0 : newIndex[i] ?? -1);
  if (renumbered) {
    const symMaps = new Map<number, Int32Array>();
    for (const o of out) {
      if (o.old < 0 || (o.type !== SHT.SHT_SYMTAB && o.type !== SHT.SHT_DYNSYM)) continue;
      const r = rewriteSymtab(elf, secs[o.old], o, out, newIndex, removed, usage);
      if (r) symMaps.set(o.old, r);
    }
    for (const o of out) {
      if (o.old < 0) continue;
      if ((o.type === SHT.SHT_REL || o.type === SHT.SHT_RELA) && symMaps.has(o.link)) {
        o.data = renumberRelocs(o.data ?? elf.sectionData(secs[o.old], { raw: true }), o.type === SHT.SHT_RELA, is64, le, symMaps.get(o.link)!, o.name, usage);
      }
      if (o.type === SHT.SHT_GROUP) {
        const d = (o.data ?? elf.sectionData(secs[o.old], { raw: true })).slice();
        if (d.length < 4) {
          throw new FormatError(`SHT_GROUP section ${o.name} of ${d.length} byte(s) has no flag word`, { source: elf.name, format: 'ELF', section: o.name, offset: secs[o.old].offset });
        }
        const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
        const members: number[] = [];
        for (let i = 4; i + 4 <= d.length; i += 4) {
          const m = mapIndex(dv.getUint32(i, le));
          if (m > 0) members.push(m);
        }
        const nd = new Uint8Array(4 + members.length * 4);
        const ndv = new DataView(nd.buffer);
        ndv.setUint32(0, dv.getUint32(0, le), le);
        members.forEach((m, i) => ndv.setUint32(4 + i * 4, m, le));
        o.data = nd;
        const sm = symMaps.get(o.link);
        if (sm) o.info = sm[o.info];
      }
    }
    for (const o of out) {
      if (o.old <= 0) continue;
      if (o.link !== 0) o.link = mapIndex(o.link);
      if ((o.type === SHT.SHT_REL || o.type === SHT.SHT_RELA || (o.flags & SHF.SHF_INFO_LINK)) && o.info !== 0) o.info = mapIndex(o.info);
    }
  }
  for (const o of out) {
    if (o.fixed && o.data && o.old >= 0 && o.data.length !== secs[o.old].size) {
      throw usage(`section ${o.name} lies inside a segment but would change size`);
    }
  }

  // Section names.
  const names: number[] = [];
  const strParts: Uint8Array[] = [new Uint8Array(1)];
  let strLen = 1;
  const seen = new Map<string, number>([['', 0]]);
  const enc = new TextEncoder();
  for (const o of out) {
    let off = seen.get(o.name);
    if (off === undefined) {
      const b = enc.encode(o.name);
      off = strLen;
      strParts.push(b, new Uint8Array(1));
      strLen += b.length + 1;
      seen.set(o.name, off);
    }
    names.push(off);
  }
  const shstr = new Uint8Array(strLen);
  { let p = 0; for (const part of strParts) { shstr.set(part, p); p += part.length; } }
  const so = out[shstrOut];
  so.data = shstr; so.size = shstr.length; so.fixed = false; so.flags &= ~SHF.SHF_COMPRESSED;

  // ---- 4. reserve ----------------------------------------------------------
  let pos = fixedEnd;
  for (const o of out) {
    if (o.fixed) continue;
    if (o === out[0] && o.old <= 0) { o.offset = 0; continue; }
    if (o.type === SHT.SHT_NOBITS) { if (o.old < 0) o.offset = pos; continue; }
    const a = Math.max(1, o.addralign);
    if (a & (a - 1)) throw new FormatError(`section ${o.name} has sh_addralign ${o.addralign}, not a power of two`, { source: name, format: 'ELF' });
    if (a > 1 << 24) throw new FormatError(`section ${o.name} has an absurd sh_addralign 0x${a.toString(16)}`, { source: name, format: 'ELF' });
    pos = Math.ceil(pos / a) * a;
    o.offset = pos;
    o.size = o.data?.length ?? 0;
    pos += o.size;
  }
  const shentsize = is64 ? 64 : 40;
  const shoff = Math.ceil(pos / (is64 ? 8 : 4)) * (is64 ? 8 : 4);
  const total = shoff + out.length * shentsize;
  if (!is64 && total > 0xffffffff) throw usage('the result would exceed 4 GiB, too large for ELF32');

  // ---- 5. write ------------------------------------------------------------
  const buf = new Uint8Array(total);
  buf.set(input.subarray(0, Math.min(fixedEnd, input.length)));
  for (const o of out) if (o.data && o.type !== SHT.SHT_NOBITS) buf.set(o.data, o.offset);
  const dv = new DataView(buf.buffer);
  const shnum = out.length;
  const extShnum = shnum >= SHN.SHN_LORESERVE;
  const extStr = shstrOut >= SHN.SHN_LORESERVE;
  // Section 0 carries the extended counts.
  const s0 = out[0];
  s0.size = extShnum ? shnum : 0;
  s0.link = extStr ? shstrOut : 0;
  if (h.rawPhnum === PN_XNUM) s0.info = h.phnum;
  out.forEach((o, i) => {
    const at = shoff + i * shentsize;
    dv.setUint32(at, names[i], le);
    dv.setUint32(at + 4, o.type, le);
    const size = i === 0 ? s0.size : o.data ? o.data.length : o.size;
    if (is64) {
      dv.setBigUint64(at + 8, o.flags, le); dv.setBigUint64(at + 16, o.addr, le);
      dv.setBigUint64(at + 24, BigInt(o.offset), le); dv.setBigUint64(at + 32, BigInt(size), le);
      dv.setUint32(at + 40, o.link, le); dv.setUint32(at + 44, o.info, le);
      dv.setBigUint64(at + 48, BigInt(o.addralign), le); dv.setBigUint64(at + 56, BigInt(o.entsize), le);
    } else {
      dv.setUint32(at + 8, Number(o.flags), le); dv.setUint32(at + 12, Number(o.addr), le);
      dv.setUint32(at + 16, o.offset, le); dv.setUint32(at + 20, size, le);
      dv.setUint32(at + 24, o.link, le); dv.setUint32(at + 28, o.info, le);
      dv.setUint32(at + 32, o.addralign, le); dv.setUint32(at + 36, o.entsize, le);
    }
  });
  if (is64) {
    dv.setBigUint64(0x28, BigInt(shoff), le);
    dv.setUint16(0x3a, shentsize, le);
    dv.setUint16(0x3c, extShnum ? 0 : shnum, le);
    dv.setUint16(0x3e, extStr ? SHN.SHN_XINDEX : shstrOut, le);
  } else {
    dv.setUint32(0x20, shoff, le);
    dv.setUint16(0x2e, shentsize, le);
    dv.setUint16(0x30, extShnum ? 0 : shnum, le);
    dv.setUint16(0x32, extStr ? SHN.SHN_XINDEX : shstrOut, le);
  }
  return buf;
}

/**
 * Renumber st_shndx of one symbol table. In .symtab, symbols of removed
 * sections are dropped; returns the old->new symbol index map when any were.
 * .dynsym belongs to the loaded image and cannot change: an edit that would
 * change it is refused.
 */
function rewriteSymtab(
  elf: ElfFile, sec: ElfSection, o: OutSection, out: OutSection[], newIndex: Int32Array, removed: Set<number>,
  usage: (w: string) => UsageError,
): Int32Array | undefined {
  const le = elf.littleEndian;
  const ent = elf.is64 ? 24 : 16;
  const shOff = elf.is64 ? 6 : 14;
  const src = o.data ?? elf.sectionData(sec, { raw: true });
  const n = Math.floor(src.length / ent);
  const sdv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const xsec = elf.sections.find((t) => t.type === SHT.SHT_SYMTAB_SHNDX && t.link === sec.index && !removed.has(t.index));
  const xout = xsec ? out.find((t) => t.old === xsec.index) : undefined;
  const xsrc = xsec ? (xout?.data ?? elf.sectionData(xsec, { raw: true })) : undefined;
  const xdv = xsrc ? new DataView(xsrc.buffer, xsrc.byteOffset, xsrc.byteLength) : undefined;
  const map = new Int32Array(n).fill(-1);
  const keep: number[] = [];
  const newShndx: number[] = [];
  for (let i = 0; i < n; i++) {
    let shndx = sdv.getUint16(i * ent + shOff, le);
    let regular = shndx !== 0 && shndx < SHN.SHN_LORESERVE;
    if (shndx === SHN.SHN_XINDEX && xdv && i * 4 + 4 <= xdv.byteLength) { shndx = xdv.getUint32(i * 4, le); regular = shndx !== 0; }
    if (regular && removed.has(shndx)) {
      if (sec.type === SHT.SHT_DYNSYM) throw usage(`cannot remove section ${elf.sections[shndx]?.name}: dynamic symbol ${i} is defined in it`);
      continue; // dropped
    }
    const ns = regular ? newIndex[shndx] : shndx;
    if (regular && ns < 0) throw usage(`symbol ${i} of ${sec.name} refers to section ${shndx}, which does not exist`);
    map[i] = keep.length;
    keep.push(i);
    newShndx.push(ns);
  }
  const changed = keep.length !== n || newShndx.some((v, k) => v !== sdv.getUint16(keep[k] * ent + shOff, le));
  if (!changed) return undefined;
  if (o.fixed) throw usage(`the edit would change ${sec.name}, which is part of the loaded image`);
  const d = new Uint8Array(keep.length * ent);
  const ddv = new DataView(d.buffer);
  const wasRegular = (raw: number) => raw === SHN.SHN_XINDEX || (raw !== 0 && raw < SHN.SHN_LORESERVE);
  const needX = keep.some((i, k) => wasRegular(sdv.getUint16(i * ent + shOff, le)) && newShndx[k] >= SHN.SHN_LORESERVE);
  const xd = xsec ? new Uint8Array(keep.length * 4) : undefined;
  if (needX && !xsec) throw usage(`${sec.name} would need an SHT_SYMTAB_SHNDX table, which it does not have`);
  const xddv = xd ? new DataView(xd.buffer) : undefined;
  let locals = 0;
  keep.forEach((i, k) => {
    d.set(src.subarray(i * ent, i * ent + ent), k * ent);
    const oldRaw = sdv.getUint16(i * ent + shOff, le);
    const v = newShndx[k];
    if (wasRegular(oldRaw) && v >= SHN.SHN_LORESERVE) {
      ddv.setUint16(k * ent + shOff, SHN.SHN_XINDEX, le);
      xddv?.setUint32(k * 4, v, le);
    } else {
      ddv.setUint16(k * ent + shOff, v, le);
    }
    const bind = d[k * ent + (elf.is64 ? 4 : 12)] >> 4;
    if (bind === STB.STB_LOCAL) locals = k + 1;
  });
  o.data = d;
  o.size = d.length;
  if (keep.length !== n) o.info = locals;
  if (xout && xd) { xout.data = xd; xout.size = xd.length; }
  return keep.length !== n ? map : undefined;
}

function renumberRelocs(
  src: Uint8Array, rela: boolean, is64: boolean, le: boolean, map: Int32Array, secName: string, usage: (w: string) => UsageError,
): Uint8Array {
  const d = src.slice();
  const dv = new DataView(d.buffer);
  const ent = is64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
  for (let o = 0; o + ent <= d.length; o += ent) {
    if (is64) {
      const symAt = o + (le ? 12 : 8);
      const sym = dv.getUint32(symAt, le);
      if (sym === 0) continue;
      const ns = sym < map.length ? map[sym] : -1;
      if (ns < 0) throw usage(`relocation at ${hex(o)} in ${secName} uses symbol ${sym}, whose section is being removed`);
      dv.setUint32(symAt, ns, le);
    } else {
      const info = dv.getUint32(o + 4, le);
      const sym = info >>> 8;
      if (sym === 0) continue;
      const ns = sym < map.length ? map[sym] : -1;
      if (ns < 0) throw usage(`relocation at ${hex(o)} in ${secName} uses symbol ${sym}, whose section is being removed`);
      dv.setUint32(o + 4, ((ns << 8) | (info & 0xff)) >>> 0, le);
    }
  }
  return d;
}

/** True if the file is a kind the writer handles. */
export function editable(type: number): boolean {
  return type === ET.ET_REL || type === ET.ET_EXEC || type === ET.ET_DYN || type === ET.ET_CORE;
}
