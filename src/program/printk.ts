/**
 * The kernel log (kernel/printk/), for dmesg: every record with its sequence
 * number, timestamp, level, facility and text, from either layout:
 *
 *   printkRecords(prog)   the records of whichever log the kernel has
 *   prbRecords(prog, rb)  a struct printk_ringbuffer (Linux 5.10+)
 *   logBufRecords(prog)   the older log_buf of struct printk_log records
 *
 * Layouts, detected by what the kernel has (never by version):
 *
 * - printk_ringbuffer (commit 896fbe20b4e2, "printk: use the lockless
 *   ringbuffer", 5.10): `prb` points at it. Three rings: descriptors
 *   (desc_ring.descs, 2^count_bits of struct prb_desc), the info array beside
 *   them (desc_ring.infos, struct printk_info: seq, ts_nsec, text_len,
 *   facility, flags, level, caller_id), and the text data ring
 *   (text_data_ring.data, 2^size_bits bytes). A descriptor's state_var holds
 *   its id in the low bits and its state in the top two: reserved (0, being
 *   written), committed (1), finalized (2), reusable (3, dropped). Valid ids
 *   run from desc_ring.tail_id to head_id; slot = id mod count. The text of a
 *   record is the data block at text_blk_lpos: logical positions whose low
 *   size_bits are the index in the data ring and whose high bits count wraps.
 *   A block starts with the descriptor id (an unsigned long), then the text;
 *   when begin and next are in different wraps the block was placed at the
 *   start of the ring (index 0 .. index of next). Both positions odd means a
 *   record without data: 0x3/0x3 an empty line, anything else a failed one.
 *
 * - log_buf (3.5 .. 5.9; commit 7ff9554bb578, "printk: convert byte-buffer
 *   to variable-length record buffer"): `log_buf` of `log_buf_len` bytes holds
 *   struct printk_log headers (ts_nsec, len, text_len, dict_len, facility,
 *   flags:5, level:3, caller_id from 5.1) each followed by its text and dict,
 *   `len` covering all three plus padding. Records run from log_first_idx
 *   (sequence log_first_seq) to log_next_idx (log_next_seq); a header with
 *   len 0 means "the rest did not fit: continue at offset 0".
 *
 * A record that cannot be read (a hole in the dump, a block that does not
 * belong to its descriptor, positions that make no sense) is yielded as an
 * UnreadableRecord and the walk goes on with the next one; only a ring whose
 * own header is unreadable stops everything (a VirtmemError). Every loop is
 * bounded by the ring's size.
 */
import { VirtmemError } from '../bytes/index.js';
import { MemoryFault } from '../memory/index.js';
import { LookupError, WalkError } from './errors.js';
import type { Obj } from './object.js';
import type { Program } from './program.js';

/** One record of the kernel log. */
export interface PrintkRecord {
  seq: bigint;
  /** Nanoseconds since boot (local_clock). */
  tsNsec: bigint;
  /** syslog level 0 (emerg) .. 7 (debug). */
  level: number;
  /** syslog facility: 0 kernel, 1 user (/dev/kmsg writers), ... */
  facility: number;
  /** The record's flags (LOG_NEWLINE, LOG_CONT, ...). */
  flags: number;
  /** Thread id, or 0x80000000 | CPU when logged outside a task (CONFIG_PRINTK_CALLER). */
  callerId?: number;
  /** The text, without a trailing newline; may hold several lines. */
  text: string;
}

/** A record whose place in the log is known but whose contents could not be read. */
export interface UnreadableRecord {
  unreadable: true;
  /** Its sequence number, when that much was readable. */
  seq?: bigint;
  /** Descriptor id (ring) or byte offset in log_buf. */
  where: string;
  reason: string;
}

export type PrintkEntry = PrintkRecord | UnreadableRecord;

export function isUnreadable(e: PrintkEntry): e is UnreadableRecord {
  return (e as UnreadableRecord).unreadable === true;
}

/** Record flags (enum printk_info_flags; the same bits in struct printk_log). */
export const LOG_NEWLINE = 2;
export const LOG_CONT = 8;

/** syslog level names, as util-linux dmesg prints them. */
export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'] as const;
/** syslog facility names (facility number = index). */
export const LOG_FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'res0', 'res1', 'res2', 'res3', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

// Descriptor state (kernel/printk/printk_ringbuffer.h: DESC_SV_BITS = BITS_PER_LONG).
const DESC_FLAGS_SHIFT = 62n;
const DESC_ID_MASK = (1n << DESC_FLAGS_SHIFT) - 1n;
export const DESC_STATES = ['reserved', 'committed', 'finalized', 'reusable'] as const;
const EMPTY_LINE_LPOS = 0x3n; // NO_LPOS before 6.9's rename; FAILED_LPOS is 0x1
const hex = (a: bigint | number) => '0x' + a.toString(16);

