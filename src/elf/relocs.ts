/**
 * REL and RELA sections: decoding, and applying them to a section's bytes.
 *
 * Elf64_Rel{a} is {u64 offset, u64 info [, i64 addend]} with info = sym<<32 |
 * type; Elf32_Rel{a} is {u32 offset, u32 info [, i32 addend]} with info =
 * sym<<8 | type. REL keeps the addend in the bytes being relocated.
 *
 * Applying is done the way a debugger (and readelf -R) does for an ET_REL
 * object such as a .o or a kernel .ko: every section sits at its sh_addr
 * (0 in an ET_REL), a symbol's value is its st_value (section-relative for
 * section symbols, 0 for undefined ones), and only the data relocation types
 * that debug sections use are known: absolute S+A of 16, 32 or 64 bits, the
 * PC-relative S+A-P forms (.debug_frame/.eh_frame), and the DTP-relative TLS
 * offsets (S+A). Any other type is an error naming it, never silently wrong
 * data.
 */
import { FormatError } from '../bytes/index.js';
import { EM, relocTypeName, R_386, R_390, R_AARCH64, R_PPC64, R_X86_64 } from './constants.js';

export interface ElfRelocation {
  offset: bigint;
  type: number;
  /** Symbol index in the linked symbol table (0: none). */
  sym: number;
  /** Explicit addend of a RELA entry; undefined for REL. */
  addend?: bigint;
}

/** How to apply one relocation type: width in bytes and whether it subtracts P. */
export interface RelocKind { size: 2 | 4 | 8; pcrel: boolean }

const abs = (size: 2 | 4 | 8): RelocKind => ({ size, pcrel: false });
const pc = (size: 2 | 4 | 8): RelocKind => ({ size, pcrel: true });

const KINDS: Record<number, Record<number, RelocKind | null>> = {
  [EM.EM_X86_64]: {
    [R_X86_64.R_X86_64_NONE]: null, [R_X86_64.R_X86_64_64]: abs(8), [R_X86_64.R_X86_64_32]: abs(4),
    [R_X86_64.R_X86_64_32S]: abs(4), [R_X86_64.R_X86_64_16]: abs(2), [R_X86_64.R_X86_64_PC32]: pc(4),
    [R_X86_64.R_X86_64_PLT32]: pc(4), [R_X86_64.R_X86_64_PC64]: pc(8), [R_X86_64.R_X86_64_DTPOFF32]: abs(4),
    [R_X86_64.R_X86_64_DTPOFF64]: abs(8),
  },
  [EM.EM_386]: {
    [R_386.R_386_NONE]: null, [R_386.R_386_32]: abs(4), [R_386.R_386_PC32]: pc(4),
    [R_386.R_386_TLS_LDO_32]: abs(4), [R_386.R_386_TLS_DTPOFF32]: abs(4),
  },
  [EM.EM_AARCH64]: {
    [R_AARCH64.R_AARCH64_NONE]: null, [R_AARCH64.R_AARCH64_ABS64]: abs(8), [R_AARCH64.R_AARCH64_ABS32]: abs(4),
    [R_AARCH64.R_AARCH64_ABS16]: abs(2), [R_AARCH64.R_AARCH64_PREL64]: pc(8), [R_AARCH64.R_AARCH64_PREL32]: pc(4),
    [R_AARCH64.R_AARCH64_PREL16]: pc(2), [R_AARCH64.R_AARCH64_TLS_DTPREL]: abs(8),
  },
  [EM.EM_S390]: {
    [R_390.R_390_NONE]: null, [R_390.R_390_16]: abs(2), [R_390.R_390_32]: abs(4), [R_390.R_390_64]: abs(8),
    [R_390.R_390_PC32]: pc(4), [R_390.R_390_PC64]: pc(8), [R_390.R_390_TLS_LDO32]: abs(4),
    [R_390.R_390_TLS_LDO64]: abs(8),
  },
  [EM.EM_PPC64]: {
    [R_PPC64.R_PPC64_NONE]: null, [R_PPC64.R_PPC64_ADDR32]: abs(4), [R_PPC64.R_PPC64_UADDR32]: abs(4),
    [R_PPC64.R_PPC64_ADDR64]: abs(8), [R_PPC64.R_PPC64_UADDR64]: abs(8), [R_PPC64.R_PPC64_REL32]: pc(4),
    [R_PPC64.R_PPC64_REL64]: pc(8), [R_PPC64.R_PPC64_DTPREL64]: abs(8),
  },
};

