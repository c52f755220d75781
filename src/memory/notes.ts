/**
 * Helpers for what dumps carry besides memory: a list of ELF notes stored as
 * a blob (the kdump sub-header's note area) and VMCOREINFO text.
 *
 * ELF note layout (ELF gABI): u32 namesz, u32 descsz, u32 type, name padded to
 * 4 bytes, desc padded to 4 bytes. VMCOREINFO is text: one KEY=VALUE per line
 * (OSRELEASE=..., PAGESIZE=4096, SYMBOL(init_top_pgt)=ffffffff..., NUMBER(...)=,
 * OFFSET(...)=, SIZE(...)=, KERNELOFFSET=hex, CRASHTIME=...).
 */
import { FormatError } from '../bytes/index.js';
import type { DumpNote } from './phys.js';

const MAX_NOTES = 4096;

/** Walk a blob of ELF notes (little-endian). Stops, with a FormatError, at a note that runs past the end. */
export function parseNoteBlob(blob: Uint8Array, place: { source: string; format: string; offset: number }): DumpNote[] {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: DumpNote[] = [];
  let p = 0;
  while (p + 12 <= blob.length && out.length < MAX_NOTES) {
    const namesz = dv.getUint32(p, true), descsz = dv.getUint32(p + 4, true), type = dv.getUint32(p + 8, true);
    if (namesz === 0 && descsz === 0 && type === 0) break; // zero padding at the end
    const nameOff = p + 12;
    const descOff = nameOff + align4(namesz);
    const end = descOff + align4(descsz);
    if (descOff + descsz > blob.length || namesz > blob.length) {
      throw new FormatError(`note (namesz ${namesz}, descsz ${descsz}) runs past the end of the note area`, { source: place.source, format: place.format, section: 'notes', offset: place.offset + p });
    }
    const name = Buffer.from(blob.subarray(nameOff, nameOff + namesz)).toString('latin1').replace(/\0+$/, '');
    out.push({ name, type, desc: blob.subarray(descOff, descOff + descsz) });
    p = end;
  }
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** VMCOREINFO text -> key/value map (keys as written: "SYMBOL(init_top_pgt)"). */
export function parseVmcoreinfoText(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    m.set(line.slice(0, eq).trim(), line.slice(eq + 1).replace(/\0+$/, '').trim());
  }
  return m;
}

/** The VMCOREINFO note's text from a note list, if any. */
export function vmcoreinfoFromNotes(notes: DumpNote[]): string | undefined {
  const n = notes.find((x) => x.name === 'VMCOREINFO');
  return n ? Buffer.from(n.desc).toString('latin1').replace(/\0+$/, '') : undefined;
}
