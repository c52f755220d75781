/**
 * One BTF blob (/sys/kernel/btf/vmlinux, a .BTF section, a raw file), read
 * lazily. Opening checks the header, takes the type section as u32 words in
 * host order (zero-copy when aligned and in host byte order, else one copy,
 * byte-swapped for a foreign-endian blob) and walks it once, noting the word
 * where each record starts in one Uint32Array. Nothing else is decoded then:
 * records become objects (`type(id)`) only on demand, and the lower-level
 * readers (`owner`, `start`, `words`, `nameBytes`) let the converter and the
 * raw listing read fields straight from the words. Lookups by name go through
 * a hash of the name bytes, built on the first lookup in one pass over the
 * records, without decoding a single string.
 *
 * Split BTF (a module's .BTF, /sys/kernel/btf/<module>) continues its base:
 * its first type id is the base's last + 1 and its string offsets start where
 * the base's string section ends. Open it with `base` and every id and name
 * resolves across both.
 *
 * A record that cannot be decoded (a bad name offset) fails alone; a record
 * that runs off the section or has an unknown kind ends the walk, and the
 * types before it stay readable (`indexError` says what happened).
 */
import { FormatError, Reader, cstringAt, type ErrorPlace } from '../bytes/index.js';
import { BTF_HEADER_SIZE, BTF_MAGIC, BTF_VERSION, btfKindName } from './constants.js';
import { btfVwords, decodeBtfRecord, type BtfType, type BtfTypeId } from './records.js';

