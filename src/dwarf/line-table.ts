/**
 * Address -> (file, line) for a whole file: every line program of .debug_line
 * run once and kept as parallel typed arrays sorted by address, with file
 * paths interned (a vmlinux has ~5 million rows and ~20 thousand paths).
 *
 * What a lookup answers follows binutils' addr2line, which tests compare
 * with: the rows of each sequence are in address order and, of several rows
 * at one address, the last one counts; an address belongs to the row with the
 * greatest address not above it, up to its sequence's end (the
 * DW_LNE_end_sequence row, stored here as a row with file 0 = "no line").
 * File paths are joined as addr2line joins them (lines.ts lineFilePath).
 *
 * Sequences are concatenated in order of their first address; when two
 * overlap (sections discarded at link time leave sequences at address 0), the
 * one that starts later wins from its start on, as a bisection over starts does.
 */
import { FormatError } from '../bytes/index.js';
import { DW_AT_comp_dir, DW_AT_stmt_list } from './constants.js';
import type { DwarfInfo } from './info.js';
import { lineFilePath, readLineHeader, runLineProgram, type LineProgramHeader } from './lines.js';

/** What a line lookup answers. */
export interface LineHit {
  file: string;
  line: number;
  /** 0 when the row has none. */
  discriminator: number;
}

/** Anything that maps addresses to lines (this table, a profile's line section). */
export interface LineLookup {
  lookup(address: bigint): LineHit | undefined;
}

/** Growable u32 column. */
class Column {
  a: Uint32Array;
  n = 0;
  constructor(cap = 1 << 16) { this.a = new Uint32Array(cap); }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  trimmed(): Uint32Array { return this.a.slice(0, this.n); }
}

export class LineTable implements LineLookup {
  /** Row i: address hi[i]:lo[i], file index (0 = no line: a gap after a sequence's end), line, discriminator. */
  constructor(
    readonly hi: Uint32Array,
    readonly lo: Uint32Array,
    readonly file: Uint32Array,
    readonly line: Uint32Array,
    readonly disc: Uint32Array,
    /** files[0] is '' (no line); paths from 1. */
    readonly files: string[],
    /** Problems met (bad programs are skipped, the rest stay usable). */
    readonly problems: FormatError[] = [],
  ) {}

  get length(): number { return this.hi.length; }

  /** Index of the last row whose address is <= address, or -1. */
  rowAt(address: bigint): number {
    const h = Number(address >> 32n), l = Number(address & 0xffffffffn);
    let lo = 0, hi = this.hi.length - 1, best = -1;
    while (lo <= hi) {
      const m = (lo + hi) >>> 1;
      if (this.hi[m] < h || (this.hi[m] === h && this.lo[m] <= l)) { best = m; lo = m + 1; } else hi = m - 1;
    }
    return best;
  }

  lookup(address: bigint): LineHit | undefined {
    const i = this.rowAt(address);
    if (i < 0 || this.file[i] === 0) return undefined;
    return { file: this.files[this.file[i]], line: this.line[i], discriminator: this.disc[i] };
  }

  /** Build from every line program the units of `dwarf` name (each program once). */
  static fromDwarf(dwarf: DwarfInfo): LineTable {
    const b = new LineTableBuilder();
    const problems: FormatError[] = [...dwarf.problems];
    const seen = new Set<number>();
    for (const u of dwarf.infoUnitList()) {
      let stmt: number | undefined;
      let compDir: string | undefined;
      try {
        const root = u.root();
        const s = root.attr(DW_AT_stmt_list);
        if (!s || (s.cls !== 'secoffset' && s.cls !== 'constant')) continue;
        stmt = Number(s.value);
        const cd = root.attr(DW_AT_comp_dir);
        if (cd?.cls === 'string') compDir = cd.value;
        if (seen.has(stmt)) continue;
        seen.add(stmt);
        const h = readLineHeader(dwarf, stmt, u);
        b.addProgram(dwarf, h, compDir);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        problems.push(e);
      }
    }
    return b.finish(problems);
  }
}

