/**
 * The LZO1X and Snappy page decoders against the real compressors (liblzo2's
 * lzo1x_1_compress, as makedumpfile -l and QEMU kdump-lzo use, and
 * libsnappy's snappy_compress, as kdump-snappy uses), called from C compiled
 * here, on real pages: the Debian vmlinux, zero pages, random pages, text.
 * Then damaged streams: an LzoError/SnappyError, never a crash or hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelMemory } from '../../src/arch/index.js';
import { KdumpMemory, openDump, readExact } from '../../src/memory/index.js';
import { lzo1xDecompress, LzoError } from '../../src/memory/dumps/lzo.js';
import { snappyDecompress, SnappyError } from '../../src/memory/dumps/snappy.js';
import { cacheRoot, kernels } from '../helpers/kernels.js';
import { prng } from '../helpers/prng.js';
import { failure, fuzzRounds, fuzzSeed } from '../helpers/fuzz.js';

const C = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef unsigned long lzo_uint;
int lzo1x_1_compress(const unsigned char *src, lzo_uint src_len, unsigned char *dst, lzo_uint *dst_len, void *wrkmem);
int snappy_compress(const char *in, size_t n, char *out, size_t *outn);
size_t snappy_max_compressed_length(size_t n);
/* stdin: pages of 4096 bytes. stdout per page: u32 size then the compressed bytes. argv[1]: lzo | snappy */
int main(int argc, char **argv) {
  static unsigned char in[4096], out[65536], wrk[1 << 18];
  int lzo = strcmp(argv[1], "lzo") == 0;
  while (fread(in, 1, 4096, stdin) == 4096) {
    unsigned int n;
    if (lzo) { lzo_uint len = sizeof out; if (lzo1x_1_compress(in, 4096, out, &len, wrk) != 0) return 2; n = len; }
    else { size_t len = sizeof out; if (snappy_compress((char *)in, 4096, (char *)out, &len) != 0) return 3; n = len; }
    fwrite(&n, 4, 1, stdout); fwrite(out, 1, n, stdout);
  }
  return 0;
}`;

function pages(): Buffer {
  const r = prng(5);
  const parts: Buffer[] = [Buffer.alloc(4096), Buffer.alloc(4096, 0x41)];
  const rnd = Buffer.alloc(4096 * 4);
  for (let i = 0; i < rnd.length; i++) rnd[i] = r.int(256);
  parts.push(rnd);
  const text = Buffer.from('Linux version 6.1.0 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC '.repeat(200)).subarray(0, 8192);
  parts.push(text);
  const k = kernels()[0];
  if (k && fs.existsSync(k.vmlinux)) {
    const fd = fs.openSync(k.vmlinux, 'r');
    const b = Buffer.alloc(4096 * 200);
    fs.readSync(fd, b, 0, b.length, 0x200000);
    fs.closeSync(fd);
    parts.push(b);
  } else {
    process.stderr.write('note: no Debian vmlinux in the cache; compressing synthetic pages only\n');
  }
  return Buffer.concat(parts);
}

for (const algo of ['lzo', 'snappy'] as const) {
  test(`${algo}: pages compressed by the real library decompress to the same bytes`, (t) => {
    const libs = ['/lib/x86_64-linux-gnu/liblzo2.so.2', '/usr/lib/x86_64-linux-gnu/libsnappy.so.1'];
    const missing = libs.filter((l) => !fs.existsSync(l));
    if (missing.length) {
      const why = `${missing.join(', ')} not installed (scripts/setup.sh installs them)`;
      process.stderr.write(`SKIP: ${why}\n`);
      t.skip(why);
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-compress-'));
    try {
      fs.writeFileSync(path.join(dir, 'c.c'), C);
      execFileSync('gcc', ['-O1', '-o', path.join(dir, 'c'), path.join(dir, 'c.c'), ...libs]);
      const input = pages();
      const out = execFileSync(path.join(dir, 'c'), [algo], { input, maxBuffer: 1 << 28 });
      const decode = algo === 'lzo' ? lzo1xDecompress : snappyDecompress;
      const Err = algo === 'lzo' ? LzoError : SnappyError;
      let p = 0, i = 0;
      const streams: Buffer[] = [];
      while (p < out.length) {
        const n = out.readUInt32LE(p);
        const c = out.subarray(p + 4, p + 4 + n);
        streams.push(c);
        assert.deepEqual(Buffer.from(decode(c, 4096)), input.subarray(i * 4096, (i + 1) * 4096), `page ${i}`);
        p += 4 + n; i++;
      }
      assert.equal(i, input.length / 4096);
      // Damaged streams: a decoder error, nothing else, quickly.
      const seed = fuzzSeed(11);
      const r = prng(seed);
      for (let k = 0, n = fuzzRounds(2000); k < n; k++) {
        const s = Buffer.from(r.pick(streams));
        const cut = r.int(3) === 0 ? r.int(s.length) : s.length;
        for (let j = 0; j < 1 + r.int(3); j++) s[r.int(s.length)] = r.int(256);
        try { decode(s.subarray(0, cut), 4096); } catch (e) { if (!(e instanceof Err)) assert.fail(failure(`${algo}-stream`, seed, k, s.subarray(0, cut), e)); }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

const LIBS = ['/lib/x86_64-linux-gnu/liblzo2.so.2', '/usr/lib/x86_64-linux-gnu/libsnappy.so.1'];

/** Compile the page compressor; returns its path (caller removes `dir`). */
function compressor(dir: string): string {
  fs.writeFileSync(path.join(dir, 'c.c'), C);
  execFileSync('gcc', ['-O1', '-o', path.join(dir, 'c'), path.join(dir, 'c.c'), ...LIBS]);
  return path.join(dir, 'c');
}

test('kdump-lzo and kdump-snappy: QEMU\'s real kdump re-encoded page by page with the real libraries reads the same', (t) => {
  const root = process.env.VIRTMEM_FIXTURES ?? path.join(cacheRoot(), 'fixtures');
  const dirs = fs.existsSync(root) ? fs.readdirSync(root).sort().map((a) => path.join(root, a, 'kaslr')).filter((d) => fs.existsSync(path.join(d, '.complete'))) : [];
  const missing = LIBS.filter((l) => !fs.existsSync(l));
  if (!dirs.length || missing.length) {
    const why = !dirs.length ? 'no kaslr fixture in the cache (run npm run fixtures)' : `${missing.join(', ')} not installed`;
    process.stderr.write(`SKIP: ${why}\n`);
    t.skip(why);
    return;
  }
  const fx = dirs[0];
  const truth = JSON.parse(fs.readFileSync(path.join(fx, 'truth.json'), 'utf8'));
  const banner = BigInt('0x' + truth.kallsyms.linux_banner);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-kdc-'));
  try {
    const bin = compressor(tmp);
    const orig = openDump(path.join(fx, 'kdump')) as KdumpMemory;
    const src = fs.readFileSync(path.join(fx, 'kdump'));
    const bs = orig.blockSize;
    const descOff = bs * (1 + src.readInt32LE(432) + src.readUInt32LE(436));
    const pages: Buffer[] = [];
    for (const r of orig.ranges()) for (let pa = r.start; pa < r.end; pa += bs) pages.push(Buffer.from(readExact(orig, BigInt(pa), bs)));
    for (const [algo, flag] of [['lzo', 0x2], ['snappy', 0x4]] as const) {
      const packed = execFileSync(bin, [algo], { input: Buffer.concat(pages), maxBuffer: 1 << 30 });
      const descs = Buffer.alloc(24 * pages.length);
      const data: Buffer[] = [];
      let off = descOff + descs.length, p = 0;
      pages.forEach((page, i) => {
        const n = packed.readUInt32LE(p);
        const c = packed.subarray(p + 4, p + 4 + n);
        p += 4 + n;
        const raw = n >= bs;
        const body = raw ? page : c;
        descs.writeBigUInt64LE(BigInt(off), i * 24);
        descs.writeUInt32LE(body.length, i * 24 + 8);
        descs.writeUInt32LE(raw ? 0 : flag, i * 24 + 12);
        data.push(body);
        off += body.length;
      });
      const head = Buffer.from(src.subarray(0, descOff));
      head.writeUInt32LE(flag, 424);
      const file = path.join(tmp, `kdump.${algo}`);
      fs.writeFileSync(file, Buffer.concat([head, descs, ...data]));
      const m = openDump(file) as KdumpMemory;
      assert.equal(m.compression(), algo);
      assert.deepEqual(m.ranges(), orig.ranges());
      const r = prng(21);
      for (let i = 0; i < 300; i++) {
        const rg = r.pick(m.ranges());
        const pa = rg.start + r.int(rg.end - rg.start - 128);
        assert.deepEqual(readExact(m, BigInt(pa), 128), readExact(orig, BigInt(pa), 128), `${algo} at 0x${pa.toString(16)}`);
      }
      assert.equal(kernelMemory(m).map.getString(banner).trimEnd(), truth.procVersion.trimEnd());
      m.close();
    }
    orig.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