/** The way to apply `type` on `machine`: a kind, null for a no-op, undefined if unknown. */
export function relocKind(machine: number, type: number): RelocKind | null | undefined {
  return KINDS[machine]?.[type];
}

export interface RelocInput {
  bytes: Uint8Array;
  rela: boolean;
  is64: boolean;
  le: boolean;
  machine: number;
}

/** Decode a REL or RELA section. */
export function decodeRelocations(t: RelocInput): ElfRelocation[] {
  const ent = t.is64 ? (t.rela ? 24 : 16) : (t.rela ? 12 : 8);
  const n = Math.floor(t.bytes.length / ent);
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out: ElfRelocation[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * ent;
    if (t.is64) {
      const offset = dv.getBigUint64(o, t.le);
      const hi = dv.getUint32(o + (t.le ? 12 : 8), t.le);
      const lo = dv.getUint32(o + (t.le ? 8 : 12), t.le);
      out[i] = { offset, sym: hi, type: lo, addend: t.rela ? dv.getBigInt64(o + 16, t.le) : undefined };
    } else {
      const offset = BigInt(dv.getUint32(o, t.le));
      const info = dv.getUint32(o + 4, t.le);
      out[i] = { offset, sym: info >>> 8, type: info & 0xff, addend: t.rela ? BigInt(dv.getInt32(o + 8, t.le)) : undefined };
    }
  }
  return out;
}

export interface ApplyInput {
  /** The section's bytes (decompressed); modified in place. */
  data: Uint8Array;
  /** sh_addr of the section being relocated. */
  sectionAddr: bigint;
  relocs: ElfRelocation[];
  /** st_value of every symbol of the linked table. */
  symbolValue: (index: number) => bigint | undefined;
  machine: number;
  le: boolean;
  /** For messages. */
  source: string;
  relSection: string;
  relOffset: number;
  relEntSize: number;
}

/** Apply relocations to `data` in place. */
export function applyRelocations(a: ApplyInput): void {
  const dv = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const kinds = KINDS[a.machine];
  const fail = (i: number, what: string) =>
    new FormatError(what, { source: a.source, format: 'ELF', section: a.relSection, offset: a.relOffset + i * a.relEntSize });
  for (let i = 0; i < a.relocs.length; i++) {
    const r = a.relocs[i];
    const kind = kinds?.[r.type];
    if (kind === null) continue;
    if (kind === undefined) {
      throw fail(i, `relocation ${relocTypeName(a.machine, r.type)} (${r.type}) is not one debug sections use on machine ${EM.nameOf(a.machine) ?? a.machine}; read the section with { relocate: false }`);
    }
    if (r.offset + BigInt(kind.size) > BigInt(a.data.length)) {
      throw fail(i, `relocation at 0x${r.offset.toString(16)} (${kind.size} bytes) is outside the 0x${a.data.length.toString(16)}-byte section`);
    }
    const at = Number(r.offset);
    let s = 0n;
    if (r.sym !== 0) {
      const v = a.symbolValue(r.sym);
      if (v === undefined) throw fail(i, `relocation refers to symbol ${r.sym}, past the end of its symbol table`);
      s = v;
    }
    let addend = r.addend;
    if (addend === undefined) {
      addend = kind.size === 8 ? dv.getBigInt64(at, a.le) : kind.size === 4 ? BigInt(dv.getInt32(at, a.le)) : BigInt(dv.getInt16(at, a.le));
    }
    let v = s + addend;
    if (kind.pcrel) v -= a.sectionAddr + r.offset;
    if (kind.size === 8) dv.setBigUint64(at, BigInt.asUintN(64, v), a.le);
    else if (kind.size === 4) dv.setUint32(at, Number(BigInt.asUintN(32, v)), a.le);
    else dv.setUint16(at, Number(BigInt.asUintN(16, v)), a.le);
  }
}

export interface ApplyRawInput extends Omit<ApplyInput, 'relocs' | 'symbolValue'> {
  /** The REL/RELA section's bytes, decoded here entry by entry. */
  rel: Uint8Array;
  rela: boolean;
  is64: boolean;
  /** st_value of every symbol of the linked table. */
  symbols: BigUint64Array;
}

