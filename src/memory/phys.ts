/**
 * PhysicalMemory: the physical address space of a dump. Every dump reader
 * (dumps/*.ts) is one. Inside, physical addresses are numbers (they are below
 * 2^52 on x86-64, so exact); the AddressSpace face takes bigints like every
 * other space. A page-table walk (arch/) reads entries through `readPhys`.
 *
 * `SegmentedMemory` serves every format that stores memory as a list of
 * (physical address, file offset, size) runs: ELF cores, LiME, raw images.
 */
import * as fs from 'node:fs';
import type { ByteSource } from '../bytes/index.js';
import { ADDR_LIMIT, type AddressSpace, type Extent } from './space.js';

/** A present physical range [start, end). */
export interface PhysRange {
  start: number;
  end: number;
}

/** An ELF-style note carried by a dump (QEMU's, the kernel's). */
export interface DumpNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

/** What `mem info` shows about a dump; filled by each reader. */
export interface DumpInfo {
  /** "ELF core", "kdump", "flattened kdump", "LiME", "raw". */
  format: string;
  /** Header facts worth showing, in order. */
  details: [string, string | number | bigint][];
  notes: DumpNote[];
  /** VMCOREINFO text when the dump carries it. */
  vmcoreinfo?: string;
  /** Virtual -> physical runs the dump itself states (ELF paging=true). */
  virtualRuns?: { vaddr: bigint; paddr: number; size: number }[];
  /** Machine name when the format says (e.g. "x86_64"). */
  machine?: string;
}

export abstract class PhysicalMemory implements AddressSpace {
  abstract readonly name: string;
  /** Present ranges, ascending, disjoint. */
  abstract ranges(): readonly PhysRange[];
  /** Copy present bytes at `pa`; returns how many contiguous bytes were copied. */
  abstract readPhys(pa: number, out: Uint8Array, at: number, length: number): number;
  abstract info(): DumpInfo;
  abstract close(): void;

  private word = new Uint8Array(8);
  private wordView = new DataView(this.word.buffer);

  /** Little-endian u64 at `pa` split into [low32, high32], or undefined if not present. */
  readU64Parts(pa: number): [number, number] | undefined {
    if (this.readPhys(pa, this.word, 0, 8) < 8) return undefined;
    return [this.wordView.getUint32(0, true), this.wordView.getUint32(4, true)];
  }

  /** Highest present address + 1. */
  get limit(): number {
    const r = this.ranges();
    return r.length ? r[r.length - 1].end : 0;
  }

  readInto(addr: bigint, out: Uint8Array, at: number, length: number): number {
    if (addr < 0n || addr >= BigInt(Number.MAX_SAFE_INTEGER)) return 0;
    return this.readPhys(Number(addr), out, at, length);
  }

  *extents(from = 0n, to = ADDR_LIMIT): Generator<Extent> {
    for (const r of this.ranges()) {
      const s = BigInt(r.start) > from ? BigInt(r.start) : from;
      const e = BigInt(r.end) < to ? BigInt(r.end) : to;
      if (s < e) yield { start: s, end: e };
    }
  }
}

/** One run of a segmented dump: `size` bytes at `pa`, the first `fileSize` of them at `offset` in the file (the rest read as zeros). */
export interface PhysSegment {
  pa: number;
  size: number;
  offset: number;
  fileSize: number;
}

/**
 * Large reads straight into the caller's buffer (no page cache, no fresh
 * allocation per read): what makes a whole-dump search run at disk speed.
 */
export class DirectReader {
  private fd: number;
  constructor(readonly path: string) { this.fd = fs.openSync(path, 'r'); }
  /** Read up to `length` bytes at `offset` into out[at..]; returns the count (short at end of file). */
  readInto(offset: number, out: Uint8Array, at: number, length: number): number {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, out, at + got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }
  close(): void { if (this.fd >= 0) { fs.closeSync(this.fd); this.fd = -1; } }
}

const DIRECT_MIN = 1 << 18;

/** Physical memory stored as runs of a file. Where runs overlap, the one starting first wins. */
export class SegmentedMemory extends PhysicalMemory {
  private readonly segs: PhysSegment[];
  private readonly rangeList: PhysRange[];
  private last = 0;

  /** Set to read large ranges directly from the file. */
  direct?: DirectReader;

  constructor(readonly name: string, readonly source: ByteSource, segments: PhysSegment[], private readonly dumpInfo: DumpInfo) {
    super();
    // A truncated file: what its runs promise past the end of the file is a hole.
    let missing = 0;
    const clipped = segments.map((s) => {
      if (s.offset + s.fileSize <= source.size) return s;
      const avail = Math.max(0, Math.min(s.fileSize, source.size - s.offset));
      missing += s.size - avail;
      return { ...s, size: avail, fileSize: avail };
    });
    if (missing > 0) dumpInfo.details.push(['truncated', `file ends early: ${missing} bytes of memory missing (holes)`]);
    this.segs = clipped.filter((s) => s.size > 0).sort((a, b) => a.pa - b.pa);
    // Resolve overlaps: keep the earlier start, clip the later one.
    const out: PhysSegment[] = [];
    for (const s of this.segs) {
      const prev = out[out.length - 1];
      if (prev && s.pa < prev.pa + prev.size) {
        const cut = prev.pa + prev.size - s.pa;
        if (cut >= s.size) continue;
        out.push({ pa: s.pa + cut, size: s.size - cut, offset: s.offset + cut, fileSize: Math.max(0, s.fileSize - cut) });
      } else out.push(s);
    }
    this.segs = out;
    this.rangeList = [];
    for (const s of out) {
      const prev = this.rangeList[this.rangeList.length - 1];
      if (prev && prev.end === s.pa) prev.end = s.pa + s.size;
      else this.rangeList.push({ start: s.pa, end: s.pa + s.size });
    }
  }

  segments(): readonly PhysSegment[] { return this.segs; }
  ranges(): readonly PhysRange[] { return this.rangeList; }
  info(): DumpInfo { return this.dumpInfo; }

  private seg(pa: number): number {
    const l = this.segs[this.last];
    if (l && l.pa <= pa && pa < l.pa + l.size) return this.last;
    let lo = 0, hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segs[mid].pa + this.segs[mid].size > pa) hi = mid; else lo = mid + 1;
    }
    if (lo < this.segs.length && this.segs[lo].pa <= pa) { this.last = lo; return lo; }
    return -1;
  }

  readPhys(pa: number, out: Uint8Array, at: number, length: number): number {
    let done = 0;
    while (done < length) {
      const i = this.seg(pa + done);
      if (i < 0) break;
      const s = this.segs[i];
      const rel = pa + done - s.pa;
      const n = Math.min(length - done, s.size - rel);
      const inFile = Math.max(0, Math.min(n, s.fileSize - rel));
      if (inFile > 0) {
        let avail = Math.max(0, Math.min(inFile, this.source.size - (s.offset + rel)));
        if (avail >= DIRECT_MIN && this.direct) avail = this.direct.readInto(s.offset + rel, out, at + done, avail);
        else if (avail > 0) out.set(this.source.read(s.offset + rel, avail), at + done);
        if (avail < inFile) return done + avail; // truncated file: the rest is a hole
      }
      if (n > inFile) out.fill(0, at + done + inFile, at + done + n);
      done += n;
    }
    return done;
  }

  close(): void { this.source.close(); this.direct?.close(); }
}
