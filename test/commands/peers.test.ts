/**
 * dmesg, ifconfig and lsmod against the peers on the same dumps:
 *
 * - drgn 0.0.22 (it reads only QEMU's paging ELF, elf-paging.core): its own
 *   printk helper (get_printk_records: seq, timestamp, level, facility,
 *   caller, text) for every record, and a short script for the devices
 *   (for_each_net, dev_base_head, the in_device ifa_list chain, dev_addr,
 *   mtu, operstate) and the modules (refcnt, source_list holders, state).
 *   drgn leaves out records without text (empty lines); ours keep them with
 *   empty text, as the kernel's dmesg does, so only those may be extra.
 * - crash 8.0.2: `log -m` (level of every line), `net` (names and IPv4
 *   addresses), `mod` (names and base addresses) on the 6.1 kdump. crash
 *   from Debian 12 cannot open the 6.12 kernels; that is checked and noted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureOrSkip } from '../helpers/fixtures.js';
import { drgnOrSkip, runDrgn } from '../helpers/drgn.js';
import { jsonRows, runBin } from '../helpers/guest-cli.js';

const JUDGE = `
import json
from drgn import cast
from drgn.helpers.linux.printk import get_printk_records
from drgn.helpers.linux.list import list_for_each_entry
from drgn.helpers.linux.net import for_each_net
out = {"dmesg": [], "net": [], "mods": []}
for r in get_printk_records(prog):
    out["dmesg"].append([r.seq, r.timestamp, r.level, r.facility, r.caller_tid, r.caller_cpu, r.text.decode("utf-8", "replace")])
for net in for_each_net(prog):
    for dev in list_for_each_entry("struct net_device", net.dev_base_head.address_of_(), "dev_list"):
        v4 = []
        ind = cast("struct in_device *", dev.ip_ptr)
        if ind:
            ifa = ind.ifa_list
            while ifa:
                v4.append("%s/%d" % (".".join(str(b) for b in prog.read(ifa.ifa_local.address_, 4)), ifa.ifa_prefixlen.value_()))
                ifa = ifa.ifa_next
        n = dev.addr_len.value_()
        mac = ":".join("%02x" % b for b in prog.read(dev.dev_addr.value_(), n)) if n else ""
        out["net"].append([dev.name.string_().decode(), mac, dev.mtu.value_(), dev.operstate.value_(), v4])
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    holders = [u.source.name.string_().decode() for u in list_for_each_entry("struct module_use", m.source_list.address_of_(), "source_list")]
    out["mods"].append([m.name.string_().decode(), m.refcnt.counter.value_() - 1, holders, m.state.value_()])
print(json.dumps(out))
`;

const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
const FACILITIES = ['kern', 'user'];
const OPER = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const STATES = ['Live', 'Loading', 'Unloading'];

type Row = Record<string, any>;

for (const kernel of ['6.1.0', '6.12']) {
  for (const kaslr of [false, true]) {
    test(`dmesg, ifconfig, lsmod equal drgn's on ${kernel} ${kaslr ? 'kaslr' : 'nokaslr'} elf-paging.core`, (t) => {
      const f = fixtureOrSkip(t, { kernel, kaslr });
      if (!f || !drgnOrSkip(t)) return;
      const judge = JSON.parse(runDrgn(f, JUDGE).join('\n')) as { dmesg: any[][]; net: any[][]; mods: any[][] };
      const dmesg = jsonRows('dmesg', f.dumps.elfPaging) as Row[];
      const theirs = judge.dmesg.map(([seq, ts, level, fac, tid, cpu, text]) => ({
        seq, ts_nsec: ts, level: LEVELS[level], facility: FACILITIES[fac] ?? String(fac), caller: tid !== null ? `T${tid}` : cpu !== null ? `C${cpu}` : null, text,
      }));
      const ours = dmesg.map((r) => ({ seq: r.seq, ts_nsec: r.ts_nsec, level: r.level, facility: r.facility, caller: r.caller, text: r.text }));
      const theirSeqs = new Set(theirs.map((r) => r.seq));
      const extra = ours.filter((r) => !theirSeqs.has(r.seq));
      assert.ok(extra.every((r) => r.text === ''), `records drgn lacks that have text: ${JSON.stringify(extra.slice(0, 3))}`);
      assert.deepEqual(ours.filter((r) => theirSeqs.has(r.seq)), theirs, 'every record drgn reads');
      assert.ok(theirs.length > 300);

      const net = jsonRows('ifconfig', f.dumps.elfPaging) as Row[];
      assert.deepEqual(net.map((r) => [r.name, r.mac, r.mtu, r.state, r.ipv4]),
        judge.net.map(([name, mac, mtu, oper, v4]) => [name, mac, mtu, OPER[oper], v4]), 'devices');
      const mods = jsonRows('lsmod', f.dumps.elfPaging) as Row[];
      assert.deepEqual(mods.map((r) => [r.name, r.users, r.holders.filter((h: string) => h !== '[permanent]'), r.state]),
        judge.mods.map(([name, users, holders, state]) => [name, users, holders, STATES[state]]), 'modules');
    });
  }
}

function runCrash(vmlinux: string, dump: string, cmds: string[]): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtmem-crash-'));
  try {
    const input = path.join(dir, 'cmds');
    fs.writeFileSync(input, [...cmds, 'quit', ''].join('\n'));
    const r = spawnSync('crash', ['-s', vmlinux, dump, '-i', input], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: r.status, out: (r.stdout ?? '') + (r.stderr ?? '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function crashOrSkip(t: import('node:test').TestContext): boolean {
  if (spawnSync('crash', ['--version']).status === 0) return true;
  const why = 'crash is not installed (scripts/setup.sh)';
  process.stderr.write(`SKIP: ${why}\n`);
  t.skip(why);
  return false;
}

test('crash 8.0.2 on the 6.1 kdump: log levels and text, net names and IPv4, mod names and bases equal ours', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.1.0', kaslr: true });
  if (!f || !crashOrSkip(t)) return;
  const { out } = runCrash(f.kernel.vmlinux, f.dumps.kdump, ['log -m', 'net', 'mod']);
  // log -m: "[    1.234567] <6>text"; the further lines of a multi-line record
  // follow without the prefix, so the first line of each record is compared.
  const logLines = out.split('\n').filter((l) => /^\[\s*\d+\.\d{6}\] <\d>/.test(l));
  const plain = runBin('virtmem.js', ['dmesg', f.dumps.kdump]);
  assert.equal(plain.status, 0, plain.stderr);
  const dmesg = jsonRows('dmesg', f.dumps.kdump) as Row[];
  const want: string[] = [];
  for (const r of dmesg) want.push(`[${r.time.padStart(12)}] <${LEVELS.indexOf(r.level)}>${String(r.text).split('\n')[0]}`);
  assert.deepEqual(logLines.map((l) => l.trimEnd()), want.map((l) => l.trimEnd()), 'crash log -m');

  const netAt = out.indexOf('NET_DEVICE');
  const netLines = out.slice(netAt).split('\n').slice(1).filter((l) => /^[0-9a-f]{16}\s/.test(l)).slice(0, f.truth.interfaces.length);
  const ifs = jsonRows('ifconfig', f.dumps.kdump) as Row[];
  assert.deepEqual(netLines.map((l) => { const [, name, ...ips] = l.trim().split(/\s+/); return [name, ips.join(' ').split(/,\s*/).filter(Boolean)]; }),
    ifs.map((r) => [r.name, r.ipv4.map((a: string) => a.split('/')[0])]), 'crash net');

  const modAt = out.indexOf('MODULE ');
  const modLines = out.slice(modAt).split('\n').slice(1).filter((l) => /^[0-9a-f]{16}\s/.test(l));
  const mods = jsonRows('lsmod', f.dumps.kdump) as Row[];
  const crashMods = new Map(modLines.map((l) => { const [, name, base] = l.trim().split(/\s+/); return [name, BigInt('0x' + base)]; }));
  // crash lists every module of the list (we drop none here: all are Live).
  assert.equal(crashMods.size, mods.length);
  for (const m of mods) assert.equal(crashMods.get(m.name), BigInt(m.address), `base of ${m.name}`);
});

test('crash 8.0.2 cannot open the 6.12 kernels (noted; ours read them)', (t) => {
  const f = fixtureOrSkip(t, { kernel: '6.12', kaslr: false });
  if (!f || !crashOrSkip(t)) return;
  const { status, out } = runCrash(f.kernel.vmlinux, f.dumps.kdump, ['log -m']);
  const worked = /virtmem-marker-/.test(out);
  t.diagnostic(`crash on 6.12: exit ${status}, ${worked ? 'read the log' : 'failed: ' + out.trim().split('\n').slice(-2).join(' / ')}`);
  if (worked) process.stderr.write('NOTE: this crash opens 6.12 kernels now; extend the crash comparison to them\n');
  assert.equal(runBin('virtmem.js', ['dmesg', f.dumps.kdump]).status, 0);
});
