/**
 * The virtmem command line: one subcommand per area, each in its own module
 * under cli/ (cli/elf.ts, ...). Bad input prints one line and exits 1; only an
 * internal bug prints more, and only with VIRTMEM_DEBUG=1.
 */
import { VirtmemError } from '../bytes/index.js';

/** Wraps a guest tool (commands/) in the shared runner of cli/guest.ts. */
async function guestRunner() { return (await import('./guest.js')).guestSubcommand; }
const guest = async (c: import('../commands/index.js').GuestCommand): Promise<Subcommand> => (await guestRunner())(c);

export interface Subcommand {
  name: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Subcommands, loaded lazily so `virtmem ps` does not load the CTF writer. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  // name: { summary, load: async () => (await import('./name.js')).command },
  ctf: { summary: 'CTF dicts and archives: dump as C or raw; write CTF from DWARF', load: async () => (await import('./ctf.js')).command },
  btf: { summary: 'BTF of a kernel or module: dump as C, raw or JSON', load: async () => (await import('./btf.js')).command },
  elf: { summary: 'show an ELF file (readelf -h -l -S -s -n) or edit its sections (objcopy)', load: async () => (await import('./elf.js')).command },
  follow: { summary: 'load every kernel structure reachable from a root (seed 000 follower): counts and bytes per type', load: async () => (await import('./follow.js')).command },
  mem: { summary: 'guest memory in a dump: info, read, find, string, save', load: async () => (await import('./mem.js')).command },
  dwarf2ctf: { summary: 'CTF for a whole kernel: shared, vmlinux and per-module dicts from DWARF', load: async () => (await import('./dwarf2ctf.js')).command },
  print: { summary: 'evaluate a C expression over kernel variables and types (as drgn), print it as C', load: async () => (await import('./print.js')).command },
  info: { summary: 'which kernel a dump holds: release, KASLR, page tables, where symbols and types come from', load: async () => (await import('./info.js')).command },
  uname: { summary: 'the guest kernel\'s utsname (virt-uname)', load: async () => guest((await import('../commands/uname.js')).uname) },
  dmesg: { summary: 'the guest kernel\'s log (virt-dmesg)', load: async () => guest((await import('../commands/dmesg.js')).dmesg) },
  ifconfig: { summary: 'the guest\'s network interfaces and addresses (virt-ifconfig)', load: async () => guest((await import('../commands/ifconfig.js')).ifconfig) },
  lsmod: { summary: 'the guest\'s loaded modules, as /proc/modules', load: async () => guest((await import('../commands/lsmod.js')).lsmod) },
  ps: { summary: 'the guest\'s processes: pid, ppid, ids, state, threads, RSS, start, argv (virt-ps)', load: async () => guest((await import('../commands/ps.js')).ps) },
  pstree: { summary: 'the guest\'s processes as a tree (virt-pstree)', load: async () => guest((await import('../commands/pstree.js')).pstree) },
  types: { summary: 'C types from DWARF: declarations, pahole-style layouts, JSON', load: async () => (await import('./types.js')).command },
  addr2line: { summary: 'address -> function+offset and file:line, from a profile or a vmlinux', load: async () => (await import('./addr2line.js')).command },
  profile: { summary: 'kernel profiles (symbols, lines, CTF in one ELF): build, strip, info, list, add, rm, fetch', load: async () => (await import('./profile.js')).command },
  sym: { summary: 'run-time address in a dump -> function+offset and file:line, through the kernel\'s profile', load: async () => (await import('./sym.js')).command },
};

function help(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((n) => n.length));
  return [
    'usage: virtmem COMMAND [ARGS...]   (virtmem COMMAND --help for details)',
    '',
    ...names.map((n) => `  ${n.padEnd(w)}  ${COMMANDS[n].summary}`),
    '',
  ].join('\n');
}

/** Report an error as one line; returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof VirtmemError) {
    process.stderr.write(`virtmem: ${e.message}\n`);
    return 1;
  }
  const err = e as Error;
  if ((err as NodeJS.ErrnoException)?.code === 'EPIPE') return 0;
  if (process.env.VIRTMEM_DEBUG) process.stderr.write(`${err?.stack ?? String(e)}\n`);
  else process.stderr.write(`virtmem: internal error: ${err?.message ?? String(e)} (VIRTMEM_DEBUG=1 shows where)\n`);
  return 2;
}

export async function main(argv: string[], commandName?: string): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  const [name, ...rest] = commandName ? [commandName, ...argv] : argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 1;
  }
  if (name === '--version') {
    process.stdout.write('virtmem 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`virtmem: unknown command '${name}'\n${help()}`);
    return 1;
  }
  try {
    const cmd = await entry.load();
    return await cmd.run(rest);
  } catch (e) {
    return reportError(e);
  }
}
