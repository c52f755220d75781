/**
 * Symbol tables (SHT_SYMTAB, SHT_DYNSYM). Elf64_Sym is {u32 name, u8 info,
 * u8 other, u16 shndx, u64 value, u64 size}; Elf32_Sym is {u32 name, u32
 * value, u32 size, u8 info, u8 other, u16 shndx}. info = bind<<4 | type;
 * other & 3 = visibility. A symbol whose st_shndx is SHN_XINDEX finds its real
 * section index in the SHT_SYMTAB_SHNDX section linked to the table, one u32
 * per symbol.
 *
 * A table is decoded once into a CompactSymbols: one typed array per field
 * (struct of arrays, ~26 bytes a symbol), names left in the string table and
 * decoded only when asked for. A vmlinux has 100k+ symbols; an object and
 * three bigints per symbol cost more in garbage collection than the decoding
 * itself. ElfSymbol objects are built from it only for callers that want them.
 * Every check on the bytes (name offsets, SHN_XINDEX entries) is made when the
 * table is built, so reading it afterwards cannot fail.
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
  sectionNames: readonly string[];
}

const utf8 = new TextDecoder();
const SHN_UNDEF = SHN.SHN_UNDEF, SHN_LORESERVE = SHN.SHN_LORESERVE, SHN_XINDEX = SHN.SHN_XINDEX;
/** Word order of a 64-bit element seen as two u32 on this host. */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = HOST_LE ? 0 : 1;
const HI = 1 - LO;

/**
 * One symbol table as parallel typed arrays, indexed by symbol number.
 * `values` and `sizes` hold st_value and st_size; `valueLo/valueHi` and
 * `sizeLo/sizeHi` read their u32 halves without making a bigint.
 */
export class CompactSymbols {
  /** Number of symbols (entry 0, the null symbol, included). */
  readonly length: number;
  /** Name of the symbol table section ('.symtab', '.dynsym'). */
  readonly table: string;
  readonly values: BigUint64Array;
  readonly sizes: BigUint64Array;
  /** st_info: bind << 4 | type. */
  readonly info: Uint8Array;
  /** st_other (visibility in the low two bits). */
  readonly other: Uint8Array;
  /** Section index, SHN_XINDEX resolved; reserved values kept. */
  readonly shndx: Uint32Array;
  /** st_name: offsets into `strtab` (0 = no name). */
  readonly nameOffsets: Uint32Array;
  /** The linked string table (shared, do not modify). */
  readonly strtab: Uint8Array;
  private readonly v32: Uint32Array;
  private readonly s32: Uint32Array;
  /** 1 where shndx came from SHT_SYMTAB_SHNDX (only when the table has one). */
  private readonly xindexed?: Uint8Array;
  private readonly sectionNames: readonly string[];

  /** Decode and check a table; a FormatError names the entry at fault. */
  constructor(t: SymtabInput) {
    const ent = t.is64 ? 24 : 16;
    const n = Math.floor(t.bytes.length / ent);
    const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    const xdv = t.shndx ? new DataView(t.shndx.buffer, t.shndx.byteOffset, t.shndx.byteLength) : undefined;
    const le = t.le;
    const str = t.strtab;
    this.length = n;
    this.table = t.section;
    this.strtab = str;
    this.sectionNames = t.sectionNames;
    this.values = new BigUint64Array(n);
    this.sizes = new BigUint64Array(n);
    this.v32 = new Uint32Array(this.values.buffer);
    this.s32 = new Uint32Array(this.sizes.buffer);
    this.info = new Uint8Array(n);
    this.other = new Uint8Array(n);
    this.shndx = new Uint32Array(n);
    this.nameOffsets = new Uint32Array(n);
    if (xdv) this.xindexed = new Uint8Array(n);
    const { v32, s32, info, other, shndx: ndx, nameOffsets } = this;
    // A name is terminated iff a NUL follows its offset somewhere in the table.
    const lastNul = str.lastIndexOf(0);
    for (let i = 0; i < n; i++) {
      const o = i * ent;
      const nameOff = dv.getUint32(o, le);
      let sh: number;
      if (t.is64) {
        info[i] = dv.getUint8(o + 4); other[i] = dv.getUint8(o + 5); sh = dv.getUint16(o + 6, le);
        v32[2 * i + LO] = dv.getUint32(o + (le ? 8 : 12), le); v32[2 * i + HI] = dv.getUint32(o + (le ? 12 : 8), le);
        s32[2 * i + LO] = dv.getUint32(o + (le ? 16 : 20), le); s32[2 * i + HI] = dv.getUint32(o + (le ? 20 : 16), le);
      } else {
        v32[2 * i + LO] = dv.getUint32(o + 4, le); s32[2 * i + LO] = dv.getUint32(o + 8, le);
        info[i] = dv.getUint8(o + 12); other[i] = dv.getUint8(o + 13); sh = dv.getUint16(o + 14, le);
      }
      if (sh === SHN_XINDEX && xdv) {
        if (i * 4 + 4 > xdv.byteLength) {
          throw new FormatError(`symbol ${i} has SHN_XINDEX but the SHT_SYMTAB_SHNDX table holds only ${xdv.byteLength >> 2} entries`, {
            source: t.source, format: 'ELF', section: t.section, offset: t.offset + o,
          });
        }
        sh = xdv.getUint32(i * 4, le);
        this.xindexed![i] = 1;
      }
      ndx[i] = sh;
      if (nameOff !== 0 && nameOff > lastNul) {
        // Outside the table or unterminated: let cstringAt say which.
        cstringAt(str, nameOff, { source: t.source, format: 'ELF', section: t.section, offset: t.offset + o });
      }
      nameOffsets[i] = nameOff;
    }
  }