export interface BtfHeader {
  magic: number;
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

export interface BtfOpenOptions {
  source?: string;
  /** Section name for messages (".BTF"). */
  section?: string;
  /** The base BTF of a split BTF (vmlinux's, for a module). */
  base?: Btf;
}

/** Whether `bytes` start with the BTF magic, in either byte order. */
export function isBtf(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const v = bytes[0] | (bytes[1] << 8);
  return v === BTF_MAGIC || v === ((BTF_MAGIC & 0xff) << 8 | BTF_MAGIC >> 8);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The type section as u32 words in host order. */
function toWords(b: Uint8Array, swap: boolean): Uint32Array {
  const n = b.length >>> 2;
  if (!swap && (b.byteOffset & 3) === 0) return new Uint32Array(b.buffer, b.byteOffset, n);
  const w = new Uint32Array(n);
  const c = new Uint8Array(w.buffer);
  c.set(b.subarray(0, n * 4));
  if (swap) {
    for (let i = 0; i < c.length; i += 4) {
      const a0 = c[i], a1 = c[i + 1];
      c[i] = c[i + 3]; c[i + 1] = c[i + 2]; c[i + 2] = a1; c[i + 3] = a0;
    }
  }
  return w;
}

/** FNV-1a over the NUL-terminated bytes at `o` (bounded by the array). */
function hashAt(b: Uint8Array, o: number): number {
  let h = 0x811c9dc5;
  for (let c = b[o]; c !== 0 && c !== undefined; c = b[++o]) h = Math.imul(h ^ c, 0x01000193);
  return h >>> 0;
}

function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

const encoder = new TextEncoder();

export class Btf {
  readonly header: BtfHeader;
  readonly littleEndian: boolean;
  readonly base?: Btf;
  /** Id of this blob's first type (1, or the base's next id). */
  readonly firstId: BtfTypeId;
  /** Offset that this blob's own string offsets start at (0, or after the base's strings). */
  readonly strBase: number;
  readonly strings: Uint8Array;
  readonly place: ErrorPlace;
  readonly indexError?: FormatError;
  /** The type section as u32 words in host order; a record is `words[start(id)..]`. */
  readonly words: Uint32Array;
  private readonly types: Reader;
  private readonly starts: Uint32Array;
  private count = 0;
  private readonly decoded: (BtfType | undefined)[] = [];
  /** Name hash: open addressing, slots hold own index + 1 (0 empty); `hashes` the full hash per slot. */
  private table?: Int32Array;
  private hashes?: Uint32Array;
  private readonly nameCache = new Map<number, string>();

  private constructor(bytes: Uint8Array, opts: BtfOpenOptions) {
    this.place = { source: opts.source, format: 'BTF', section: opts.section };
    if (!isBtf(bytes)) {
      const got = bytes.length >= 2 ? `0x${(bytes[0] | bytes[1] << 8).toString(16)}` : 'too few bytes';
      throw new FormatError(`not BTF (magic ${got}, want 0x${BTF_MAGIC.toString(16)})`, { ...this.place, offset: 0 });
    }
    this.littleEndian = (bytes[0] | (bytes[1] << 8)) === BTF_MAGIC;
    const r = new Reader(bytes, { littleEndian: this.littleEndian, source: opts.source, format: 'BTF', section: opts.section ? `${opts.section} header` : 'header' });
    const h: BtfHeader = { magic: r.u16(), version: r.u8(), flags: r.u8(), hdrLen: r.u32(), typeOff: 0, typeLen: 0, strOff: 0, strLen: 0 };
    if (h.version !== BTF_VERSION) throw r.error(`BTF version ${h.version} is not supported (only ${BTF_VERSION})`, 2);
    if (h.hdrLen < BTF_HEADER_SIZE || h.hdrLen > bytes.length) throw r.error(`hdr_len ${h.hdrLen} outside ${BTF_HEADER_SIZE}..${bytes.length}`, 4);
    h.typeOff = r.u32(); h.typeLen = r.u32(); h.strOff = r.u32(); h.strLen = r.u32();
    this.header = h;
    const dataLen = bytes.length - h.hdrLen;
    if (h.typeOff & 3) throw r.error(`type_off 0x${h.typeOff.toString(16)} is not 4-byte aligned`, 8);
    if (h.typeOff + h.typeLen > dataLen) throw r.error(`type section 0x${h.typeOff.toString(16)}+0x${h.typeLen.toString(16)} runs past the 0x${dataLen.toString(16)} bytes after the header`, 8);
    if (h.strOff + h.strLen > dataLen) throw r.error(`string section 0x${h.strOff.toString(16)}+0x${h.strLen.toString(16)} runs past the 0x${dataLen.toString(16)} bytes after the header`, 16);
    this.base = opts.base;
    this.firstId = opts.base ? opts.base.nextId : 1;
    this.strBase = opts.base ? opts.base.strBase + opts.base.header.strLen : 0;
    const data = bytes.subarray(h.hdrLen);
    this.strings = data.subarray(h.strOff, h.strOff + h.strLen);
    if (!opts.base && this.strings.length > 0 && this.strings[0] !== 0) {
      // A standalone BTF's strings start with the empty string; a split BTF's continue its base's.
      throw new FormatError('this is split BTF (its strings do not start with NUL): it needs its base BTF (vmlinux\'s)', { ...this.place, offset: h.hdrLen + h.strOff });
    }
    const typeBytes = data.subarray(h.typeOff, h.typeOff + h.typeLen);
    this.types = new Reader(typeBytes, {
      littleEndian: this.littleEndian, source: opts.source, format: 'BTF',
      section: opts.section ? `${opts.section} type section` : 'type section', base: h.hdrLen + h.typeOff,
    });
    const w = toWords(typeBytes, this.littleEndian !== HOST_LITTLE_ENDIAN);
    this.words = w;
    // Index pass: the smallest record is 3 words, which bounds the count.
    const starts = new Uint32Array(Math.floor(h.typeLen / 12));
    let count = 0;
    try {
      const end = w.length;
      let p = 0;
      while (p < end) {
        const info = w[p + 1];
        if (p + 3 > end) throw this.types.error(`record truncated: ${h.typeLen - 4 * p} byte(s) left`, 4 * p);
        const kind = (info >>> 24) & 0x1f;
        const n = btfVwords(kind, info & 0xffff);
        if (n < 0) throw this.types.error(`type ${this.firstId + count}: unknown kind ${kind}`, 4 * p);
        if (p + 3 + n > end) throw this.types.error(`type ${this.firstId + count} (${btfKindName(kind)}, vlen ${info & 0xffff}) runs past the type section`, 4 * p);
        starts[count++] = p;
        p += 3 + n;
      }
      if (4 * end < h.typeLen) throw this.types.error(`record truncated: ${h.typeLen - 4 * end} byte(s) left`, 4 * end);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      this.indexError = e;
    }
    this.count = count;
    this.starts = starts;
  }

  static open(bytes: Uint8Array, opts: BtfOpenOptions = {}): Btf {
    return new Btf(bytes, opts);
  }

  /** Number of types this blob itself holds (void not counted). */
  get typeCount(): number { return this.count; }
  /** The id after this blob's last type. */
  get nextId(): BtfTypeId { return this.firstId + this.count; }
  /** Whether `id` is one of this blob's own types. */
  owns(id: BtfTypeId): boolean { return id >= this.firstId && id < this.nextId; }

  /** The blob (this or a base) holding type `id`, or undefined if none does (id 0 included). */
  owner(id: BtfTypeId): Btf | undefined {
    let b: Btf | undefined = this;
    while (b && id < b.firstId) b = b.base;
    return b && id > 0 && id < b.firstId + b.count ? b : undefined;
  }

  /** Word index in `words` where own type `id`'s record starts (id must be owned). */
  start(id: BtfTypeId): number { return this.starts[id - this.firstId]; }

  /**
   * Where the string at `off` lives: its bytes array and the start in it
   * (this blob's or a base's); undefined when out of range or unterminated.
   */
  nameBytes(off: number): { bytes: Uint8Array; at: number; end: number } | undefined {
    if (off < this.strBase) return this.base?.nameBytes(off);
    const o = off - this.strBase;
    const b = this.strings;
    if (o >= b.length) return off === 0 ? { bytes: b, at: 0, end: 0 } : undefined;
    const end = b.indexOf(0, o);
    return end < 0 ? undefined : { bytes: b, at: o, end };
  }

  /**
   * Whether the string at `off` resolves (in range and NUL-terminated), without
   * decoding it. A blob whose string section ends in NUL answers from the range alone.
   */
  hasName(off: number): boolean {
    if (off === 0) return true;
    if (off < this.strBase) return this.base ? this.base.hasName(off) : false;
    const o = off - this.strBase;
    const b = this.strings;
    if (o >= b.length) return false;
    return b[b.length - 1] === 0 || b.indexOf(0, o) >= 0;
  }

  /** The string at `off` (base strings below strBase). */
  name(off: number): string {
    // Offset 0 is "" everywhere; a split BTF's own strings start right at
    // strBase, with no leading NUL of their own.
    if (off === 0) return '';
    if (off < this.strBase) {
      if (!this.base) throw new FormatError(`string offset 0x${off.toString(16)} is in the base BTF, and none was given`, this.place);
      return this.base.name(off);
    }
    const o = off - this.strBase;
    const cached = this.nameCache.get(o);
    if (cached !== undefined) return cached;
    const s = this.decodeName(o);
    this.nameCache.set(o, s);
    return s;
  }

  private decodeName(o: number): string {
    // Kernel names are ASCII: short ones become strings char by char, longer ones through latin1, anything else as UTF-8.
    const b = this.strings;
    if (o < b.length) {
      const end = b.indexOf(0, o);
      if (end >= 0) {
        let ascii = true;
        for (let i = o; i < end; i++) if (b[i] >= 0x80) { ascii = false; break; }
        if (ascii) {
          if (end - o <= 24) {
            let s = '';
            for (let i = o; i < end; i++) s += String.fromCharCode(b[i]);
            return s;
          }
          return Buffer.from(b.buffer, b.byteOffset + o, end - o).toString('latin1');
        }
      }
    }
    return cstringAt(this.strings, o, { ...this.place, section: this.place.section ? `${this.place.section} string section` : 'string section', offset: this.header.hdrLen + this.header.strOff + o });
  }

  /** Type `id` (this blob's or its base's); throws a FormatError if missing or undecodable. Id 0 is void and has no record. */
  type(id: BtfTypeId): BtfType {
    if (id < this.firstId) {
      if (this.base && id > 0) return this.base.type(id);
      throw new FormatError(id === 0 ? 'type 0 is void and has no record' : `type ${id} is in the base BTF, and none was given`, this.place);
    }
    const i = id - this.firstId;
    if (i >= this.count) throw new FormatError(`no type ${id} (last is ${this.nextId - 1})`, this.place);
    let t = this.decoded[i];
    if (!t) {
      t = this.decode(id);
      this.decoded[i] = t;
    }
    return t;
  }

  /** Decode own type `id` without caching it (for one pass over everything). */
  private decode(id: BtfTypeId): BtfType {
    const at = this.starts[id - this.firstId];
    return decodeBtfRecord(this.words, at, (off) => {
      try { return this.name(off); } catch (e) {
        if (e instanceof FormatError) throw this.types.error(`type ${id}: ${e.what}`, 4 * at);
        throw e;
      }
    });
  }

  /** The FormatError that decoding own type `id` meets (a bad name offset), or undefined. */
  check(id: BtfTypeId): FormatError | undefined {
    try { this.decode(id); } catch (e) {
      if (e instanceof FormatError) return e;
      throw e;
    }
    return undefined;
  }

  /** The kind of type `id` without decoding it (0 for void, -1 for no such type). */
  kindOf(id: BtfTypeId): number {
    if (id < this.firstId) return this.base && id > 0 ? this.base.kindOf(id) : 0;
    const i = id - this.firstId;
    if (i >= this.count) return -1;
    return (this.words[this.starts[i] + 1] >>> 24) & 0x1f;
  }

  /** Every own type in id order, decoded (not cached: one pass need not keep them all), or with the error that stopped it. */
  *entries(): Generator<{ id: BtfTypeId; type?: BtfType; error?: FormatError }> {
    for (let id = this.firstId; id < this.nextId; id++) {
      try {
        yield { id, type: this.decoded[id - this.firstId] ?? this.decode(id) };
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        yield { id, error: e };
      }
    }
  }

  /** Build the name hash over own named types (one pass, no strings decoded). */
  private buildTable(): void {
    const w = this.words;
    const starts = this.starts;
    const own = this.strings;
    const strBase = this.strBase;
    let size = 16;
    while (size < this.count * 2) size <<= 1;
    const table = new Int32Array(size);
    const hashes = new Uint32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      const off = w[starts[i]];
      if (off === 0) continue;
      let h: number;
      if (off >= strBase && off - strBase < own.length) {
        // FNV-1a over the name's bytes, inline (the common case: this blob's strings).
        let o = off - strBase;
        let c = own[o];
        if (c === 0) continue;
        h = 0x811c9dc5;
        while (c !== 0 && c !== undefined) { h = Math.imul(h ^ c, 0x01000193); c = own[++o]; }
        if (c === undefined) continue; // unterminated
        h >>>= 0;
      } else {
        const nb = this.nameBytes(off);
        if (!nb || nb.end === nb.at) continue;
        h = hashAt(nb.bytes, nb.at);
      }
      let s = h & mask;
      while (table[s] !== 0) s = (s + 1) & mask;
      table[s] = i + 1;
      hashes[s] = h;
    }
    this.table = table;
    this.hashes = hashes;
  }

  /** Own ids named `q` (UTF-8 bytes), in id order. */
  private ownIds(q: Uint8Array, out: BtfTypeId[]): void {
    if (!this.table) this.buildTable();
    const table = this.table!, hashes = this.hashes!;
    const mask = table.length - 1;
    const h = hashBytes(q);
    for (let s = h & mask; table[s] !== 0; s = (s + 1) & mask) {
      if (hashes[s] !== h) continue;
      const i = table[s] - 1;
      const nb = this.nameBytes(this.words[this.starts[i]])!;
      if (nb.end - nb.at !== q.length) continue;
      let same = true;
      for (let k = 0; k < q.length; k++) if (nb.bytes[nb.at + k] !== q[k]) { same = false; break; }
      if (same) out.push(this.firstId + i);
    }
  }

  private collect(q: Uint8Array, out: BtfTypeId[]): void {
    this.base?.collect(q, out);
    this.ownIds(q, out);
  }

  /** Ids of the types named `name` (base's first, then own, in id order), optionally of one kind. */
  lookup(name: string, kind?: number): BtfTypeId[] {
    const all: BtfTypeId[] = [];
    if (name === '') return all;
    this.collect(encoder.encode(name), all);
    return kind === undefined ? all : all.filter((id) => this.kindOf(id) === kind);
  }
}
