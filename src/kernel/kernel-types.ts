/**
 * KernelTypes: the TypeSource that program/ uses for a guest kernel. Types
 * come from the underlying source (in-memory BTF, DWARF, CTF or a BTF file)
 * unchanged; variables are answered
 *   1. from the source when it has the variable (DWARF and CTF do for every
 *      global; BTF only for per-CPU variables), else
 *   2. from the globals table (globals.ts) when the symbols know the name,
 * and in both cases `address` is the guest's RUN-TIME address: the symbol's
 * address from the kernel's symbols (kallsyms, or a link-time table already
 * shifted by the KASLR offset), else the source's link-time address plus the
 * KASLR offset. For a per-CPU variable that is its offset in the per-CPU area
 * (add __per_cpu_offset[cpu]), as /proc/kallsyms and drgn give it.
 */
import type { NamedKind, Type, TypeSource, Variable } from '../types/index.js';
import { KERNEL_GLOBALS, declType, type GlobalDecl } from './globals.js';
import type { SymbolTable } from './symbols.js';

export interface KernelTypesOptions {
  /** Added to a link-time address from the source when the symbols lack the name. */
  kaslrOffset?: bigint;
  /** Only link-time addresses at or above this are shifted (per-CPU offsets are not); default 0. */
  shiftFrom?: bigint;
  /** The globals table (default KERNEL_GLOBALS). */
  globals?: Readonly<Record<string, GlobalDecl>>;
  pointerSize?: number;
}

export class KernelTypes implements TypeSource {
  readonly format: string;
  private readonly cache = new Map<string, Variable | null>();
  private readonly globals: Readonly<Record<string, GlobalDecl>>;

  constructor(readonly inner: TypeSource, readonly symbols: SymbolTable, private readonly opts: KernelTypesOptions = {}) {
    this.format = inner.format;
    this.globals = opts.globals ?? KERNEL_GLOBALS;
  }

  lookup(name: string, kind?: NamedKind): Type | undefined {
    return this.inner.lookup(name, kind);
  }

  types(): Iterable<Type> {
    return this.inner.types();
  }

  /** A variable with its run-time address (see the header), or undefined. */
  variable(name: string): Variable | undefined {
    const c = this.cache.get(name);
    if (c !== undefined) return c ?? undefined;
    const v = this.find(name);
    this.cache.set(name, v ?? null);
    return v;
  }

  /** Where variable(name) would get its type: 'source', 'table', or undefined. */
  typeOrigin(name: string): 'source' | 'table' | undefined {
    const v = this.variable(name);
    if (!v) return undefined;
    return v.origin?.format === 'synthetic' ? 'table' : 'source';
  }

  /** The table's names (whether or not this kernel has them). */
  tableNames(): string[] {
    return Object.keys(this.globals);
  }

  private find(name: string): Variable | undefined {
    const addr = this.symbols.address(name);
    const v = this.inner.variable(name);
    if (v) {
      const out: Variable = { ...v };
      if (addr !== undefined) out.address = addr;
      else if (v.address !== undefined && v.address >= (this.opts.shiftFrom ?? 0n)) out.address = BigInt.asUintN(64, v.address + (this.opts.kaslrOffset ?? 0n));
      return out;
    }
    const d = Object.hasOwn(this.globals, name) ? this.globals[name] : undefined;
    if (!d || addr === undefined) return undefined;
    const type = declType(d, this.inner, this.opts.pointerSize ?? 8);
    if (!type) return undefined;
    return { name, type, address: addr, origin: { format: 'synthetic', id: 0 } };
  }
}
