/**
 * The kernel-log, network and module helpers on damaged and synthetic input:
 *
 * - A real 6.12 dump seen through a patched memory map (the dump's bytes with
 *   a few words overridden, the image's own BTF types): a text block that no
 *   longer belongs to its descriptor makes that one record unreadable and
 *   every other record reads as before; a head id the tail never reaches ends
 *   the walk with a WalkError after the ring's size; a device list cut at
 *   eth0 keeps lo and eth0 and reports the rest as a problem; an unreadable
 *   in_device makes that device's IPv4 cell unreadable only; an unreadable
 *   module_use list makes one module's holders unreadable. Through the CLI,
 *   a damaged copy of a dump prints the rest of the log and exits 3.
 * - log_buf (before 5.10): no such kernel is among the fixtures, so gcc
 *   compiles a C program that declares struct printk_log as 4.19-5.9 did and
 *   stores messages into a 1 KiB log_buf with the kernel's rules (LOG_ALIGN
 *   padding, a zeroed header where a record does not fit before the end,
 *   dropping the oldest records to make room). Its buffer and indexes are
 *   laid out at the addresses its DWARF gives, and the reader must return
 *   exactly the messages still in the buffer, in order, with their levels,
 *   facilities, timestamps and caller ids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { kernelProgramOf } from '../helpers/program.js';
import { compile, haveTool } from '../helpers/cc.js';
import { runBin } from '../helpers/guest-cli.js';
import { loadDwarfSections, DwarfInfo } from '../../src/dwarf/index.js';
import { DwarfTypes } from '../../src/types/index.js';
import { SortedSymbols } from '../../src/kernel/index.js';
import { MemoryMap } from '../../src/memory/index.js';
import {
  collect, forEachModule, forEachNetdev, isUnreadable, logBufRecords, Program, printkRecords, WalkError, type PrintkEntry, type PrintkRecord,
} from '../../src/program/index.js';
import { ifconfig, lsmod, rowIsPartial, Unreadable, type Row } from '../../src/commands/index.js';

const HOLE = 0xdead000000000000n; // non-canonical: never mapped

/** A Program over `base`'s memory with words overridden by `patch(addr, value)`. */
function patched(base: Program) {
  let map = MemoryMap.create('patched dump').addSpace(base.map, 0n, { size: 1n << 64n }).setWordsize(8).setEndian('little');
  const make = () => Program.fromParts({ map, symbols: base.symbols, types: base.types, release: base.release });
  return {
    patch(addr: bigint, v: bigint) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, v, true);
      map = map.addBytes(b, addr);
    },
    prog: make,
  };
}

function rowsOf(cmd: typeof ifconfig, prog: Program) {
  const problems: string[] = [];
  const rows: Row[] = [...cmd.rows(prog, {}, { problem: (m) => problems.push(m) })];
  return { rows, problems };
}

test('a damaged printk ring: one unreadable record, the rest intact; a head never reached ends in a WalkError', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const base = kernelProgramOf(f, 'kdump');
  const good = collect(printkRecords(base));
  assert.equal(good.error, undefined);
  const recs = good.items as PrintkRecord[];
  const marker = recs.find((r) => r.text === f.truth.marker)!;
  assert.ok(marker);
  const rb = base.variable('prb').deref();
  const count = 1n << rb.member('desc_ring.count_bits').int();
  const slot = marker.seq & (count - 1n);
  const desc = base.object('struct prb_desc', rb.member('desc_ring.descs').pointerValue() + slot * BigInt(base.sizeof('struct prb_desc')));
  const begin = desc.member('text_blk_lpos.begin').int();
  const size = 1n << rb.member('text_data_ring.size_bits').int();
  const block = rb.member('text_data_ring.data').pointerValue() + (begin & (size - 1n));

  const p = patched(base);
  p.patch(block, 0x1234n); // the block now claims another descriptor
  const bad = collect(printkRecords(p.prog()));
  assert.equal(bad.error, undefined);
  assert.equal(bad.items.length, recs.length);
  const u = bad.items.find(isUnreadable)!;
  assert.ok(u, 'one unreadable record');
  assert.equal(u.seq, marker.seq);
  assert.match(u.reason, /belongs to descriptor 0x1234/);
  assert.deepEqual(bad.items.filter((e: PrintkEntry) => !isUnreadable(e)), recs.filter((r) => r !== marker));

  const q = patched(base);
  q.patch(rb.member('desc_ring.head_id').addressOrThrow(), (1n << 61n) + 5n);
  const lost = collect(printkRecords(q.prog()));
  assert.ok(lost.error instanceof WalkError && lost.error.problem === 'corrupt', String(lost.error));
  assert.match(lost.error.message, /never reaches head_id/);
  assert.ok(lost.items.length >= recs.length, 'the records before the break still come');
});

