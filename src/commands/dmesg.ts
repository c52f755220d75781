/**
 * dmesg: the kernel log (virt-dmesg). One row per record of the printk ring
 * buffer (5.10+) or the older log_buf, oldest first: sequence number,
 * timestamp, level, facility, caller and text. The plain output is what
 * `dmesg` prints inside the guest ("[    1.234567] text", every line of a
 * multi-line record with its record's timestamp); --json and --csv carry the
 * fields. A record that cannot be read is a row of unreadable cells and the
 * log goes on; which layout the kernel has is found by its symbols
 * (program/printk.ts).
 */
import { formatTimestamp, isUnreadable, LOG_FACILITIES, LOG_LEVELS, printkRecords, type Program } from '../program/index.js';
import { Unreadable, type Column, type Row } from './table.js';
import type { GuestCommand } from './command.js';

const COLUMNS: Column[] = [
  { key: 'seq', title: 'SEQ', right: true },
  { key: 'time', title: 'TIME', right: true },
  { key: 'level', title: 'LEVEL' },
  { key: 'facility', title: 'FACILITY' },
  { key: 'caller', title: 'CALLER' },
  { key: 'text', title: 'TEXT' },
];

/** CONFIG_PRINTK_CALLER's id as the kernel prints it: "T<pid>" or "C<cpu>". */
function caller(id: number | undefined): string | null {
  if (id === undefined) return null;
  return id & 0x80000000 ? `C${id & 0x7fffffff}` : `T${id}`;
}

function* rows(prog: Program): Iterable<Row> {
  for (const r of printkRecords(prog)) {
    if (isUnreadable(r)) {
      const u = new Unreadable(`${r.where}: ${r.reason}`);
      yield { seq: r.seq ?? u, time: u, ts_nsec: u, level: u, facility: u, caller: u, text: u };
      continue;
    }
    yield {
      seq: r.seq,
      time: formatTimestamp(r.tsNsec).trim(),
      ts_nsec: r.tsNsec,
      level: LOG_LEVELS[r.level] ?? String(r.level),
      facility: LOG_FACILITIES[r.facility] ?? String(r.facility),
      caller: caller(r.callerId),
      text: r.text,
    };
  }
}

/** `dmesg` output: "[%5lu.%06lu] line" for every line of every record. */
function text(rs: Row[]): string {
  let out = '';
  for (const r of rs) {
    if (r.text instanceof Unreadable) { out += `[${'?'.padStart(12)}] <unreadable record${typeof r.seq === 'bigint' ? ' ' + r.seq : ''}: ${r.text.reason}>\n`; continue; }
    const ts = `[${String(r.time).padStart(12)}] `;
    for (const line of String(r.text).split('\n')) out += ts + line + '\n';
  }
  return out;
}

export const dmesg: GuestCommand = {
  name: 'dmesg',
  summary: 'the kernel log: every record with timestamp, level and facility',
  aliases: ['virt-dmesg'],
  help: [
    'The records of the guest kernel\'s log, oldest first, from the printk ring buffer (5.10+) or log_buf (older).',
    'Plain output is `dmesg`\'s ("[    1.234567] text"); --json and --csv give seq, time, ts_nsec, level,',
    'facility, caller (T<pid> or C<cpu> with CONFIG_PRINTK_CALLER) and text (multi-line records keep their "\\n").',
  ].join('\n'),
  columns: () => COLUMNS,
  rows,
  text,
};
