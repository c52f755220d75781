/**
 * A small ELF writer for profiles: sections only (no segments), ELF32 or
 * ELF64, either byte order. Sections are given in order with their contents;
 * sh_link is given by section name and resolved here. Layout: the ELF
 * header, each section's bytes at its alignment, .shstrtab, then the section
 * header table. Reading goes through elf/'s ElfFile like any other file; this
 * is only the writing half (elf/'s editElf edits existing files, and strip
 * uses it).
 */
import { UsageError, Writer } from '../bytes/index.js';
import { ET, SHT } from '../elf/index.js';

export interface BuildSection {
  name: string;
  type: number;
  flags?: bigint;
  addr?: bigint;
  /** Contents (none for SHT_NOBITS). */
  data?: Uint8Array;
  /** Size of an SHT_NOBITS section. */
  size?: bigint;
  /** Name of the section sh_link points at. */
  link?: string;
  info?: number;
  addralign?: number;
  entsize?: number;
}

export interface BuildElf {
  is64: boolean;
  littleEndian: boolean;
  machine: number;
  /** EI_OSABI, e_flags of the original. */
  osabi?: number;
  flags?: number;
  sections: BuildSection[];
}

export function buildElf(spec: BuildElf): Uint8Array {
  const { is64, littleEndian: le } = spec;
  const all: BuildSection[] = [{ name: '', type: SHT.SHT_NULL }, ...spec.sections];
  // .shstrtab last.
  const names = new Writer(le, 1024);
  names.u8(0);
  const nameOff = new Map<string, number>();
  const nameOf = (n: string) => {
    if (!n) return 0;
    let o = nameOff.get(n);
    if (o === undefined) { o = names.length; names.cstring(n); nameOff.set(n, o); }
    return o;
  };
  const shstrIndex = all.length;
  const sh = all.map((s) => nameOf(s.name));
  const shstrName = nameOf('.shstrtab');
  const shstrtab = names.finish();
  all.push({ name: '.shstrtab', type: SHT.SHT_STRTAB, data: shstrtab, addralign: 1 });
  sh.push(shstrName);
  const index = new Map<string, number>();
  all.forEach((s, i) => { if (s.name && !index.has(s.name)) index.set(s.name, i); });

  const ehsize = is64 ? 64 : 52;
  const shentsize = is64 ? 64 : 40;
  const offsets: number[] = [];
  let at = ehsize;
  for (const s of all) {
    if (s.type === SHT.SHT_NULL || s.type === SHT.SHT_NOBITS || !s.data) { offsets.push(s.type === SHT.SHT_NULL ? 0 : at); continue; }
    const a = Math.max(1, s.addralign ?? 1);
    at = Math.ceil(at / a) * a;
    offsets.push(at);
    at += s.data.length;
  }
  const shoff = Math.ceil(at / 8) * 8;
  const total = shoff + all.length * shentsize;
  const w = new Writer(le, total);
  // e_ident
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, spec.osabi ?? 0])).zeros(8);
  w.u16(ET.ET_EXEC).u16(spec.machine).u32(1);
  if (is64) w.u64(0n).u64(0n).u64(BigInt(shoff)); else w.u32(0).u32(0).u32(shoff);
  w.u32(spec.flags ?? 0).u16(ehsize).u16(0).u16(0).u16(shentsize);
  if (all.length >= 0xff00) throw new UsageError(`${all.length} sections: too many for a profile`);
  w.u16(all.length).u16(shstrIndex);
  all.forEach((s, i) => {
    if (!s.data || s.type === SHT.SHT_NOBITS || s.type === SHT.SHT_NULL) return;
    w.zeros(offsets[i] - w.length);
    w.bytes(s.data);
  });
  w.zeros(shoff - w.length);
  all.forEach((s, i) => {
    const link = s.link ? index.get(s.link) : 0;
    if (link === undefined) throw new UsageError(`section ${s.name} links to ${s.link}, which is not in the file`);
    const size = s.type === SHT.SHT_NOBITS ? (s.size ?? 0n) : BigInt(s.data?.length ?? 0);
    const word = (v: bigint | number) => (is64 ? w.u64(BigInt(v)) : w.u32(Number(v)));
    w.u32(sh[i]).u32(s.type);
    word(s.flags ?? 0n); word(s.addr ?? 0n); word(offsets[i]); word(size);
    w.u32(link).u32(s.info ?? 0);
    word(s.addralign ?? (s.type === SHT.SHT_NULL ? 0 : 1)); word(s.entsize ?? 0);
  });
  return w.finish();
}