/** Most text one record can hold (text_len is a u16). */
const MAX_TEXT = 0xffff;

/** The records of the kernel's log, oldest first: the ring buffer if the kernel has one, else log_buf. */
export function printkRecords(prog: Program): Generator<PrintkEntry> {
  if (prog.hasVariable('prb')) {
    if (!prog.hasMember('printk_ringbuffer', 'desc_ring')) {
      throw new LookupError(`the kernel log: 'prb' is there but struct printk_ringbuffer is not in the types of ${prog.describe()}; give --vmlinux (DWARF) or --types`);
    }
    const p = prog.variable('prb');
    let rb: Obj;
    try {
      rb = p.deref();
      rb.member('desc_ring.count_bits').int(); // the ring's header must be readable
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      throw new WalkError('printk ring buffer', 'fault', e.address, 0, `prb is unreadable (${e.reason})`);
    }
    return prbRecords(prog, rb);
  }
  if (prog.hasVariable('log_buf') && prog.hasVariable('log_first_idx')) return logBufRecords(prog);
  throw new LookupError(
    `the kernel log: ${prog.describe()} has neither 'prb' (printk ring buffer, 5.10+) nor 'log_buf'/'log_first_idx' (before 5.10) in its symbols; give --system-map or --vmlinux`,
  );
}

const u64 = (o: Obj) => BigInt.asUintN(64, o.int());

/** The records of one struct printk_ringbuffer (an object, not a pointer), oldest first. */
export function* prbRecords(prog: Program, rb: Obj): Generator<PrintkEntry> {
  const dr = rb.member('desc_ring');
  const countBits = dr.member('count_bits').toNumber();
  const tr = rb.member('text_data_ring');
  const sizeBits = tr.member('size_bits').toNumber();
  if (countBits < 0 || countBits > 30 || sizeBits < 3 || sizeBits > 40) {
    throw new WalkError('printk ring buffer', 'corrupt', rb.addressOrThrow(), 0, `impossible ring sizes (count_bits ${countBits}, size_bits ${sizeBits})`);
  }
  const count = 1n << BigInt(countBits);
  const dataSize = 1n << BigInt(sizeBits);
  const descs = dr.member('descs').pointerValue();
  const infos = dr.member('infos').pointerValue();
  const data = tr.member('data').pointerValue();
  const headId = u64(dr.member('head_id.counter')) & DESC_ID_MASK;
  const tailId = u64(dr.member('tail_id.counter')) & DESC_ID_MASK;
  const descType = prog.type('struct prb_desc');
  const infoType = prog.type('struct printk_info');
  const descSize = BigInt(prog.sizeof(descType));
  const infoSize = BigInt(prog.sizeof(infoType));
  const hasCaller = prog.hasMember(infoType, 'caller_id');
  const wraps = (lpos: bigint) => lpos >> BigInt(sizeBits);
  const index = (lpos: bigint) => lpos & (dataSize - 1n);

  let id = tailId;
  for (let n = 0n; n < count; n++) {
    const slot = id & (count - 1n);
    const where = `descriptor ${hex(id)}`;
    let seq: bigint | undefined;
    try {
      const desc = prog.object(descType, descs + slot * descSize).read();
      const sv = u64(desc.member('state_var.counter'));
      const state = Number(sv >> DESC_FLAGS_SHIFT);
      // A slot holding another id was reused after the tail moved; reserved
      // records are being written and reusable ones were dropped: the kernel
      // shows none of them.
      if ((sv & DESC_ID_MASK) === id && (state === 1 || state === 2)) {
        const info = prog.object(infoType, infos + slot * infoSize).read();
        seq = u64(info.member('seq'));
        if ((seq & (count - 1n)) !== slot) throw new RecordError(`sequence ${seq} does not belong in slot ${slot}`);
        const textLen = info.member('text_len').toNumber();
        const begin = u64(desc.member('text_blk_lpos.begin'));
        const next = u64(desc.member('text_blk_lpos.next'));
        let text = '';
        if ((begin & 1n) && (next & 1n)) {
          if (begin !== EMPTY_LINE_LPOS || next !== EMPTY_LINE_LPOS) throw new RecordError('its text could not be stored (failed data block)');
        } else {
          let blk: bigint, size: bigint;
          if (wraps(begin) === wraps(next) && begin < next) { blk = index(begin); size = next - begin; }
          else if (wraps(begin + dataSize) === wraps(next)) { blk = 0n; size = index(next); }
          else throw new RecordError(`impossible text positions ${hex(begin)}..${hex(next)}`);
          if ((begin & 7n) !== 0n || size < 8n || size > dataSize) throw new RecordError(`impossible text block at ${hex(begin)} (${size} bytes)`);
          const blockId = prog.readWord(data + blk);
          if ((blockId & DESC_ID_MASK) !== id) throw new RecordError(`its text block belongs to descriptor ${hex(blockId)} (overwritten)`);
          const len = Math.min(textLen, Number(size - 8n), MAX_TEXT);
          text = decodeText(prog.read(data + blk + 8n, len));
        }
        yield {
          seq, tsNsec: u64(info.member('ts_nsec')),
          level: info.member('level').toNumber(), facility: info.member('facility').toNumber(), flags: info.member('flags').toNumber(),
          ...(hasCaller ? { callerId: info.member('caller_id').toNumber() } : {}),
          text,
        };
      }
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      yield { unreadable: true, ...(seq !== undefined ? { seq } : {}), where, reason: e.message };
    }
    if (id === headId) return;
    id = (id + 1n) & DESC_ID_MASK;
  }
  throw new WalkError('printk ring buffer', 'corrupt', rb.addressOrThrow(), Number(count), `tail_id ${hex(tailId)} never reaches head_id ${hex(headId)} within ${count} descriptors`);
}

