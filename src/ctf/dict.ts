/**
 * One CTF v3 dict, read lazily: opening checks the header, inflates the data
 * when CTF_F_COMPRESS is set, and walks the type section once to find where
 * each record starts. Records are decoded when asked for and cached. A child
 * dict (one with a parent name) numbers its own types from 0x80000001 and
 * reaches the parent's types through `parent`, set by the caller (open.ts does
 * it for archives).
 *
 * A record that cannot be decoded (a bad name offset, say) fails alone: the
 * others still decode. A record that runs off the type section ends the walk;
 * the types before it stay readable and `indexError` says what went wrong.
 */
import { inflateSync } from 'node:zlib';
import { FormatError, Reader, type ErrorPlace } from '../bytes/index.js';
import {
  CTF_F_COMPRESS, CTF_F_NEWFUNCINFO, CTF_HEADER_SIZE, CTF_MAX_PTYPE,
} from './constants.js';
import { checkSections, readHeader, type CtfHeader } from './header.js';
import { decodeRecord, readRecordHead, type CtfType, type CtfTypeId, type RecordHead } from './records.js';
import { CtfStrings } from './strings.js';

/** Inflated data larger than this is refused (a guard against zlib bombs). */
const MAX_INFLATED = 1 << 30;

export interface CtfOpenOptions {
  /** File name for messages. */
  source?: string;
  /** Section or archive member name for messages. */
  section?: string;
  /** The external string table (ELF .strtab, or .dynstr under CTF_F_DYNSTR). */
  strtab?: Uint8Array;
  /** The parent dict, for a child. */
  parent?: CtfDict;
}

/** A {name, type} pair: labels, variables, and indexed data objects / functions. */
export interface CtfNamedType {
  name: string;
  type: CtfTypeId;
}

/** A data object or function entry: its type, and its name when the dict has an index section. */
export interface CtfSymType {
  name?: string;
  type: CtfTypeId;
}

/** The whole content of a dict as plain data: what the reader gives and the writer takes. */
export interface CtfDictData {
  littleEndian: boolean;
  /** CTF_F_* flags other than CTF_F_COMPRESS (the writer decides that). */
  flags: number;
  parentLabel: string;
  /** Non-empty for a child dict. */
  parentName: string;
  cuName: string;
  labels: CtfNamedType[];
  objects: CtfSymType[];
  functions: CtfSymType[];
  /** Whether the object / function sections have index sections naming each entry. */
  objectsIndexed: boolean;
  functionsIndexed: boolean;
  variables: CtfNamedType[];
  /** Types in id order: types[0] has id 1 (0x80000001 in a child). */
  types: CtfType[];
}

export class CtfDict {
  readonly header: CtfHeader;
  readonly littleEndian: boolean;
  readonly compressed: boolean;
  /** Everything after the header, inflated. Section offsets index this. */
  readonly data: Uint8Array;
  readonly strings: CtfStrings;
  readonly parentName: string;
  readonly parentLabel: string;
  readonly cuName: string;
  readonly isChild: boolean;
  /** The dict whose types ids ≤ 0x7fffffff refer to, for a child. */
  parent?: CtfDict;
  /** Set when the type section could not be walked to its end. */
  readonly indexError?: FormatError;
  readonly place: ErrorPlace;
  private readonly heads: RecordHead[] = [];
  private readonly decoded: (CtfType | undefined)[] = [];
  private readonly typeReader: Reader;

