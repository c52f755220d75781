/**
 * ifconfig and lsmod on every real-guest fixture, memory-only (kallsyms and
 * BTF from the image) and with the vmlinux, against what the guest printed in
 * the same boot: `ip addr` (busybox) and /proc/modules. Rows are compared as
 * sets (by name) with every field the guest printed, exactly. One field is
 * adjusted, not tolerated: `ip` leaves IFF_RUNNING out of the flags it
 * prints (it prints the operational state instead), so RUNNING is dropped
 * from ours before comparing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtures, fixtureOrSkip, PLAN, type Fixture } from '../helpers/fixtures.js';
import { jsonRows, runBin } from '../helpers/guest-cli.js';

interface IfRow { netns: number; name: string; mac: string; mtu: number; flags: string[]; state: string; ipv4: string[]; ipv6: string[] }
interface ModRow { name: string; size: number; users: number; holders: string[]; state: string; address: number | string; uses: string[] }

const byName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));

function checkInterfaces(f: Fixture, rows: IfRow[], what: string) {
  const want = byName(f.truth.interfaces).map((i) => ({
    name: i.name, mac: i.mac, mtu: i.mtu, flags: [...i.flags].sort(),
    ...(i.state ? { state: i.state } : {}),
    ipv4: i.ipv4.map((a) => `${a.address}/${a.prefix}`), ipv6: i.ipv6.map((a) => `${a.address}/${a.prefix}`).sort(),
  }));
  const got = byName(rows).map((r) => ({
    name: r.name, mac: r.mac, mtu: r.mtu, flags: r.flags.filter((x) => x !== 'RUNNING').sort(),
    ...(want.find((w) => w.name === r.name && 'state' in w) ? { state: r.state } : {}),
    ipv4: r.ipv4, ipv6: [...r.ipv6].sort(),
  }));
  assert.deepEqual(got, want, `${what}: interfaces`);
  assert.equal(new Set(rows.map((r) => r.netns)).size, 1, 'the guest has one network namespace');
  // The plan's addresses are among them (the fixture did what it was asked).
  for (const p of PLAN.INTERFACES) assert.ok(rows.some((r) => r.name === p.name && r.mac === p.mac), p.name);
}

function checkModules(f: Fixture, rows: ModRow[], what: string) {
  const want = byName(f.truth.modules).map((m) => ({
    name: m.name, size: m.size, users: m.refcount, holders: m.deps, state: m.state, address: m.address,
  }));
  const got = byName(rows).map((r) => ({
    name: r.name, size: r.size, users: r.users, holders: r.holders, state: r.state,
    address: typeof r.address === 'number' ? '0x' + r.address.toString(16) : r.address,
  }));
  assert.deepEqual(got, want, `${what}: modules`);
  // uses is the other direction of holders.
  for (const r of rows) for (const u of r.uses) assert.ok(rows.find((x) => x.name === u)?.holders.includes(r.name), `${r.name} uses ${u}`);
}

for (const kernel of ['6.1.0', '6.12']) {
  for (const kaslr of [false, true]) {
    const mode = kaslr ? 'kaslr' : 'nokaslr';
    test(`ifconfig equals the guest's ip addr and lsmod its /proc/modules on ${kernel} ${mode}`, (t) => {
      const f = fixtureOrSkip(t, { kernel, kaslr });
      if (!f) return;
      const runs: [string, string[]][] = kaslr
        ? [[f.dumps.kdump, []], [f.dumps.elf, ['--vmlinux', f.kernel.vmlinux]]]
        : [[f.dumps.elfPaging, []], [f.dumps.kdumpFlat, []]];
      for (const [dump, extra] of runs) {
        const what = `${dump.split('/').pop()}${extra.length ? ' --vmlinux' : ''}`;
        checkInterfaces(f, jsonRows<IfRow>('ifconfig', dump, extra), what);
        checkModules(f, jsonRows<ModRow>('lsmod', dump, extra), what);
      }
    });
  }
}

test('virt-ifconfig is the same command; the table and CSV show the declared columns', (t) => {
  const f = fixtures()[0];
  if (!f) { const why = 'no fixture (run npm run fixtures)'; process.stderr.write(`SKIP: ${why}\n`); t.skip(why); return; }
  const a = runBin('virt-ifconfig.js', [f.dumps.kdump, '--csv']);
  const b = runBin('virtmem.js', ['ifconfig', f.dumps.kdump, '--csv']);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const lines = a.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'NETNS,NAME,MAC,MTU,FLAGS,STATE,IPV4,IPV6');
  assert.equal(lines.length, 1 + f.truth.interfaces.length);
  const table = runBin('virtmem.js', ['lsmod', f.dumps.kdump]);
  assert.equal(table.status, 0, table.stderr);
  const head = table.stdout.split('\n')[0].split(/\s+/);
  assert.deepEqual(head, ['Module', 'Size', 'Used', 'by', 'State', 'Address', 'Uses']);
  for (const m of f.truth.modules) assert.match(table.stdout, new RegExp(`^${m.name}\\s+${m.size}\\s+${m.refcount}\\b`, 'm'));
});
