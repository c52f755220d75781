/**
 * ByteSource: random access to the bytes of a file or a buffer.
 *
 * A FileSource reads positionally (fs.readSync with a position) through a small
 * LRU cache of fixed-size pages, so a multi-gigabyte dump or vmlinux is never
 * loaded whole. A BufferSource wraps bytes already in memory. Both answer
 * `read(offset, length)` with a Uint8Array that the caller must not modify and
 * must not keep past the next read if it came from the cache (copy if needed).
 */
import * as fs from 'node:fs';
import { FormatError, UsageError } from './errors.js';

export interface ByteSource {
  /** Label used in messages (usually the file path). */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * `length` bytes at `offset`. Throws a FormatError if the range runs past the
   * end. The result may alias an internal cache page: copy it to keep it.
   */
  read(offset: number, length: number): Uint8Array;
  /** Same as read, but always a fresh copy the caller owns. */
  readCopy(offset: number, length: number): Uint8Array;
  /** `into.length` bytes at `offset`, into the caller's buffer (a scratch buffer reused from read to read). */
  readInto(offset: number, into: Uint8Array): void;
  close(): void;
}

function outOfRange(name: string, offset: number, length: number, size: number): FormatError {
  return new FormatError(
    `read of 0x${length.toString(16)} byte(s) past end of file (size 0x${size.toString(16)})`,
    { source: name, offset },
  );
}

/** Bytes already in memory. */
export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(readonly bytes: Uint8Array, readonly name = '<buffer>') {
    this.size = bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw outOfRange(this.name, offset, length, this.size);
    return this.bytes.subarray(offset, offset + length);
  }
  readCopy(offset: number, length: number): Uint8Array {
    return this.read(offset, length).slice();
  }
  readInto(offset: number, into: Uint8Array): void {
    into.set(this.read(offset, into.length));
  }
  close(): void { /* nothing */ }
}

export interface FileSourceOptions {
  /** Page size of the cache in bytes (power of two). Default 64 KiB. */
  pageSize?: number;
  /** Number of pages kept. Default 256 (16 MiB with the default page size). */
  maxPages?: number;
}

/** A file read positionally through an LRU page cache. */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  private readonly pageSize: number;
  private readonly pageShift: number;
  private readonly maxPages: number;
  /** Map keeps insertion order: re-inserting on hit makes it an LRU. */
  private readonly pages = new Map<number, Uint8Array>();
  /** Counters for benchmarks and tests. */
  stats = { hits: 0, misses: 0, bytesRead: 0 };

  constructor(readonly name: string, opts: FileSourceOptions = {}) {
    this.pageSize = opts.pageSize ?? 65536;
    if (this.pageSize & (this.pageSize - 1)) throw new Error('pageSize must be a power of two');
    this.pageShift = Math.log2(this.pageSize);
    this.maxPages = opts.maxPages ?? 256;
    try {
      this.fd = fs.openSync(name, 'r');
      const st = fs.fstatSync(this.fd);
      if (st.isDirectory()) throw new UsageError(`${name}: is a directory`);
      this.size = st.size;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(`${name}: cannot open: ${err.code ?? err.message}`);
    }
  }

  private page(index: number): Uint8Array {
    const hit = this.pages.get(index);
    if (hit) {
      this.stats.hits++;
      this.pages.delete(index);
      this.pages.set(index, hit);
      return hit;
    }
    this.stats.misses++;
    const start = index * this.pageSize;
    const len = Math.min(this.pageSize, this.size - start);
    const buf = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.fd, buf, got, len - got, start + got);
      if (n === 0) break;
      got += n;
    }
    if (got < len) throw new FormatError(`short read: file shrank while reading`, { source: this.name, offset: start + got });
    this.stats.bytesRead += len;
    if (this.pages.size >= this.maxPages) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
    this.pages.set(index, buf);
    return buf;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw outOfRange(this.name, offset, length, this.size);
    if (length === 0) return new Uint8Array(0);
    const first = Math.floor(offset / this.pageSize);
    const last = Math.floor((offset + length - 1) / this.pageSize);
    if (first === last) {
      const p = this.page(first);
      const o = offset - first * this.pageSize;
      return p.subarray(o, o + length);
    }
    // Large reads bypass the cache so a big section does not flush it.
    if (length > this.pageSize * 4) return this.readDirect(offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    for (let i = first; i <= last; i++) {
      const p = this.page(i);
      const pageStart = i * this.pageSize;
      const from = Math.max(offset, pageStart) - pageStart;
      const to = Math.min(offset + length, pageStart + p.length) - pageStart;
      out.set(p.subarray(from, to), done);
      done += to - from;
    }
    return out;
  }

  private readDirect(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out);
    return out;
  }

  readCopy(offset: number, length: number): Uint8Array {
    // A page or more goes straight from the file into the caller's buffer: one copy, not three.
    if (length >= this.pageSize) return this.readDirect(offset, length); // (readInto checks the range)
    return this.read(offset, length).slice();
  }

  readInto(offset: number, into: Uint8Array): void {
    const length = into.length;
    if (offset < 0 || offset + length > this.size) throw outOfRange(this.name, offset, length, this.size);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, into, got, Math.min(length - got, 1 << 30), offset + got);
      if (n === 0) throw new FormatError('short read: file shrank while reading', { source: this.name, offset: offset + got });
      got += n;
    }
    this.stats.bytesRead += length;
  }

  close(): void {
    if (this.fd >= 0) { fs.closeSync(this.fd); this.fd = -1; }
    this.pages.clear();
  }
}

/** Open a file as a ByteSource. */
export function openFile(path: string, opts?: FileSourceOptions): FileSource {
  return new FileSource(path, opts);
}