  value(i: number): bigint { return this.values[i]; }
  size(i: number): bigint { return this.sizes[i]; }
  valueLo(i: number): number { return this.v32[2 * i + LO]; }
  valueHi(i: number): number { return this.v32[2 * i + HI]; }
  sizeLo(i: number): number { return this.s32[2 * i + LO]; }
  sizeHi(i: number): number { return this.s32[2 * i + HI]; }
  /** STB_* */
  bind(i: number): number { return this.info[i] >> 4; }
  /** STT_* */
  type(i: number): number { return this.info[i] & 0xf; }
  /** STV_* */
  visibility(i: number): number { return this.other[i] & 3; }

  /** Start of the name's bytes in `strtab` (nameStart == nameEnd: no name). */
  nameStart(i: number): number { return this.nameOffsets[i]; }
  /** End (the NUL) of the name's bytes in `strtab`. */
  nameEnd(i: number): number {
    const off = this.nameOffsets[i];
    return off === 0 ? 0 : this.strtab.indexOf(0, off);
  }

  /** The symbol's name, decoded now ('' if none). */
  name(i: number): string {
    const off = this.nameOffsets[i];
    return off === 0 ? '' : asciiOrUtf8(this.strtab, off, this.strtab.indexOf(0, off));
  }

  /**
   * Index of the symbol's section when shndx is an ordinary section index of
   * this file (not SHN_UNDEF or a reserved value), else -1.
   */
  sectionIndex(i: number): number {
    const sh = this.shndx[i];
    if (sh === SHN.SHN_UNDEF) return -1;
    if (sh >= SHN.SHN_LORESERVE && !(this.xindexed && this.xindexed[i])) return -1;
    return sh < this.sectionNames.length ? sh : -1;
  }

  /** Name of the symbol's section when shndx is an ordinary index. */
  section(i: number): string | undefined {
    const s = this.sectionIndex(i);
    return s < 0 ? undefined : this.sectionNames[s];
  }

  /** Symbol `i` as an object. */
  symbol(i: number): ElfSymbol {
    const o = this.other[i], inf = this.info[i];
    const sym: ElfSymbol = {
      index: i, name: this.name(i), value: this.values[i], size: this.sizes[i],
      bind: inf >> 4, type: inf & 0xf, visibility: o & 3, other: o, shndx: this.shndx[i],
    };
    const s = this.sectionIndex(i);
    if (s >= 0) sym.section = this.sectionNames[s];
    return sym;
  }

  /** Every symbol as an object (one loop, no calls per field: 100k+ of them). */
  toArray(): ElfSymbol[] {
    const { length: n, values, sizes, info, other, shndx, nameOffsets, strtab, xindexed, sectionNames } = this;
    const out: ElfSymbol[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const off = nameOffsets[i], o = other[i], inf = info[i], sh = shndx[i];
      const sym: ElfSymbol = {
        index: i, name: off === 0 ? '' : asciiOrUtf8(strtab, off, strtab.indexOf(0, off)), value: values[i], size: sizes[i],
        bind: inf >> 4, type: inf & 0xf, visibility: o & 3, other: o, shndx: sh,
      };
      if (sh !== SHN_UNDEF && sh < sectionNames.length && (sh < SHN_LORESERVE || (xindexed !== undefined && xindexed[i] === 1))) sym.section = sectionNames[sh];
      out[i] = sym;
    }
    return out;
  }
}

/** Decode every symbol of a table. */
export function decodeSymbols(t: SymtabInput): ElfSymbol[] {
  return new CompactSymbols(t).toArray();
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
