/**
 * dmesg on every real-guest fixture (Debian 6.1 and 6.12, KASLR on and off,
 * each dump form), memory-only and with the vmlinux, against what the guest
 * printed in the same boot: its `dmesg` tail (busybox, "[  ts] text") must
 * appear in our plain output in order, ending with the marker it wrote to
 * /dev/kmsg; the marker's record has facility user and the kernel's default
 * message level (CONFIG_MESSAGE_LOGLEVEL_DEFAULT from the kernel's own
 * config); the first record is the /proc/version banner; sequence numbers run
 * without gaps and timestamps never go back after the first second of boot (the
 * guests' real logs step back before: clock source and CPU bring-up); multi-line records print every
 * line with the record's timestamp, as the kernel's syslog reader does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixtures, fixtureOrSkip, type Fixture } from '../helpers/fixtures.js';
import { jsonRows, repoRoot, runBin } from '../helpers/guest-cli.js';

interface DmesgRow { seq: number; time: string; ts_nsec: number; level: string; facility: string; caller: string | null; text: string }

const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

/** CONFIG_MESSAGE_LOGLEVEL_DEFAULT of the fixture's kernel (its /boot/config). */
function defaultLevel(f: Fixture): number {
  const cfg = path.join(path.dirname(path.dirname(f.kernel.vmlinux)), '..', '..', '..', 'boot', `config-${f.abi}`);
  const m = /^CONFIG_MESSAGE_LOGLEVEL_DEFAULT=(\d)$/m.exec(fs.readFileSync(cfg, 'utf8'));
  assert.ok(m, `no CONFIG_MESSAGE_LOGLEVEL_DEFAULT in ${cfg}`);
  return Number(m[1]);
}

function checkAgainstGuest(f: Fixture, plain: string, rows: DmesgRow[], what: string) {
  const lines = plain.split('\n');
  const tail = f.truth.dmesgTail;
  assert.ok(tail.length >= 5 && tail.at(-1)!.endsWith(f.truth.marker), 'the fixture captured a dmesg tail ending with the marker');
  const start = lines.indexOf(tail[0]);
  assert.ok(start >= 0, `${what}: first tail line ${JSON.stringify(tail[0])} not in our output`);
  assert.deepEqual(lines.slice(start, start + tail.length), tail, `${what}: the guest's dmesg tail, in order`);
  // After the marker only later kernel lines may follow (the guest ran on until the dump).
  const markerRow = rows.find((r) => r.text === f.truth.marker);
  assert.ok(markerRow, `${what}: marker record`);
  assert.equal(markerRow.facility, 'user', 'written to /dev/kmsg: LOG_USER');
  assert.equal(markerRow.level, LEVELS[defaultLevel(f)], 'no <N> prefix: default_message_loglevel');
  assert.equal(rows[0].text, f.truth.procVersion.trimEnd(), 'the first record is the banner /proc/version shows');
  assert.equal(rows[0].facility, 'kern');
  // Timestamps are local_clock() of the CPU that logged: in the guests'
  // real logs they step back early in boot (6.12: sched_clock moving from
  // jiffies to the TSC; 6.1: CPU 1's clock while it is brought up), never
  // after the first second; from then on they never go back.
  for (let i = 1; i < rows.length; i++) {
    assert.equal(rows[i].seq, rows[i - 1].seq + 1, `${what}: seq after ${rows[i - 1].seq}`);
    assert.ok(LEVELS.includes(rows[i].level), `level ${rows[i].level}`);
    if (rows[i].ts_nsec < rows[i - 1].ts_nsec) {
      assert.ok(rows[i - 1].ts_nsec < 1e9 && rows[i].ts_nsec < 1e9, `${what}: timestamp of seq ${rows[i].seq} goes back after boot`);
    }
  }
  const init = rows.findIndex((r) => r.text.startsWith('Run /init as init process'));
  assert.ok(init > 0);
  for (let i = init + 1; i < rows.length; i++) assert.ok(rows[i].ts_nsec >= rows[i - 1].ts_nsec, `${what}: seq ${rows[i].seq} goes back`);
  // Multi-line records: every line printed with the record's timestamp.
  const multi = rows.filter((r) => r.text.includes('\n'));
  for (const r of multi) {
    const ts = `[${r.time.padStart(12)}] `;
    const want = r.text.split('\n').map((l) => ts + l);
    const at = lines.indexOf(want[0]);
    assert.ok(at >= 0);
    assert.deepEqual(lines.slice(at, at + want.length), want);
  }
  return multi.length;
}

let multiSeen = 0;
for (const kernel of ['6.1.0', '6.12']) {
  for (const kaslr of [false, true]) {
    test(`dmesg equals the guest's log on ${kernel} ${kaslr ? 'kaslr' : 'nokaslr'}: ${kaslr ? 'kdump, ELF, ELF with vmlinux' : 'kdump, paging ELF, flattened kdump'}`, (t) => {
      const f = fixtureOrSkip(t, { kernel, kaslr });
      if (!f) return;
      // Every dump form is covered across the four fixtures (the machine is shared: no more runs than that).
      const runs: [string, string[]][] = kaslr
        ? [[f.dumps.kdump, []], [f.dumps.elf, []], [f.dumps.elf, ['--vmlinux', f.kernel.vmlinux]]]
        : [[f.dumps.kdump, []], [f.dumps.elfPaging, []], [f.dumps.kdumpFlat, []]];
      const plain = runBin('virtmem.js', ['dmesg', f.dumps.kdump]);
      assert.equal(plain.status, 0, plain.stderr);
      let first: DmesgRow[] | undefined;
      for (const [dump, extra] of runs) {
        const what = `${path.basename(dump)}${extra.length ? ' --vmlinux' : ''}`;
        const rows = jsonRows<DmesgRow>('dmesg', dump, extra);
        if (!first) { first = rows; multiSeen += checkAgainstGuest(f, plain.stdout, rows, what); }
        else assert.deepEqual(rows, first, `${what}: the same records as from the kdump`);
      }
    });
  }
}

test('some fixture log holds a multi-line record (the continuation-line check ran)', (t) => {
  if (!fixtures().length) { const why = 'no fixture (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  assert.ok(multiSeen > 0, 'no multi-line record in any fixture log');
});

test('virt-dmesg is the same command; --csv has the declared columns and one line per single-line record', (t) => {
  const f = fixtures()[0];
  if (!f) { const why = 'no fixture (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  const a = runBin('virt-dmesg.js', [f.dumps.kdump]);
  const b = runBin('virtmem.js', ['dmesg', f.dumps.kdump]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const csv = runBin('virt-dmesg.js', [f.dumps.kdump, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'SEQ,TIME,LEVEL,FACILITY,CALLER,TEXT');
  const marker = lines.find((l) => l.endsWith(',' + f.truth.marker));
  assert.ok(marker, 'the marker row');
  const [seq, time, level, facility] = marker.split(',');
  const rows = jsonRows<DmesgRow>('dmesg', f.dumps.kdump);
  const m = rows.find((r) => r.text === f.truth.marker)!;
  assert.deepEqual([Number(seq), time, level, facility], [m.seq, m.time, m.level, m.facility]);
  assert.equal(f.truth.dmesgTail.at(-1), `[${time.padStart(12)}] ${f.truth.marker}`);
});

test('a file that is not a dump: one line, exit 1', () => {
  const r = runBin('virt-dmesg.js', [path.join(repoRoot, 'package.json')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