/** The records of the pre-5.10 log_buf, oldest first. */
export function* logBufRecords(prog: Program): Generator<PrintkEntry> {
  const buf = prog.variable('log_buf').pointerValue();
  const len = BigInt(prog.variable('log_buf_len').toNumber());
  let idx = BigInt(prog.variable('log_first_idx').toNumber());
  const nextIdx = BigInt(prog.variable('log_next_idx').toNumber());
  let seq = u64(prog.variable('log_first_seq'));
  const nextSeq = u64(prog.variable('log_next_seq'));
  const hdrType = prog.type('struct printk_log');
  const hdrSize = BigInt(prog.sizeof(hdrType));
  const hasCaller = prog.hasMember(hdrType, 'caller_id');
  if (len === 0n || len > 1n << 32n) throw new WalkError('log_buf', 'corrupt', buf, 0, `impossible log_buf_len ${len}`);
  const most = len / hdrSize + 1n;
  for (let n = 0n; seq < nextSeq; n++) {
    if (n > most) throw new WalkError('log_buf', 'limit', buf + idx, Number(n), `more records than ${len} bytes can hold`);
    if (idx === nextIdx && n > 0n) throw new WalkError('log_buf', 'corrupt', buf + idx, Number(n), `reached log_next_idx at sequence ${seq}, before log_next_seq ${nextSeq}`);
    const where = `log_buf offset ${hex(idx)}`;
    let rec: PrintkRecord;
    let recLen: bigint;
    try {
      if (idx + hdrSize > len) throw new RecordError(`record header past the end of log_buf (${len} bytes)`);
      const h = prog.object(hdrType, buf + idx).read();
      recLen = BigInt(h.member('len').toNumber());
      if (recLen === 0n) {
        // The writer did not fit at the end and started over at offset 0.
        if (idx === 0n) throw new RecordError('a zero-length record at offset 0');
        idx = 0n;
        continue;
      }
      const textLen = BigInt(h.member('text_len').toNumber());
      if (recLen < hdrSize + textLen || idx + recLen > len) throw new RecordError(`impossible record length ${recLen} (text ${textLen})`);
      rec = {
        seq, tsNsec: u64(h.member('ts_nsec')),
        level: h.member('level').toNumber(), facility: h.member('facility').toNumber(), flags: h.member('flags').toNumber(),
        ...(hasCaller ? { callerId: h.member('caller_id').toNumber() } : {}),
        text: decodeText(prog.read(buf + idx + hdrSize, Number(textLen))),
      };
    } catch (e) {
      if (!(e instanceof VirtmemError)) throw e;
      // Without a length the next record cannot be found: the rest is lost.
      yield { unreadable: true, seq, where, reason: e.message };
      throw new WalkError('log_buf', 'corrupt', buf + idx, Number(n), `cannot go past the record at offset ${hex(idx)}`);
    }
    yield rec;
    idx += recLen;
    seq++;
  }
}

/** A record the walk skips, with why (becomes an UnreadableRecord). */
class RecordError extends VirtmemError {
  override name = 'RecordError';
}

/** Record text: UTF-8 as the kernel stores it, without the trailing newline. */
function decodeText(b: Uint8Array): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0x0a) end--;
  return Buffer.from(b.buffer, b.byteOffset, end).toString('utf8');
}

/** "[    1.575205]": the timestamp as the kernel and dmesg print it (%5lu.%06lu). */
export function formatTimestamp(tsNsec: bigint): string {
  const s = tsNsec / 1_000_000_000n;
  const us = (tsNsec % 1_000_000_000n) / 1000n;
  return `${String(s).padStart(5)}.${String(us).padStart(6, '0')}`;
}