test('the CLI on a damaged copy of a dump prints the rest of the log and exits 3', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1.0', kaslr: false });
  if (!f) return;
  const base = kernelProgramOf(f, 'elf');
  const recs = collect(printkRecords(base)).items as PrintkRecord[];
  const marker = recs.find((r) => r.text === f.truth.marker)!;
  const rb = base.variable('prb').deref();
  const count = 1n << rb.member('desc_ring.count_bits').int();
  const id = BigInt.asUintN(62, base.object('struct prb_desc', rb.member('desc_ring.descs').pointerValue() + (marker.seq & (count - 1n)) * BigInt(base.sizeof('struct prb_desc'))).member('state_var.counter').int());
  // The block in the file: its descriptor id, then the marker text.
  const img = fs.readFileSync(f.dumps.elf);
  const idBytes = Buffer.alloc(8); idBytes.writeBigUInt64LE(id);
  const at = img.indexOf(Buffer.concat([idBytes, Buffer.from(f.truth.marker)]));
  assert.ok(at > 0, 'the marker block is in the ELF core');
  img.writeBigUInt64LE(0x1234n, at);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-dmesg-'));
  try {
    const copy = path.join(dir, 'damaged.core');
    fs.writeFileSync(copy, img);
    const r = runBin('virtmem.js', ['dmesg', copy]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /partial/);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, recs.reduce((n, x) => n + x.text.split('\n').length, 0), 'every other record still prints');
    assert.match(lines.find((l) => l.includes('unreadable'))!, /unreadable record \d+: descriptor 0x[0-9a-f]+: its text block belongs to descriptor 0x1234/);
    assert.ok(!r.stdout.includes(f.truth.marker));
    const j = runBin('virtmem.js', ['dmesg', copy, '--json']);
    assert.equal(j.status, 3);
    const row = (JSON.parse(j.stdout) as Record<string, unknown>[]).find((x) => x.seq === Number(marker.seq))!;
    assert.ok((row.text as { unreadable: string }).unreadable);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken device list and an unreadable in_device / module_use: rows before the break, unreadable cells, problems', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: true });
  if (!f) return;
  const base = kernelProgramOf(f, 'kdump');
  const devs = collect(forEachNetdev(base.variable('init_net'))).items;
  const byName = new Map(devs.map((d) => [d.member('name').string(), d]));
  const eth0 = byName.get('eth0')!, dummy = byName.get('vmdummy0')!;
  assert.ok(eth0 && dummy);

  const p = patched(base);
  p.patch(eth0.member('ip_ptr').addressOrThrow(), HOLE);
  p.patch(eth0.member('dev_list.next').addressOrThrow(), HOLE);
  const { rows, problems } = rowsOf(ifconfig, p.prog());
  assert.deepEqual(rows.map((r) => r.name), ['lo', 'eth0'], 'the devices before the break');
  assert.equal(problems.length, 1);
  assert.match(problems[0], /unreadable link .* at 0xdead000000000000/);
  assert.ok(rows[1].ipv4 instanceof Unreadable, 'eth0 IPv4 unreadable');
  assert.deepEqual(rows[1].ipv6, ['fe80::5054:ff:fe12:3456/64']);
  assert.equal(rows[1].mac, '52:54:00:12:34:56');
  assert.ok(rowIsPartial(rows[1]) && !rowIsPartial(rows[0]));

  const mods = rowsOf(lsmod, base).rows;
  const q = patched(base);
  const netFailover = collect(forEachModule(base)).items.find((m) => m.member('name').string() === 'net_failover')!;
  assert.ok(netFailover);
  q.patch(netFailover.member('source_list.next').addressOrThrow(), HOLE);
  const bad = rowsOf(lsmod, q.prog());
  assert.equal(bad.rows.length, mods.length);
  for (const [i, r] of bad.rows.entries()) {
    if (r.name === 'net_failover') { assert.ok(r.holders instanceof Unreadable); assert.equal(r.size, mods[i].size); }
    else assert.deepEqual(r, mods[i]);
  }
});