  private constructor(bytes: Uint8Array, opts: CtfOpenOptions) {
    this.place = { source: opts.source, format: 'CTF', section: opts.section };
    const { header, littleEndian } = readHeader(bytes, this.place);
    this.header = header;
    this.littleEndian = littleEndian;
    this.compressed = (header.flags & CTF_F_COMPRESS) !== 0;
    let data = bytes.subarray(CTF_HEADER_SIZE);
    if (this.compressed) {
      try {
        data = new Uint8Array(inflateSync(data, { maxOutputLength: MAX_INFLATED }));
      } catch (e) {
        throw new FormatError(`compressed CTF data does not inflate: ${(e as Error).message}`, { ...this.place, offset: CTF_HEADER_SIZE });
      }
    }
    this.data = data;
    checkSections(header, data.length, this.place);
    this.strings = new CtfStrings(data.subarray(header.stroff, header.stroff + header.strlen), opts.strtab, { ...this.place, section: this.sectionName('string section'), offset: header.stroff });
    this.parentName = this.strings.get(header.parname);
    this.parentLabel = this.strings.get(header.parlabel);
    this.cuName = this.strings.get(header.cuname);
    this.isChild = header.parname !== 0;
    this.parent = opts.parent;
    this.typeReader = this.reader(header.typeoff, header.stroff, 'type section');
    try {
      const r = this.typeReader;
      const limit = CTF_MAX_PTYPE;
      while (!r.atEnd) {
        if (this.heads.length >= limit) throw r.error('more types than a dict can number', r.pos);
        this.heads.push(readRecordHead(r));
      }
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      this.indexError = e;
    }
  }

  /** Open a dict (compressed or not, either byte order). */
  static open(bytes: Uint8Array, opts: CtfOpenOptions = {}): CtfDict {
    return new CtfDict(bytes, opts);
  }

  private sectionName(what: string): string {
    return this.place.section ? `${this.place.section} ${what}` : what;
  }

  /** A Reader over [from, to) of the data, with messages naming `what`. */
  private reader(from: number, to: number, what: string): Reader {
    return new Reader(this.data.subarray(from, to), {
      littleEndian: this.littleEndian, source: this.place.source, format: 'CTF', section: this.sectionName(what), base: from,
    });
  }

  /** Number of types this dict itself holds. */
  get typeCount(): number { return this.heads.length; }
  /** Id of this dict's first type. */
  get firstId(): CtfTypeId { return this.isChild ? CTF_MAX_PTYPE + 2 : 1; }
  /** Id of this dict's last type (firstId - 1 when it has none). */
  get lastId(): CtfTypeId { return this.firstId + this.heads.length - 1; }

  /** Whether `id` is one of this dict's own types. */
  owns(id: CtfTypeId): boolean {
    return id >= this.firstId && id <= this.lastId;
  }

  /** Whether `id` names a type in this dict or its parent (0, "no type", is not one). */
  has(id: CtfTypeId): boolean {
    if (this.owns(id)) return true;
    return this.isChild && id <= CTF_MAX_PTYPE && !!this.parent?.owns(id);
  }

  /** The dict holding type `id`, or undefined. */
  dictOf(id: CtfTypeId): CtfDict | undefined {
    if (this.owns(id)) return this;
    if (this.isChild && id <= CTF_MAX_PTYPE && this.parent?.owns(id)) return this.parent;
    return undefined;
  }

  /** Type `id` (own or the parent's); throws a FormatError if it is not there or does not decode. */
  type(id: CtfTypeId): CtfType {
    const d = this.dictOf(id);
    if (!d) {
      const why = this.isChild && id <= CTF_MAX_PTYPE && !this.parent ? ` (a parent type, and no parent "${this.parentName}" was given)` : '';
      throw new FormatError(`no type 0x${id.toString(16)}${why}`, { ...this.place, section: this.sectionName('type section') });
    }
    return d.ownType(id);
  }

  private ownType(id: CtfTypeId): CtfType {
    const i = id - this.firstId;
    let t = this.decoded[i];
    if (!t) {
      const h = this.heads[i];
      const r = this.typeReader;
      t = decodeRecord(r, h, (ref) => {
        try { return this.strings.get(ref); } catch (e) {
          if (e instanceof FormatError) throw new FormatError(`type 0x${id.toString(16)}: ${e.what}`, { ...this.place, section: this.sectionName('type section'), offset: this.header.typeoff + h.dataAt - 12 });
          throw e;
        }
      });
      this.decoded[i] = t;
    }
    return t;
  }

  /**
   * Every own named type's id, kind and name (and size for integers), from the
   * record heads alone: nothing is decoded, so a name index of a whole kernel's
   * dict costs a string per type. A bad name offset skips the type.
   */
  *namedHeads(): Generator<{ id: CtfTypeId; kind: number; name: string; size: number }> {
    for (let i = 0; i < this.heads.length; i++) {
      const h = this.heads[i];
      if (!h.nameRef) continue;
      let name: string;
      try { name = this.strings.get(h.nameRef); } catch (e) { if (e instanceof FormatError) continue; throw e; }
      if (name) yield { id: this.firstId + i, kind: h.kind, name, size: h.sizeOrType };
    }
  }

