/**
 * Small positional reads for walking record headers (LiME ranges, flattened
 * kdump records) without pulling whole pages of data through the page cache.
 */
import * as fs from 'node:fs';
import { FormatError } from '../../bytes/index.js';

export class HeaderScanner {
  private fd: number;
  readonly size: number;
  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'r');
    this.size = fs.fstatSync(this.fd).size;
  }
  /** Exactly n bytes at pos, or a FormatError naming the format and offset. */
  read(pos: number, n: number, format: string, section: string): Buffer {
    const b = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, b, got, n - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    if (got < n) throw new FormatError(`truncated: needs ${n} bytes, file ends after ${got}`, { source: this.path, format, section, offset: pos });
    return b;
  }
  close(): void { fs.closeSync(this.fd); }
}
