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
  /** The table so far (NUL-terminated strings, "" first), in a buffer that doubles as needed. */
  private buf = new Uint8Array(4096);
  private length = 1;
  private readonly enc = new TextEncoder();

  /** The reference for `s`, adding it if new. */
  ref(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      off = this.length;
      if (off > CTF_MAX_NAME) throw new RangeError('CTF string table larger than 2 GiB');
      // UTF-8 takes at most 3 bytes per UTF-16 unit; ASCII (nearly every C name) is copied as is.
      if (off + 3 * s.length + 1 > this.buf.length) this.grow(off + 3 * s.length + 1);
      const b = this.buf;
      let p = off;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 0) throw new RangeError(`string with a NUL byte cannot be stored in CTF: ${JSON.stringify(s)}`);
        if (c >= 0x80) {
          p = off + this.enc.encodeInto(s, b.subarray(off)).written;
          if (b.subarray(off, p).includes(0)) throw new RangeError(`string with a NUL byte cannot be stored in CTF: ${JSON.stringify(s)}`);
          break;
        }
        b[p++] = c;
      }
      b[p++] = 0;
      this.length = p;
      this.offsets.set(s, off);
    }
    return off;
  }

  private grow(need: number): void {
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
  }

  get size(): number { return this.length; }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