  /** Every own type in id order, each decoded or with the error that stopped it. */
  *entries(): Generator<{ id: CtfTypeId; type?: CtfType; error?: FormatError }> {
    for (let i = 0; i < this.heads.length; i++) {
      const id = this.firstId + i;
      try {
        yield { id, type: this.ownType(id) };
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        yield { id, error: e };
      }
    }
  }

  /** Labels (ctf_lblent_t: {name, last type id}). */
  labels(): CtfNamedType[] {
    return this.pairs(this.header.lbloff, this.header.objtoff, 'label section');
  }

  /** Variables ({name, type}, sorted by name). */
  variables(): CtfNamedType[] {
    return this.pairs(this.header.varoff, this.header.typeoff, 'variable section');
  }

  /** Data objects: types of the data symbols, named when there is an object index. */
  objects(): CtfSymType[] {
    const h = this.header;
    return this.symtypes(h.objtoff, h.funcoff, h.objtidxoff, h.funcidxoff, 'data object section', 'object index section');
  }

  /** Function info: types (CTF_K_FUNCTION) of the function symbols, named when there is a function index. */
  functions(): CtfSymType[] {
    const h = this.header;
    if (h.objtidxoff > h.funcoff && !(h.flags & CTF_F_NEWFUNCINFO)) {
      throw new FormatError('function info in the pre-CTF_F_NEWFUNCINFO layout is not supported', { ...this.place, section: this.sectionName('function info section'), offset: h.funcoff });
    }
    return this.symtypes(h.funcoff, h.objtidxoff, h.funcidxoff, h.varoff, 'function info section', 'function index section');
  }

  get objectsIndexed(): boolean { return this.header.funcidxoff > this.header.objtidxoff; }
  get functionsIndexed(): boolean { return this.header.varoff > this.header.funcidxoff; }

  private pairs(from: number, to: number, what: string): CtfNamedType[] {
    const r = this.reader(from, to, what);
    if (r.length % 8) throw r.error(`length ${r.length} is not a multiple of 8`, 0);
    const out: CtfNamedType[] = [];
    while (!r.atEnd) {
      const ref = r.u32();
      const at = r.start;
      let name: string;
      try { name = this.strings.get(ref); } catch (e) { throw r.error(`bad name: ${(e as FormatError).what ?? e}`, at); }
      out.push({ name, type: r.u32() });
    }
    return out;
  }

  private symtypes(from: number, to: number, ifrom: number, ito: number, what: string, iwhat: string): CtfSymType[] {
    const r = this.reader(from, to, what);
    if (r.length % 4) throw r.error(`length ${r.length} is not a multiple of 4`, 0);
    const n = r.length / 4;
    const out: CtfSymType[] = [];
    for (let i = 0; i < n; i++) out.push({ type: r.u32() });
    if (ito > ifrom) {
      const ir = this.reader(ifrom, ito, iwhat);
      if (ir.length !== r.length) throw ir.error(`${ir.length / 4} entries for the ${n} of the ${what}`, 0);
      for (let i = 0; i < n; i++) {
        const ref = ir.u32();
        try { out[i].name = this.strings.get(ref); } catch (e) { throw ir.error(`bad name: ${(e as FormatError).what ?? e}`); }
      }
    }
    return out;
  }

  /** All of the dict as plain data (decodes every type; throws on the first that fails). */
  toData(): CtfDictData {
    const types: CtfType[] = [];
    for (const e of this.entries()) {
      if (e.error) throw e.error;
      types.push(e.type!);
    }
    if (this.indexError) throw this.indexError;
    return {
      littleEndian: this.littleEndian,
      flags: this.header.flags & ~CTF_F_COMPRESS,
      parentLabel: this.parentLabel,
      parentName: this.parentName,
      cuName: this.cuName,
      labels: this.labels(),
      objects: this.objects(),
      functions: this.functions(),
      objectsIndexed: this.objectsIndexed,
      functionsIndexed: this.functionsIndexed,
      variables: this.variables(),
      types,
    };
  }
}
