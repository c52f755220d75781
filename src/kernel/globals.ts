/**
 * The kernel globals that commands use, with their C types, for when the types
 * come from BTF: kernel BTF has VAR entries for per-CPU variables only, so
 * `init_task`, `init_uts_ns`, `prb`, ... have an address (from the symbols)
 * but no type. This table gives them one, written as C against the names BTF
 * (and DWARF) use, and checked against Debian's 6.1 and 6.12 DWARF by
 * test/kernel/globals.test.ts.
 *
 * Type syntax: [const|volatile] (struct|union|enum NAME | a type name, e.g.
 * "unsigned long", "u64", "atomic_long_t") then '*'s, then at most one "[N]" or
 * "[]". "[]" stands for an array whose length is a configuration value
 * (NR_CPUS, COMMAND_LINE_SIZE): the element type is what matters; program/
 * indexes it. An entry may give alternatives for kernels whose declaration
 * changed; the first whose names all resolve in the type source wins.
 * A global the kernel does not have (no symbol) is simply absent.
 *
 * To add one: put it here with the declaration from the kernel source (and
 * the kernel versions it is in when it is not everywhere); the test checks
 * every entry the Debian kernels have against their DWARF.
 */
import { TypeModelError, type Type, type TypeSource } from '../types/index.js';

export interface GlobalDecl {
  /** C type (or alternatives, first that resolves wins). */
  type: string | string[];
  /** What it is, for `virtmem info` and the program/ engineer. */
  doc: string;
}

export const KERNEL_GLOBALS: Readonly<Record<string, GlobalDecl>> = Object.freeze({
  // Tasks and namespaces
  init_task: { type: 'struct task_struct', doc: 'the idle task of CPU 0; its tasks list links every process' },
  init_pid_ns: { type: 'struct pid_namespace', doc: 'the initial PID namespace' },
  init_nsproxy: { type: 'struct nsproxy', doc: 'the initial namespaces' },
  init_cred: { type: 'struct cred', doc: 'the initial credentials' },
  init_mm: { type: 'struct mm_struct', doc: 'the kernel\'s own mm' },
  init_files: { type: 'struct files_struct', doc: 'init_task\'s open files' },
  // Identification
  init_uts_ns: { type: 'struct uts_namespace', doc: 'uname: name.sysname, .release, .version, .machine, .nodename, .domainname' },
  linux_banner: { type: 'const char[]', doc: '"Linux version ..." as /proc/version prints it' },
  saved_command_line: { type: 'char *', doc: 'the kernel command line' },
  boot_command_line: { type: 'char[]', doc: 'the command line as the boot loader passed it (COMMAND_LINE_SIZE)' },
  // Time
  jiffies: { type: 'volatile unsigned long', doc: 'ticks since boot (low word of jiffies_64)' },
  jiffies_64: { type: 'u64', doc: 'ticks since boot' },
  avenrun: { type: 'unsigned long[3]', doc: 'load averages, fixed point (FSHIFT 11)' },
  // Kernel log
  prb: { type: 'struct printk_ringbuffer *', doc: 'the printk ring buffer in use (5.10+)' },
  printk_rb_static: { type: 'struct printk_ringbuffer', doc: 'the boot-time printk ring buffer (5.10+)' },
  printk_rb_dynamic: { type: 'struct printk_ringbuffer', doc: 'the printk ring buffer allocated when log_buf_len= is given (5.10+)' },
  log_buf: { type: 'char *', doc: 'the kernel log (before 5.10: struct printk_log records)' },
  log_buf_len: { type: 'u32', doc: 'its size' },
  log_first_idx: { type: 'u32', doc: 'before 5.10: offset of the oldest record' },
  log_next_idx: { type: 'u32', doc: 'before 5.10: offset after the newest record' },
  // Modules
  modules: { type: 'struct list_head', doc: 'loaded modules, linked through struct module.list' },
  // Networking
  init_net: { type: 'struct net', doc: 'the initial network namespace (dev_base_head lists its interfaces)' },
  net_namespace_list: { type: 'struct list_head', doc: 'every network namespace, through struct net.list' },
  // CPUs and memory
  nr_cpu_ids: { type: 'unsigned int', doc: 'number of possible CPU ids' },
  __per_cpu_offset: { type: 'unsigned long[]', doc: 'per-CPU area offset of each CPU (NR_CPUS entries)' },
  __cpu_online_mask: { type: 'struct cpumask', doc: 'online CPUs' },
  __cpu_possible_mask: { type: 'struct cpumask', doc: 'possible CPUs' },
  mem_section: { type: 'struct mem_section **', doc: 'SPARSEMEM_EXTREME section roots' },
  node_data: { type: 'struct pglist_data *[]', doc: 'per-NUMA-node memory (MAX_NUMNODES entries)' },
  slab_caches: { type: 'struct list_head', doc: 'every slab cache, through struct kmem_cache.list' },
  super_blocks: { type: 'struct list_head', doc: 'mounted file systems\' super blocks, through struct super_block.s_list' },
});

