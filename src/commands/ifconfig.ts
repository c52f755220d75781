/**
 * ifconfig: the guest's network interfaces (virt-ifconfig). One row per
 * device of every network namespace: name, MAC, MTU, flags (as `ip link`
 * shows them: dev_get_flags), operational state, IPv4 addresses with prefix
 * and IPv6 addresses with prefix. A device whose fields cannot be read keeps
 * its row with unreadable cells; a device list that breaks partway keeps the
 * devices before the break (program/net.ts).
 */
import {
  collect, forEachNet, forEachNetdev, inet6Addresses, inetAddresses, iffNames, netdevGetFlags, netdevHwAddr, netdevOperState,
  netInum, type Program,
} from '../program/index.js';
import { readCell, type GuestCommand, type RowSink } from './command.js';
import type { Column, Row } from './table.js';

const COLUMNS: Column[] = [
  { key: 'netns', title: 'NETNS', right: true },
  { key: 'name', title: 'NAME' },
  { key: 'mac', title: 'MAC' },
  { key: 'mtu', title: 'MTU', right: true },
  { key: 'flags', title: 'FLAGS' },
  { key: 'state', title: 'STATE' },
  { key: 'ipv4', title: 'IPV4' },
  { key: 'ipv6', title: 'IPV6' },
];

function* rows(prog: Program, _opts: unknown, sink: RowSink): Iterable<Row> {
  for (const net of forEachNet(prog)) {
    const netns = readCell(() => netInum(net) ?? null);
    const devs = collect(forEachNetdev(net));
    for (const dev of devs.items) {
      const addrs = <T>(walk: () => Iterable<T>, fmt: (a: T) => string) => readCell(() => {
        const r = collect(walk());
        if (r.error) throw r.error;
        return r.items.map(fmt);
      });
      yield {
        netns,
        name: readCell(() => dev.member('name').string()),
        mac: readCell(() => netdevHwAddr(dev)),
        mtu: readCell(() => dev.member('mtu').toNumber()),
        flags: readCell(() => iffNames(netdevGetFlags(dev))),
        state: readCell(() => netdevOperState(dev)),
        ipv4: addrs(() => inetAddresses(dev), (a) => `${a.address}/${a.prefix}`),
        ipv6: addrs(() => inet6Addresses(dev), (a) => `${a.address}/${a.prefix}`),
      };
    }
    if (devs.error) sink.problem(`devices of network namespace ${netns}: ${devs.error.message}`);
  }
}

export const ifconfig: GuestCommand = {
  name: 'ifconfig',
  summary: 'network interfaces: name, MAC, MTU, flags, state, IPv4 and IPv6 addresses',
  aliases: ['virt-ifconfig'],
  help: 'Every device of every network namespace (netns: its inode number), with the flags `ip link` prints (dev_get_flags).',
  columns: () => COLUMNS,
  rows,
};
