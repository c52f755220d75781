/**
 * CTF string references: bit 31 picks the table (CTF_STRTAB_0: the dict's own
 * string section; CTF_STRTAB_1: an external table, the ELF .strtab or, with
 * CTF_F_DYNSTR, .dynstr), the other 31 bits are a byte offset. Offset 0 of the
 * internal table is "". The builder deduplicates strings for the writer.
 */
import { FormatError, cstringAt, type ErrorPlace } from '../bytes/index.js';
import { CTF_MAX_NAME } from './constants.js';

export class CtfStrings {
  private readonly cache = new Map<number, string>();

  constructor(
    /** The dict's own string section. */
    readonly internal: Uint8Array,
    /** The external string table, when the caller has it (ELF .strtab/.dynstr). */
    readonly external: Uint8Array | undefined,
    private readonly place: ErrorPlace,
  ) {}

  /** The string a reference names; throws a FormatError for a bad offset. */
  get(ref: number): string {
    if (ref === 0) return '';
    let s = this.cache.get(ref);
    if (s !== undefined) return s;
    const off = ref & CTF_MAX_NAME;
    if (ref >>> 31) {
      if (!this.external) {
        // Without the ELF string table the name cannot be known; say so in the name itself.
        s = `(external string 0x${off.toString(16)})`;
      } else {
        s = cstringAt(this.external, off, { ...this.place, section: 'external string table' });
      }
    } else {
      if (off >= this.internal.length) {
        throw new FormatError(`string offset 0x${off.toString(16)} outside the ${this.internal.length}-byte string section`, this.place);
      }
      s = cstringAt(this.internal, off, this.place);
    }
    this.cache.set(ref, s);
    return s;
  }
}

/** Builds a deduplicated internal string table; offset 0 is always "". */
export class CtfStringBuilder {
  private readonly offsets = new Map<string, number>([['', 0]]);
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private length = 1;
  private readonly enc = new TextEncoder();

  /** The reference for `s`, adding it if new. */
  ref(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      off = this.length;
      if (off > CTF_MAX_NAME) throw new RangeError('CTF string table larger than 2 GiB');
      const b = this.enc.encode(s);
      if (b.includes(0)) throw new RangeError(`string with a NUL byte cannot be stored in CTF: ${JSON.stringify(s)}`);
      this.parts.push(b, new Uint8Array(1));
      this.length += b.length + 1;
      this.offsets.set(s, off);
    }
    return off;
  }

  get size(): number { return this.length; }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const b of this.parts) { out.set(b, p); p += b.length; }
    return out;
  }
}