export const QUALIFIERS = ['const', 'volatile'] as const;
const TAGS = new Set(['struct', 'union', 'enum']);
/** C spellings of base types -> the name GCC gives them in DWARF and BTF. */
const BASE_NAMES: Record<string, string> = {
  'unsigned long': 'long unsigned int', 'long': 'long int', 'unsigned int': 'unsigned int', 'int': 'int',
  'unsigned long long': 'long long unsigned int', 'long long': 'long long int', 'unsigned char': 'unsigned char',
  'char': 'char', 'unsigned short': 'short unsigned int', 'short': 'short int', 'bool': '_Bool', '_Bool': '_Bool',
};

/**
 * The model type of a declaration from the table, built on `types` (pointers
 * are `pointerSize` bytes). Undefined when a name in it is not in the source.
 */
export function parseDecl(decl: string, types: TypeSource, pointerSize = 8): Type | undefined {
  const m = /^\s*((?:(?:const|volatile)\s+)*)([A-Za-z_][A-Za-z0-9_ ]*?)\s*(\**)\s*(?:\[(\d*)\])?\s*$/.exec(decl);
  if (!m) throw new TypeModelError(`bad declaration in the globals table: ${JSON.stringify(decl)}`);
  const quals = m[1].trim().split(/\s+/).filter(Boolean) as ('const' | 'volatile')[];
  const words = m[2].trim().split(/\s+/);
  let base: Type | undefined;
  if (TAGS.has(words[0])) {
    if (words.length !== 2) throw new TypeModelError(`bad declaration in the globals table: ${JSON.stringify(decl)}`);
    base = types.lookup(words[1], words[0] as 'struct' | 'union' | 'enum');
  } else {
    const name = words.join(' ');
    const real = BASE_NAMES[name];
    base = real ? types.lookup(real, 'int') : types.lookup(name, 'typedef') ?? types.lookup(name);
  }
  if (!base) return undefined;
  let t: Type = base;
  for (const q of quals.reverse()) t = { kind: q, target: t, origin: { format: 'synthetic', id: 0 } };
  for (let i = 0; i < m[3].length; i++) t = { kind: 'pointer', target: t, size: pointerSize, origin: { format: 'synthetic', id: 0 } };
  if (m[4] !== undefined) t = { kind: 'array', element: t, count: m[4] === '' ? undefined : Number(m[4]), origin: { format: 'synthetic', id: 0 } };
  return t;
}

/** The first alternative of `d` that resolves in `types`. */
export function declType(d: GlobalDecl, types: TypeSource, pointerSize = 8): Type | undefined {
  for (const alt of typeof d.type === 'string' ? [d.type] : d.type) {
    const t = parseDecl(alt, types, pointerSize);
    if (t) return t;
  }
  return undefined;
}