/** The 4.19-5.9 header and log_store's placement rules, as a C program that fills a log_buf. */
const LOG_BUF_C = `
#include <stdint.h>
#include <stdio.h>
#include <string.h>
typedef uint64_t u64; typedef uint32_t u32; typedef uint16_t u16; typedef uint8_t u8;
struct printk_log {
  u64 ts_nsec; u16 len; u16 text_len; u16 dict_len; u8 facility; u8 flags:5; u8 level:3; u32 caller_id;
};
#define LOG_ALIGN __alignof__(struct printk_log)
#define LEN 1024
static char __log_buf[LEN] __attribute__((aligned(LOG_ALIGN)));
char *log_buf = __log_buf;
u32 log_buf_len = LEN;
u32 log_first_idx, log_next_idx;
u64 log_first_seq, log_next_seq;

static u32 next_idx(u32 idx) {
  struct printk_log *m = (struct printk_log *)(log_buf + idx);
  if (!m->len) return ((struct printk_log *)log_buf)->len;
  return idx + m->len;
}
static int has_space(u32 size, int empty) {
  u32 free;
  if (log_next_idx > log_first_idx || empty) free = (LEN - log_next_idx > log_first_idx) ? LEN - log_next_idx : log_first_idx;
  else free = log_first_idx - log_next_idx;
  return free >= size + sizeof(struct printk_log);
}
static void store(int fac, int lvl, u64 ts, const char *text, const char *dict) {
  u32 tl = strlen(text), dl = strlen(dict);
  u32 size = sizeof(struct printk_log) + tl + dl;
  size += (-size) & (LOG_ALIGN - 1);
  while (log_first_seq < log_next_seq && !has_space(size, 0)) { log_first_idx = next_idx(log_first_idx); log_first_seq++; }
  if (log_next_idx + size + sizeof(struct printk_log) > LEN) { memset(log_buf + log_next_idx, 0, sizeof(struct printk_log)); log_next_idx = 0; }
  struct printk_log *m = (struct printk_log *)(log_buf + log_next_idx);
  memcpy(m + 1, text, tl); memcpy((char *)(m + 1) + tl, dict, dl);
  m->text_len = tl; m->dict_len = dl; m->facility = fac; m->level = lvl; m->flags = 2; m->ts_nsec = ts; m->caller_id = 100 + (u32)log_next_seq;
  m->len = size;
  log_next_idx += size; log_next_seq++;
}
int main(void) {
  char text[128];
  for (int i = 0; i < 40; i++) {
    snprintf(text, sizeof text, "message %d %.*s", i, (i * 7) % 37, "abcdefghijklmnopqrstuvwxyz0123456789xyz");
    store(i % 3 == 0, i % 8, 1000000ull * i + 7, text, i % 4 == 0 ? "SUBSYSTEM=virtmem" : "");
  }
  printf("%u %u %llu %llu\\n", log_first_idx, log_next_idx, (unsigned long long)log_first_seq, (unsigned long long)log_next_seq);
  for (int i = 0; i < LEN; i++) printf("%02x", (unsigned char)__log_buf[i]);
  printf("\\n");
  return 0;
}
`;

test('log_buf (before 5.10): records laid out by the kernel\'s rules in a wrapped 1 KiB buffer read back in order', (t) => {
  if (!haveTool('gcc')) { const why = 'gcc is not installed'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  const c = compile(LOG_BUF_C, ['-g', '-O0', '-no-pie'], { name: 'logbuf' });
  try {
    const [head, hexBuf] = execFileSync(c.out, { encoding: 'utf8' }).trim().split('\n');
    const [firstIdx, nextIdx, firstSeq, nextSeq] = head.split(' ').map(Number);
    assert.ok(firstSeq > 0, 'the buffer wrapped and dropped old records');
    const types = new DwarfTypes(new DwarfInfo(loadDwarfSections(c.out)));
    const addr = (n: string) => BigInt(types.variable(n)!.address!);
    const names = ['log_buf', 'log_buf_len', 'log_first_idx', 'log_next_idx', 'log_first_seq', 'log_next_seq'];
    const lo = names.map(addr).reduce((a, b) => (a < b ? a : b));
    const vars = new Uint8Array(Number(names.map(addr).reduce((a, b) => (a > b ? a : b)) - lo) + 8);
    const dv = new DataView(vars.buffer);
    const BUF = 0xffff888000100000n;
    dv.setBigUint64(Number(addr('log_buf') - lo), BUF, true);
    dv.setUint32(Number(addr('log_buf_len') - lo), 1024, true);
    dv.setUint32(Number(addr('log_first_idx') - lo), firstIdx, true);
    dv.setUint32(Number(addr('log_next_idx') - lo), nextIdx, true);
    dv.setBigUint64(Number(addr('log_first_seq') - lo), BigInt(firstSeq), true);
    dv.setBigUint64(Number(addr('log_next_seq') - lo), BigInt(nextSeq), true);
    const map = MemoryMap.create('synthetic log_buf').addBytes(vars, lo).addBytes(Buffer.from(hexBuf, 'hex'), BUF).setWordsize(8).setEndian('little');
    const symbols = new SortedSymbols('test', names, names.map(addr));
    const prog = Program.fromParts({ map, symbols, types, release: 'synthetic 4.19-like log_buf' });
    const got = collect(printkRecords(prog));
    assert.equal(got.error, undefined, String(got.error));
    const want = [];
    for (let i = firstSeq; i < nextSeq; i++) {
      want.push({
        seq: BigInt(i), tsNsec: 1000000n * BigInt(i) + 7n, level: i % 8, facility: i % 3 === 0 ? 1 : 0, flags: 2, callerId: 100 + i,
        text: `message ${i} ${'abcdefghijklmnopqrstuvwxyz0123456789xyz'.slice(0, (i * 7) % 37)}`,
      });
    }
    assert.deepEqual(got.items, want);
    assert.ok(want.length >= 8);
    // A zero length at offset 0 (a corrupt wrap) is reported, not looped on.
    const broken = Buffer.from(hexBuf, 'hex');
    broken.fill(0, 0, 24);
    const map2 = MemoryMap.create('broken log_buf').addBytes(vars, lo).addBytes(broken, BUF).setWordsize(8).setEndian('little');
    const bad = collect(logBufRecords(Program.fromParts({ map: map2, symbols, types, release: 'synthetic' })));
    assert.ok(bad.error instanceof WalkError, String(bad.error));
    assert.ok(bad.items.some(isUnreadable));
  } finally {
    c.cleanup();
  }
});
