/**
 * ELF notes: {namesz, descsz, type, name, desc} records, each part padded to
 * 4 bytes (8 in sections or segments aligned to 8, such as
 * .note.gnu.property). Also the text of a VMCOREINFO note ("KEY=value" lines)
 * and the GNU build-id.
 */
import { Reader, utf8 } from '../bytes/index.js';

export interface ElfNote {
  /** Owner name without its NUL ("GNU", "CORE", "VMCOREINFO", "Linux", ...). */
  name: string;
  type: number;
  desc: Uint8Array;
  /** File offset of the note header. */
  offset: number;
  /** Section the note came from, or undefined for a PT_NOTE segment. */
  section?: string;
}

/**
 * Decode the notes in `bytes`, which start at file offset `base`. `align` is the
 * padding (4 or 8). A record that runs past the end is a FormatError.
 */
export function parseNotes(bytes: Uint8Array, le: boolean, base: number, align: number, where: { source: string; section: string }): ElfNote[] {
  const r = new Reader(bytes, { littleEndian: le, source: where.source, format: 'ELF', section: where.section, base });
  const a = align === 8 ? 8 : 4;
  const pad = (n: number) => (n + a - 1) & ~(a - 1);
  const out: ElfNote[] = [];
  while (r.remaining > 0) {
    const at = r.pos;
    if (r.remaining < 12) {
      // Trailing padding is allowed; anything else is a truncated header.
      if (bytes.subarray(at).every((b) => b === 0)) break;
      throw r.error(`note header truncated (${r.remaining} of 12 bytes)`, at);
    }
    const namesz = r.u32();
    const descsz = r.u32();
    const type = r.u32();
    // Descriptor and next note start at multiples of the alignment, counted
    // from the note's start (so 8-aligned notes keep 12+4-byte headers dense).
    const descAt = at + pad(12 + namesz);
    if (namesz > r.remaining || descAt > r.length) throw r.error(`note name of ${namesz} bytes runs past the end of the notes`, at);
    const nameBytes = r.bytesN(namesz);
    const nul = nameBytes.indexOf(0);
    const name = utf8(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes);
    r.pos = descAt;
    if (descsz > r.remaining) throw r.error(`note descriptor of ${descsz} bytes runs past the end of the notes`, at);
    const desc = r.bytesN(descsz);
    r.pos = Math.min(r.length, at + pad(descAt - at + descsz));
    out.push({ name, type, desc, offset: base + at, section: where.section.startsWith('PT_NOTE') ? undefined : where.section });
  }
  return out;
}

/** The "KEY=value" lines of a VMCOREINFO note, in order. Lines without '=' are skipped. */
export function parseVmcoreinfo(desc: Uint8Array): Map<string, string> {
  const m = new Map<string, string>();
  let text = utf8(desc);
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

/** Lower-case hex of some bytes. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
