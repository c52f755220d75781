/**
 * Symbol tables (SHT_SYMTAB, SHT_DYNSYM). Elf64_Sym is {u32 name, u8 info,
 * u8 other, u16 shndx, u64 value, u64 size}; Elf32_Sym is {u32 name, u32
 * value, u32 size, u8 info, u8 other, u16 shndx}. info = bind<<4 | type;
 * other & 3 = visibility. A symbol whose st_shndx is SHN_XINDEX finds its real
 * section index in the SHT_SYMTAB_SHNDX section linked to the table, one u32
 * per symbol.
 */
import { cstringAt, FormatError } from '../bytes/index.js';
import { SHN } from './constants.js';

export interface ElfSymbol {
  index: number;
  name: string;
  value: bigint;
  size: bigint;
  /** STB_* */
  bind: number;
  /** STT_* */
  type: number;
  /** STV_* (st_other & 3) */
  visibility: number;
  /** The whole st_other byte (ppc64 keeps its local-entry bits there). */
  other: number;
  /** Section index, with SHN_XINDEX resolved; reserved values (SHN_ABS, SHN_COMMON...) kept. */
  shndx: number;
  /** Name of the section when shndx is an ordinary index. */
  section?: string;
}

export interface SymtabInput {
  bytes: Uint8Array;
  strtab: Uint8Array;
  /** The SHT_SYMTAB_SHNDX contents, if any. */
  shndx?: Uint8Array;
  is64: boolean;
  le: boolean;
  source: string;
  section: string;
  /** File offset of the table, for messages. */
  offset: number;
  /** Names of the sections by index, to fill `section`. */
  sectionNames: string[];
}

const utf8 = new TextDecoder();

/** Decode every symbol of a table. */
export function decodeSymbols(t: SymtabInput): ElfSymbol[] {
  const ent = t.is64 ? 24 : 16;
  const n = Math.floor(t.bytes.length / ent);
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const xdv = t.shndx ? new DataView(t.shndx.buffer, t.shndx.byteOffset, t.shndx.byteLength) : undefined;
  const le = t.le;
  const str = t.strtab;
  const out: ElfSymbol[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * ent;
    const nameOff = dv.getUint32(o, le);
    let info: number, other: number, shndx: number, value: bigint, size: bigint;
    if (t.is64) {
      info = dv.getUint8(o + 4); other = dv.getUint8(o + 5); shndx = dv.getUint16(o + 6, le);
      value = dv.getBigUint64(o + 8, le); size = dv.getBigUint64(o + 16, le);
    } else {
      value = BigInt(dv.getUint32(o + 4, le)); size = BigInt(dv.getUint32(o + 8, le));
      info = dv.getUint8(o + 12); other = dv.getUint8(o + 13); shndx = dv.getUint16(o + 14, le);
    }
    let regular = shndx !== SHN.SHN_UNDEF && shndx < SHN.SHN_LORESERVE;
    if (shndx === SHN.SHN_XINDEX && xdv) {
      if (i * 4 + 4 > xdv.byteLength) {
        throw new FormatError(`symbol ${i} has SHN_XINDEX but the SHT_SYMTAB_SHNDX table holds only ${xdv.byteLength >> 2} entries`, {
          source: t.source, format: 'ELF', section: t.section, offset: t.offset + o,
        });
      }
      shndx = xdv.getUint32(i * 4, le);
      regular = shndx !== SHN.SHN_UNDEF;
    }
    let name = '';
    if (nameOff !== 0) {
      const end = nameOff < str.length ? str.indexOf(0, nameOff) : -1;
      name = end < 0
        ? cstringAt(str, nameOff, { source: t.source, format: 'ELF', section: t.section, offset: t.offset + o })
        : asciiOrUtf8(str, nameOff, end);
    }
    const sym: ElfSymbol = {
      index: i, name, value, size, bind: info >> 4, type: info & 0xf, visibility: other & 3, other, shndx,
    };
    if (regular) {
      const s = t.sectionNames[shndx];
      if (s !== undefined) sym.section = s;
    }
    out[i] = sym;
  }
  return out;
}

/** Fast path for ASCII names (almost all of them), UTF-8 otherwise. */
function asciiOrUtf8(b: Uint8Array, start: number, end: number): string {
  if (end - start < 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 0x80) return utf8.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b.subarray(start, end));
}
