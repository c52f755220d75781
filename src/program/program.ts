/**
 * Program: one kernel as the object model sees it, as drgn's Program is: an
 * address space (kernel virtual memory of a dump), its symbols (run-time
 * addresses) and its types (DWARF, CTF or BTF through types/). Everything
 * above (objects, helpers, the follower, the guest commands) asks it for
 * variables, types and bytes; nothing above reads a dump itself.
 *
 * Reads are synchronous and lazy: `variable('init_task')` reads nothing; an
 * object's bytes are read when a value is asked for, and only those bytes.
 *
 * A variable's type comes from the type source and its address from the type
 * source's link-time address shifted by the KASLR offset (DWARF: one lookup,
 * no symbol table built) or else from the symbol table (run-time addresses).
 * When the type source lacks the variable (BTF carries few globals),
 * `globalType` (the kernel layer's table of globals' types) is asked.
 */
import { VirtmemError } from '../bytes/index.js';
import type { KernelContext, SymbolHit, SymbolTable } from '../kernel/index.js';
import type { MemoryMap } from '../memory/index.js';
import {
  findMember, isComposite, resolve, sizeof, type NamedKind, type PointerType, type StructType, type Type, type TypeSource,
} from '../types/index.js';
import { LookupError, ObjectError } from './errors.js';
import { Obj } from './object.js';
import { parseTypeName } from './parser.js';
import { resolveTypeName } from './ctype.js';

/** What a Program is made of (the kernel layer's KernelContext has all of these). */
export interface ProgramParts {
  /** Kernel virtual memory, 8-byte little-endian words (x86-64). */
  map: MemoryMap<8, 'little', true>;
  symbols: SymbolTable;
  types: TypeSource;
  /** Added to a type source's link-time variable addresses when symbols lack a name. */
  kaslrOffset?: bigint;
  /** The kernel release, if already known (else read from init_uts_ns on first use). */
  release?: string;
  /** Types of globals the type source lacks (BTF has only per-cpu ones). */
  globalType?: (name: string) => Type | undefined;
}

/** Limits every walk and string read starts from unless told otherwise. */
export const DEFAULT_LIMITS = {
  /** Nodes of one list, hlist, tree or xarray. */
  walk: 1 << 20,
  /** Bytes of one C string. */
  string: 1 << 16,
};

export class Program {
  readonly map: MemoryMap<8, 'little', true>;
  readonly symbols: SymbolTable;
  readonly types: TypeSource;
  readonly kaslrOffset: bigint;
  readonly wordSize = 8;
  readonly littleEndian = true;
  private readonly globalType?: (name: string) => Type | undefined;
  private releaseCache?: string;
  private readonly typeCache = new Map<string, Type>();
  private readonly varCache = new Map<string, { type: Type; address: bigint }>();
  private readonly pointerCache = new WeakMap<Type, PointerType>();

  private constructor(p: ProgramParts) {
    this.map = p.map;
    this.symbols = p.symbols;
    this.types = p.types;
    this.kaslrOffset = p.kaslrOffset ?? 0n;
    this.releaseCache = p.release;
    this.globalType = p.globalType;
  }

  /** A Program from its parts. */
  static fromParts(p: ProgramParts): Program {
    return new Program(p);
  }

  /**
   * A Program over a kernel opened by the kernel layer (openKernel): its
   * KernelTypes already answers variables with run-time addresses and types
   * the globals BTF lacks from its table, so no KASLR shift is added here.
   */
  static fromKernel(k: KernelContext): Program {
    return new Program({ map: k.map, symbols: k.symbols, types: k.types, kaslrOffset: 0n, release: k.release });
  }

  // --- identity ---------------------------------------------------------------

  /** The kernel release (`uname -r`), read from init_uts_ns on first use. */
  get release(): string {
    if (this.releaseCache === undefined) {
      try {
        this.releaseCache = this.variable('init_uts_ns').member('name.release').string();
      } catch (e) {
        if (!(e instanceof VirtmemError)) throw e;
        this.releaseCache = 'unknown kernel';
      }
    }
    return this.releaseCache;
  }

  /** "kernel 6.1.0-56-cloud-amd64 (dwarf types)": for messages. */
  describe(): string {
    return `kernel ${this.release} (${this.types.format} types)`;
  }

  // --- memory -----------------------------------------------------------------

  /** `n` bytes at `addr`; a MemoryFault naming the address if any is missing. */
  read(addr: bigint, n: number): Uint8Array {
    return this.map.getBytes(addr, n);
  }

  /** The pointer-sized word at `addr`, unsigned. */
  readWord(addr: bigint): bigint {
    return BigInt.asUintN(64, this.map.getInt64(addr));
  }

  /** The NUL-terminated string at `addr` (at most `max` bytes), as latin1. */
  readString(addr: bigint, max = DEFAULT_LIMITS.string): string {
    const out: number[] = [];
    const chunk = 64;
    for (let a = addr; out.length < max;) {
      // Read up to the end of the page so a string ending before a hole still reads.
      const pageLeft = 4096 - Number(a & 4095n);
      const n = Math.min(chunk, pageLeft, max - out.length);
      const b = this.map.getBytes(a, n);
      const z = b.indexOf(0);
      if (z >= 0) { for (let i = 0; i < z; i++) out.push(b[i]); return String.fromCharCode(...out); }
      for (const c of b) out.push(c);
      a += BigInt(n);
    }
    return String.fromCharCode(...out);
  }