const TWO32 = 2 ** 32;
/** Symbol values, addends and section addresses below 2^50 add up exactly as numbers. */
const SMALL = 1n << 50n;

/**
 * applyRelocations straight from the section bytes, the same result and the
 * same errors: no ElfRelocation objects, and plain numbers instead of bigints
 * whenever symbol value and addend are small enough to add exactly (in an
 * ET_REL they nearly always are). A kernel module's .debug_info has tens of
 * thousands of relocations, and a kernel has a thousand modules.
 */
export function applyRelocationsRaw(a: ApplyRawInput): void {
  if (a.is64 && a.rela && a.le) { applyRela64Le(a); return; }
  const ent = a.is64 ? (a.rela ? 24 : 16) : (a.rela ? 12 : 8);
  const n = Math.floor(a.rel.length / ent);
  const rv = new DataView(a.rel.buffer, a.rel.byteOffset, a.rel.byteLength);
  const dv = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const le = a.le;
  const kinds = KINDS[a.machine];
  const syms = a.symbols;
  const secAddr = a.sectionAddr;
  const secAddrSafe = secAddr < SMALL;
  const secAddrN = Number(secAddr);
  const len = a.data.length;
  const slow: ElfRelocation[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * ent;
    let offHi = 0, offLo: number, sym: number, type: number, addend: number | undefined;
    let addendBig: bigint | undefined;
    if (a.is64) {
      offLo = rv.getUint32(o + (le ? 0 : 4), le);
      offHi = rv.getUint32(o + (le ? 4 : 0), le);
      sym = rv.getUint32(o + (le ? 12 : 8), le);
      type = rv.getUint32(o + (le ? 8 : 12), le);
      if (a.rela) {
        const lo = rv.getUint32(o + (le ? 16 : 20), le);
        const hi = rv.getInt32(o + (le ? 20 : 16), le);
        if (hi >= -0x40000 && hi < 0x40000) addend = hi * TWO32 + lo;
        else addendBig = rv.getBigInt64(o + 16, le);
      }
    } else {
      offLo = rv.getUint32(o, le);
      const info = rv.getUint32(o + 4, le);
      sym = info >>> 8;
      type = info & 0xff;
      if (a.rela) addend = rv.getInt32(o + 8, le);
    }
    const kind = kinds?.[type];
    if (kind === null) continue;
    const offset = offHi * TWO32 + offLo;
    if (kind === undefined || offHi !== 0 || offset + kind.size > len || addendBig !== undefined || sym >= syms.length) {
      // Errors and values too large for numbers: the general path decides.
      slow.length = 0;
      slow.push({ offset: (BigInt(offHi) << 32n) | BigInt(offLo), sym, type, addend: a.rela ? (addendBig ?? BigInt(addend!)) : undefined });
      applyRelocations({ ...a, relocs: slow, symbolValue: (s) => (s < syms.length ? syms[s] : undefined), relOffset: a.relOffset + i * ent, relEntSize: ent });
      continue;
    }
    const sBig = sym !== 0 ? syms[sym] : 0n;
    if (sBig >= SMALL || (kind.pcrel && !secAddrSafe)) {
      applyRelocations({ ...a, relocs: [{ offset: BigInt(offset), sym, type, addend: a.rela ? BigInt(addend!) : undefined }], symbolValue: (s) => (s < syms.length ? syms[s] : undefined), relOffset: a.relOffset + i * ent, relEntSize: ent });
      continue;
    }
    let add = addend;
    if (add === undefined) {
      if (kind.size === 8) {
        const lo = dv.getUint32(offset + (le ? 0 : 4), le);
        const hi = dv.getInt32(offset + (le ? 4 : 0), le);
        if (hi < -0x40000 || hi >= 0x40000) {
          applyRelocations({ ...a, relocs: [{ offset: BigInt(offset), sym, type }], symbolValue: (s) => (s < syms.length ? syms[s] : undefined), relOffset: a.relOffset + i * ent, relEntSize: ent });
          continue;
        }
        add = hi * TWO32 + lo;
      } else {
        add = kind.size === 4 ? dv.getInt32(offset, le) : dv.getInt16(offset, le);
      }
    }
    let v = Number(sBig) + add;
    if (kind.pcrel) v -= secAddrN + offset;
    // Two's complement truncation to the field's width (|v| < 2^52 here, so this is exact).
    const lo32 = ((v % TWO32) + TWO32) % TWO32;
    if (kind.size === 8) {
      const hi32 = ((Math.floor(v / TWO32) % TWO32) + TWO32) % TWO32;
      dv.setUint32(offset + (le ? 0 : 4), lo32, le);
      dv.setUint32(offset + (le ? 4 : 0), hi32, le);
    } else if (kind.size === 4) {
      dv.setUint32(offset, lo32, le);
    } else {
      dv.setUint16(offset, lo32 & 0xffff, le);
    }
  }
}