/** Collects sequences from line programs, then sorts them into a LineTable. */
export class LineTableBuilder {
  private readonly hi = new Column();
  private readonly lo = new Column();
  private readonly file = new Column();
  private readonly line = new Column();
  private readonly disc = new Column();
  /** Sequences: [first row, row count] pairs, in the order they were added. */
  private readonly seqs: number[] = [];
  private readonly fileIds = new Map<string, number>();
  private readonly files: string[] = [''];

  private intern(path: string): number {
    let id = this.fileIds.get(path);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(path);
      this.fileIds.set(path, id);
    }
    return id;
  }

  /** Run one program and keep its sequences (a sequence cut short by bad bytes is dropped). */
  addProgram(dwarf: DwarfInfo, h: LineProgramHeader, compDir: string | undefined): void {
    // Per-program file number -> interned id, resolved on first use (define_file may add numbers).
    const ids: number[] = [];
    const idOf = (f: number): number => {
      let id = ids[f];
      if (id === undefined) {
        const p = lineFilePath(h, f, compDir);
        id = ids[f] = this.intern(p ?? '??');
      }
      return id;
    };
    const { hi, lo, file, line, disc } = this;
    let seqStart = hi.n;
    runLineProgram(dwarf, h, (s) => {
      const n = hi.n;
      // Of several rows at one address in a sequence, keep the last.
      if (n > seqStart && hi.a[n - 1] === s.addrHi && lo.a[n - 1] === s.addrLo) {
        hi.n--; lo.n--; file.n--; line.n--; disc.n--;
      }
      hi.push(s.addrHi);
      lo.push(s.addrLo);
      if (s.endSequence) {
        file.push(0); line.push(0); disc.push(0);
        this.seqs.push(seqStart, hi.n - seqStart);
        seqStart = hi.n;
      } else {
        file.push(idOf(s.file)); line.push(s.line >>> 0); disc.push(s.discriminator >>> 0);
      }
    });
    // Rows after the last end_sequence do not form a sequence.
    hi.n = lo.n = file.n = line.n = disc.n = seqStart;
  }

  finish(problems: FormatError[] = []): LineTable {
    const nseq = this.seqs.length / 2;
    const H = this.hi.a, L = this.lo.a;
    const order = Array.from({ length: nseq }, (_, i) => i);
    const s = this.seqs;
    order.sort((a, b) => H[s[2 * a]] - H[s[2 * b]] || L[s[2 * a]] - L[s[2 * b]] || a - b);
    // Concatenate sequences by start address; rows of an earlier sequence that reach past the
    // start of the next one are cut there (the later sequence wins from its start on).
    const out = { hi: new Column(this.hi.n + 1), lo: new Column(this.hi.n + 1), file: new Column(this.hi.n + 1), line: new Column(this.hi.n + 1), disc: new Column(this.hi.n + 1) };
    const lastHi = () => out.hi.a[out.hi.n - 1], lastLo = () => out.lo.a[out.lo.n - 1];
    for (const q of order) {
      const first = s[2 * q], count = s[2 * q + 1];
      const sh = H[first], sl = L[first];
      // Drop rows already written at or past this sequence's start.
      while (out.hi.n > 0 && (lastHi() > sh || (lastHi() === sh && lastLo() >= sl))) {
        out.hi.n--; out.lo.n--; out.file.n--; out.line.n--; out.disc.n--;
      }
      for (let i = first; i < first + count; i++) {
        out.hi.push(H[i]); out.lo.push(L[i]); out.file.push(this.file.a[i]); out.line.push(this.line.a[i]); out.disc.push(this.disc.a[i]);
      }
    }
    return new LineTable(out.hi.trimmed(), out.lo.trimmed(), out.file.trimmed(), out.line.trimmed(), out.disc.trimmed(), this.files, problems);
  }
}