  // --- symbols ----------------------------------------------------------------

  /** Run-time address of a symbol, or undefined. */
  symbolAddress(name: string): bigint | undefined {
    return this.symbols.address(name);
  }

  /**
   * The symbol an address is inside, when that is believable: within the
   * symbol's size when the table knows sizes, else within 64 KiB of it.
   */
  symbolize(addr: bigint): SymbolHit | undefined {
    const h = this.symbols.symbolize(addr);
    if (!h) return undefined;
    if (h.size !== undefined && h.size > 0n) return h.offset < h.size ? h : undefined;
    return h.offset < 0x10000n ? h : undefined;
  }

  // --- types ------------------------------------------------------------------

  /**
   * A type by its C name: `struct task_struct`, `unsigned long`, `char *`,
   * `struct list_head *[4]`, `pid_t`. A LookupError names the kernel when the
   * type source lacks it.
   */
  type(name: string): Type {
    let t = this.typeCache.get(name);
    if (!t) {
      t = resolveTypeName(this, parseTypeName(name));
      this.typeCache.set(name, t);
    }
    return t;
  }

  /** A named type of the given kind, or a LookupError naming the kernel. */
  namedType(name: string, kind: NamedKind): Type {
    const key = `${kind} ${name}`;
    let t = this.typeCache.get(key);
    if (!t) {
      t = this.types.lookup(name, kind);
      if (!t || (t.kind === 'forward' && kind !== 'typedef')) {
        throw new LookupError(`${kind === 'typedef' ? '' : kind + ' '}${name} is not in the types of ${this.describe()}`);
      }
      this.typeCache.set(key, t);
    }
    return t;
  }

  /** `struct name` (or union), resolved; a LookupError naming the kernel if missing. */
  structType(name: string): StructType {
    const t = this.namedType(name, 'struct');
    const r = resolve(t);
    if (!isComposite(r)) throw new LookupError(`struct ${name} is not a struct in ${this.describe()}`);
    return r;
  }

  /** A pointer to `t` (one object per target, so pointers compare by identity). */
  pointerTo(t: Type): PointerType {
    let p = this.pointerCache.get(t);
    if (!p) {
      p = { kind: 'pointer', target: t, size: this.wordSize, origin: { format: 'synthetic', id: 0 } };
      this.pointerCache.set(t, p);
    }
    return p;
  }

  /** Whether `struct s` has member `m` (through anonymous members): the feature test helpers use. */
  hasMember(s: string | Type, m: string): boolean {
    try {
      const t = typeof s === 'string' ? this.structType(s) : s;
      return findMember(t, m) !== undefined;
    } catch (e) {
      if (e instanceof LookupError) return false;
      throw e;
    }
  }

  /** Byte offset of a member path ("se.vruntime", "pids[1]") in a struct or union. */
  offsetof(t: Type | string, path: string): number {
    const ty = typeof t === 'string' ? this.type(t) : t;
    return Obj.offsetOfPath(this, ty, path);
  }

  // --- objects ----------------------------------------------------------------

  /** An object of type `t` at `address` (read lazily). */
  object(t: Type | string, address: bigint): Obj {
    return Obj.reference(this, typeof t === 'string' ? this.type(t) : t, address);
  }

  /** A value (not in memory) of a scalar type: an integer, enum or pointer. */
  value(t: Type | string, v: bigint | number): Obj {
    return Obj.scalar(this, typeof t === 'string' ? this.type(t) : t, BigInt(v));
  }

  /** A global variable as an object (drgn: prog['name']). */
  variable(name: string): Obj {
    const v = this.variableInfo(name);
    return Obj.reference(this, v.type, v.address);
  }

  /** Whether the kernel has a variable (symbol) of this name. */
  hasVariable(name: string): boolean {
    return this.symbols.address(name) !== undefined;
  }

  private variableInfo(name: string): { type: Type; address: bigint } {
    let v = this.varCache.get(name);
    if (v) return v;
    // The type source first: DWARF knows a defined variable's type and
    // link-time address in one lookup, without building the symbol table.
    const tv = this.types.variable(name);
    let address = tv?.address !== undefined && !tv.declaration ? BigInt.asUintN(64, tv.address + this.kaslrOffset) : undefined;
    address ??= this.symbols.address(name);
    const type = tv?.type ?? this.globalType?.(name);
    if (address === undefined) throw new LookupError(`no variable or symbol '${name}' in ${this.describe()}`);
    if (type === undefined) throw new LookupError(`no type for '${name}' (at 0x${address.toString(16)}) in ${this.describe()}`);
    v = { type, address };
    this.varCache.set(name, v);
    return v;
  }

  /** sizeof a type or type name. */
  sizeof(t: Type | string): number {
    const ty = typeof t === 'string' ? this.type(t) : t;
    try { return sizeof(ty); } catch (e) { throw new ObjectError((e as Error).message); }
  }
}