/** Per machine: field size by relocation type (0: unknown, -1: no-op) and whether it is PC-relative. */
const KIND_TABLES = new Map<number, { size: Int8Array; pcrel: Uint8Array }>();

function kindTable(machine: number): { size: Int8Array; pcrel: Uint8Array } {
  let t = KIND_TABLES.get(machine);
  if (!t) {
    t = { size: new Int8Array(256), pcrel: new Uint8Array(256) };
    for (const [type, k] of Object.entries(KINDS[machine] ?? {})) {
      const i = Number(type);
      if (i < 0 || i > 255) continue;
      t.size[i] = k === null ? -1 : k.size;
      t.pcrel[i] = k?.pcrel ? 1 : 0;
    }
    KIND_TABLES.set(machine, t);
  }
  return t;
}

/** Symbol values as numbers (NaN: too large to be exact), per symbol table: a section relocated in pieces works them out once. */
const symbolNumbers = new WeakMap<BigUint64Array, Float64Array>();

/**
 * The common case of applyRelocationsRaw: 64-bit little-endian RELA (x86-64,
 * aarch64 modules), with symbol values as plain numbers worked out once. An
 * entry outside what numbers carry exactly, or one that is an error, goes
 * through the general path, which decides.
 */
function applyRela64Le(a: ApplyRawInput): void {
  const n = Math.floor(a.rel.length / 24);
  const rv = new DataView(a.rel.buffer, a.rel.byteOffset, a.rel.byteLength);
  const dv = new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const { size: sizes, pcrel } = kindTable(a.machine);
  const syms = a.symbols;
  const nsyms = syms.length;
  let symNum = symbolNumbers.get(syms);
  if (!symNum) {
    symNum = new Float64Array(nsyms);
    for (let i = 0; i < nsyms; i++) symNum[i] = syms[i] < SMALL ? Number(syms[i]) : NaN;
    symbolNumbers.set(syms, symNum);
  }
  const secAddrN = a.sectionAddr < SMALL ? Number(a.sectionAddr) : NaN;
  const len = a.data.length;
  const general = (i: number) => {
    const o = i * 24;
    const offset = rv.getBigUint64(o, true);
    const info = rv.getBigUint64(o + 8, true);
    const relocs = [{ offset, sym: Number(info >> 32n), type: Number(info & 0xffffffffn), addend: rv.getBigInt64(o + 16, true) }];
    applyRelocations({ ...a, relocs, symbolValue: (s) => (s < nsyms ? syms[s] : undefined), relOffset: a.relOffset + o, relEntSize: 24 });
  };
  for (let i = 0; i < n; i++) {
    const o = i * 24;
    const type = rv.getUint32(o + 8, true);
    const size = type < 256 ? sizes[type] : 0;
    if (size === -1) continue;
    const offLo = rv.getUint32(o, true);
    const offHi = rv.getUint32(o + 4, true);
    const sym = rv.getUint32(o + 12, true);
    const addHi = rv.getInt32(o + 20, true);
    if (size === 0 || offHi !== 0 || offLo + size > len || sym >= nsyms || addHi < -0x40000 || addHi >= 0x40000) { general(i); continue; }
    let v = (sym === 0 ? 0 : symNum[sym]) + addHi * TWO32 + rv.getUint32(o + 16, true);
    if (pcrel[type]) v -= secAddrN + offLo;
    if (v !== v) { general(i); continue; }
    // ToUint32 is the value modulo 2^32, exact for integers below 2^53.
    if (size === 4) dv.setUint32(offLo, v >>> 0, true);
    else if (size === 8) { dv.setUint32(offLo, v >>> 0, true); dv.setUint32(offLo + 4, Math.floor(v / TWO32) >>> 0, true); }
    else dv.setUint16(offLo, v & 0xffff, true);
  }
}
