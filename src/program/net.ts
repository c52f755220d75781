/**
 * Network namespaces, devices and their addresses (include/linux/netdevice.h,
 * include/linux/inetdevice.h, include/net/if_inet6.h), for ifconfig; names as
 * in the kernel and drgn's drgn.helpers.linux.net:
 *
 *   forEachNet(prog)          every struct net * (net_namespace_list; init_net alone if absent)
 *   forEachNetdev(net)        for_each_netdev: each struct net_device * of net->dev_base_head
 *   netdevGetFlags(dev)       dev_get_flags(): the IFF_* word `ip link` shows
 *   netdevOperState(dev)      RFC 2863 operational state name (dev->operstate)
 *   netdevHwAddr(dev)         dev->dev_addr, addr_len bytes, "aa:bb:..."
 *   inetAddresses(dev)        IPv4: dev->ip_ptr (struct in_device) ifa_list chain
 *   inet6Addresses(dev)       IPv6: dev->ip6_ptr (struct inet6_dev) addr_list
 *
 * Layout notes: in_device.ifa_list and in_ifaddr.ifa_next have been plain
 * pointer chains since the start; 5.3 ("net: ipv4: provide __rcu annotation
 * for ifa_list", commit 2638eb8b50cf) only annotated them __rcu, which leaves
 * the layout alone, so one reader serves both. IPv6 addresses are linked
 * through inet6_ifaddr.if_list. Every walk is bounded (walk.ts); an
 * unreadable device or address chain throws a WalkError after the good part.
 */
import { listForEachEntry, type ListWalkOptions } from './list.js';
import type { Obj } from './object.js';
import type { Program } from './program.js';
import { WalkGuard, type WalkOptions } from './walk.js';
import { resolve } from '../types/index.js';

/** IFF_* (include/uapi/linux/if.h), in the order `ip link` prints them. */
export const IFF: Readonly<Record<string, number>> = Object.freeze({
  LOOPBACK: 0x8, BROADCAST: 0x2, POINTOPOINT: 0x10, MULTICAST: 0x1000, NOARP: 0x80, ALLMULTI: 0x200, PROMISC: 0x100,
  MASTER: 0x400, SLAVE: 0x800, DEBUG: 0x4, DYNAMIC: 0x8000, AUTOMEDIA: 0x4000, PORTSEL: 0x2000, NOTRAILERS: 0x20,
  UP: 0x1, RUNNING: 0x40, LOWER_UP: 0x10000, DORMANT: 0x20000, ECHO: 0x40000,
});

/** IF_OPER_* (include/uapi/linux/if.h, RFC 2863), by value. */
export const IF_OPER = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;

/** enum netdev_state_t bits, used when the types lack the enum. */
const LINK_STATE_DEFAULT = { __LINK_STATE_START: 0, __LINK_STATE_NOCARRIER: 2, __LINK_STATE_DORMANT: 4 };

/** Every network namespace: net_namespace_list through struct net.list, or init_net alone. */
export function* forEachNet(prog: Program, opts: ListWalkOptions = {}): Generator<Obj> {
  if (!prog.hasVariable('net_namespace_list')) {
    yield prog.variable('init_net').addressOf();
    return;
  }
  yield* listForEachEntry('struct net', prog.variable('net_namespace_list'), 'list', opts);
}

/** for_each_netdev: the devices of a namespace (a struct net or a pointer to one). */
export function forEachNetdev(net: Obj, opts: ListWalkOptions = {}): Generator<Obj> {
  return listForEachEntry('struct net_device', net.member('dev_base_head'), 'dev_list', opts);
}

/** The namespace's inode number (as /proc/PID/ns/net shows it), or undefined if the kernel has none. */
export function netInum(net: Obj): number | undefined {
  return net.hasMember('ns') ? net.member('ns.inum').toNumber() : undefined;
}

function linkStateBits(prog: Program): typeof LINK_STATE_DEFAULT {
  try {
    const e = resolve(prog.namedType('netdev_state_t', 'enum'));
    if (e.kind !== 'enum') return LINK_STATE_DEFAULT;
    const v = (n: keyof typeof LINK_STATE_DEFAULT) => Number(e.values.find((x) => x.name === n)?.value ?? LINK_STATE_DEFAULT[n]);
    return { __LINK_STATE_START: v('__LINK_STATE_START'), __LINK_STATE_NOCARRIER: v('__LINK_STATE_NOCARRIER'), __LINK_STATE_DORMANT: v('__LINK_STATE_DORMANT') };
  } catch {
    return LINK_STATE_DEFAULT;
  }
}

/**
 * dev_get_flags(): dev->flags without the volatile bits, plus PROMISC and
 * ALLMULTI from gflags, plus RUNNING / LOWER_UP / DORMANT from the link state
 * when the device is running (netif_running, netif_oper_up, netif_carrier_ok,
 * netif_dormant).
 */
