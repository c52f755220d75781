/**
 * One BTF blob (/sys/kernel/btf/vmlinux, a .BTF section, a raw file), read
 * lazily: opening checks the header and walks the type section once, noting
 * where each record starts; records are decoded on demand and cached.
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
import { btfVbytes, decodeBtfRecord, type BtfType, type BtfTypeId } from './records.js';

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
  private readonly types: Reader;
  private offsets: Uint32Array;
  private count = 0;
  private readonly decoded: (BtfType | undefined)[] = [];
  private byName?: Map<string, BtfTypeId[]>;
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
    this.types = new Reader(data.subarray(h.typeOff, h.typeOff + h.typeLen), {
      littleEndian: this.littleEndian, source: opts.source, format: 'BTF',
      section: opts.section ? `${opts.section} type section` : 'type section', base: h.hdrLen + h.typeOff,
    });
    // Index pass: the smallest record is 12 bytes, which bounds the count.
    this.offsets = new Uint32Array(Math.floor(h.typeLen / 12));
    try {
      const t = this.types;
      const v = t.view;
      const le = this.littleEndian;
      let p = 0;
      const end = t.length;
      while (p < end) {
        if (p + 12 > end) throw t.error(`record truncated: ${end - p} byte(s) left`, p);
        const info = v.getUint32(p + 4, le);
        const kind = (info >>> 24) & 0x1f;
        const n = btfVbytes(kind, info & 0xffff);
        if (n < 0) throw t.error(`type ${this.firstId + this.count}: unknown kind ${kind}`, p);
        if (p + 12 + n > end) throw t.error(`type ${this.firstId + this.count} (${btfKindName(kind)}, vlen ${info & 0xffff}) runs past the type section`, p);
        this.offsets[this.count++] = p;
        p += 12 + n;
      }
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      this.indexError = e;
    }
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
    // Kernel names are ASCII: decode those with latin1 (a fast native path), anything else as UTF-8.
    const b = this.strings;
    if (o < b.length) {
      const end = b.indexOf(0, o);
      if (end >= 0) {
        let ascii = true;
        for (let i = o; i < end; i++) if (b[i] >= 0x80) { ascii = false; break; }
        if (ascii) return Buffer.from(b.buffer, b.byteOffset + o, end - o).toString('latin1');
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
    const at = this.offsets[id - this.firstId];
    return decodeBtfRecord(this.types, at, (off) => {
      try { return this.name(off); } catch (e) {
        if (e instanceof FormatError) throw this.types.error(`type ${id}: ${e.what}`, at);
        throw e;
      }
    });
  }

  /** The kind of type `id` without decoding it. */
  kindOf(id: BtfTypeId): number {
    if (id < this.firstId) return this.base && id > 0 ? this.base.kindOf(id) : 0;
    const i = id - this.firstId;
    if (i >= this.count) return -1;
    return (this.types.view.getUint32(this.offsets[i] + 4, this.littleEndian) >>> 24) & 0x1f;
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

  /** Ids of the types named `name` (own and base), optionally of one kind. */
  lookup(name: string, kind?: number): BtfTypeId[] {
    if (!this.byName) {
      this.byName = new Map();
      const v = this.types.view;
      for (let i = 0; i < this.count; i++) {
        const off = v.getUint32(this.offsets[i], this.littleEndian);
        if (off === 0) continue;
        let n: string;
        try { n = this.name(off); } catch { continue; }
        const l = this.byName.get(n);
        if (l) l.push(this.firstId + i); else this.byName.set(n, [this.firstId + i]);
      }
    }
    const own = this.byName.get(name) ?? [];
    const all = [...(this.base?.lookup(name) ?? []), ...own];
    return kind === undefined ? all : all.filter((id) => this.kindOf(id) === kind);
  }
}