export function netdevGetFlags(dev: Obj): number {
  const volatile = IFF.PROMISC | IFF.ALLMULTI | IFF.RUNNING | IFF.LOWER_UP | IFF.DORMANT;
  let flags = (dev.member('flags').toNumber() & ~volatile) | (dev.member('gflags').toNumber() & (IFF.PROMISC | IFF.ALLMULTI));
  const bits = linkStateBits(dev.prog);
  const state = dev.member('state').int();
  const bit = (b: number) => ((state >> BigInt(b)) & 1n) === 1n;
  if (bit(bits.__LINK_STATE_START)) {
    const oper = dev.member('operstate').toNumber();
    if (oper === 6 /* UP */ || oper === 0 /* UNKNOWN */) flags |= IFF.RUNNING;
    if (!bit(bits.__LINK_STATE_NOCARRIER)) flags |= IFF.LOWER_UP;
    if (bit(bits.__LINK_STATE_DORMANT)) flags |= IFF.DORMANT;
  }
  return flags >>> 0;
}

/** IFF_* names of a flags word, in `ip link` order (unknown bits as hex). */
export function iffNames(flags: number): string[] {
  const out: string[] = [];
  let rest = flags;
  for (const [name, bit] of Object.entries(IFF)) if (flags & bit) { out.push(name); rest &= ~bit; }
  if (rest) out.push('0x' + (rest >>> 0).toString(16));
  return out;
}

/** dev->operstate as `ip link` names it ("UP", "UNKNOWN", ...). */
export function netdevOperState(dev: Obj): string {
  const v = dev.member('operstate').toNumber();
  return IF_OPER[v] ?? String(v);
}

/** The hardware address (dev->dev_addr, addr_len bytes) as lower-case colon hex. */
export function netdevHwAddr(dev: Obj): string {
  const n = Math.min(dev.member('addr_len').toNumber(), 32 /* MAX_ADDR_LEN */);
  const p = dev.member('dev_addr');
  if (n === 0) return '';
  const bytes = resolve(p.type).kind === 'array' ? p.bytes().subarray(0, n) : dev.prog.read(p.pointerValue(), n);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export interface InetAddress {
  /** Dotted quad (ifa_local, the address `ip addr` shows). */
  address: string;
  prefix: number;
  /** ifa_label ("eth0", "eth0:1"). */
  label: string;
}

/** The IPv4 addresses of a device, in the kernel's order (primary first). */
export function* inetAddresses(dev: Obj, opts: WalkOptions = {}): Generator<InetAddress> {
  const p = dev.member('ip_ptr').pointerValue();
  if (p === 0n) return;
  const prog = dev.prog;
  // By name: in a DWARF unit the pointer's target may be a declaration only.
  const ind = prog.object('struct in_device', p);
  let ifa = prog.value('struct in_ifaddr *', ind.member('ifa_list').pointerValue());
  const g = new WalkGuard(`ifa_list of in_device 0x${p.toString(16)}`, opts);
  while (!ifa.isNull()) {
    const at = ifa.pointerValue();
    g.visit(at);
    const a = g.read(at, () => ifa.deref().read());
    g.count++;
    const b = a.member('ifa_local').bytes(); // __be32: network order in memory
    yield { address: [...b].join('.'), prefix: a.member('ifa_prefixlen').toNumber(), label: a.member('ifa_label').string() };
    ifa = prog.value(ifa.type, a.member('ifa_next').pointerValue());
  }
}

export interface Inet6Address {
  /** RFC 5952 text form. */
  address: string;
  prefix: number;
}

/** The IPv6 addresses of a device (inet6_dev.addr_list). */
export function* inet6Addresses(dev: Obj, opts: ListWalkOptions = {}): Generator<Inet6Address> {
  if (!dev.hasMember('ip6_ptr')) return; // a kernel without IPv6
  const p = dev.member('ip6_ptr').pointerValue();
  if (p === 0n) return;
  const idev = dev.prog.object('struct inet6_dev', p);
  for (const ifa of listForEachEntry('struct inet6_ifaddr', idev.member('addr_list'), 'if_list', opts)) {
    const a = ifa.deref().read();
    yield { address: formatIpv6(a.member('addr').bytes()), prefix: a.member('prefix_len').toNumber() };
  }
}

/** RFC 5952: lower-case groups without leading zeros, the longest run of two or more zero groups as "::". */
export function formatIpv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hexs = g.map((x) => x.toString(16));
  // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as inet_ntop prints it.
  if (best === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  if (best < 0) return hexs.join(':');
  return hexs.slice(0, best).join(':') + '::' + hexs.slice(best + bestLen).join(':');
}
