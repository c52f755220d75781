/**
 * C declarations from the type model.
 *
 * Three levels:
 * - `declarator(t, name)`: how C spells "name has type t", inside out
 *   (`int (*handlers[4])(void *, ...)`, `char *const p`).
 * - `definition(t)`: one struct/union/enum/typedef as C, with anonymous
 *   members printed inline.
 * - `printC(roots)`: the roots and everything they need, in an order gcc
 *   accepts: forward declarations first, then each definition after the
 *   definitions it uses by value (a pointer needs only a declaration).
 *
 * Layout fidelity: C alone does not always reproduce a layout (packed
 * structs, members placed by __aligned, bitfield gaps). Before printing a
 * struct we simulate how gcc lays the members out as printed; where the
 * simulation falls short of the recorded offset we insert unnamed bitfields
 * (`long :64;`), which take room without aligning the struct; where it would
 * overshoot we mark the struct packed and pad explicitly. So the printed C,
 * compiled again, has the recorded offsets and sizes.
 */
import { MAX_TYPE_DEPTH, TypeModelError, describe } from './helpers.js';
import { isComposite, type EnumType, type FunctionType, type Member, type StructType, type Type } from './model.js';

export interface PrintOptions {
  /** Alignment cap for scalars of the target ABI (16 on x86-64, 4 on i386). */
  maxScalarAlign?: number;
  /** Indentation unit (default a tab). */
  indent?: string;
  /** Insert unnamed padding and packed attributes so the layout survives recompiling (default true). */
  faithfulLayout?: boolean;
  /**
   * Print for one translation unit (printC does): a struct, union or enum
   * whose tag another kind already uses gets a `___2` suffix, an enumerator
   * printed before gets one too (bpftool's convention), so gcc accepts the
   * whole file. Off, every type is printed under its own name.
   */
  oneUnit?: boolean;
}

/** C spelling of a base type name: DWARF says "complex float", C says "_Complex float". */
function baseName(name: string): string {
  return name.startsWith('complex ') ? '_Complex ' + name.slice(8) : name;
}

const QUAL_WORD = { const: 'const', volatile: 'volatile', restrict: 'restrict', atomic: '_Atomic' } as const;

/**
 * "name has type t" in C: `declarator(ptr(int), 'p')` is `int *p`.
 * `body` prints an anonymous struct/union/enum inline (used by definition()).
 */
export function declarator(t: Type, name = '', body?: (t: Type) => string, tag: TagNamer = plainTag): string {
  return decl(t, name, { body, tag, steps: 0 }, 0);
}

/** How a struct, union, enum or forward is spelled (`struct foo`); printC renames clashing tags. */
export type TagNamer = (kind: 'struct' | 'union' | 'enum', name: string) => string;
const plainTag: TagNamer = (kind, name) => `${kind} ${name}`;

interface DeclContext {
  body: ((t: Type) => string) | undefined;
  tag: TagNamer;
  steps: number;
}

/**
 * Most types one declarator may visit. A type graph from a corrupt file can
 * share function types among parameters level after level, so the printed
 * text would double per level; real declarators visit a few dozen.
 */
export const MAX_DECLARATOR_STEPS = 1 << 14;

function decl(t: Type, inner: string, cx: DeclContext, depth: number): string {
  if (depth > MAX_TYPE_DEPTH) throw new TypeModelError(`declarator nested deeper than ${MAX_TYPE_DEPTH} (a cycle?)`);
  if (++cx.steps > MAX_DECLARATOR_STEPS) throw new TypeModelError(`declarator of more than ${MAX_DECLARATOR_STEPS} types (shared function types?)`);
  const named = (s: string) => (inner ? `${s} ${inner}` : s);
  switch (t.kind) {
    case 'void': return named('void');
    case 'int': case 'float': return named(baseName(t.name));
    case 'typedef': return named(t.name);
    case 'forward': return named(cx.tag(t.of, t.name));
    case 'struct': case 'union': case 'enum':
      if (t.name !== undefined) return named(cx.tag(t.kind, t.name));
      return named(cx.body ? cx.body(t) : `${t.kind} /* anonymous */`);
    case 'pointer': {
      const tk = t.target.kind;
      const s = `*${inner}`;
      return decl(t.target, tk === 'array' || tk === 'function' ? `(${s})` : s, cx, depth + 1);
    }
    case 'array':
      return decl(t.element, `${inner}[${t.count ?? ''}]`, cx, depth + 1);
    case 'function':
      return decl(t.returns, `${inner}(${params(t, cx, depth)})`, cx, depth + 1);
    case 'const': case 'volatile': case 'restrict': case 'atomic': {
      const w = QUAL_WORD[t.kind];
      const target = t.target;
      if (target.kind === 'pointer') return decl(target, inner ? `${w} ${inner}` : w, cx, depth + 1);
      if (target.kind === 'array') {
        // C has no qualified arrays: the qualifier belongs to the elements.
        return decl({ kind: 'array', element: { kind: t.kind, target: target.element }, count: target.count }, inner, cx, depth + 1);
      }
      if (target.kind === 'function') return decl(target, inner, cx, depth + 1);
      return `${w} ${decl(target, inner, cx, depth + 1)}`;
    }
  }
}

function params(f: FunctionType, cx: DeclContext, depth: number): string {
  if (!f.prototyped) return '';
  const ps = f.params.map((p) => decl(p.type, p.name ?? '', cx, depth + 1));
  if (f.varargs) ps.push('...');
  return ps.length ? ps.join(', ') : 'void';
}

// ---------------------------------------------------------------- layout plan

/** One line of a struct body as printed: a member, or unnamed padding bits. */
type Item = { member: Member } | { padBits: number; atBit: number } | { padBytes: number; atBit: number };

interface Plan {
  items: Item[];
  /** Why the layout is printed as recorded rather than reproduced (a comment in the body). */
  note?: string;
  packed: boolean;
  /** Alignment gcc will give the type as printed. */
  align: number;
}

/**
 * Largest struct or member extent (bytes) the planner reproduces. A real type
 * is far smaller; a corrupt size field (0xffffffff, or a huge array count
 * times a huge element) is printed as recorded, with a note.
 */
export const MAX_LAYOUT_BYTES = 2 ** 40;

class Planner {
  private readonly plans = new Map<StructType, Plan>();
  private nesting = 0;
  constructor(readonly maxScalarAlign: number, readonly faithful: boolean) {}

  /** Alignment of `t` as gcc will see it once printed. */
  align(t: Type, depth = 0): number {
    if (depth > MAX_TYPE_DEPTH) throw new TypeModelError('type nested too deep (a cycle?)');
    switch (t.kind) {
      case 'int': case 'float': case 'pointer': case 'enum': {
        let p = 1;
        const unit = t.kind === 'float' && t.complex ? t.size / 2 : t.size; // _Complex aligns as its parts
        while (p * 2 <= unit) p *= 2;
        return Math.min(p, this.maxScalarAlign);
      }
      case 'array': return this.align(t.element, depth + 1);
      case 'typedef': case 'const': case 'volatile': case 'restrict': case 'atomic': return this.align(t.target, depth + 1);
      case 'struct': case 'union': return this.plan(t).align;
      default: return 1;
    }
  }

  plan(s: StructType): Plan {
    let p = this.plans.get(s);
    if (p) return p;
    if (this.nesting > MAX_TYPE_DEPTH) throw new TypeModelError(`${describe(s)}: structs nested by value deeper than ${MAX_TYPE_DEPTH}`);
    this.nesting++;
    try {
      // A placeholder stops recursion through (invalid) by-value cycles.
      this.plans.set(s, { items: s.members.map((member) => ({ member })), packed: false, align: 1 });
      const plain = (): Plan => ({ items: s.members.map((member) => ({ member })), packed: false, align: this.naturalAlign(s, false) });
      if (this.faithful && !this.plausible(s)) {
        p = { ...plain(), note: `virtmem: ${describe(s)} extends past ${MAX_LAYOUT_BYTES} bytes (size ${s.size}): layout printed as recorded, not reproduced` };
      } else {
        // Members out of order or overlapping cannot be laid out faithfully: print them as they are.
        p = this.faithful ? (this.tryPlan(s, false) ?? this.tryPlan(s, true) ?? plain()) : plain();
      }
      this.plans.set(s, p);
      return p;
    } finally {
      this.nesting--;
    }
  }

  /** Size and member extents within MAX_LAYOUT_BYTES (see there). */
  private plausible(s: StructType): boolean {
    if (!(s.size <= MAX_LAYOUT_BYTES)) return false;
    for (const m of s.members) {
      const end = m.bitOffset / 8 + (m.bitSize !== undefined ? m.bitSize / 8 : sizeOfPrinted(m.type) ?? 0);
      if (!(end <= MAX_LAYOUT_BYTES)) return false;
    }
    return true;
  }

  private naturalAlign(s: StructType, packed: boolean): number {
    let a = 1;
    for (const m of s.members) {
      if (m.bitSize !== undefined && m.name === undefined) continue;
      a = Math.max(a, packed ? (m.align ?? 1) : (m.align ?? this.align(m.type)));
    }
    return s.align ? Math.max(a, s.align) : a;
  }

  /** Lay out as gcc would, padding where needed; undefined if unpacked cannot work. */
  private tryPlan(s: StructType, packed: boolean): Plan | undefined {
    const items: Item[] = [];
    const align = this.naturalAlign(s, packed);
    if (s.kind === 'union') {
      let maxBits = 0;
      for (const m of s.members) {
        items.push({ member: m });
        maxBits = Math.max(maxBits, m.bitSize ?? 8 * (sizeOfPrinted(m.type) ?? 0));
      }
      const size = roundUp(Math.ceil(maxBits / 8), align);
      if (size > s.size && !packed) return undefined;
      return { items, packed, align: s.size % align === 0 ? align : 1 };
    }
    let pos = 0; // bits
    for (const m of s.members) {
      const ma = packed ? (m.align ?? 1) : (m.align ?? this.align(m.type));
      if (m.bitSize === undefined) {
        const natural = roundUp(pos, 8 * ma);
        if (natural > m.bitOffset) {
          if (!packed) return undefined;
          if (pos > m.bitOffset) return undefined; // members out of order: keep as is
        }
        if (natural < m.bitOffset) {
          padTo(items, pos, m.bitOffset);
          if (roundUp(m.bitOffset, 8 * ma) !== m.bitOffset) { if (!packed) return undefined; }
        }
        items.push({ member: m });
        pos = m.bitOffset + 8 * (sizeOfPrinted(m.type) ?? 0);
      } else {
        if (m.bitOffset < pos) return undefined; // overlapping bitfields cannot be printed faithfully
        if (m.bitOffset > pos) padTo(items, pos, m.bitOffset);
        const unit = 8 * (packed ? 1 : this.align(m.type));
        const storage = 8 * (sizeOfPrinted(m.type) ?? 1);
        // gcc moves a bitfield that would straddle a unit of its type (unpacked only).
        if (!packed && Math.floor(m.bitOffset / storage) !== Math.floor((m.bitOffset + m.bitSize - 1) / storage) && unit > 8) return undefined;
        items.push({ member: m });
        pos = m.bitOffset + m.bitSize;
      }
    }
    const size = roundUp(Math.ceil(pos / 8), align);
    if (size > s.size) return packed ? { items, packed, align: 1 } : undefined;
    if (size < s.size) {
      padTo(items, pos, 8 * s.size);
    }
    const realAlign = s.size % align === 0 ? align : 1;
    return { items, packed: packed || realAlign !== align, align: packed ? (s.align ?? 1) : realAlign };
  }
}

function roundUp(n: number, a: number): number {
  return a <= 1 ? n : Math.ceil(n / a) * a;
}

/** Gaps up to this many whole bytes are unnamed bitfields; longer ones one char array. */
const MAX_BITFIELD_PAD_BYTES = 64;

/**
 * Padding covering bits [from, to), in a bounded number of items whatever the
 * gap: unnamed bitfields up to the next byte, then the whole bytes (unnamed
 * bitfields, each kept inside its own natural unit, for a short gap; one
 * `char __virtmem_padN[n]` for a long one: a char array does not align the
 * struct either), then the bits left.
 */
function padTo(items: Item[], from: number, to: number): void {
  let pos = from;
  if (pos % 8 && pos < to) {
    const w = Math.min(to - pos, 8 - (pos % 8));
    items.push({ padBits: w, atBit: pos });
    pos += w;
  }
  const bytes = Math.floor((to - pos) / 8);
  if (bytes > MAX_BITFIELD_PAD_BYTES) {
    items.push({ padBytes: bytes, atBit: pos });
    pos += 8 * bytes;
  }
  // At most 3 steps up to a 64-bit unit, 8 units, 3 steps down and the tail bits.
  for (let guard = 0; pos < to && guard < 32; guard++) {
    let w: number;
    if (pos % 8) w = Math.min(to - pos, 8 - (pos % 8));
    else if (pos % 64 === 0 && to - pos >= 64) w = 64;
    else if (pos % 32 === 0 && to - pos >= 32) w = 32;
    else if (pos % 16 === 0 && to - pos >= 16) w = 16;
    else w = Math.min(8, to - pos);
    items.push({ padBits: w, atBit: pos });
    pos += w;
  }
}

function sizeOfPrinted(t: Type, depth = 0): number | undefined {
  if (depth > MAX_TYPE_DEPTH) throw new TypeModelError('type nested too deep (a cycle?)');
  switch (t.kind) {
    case 'int': case 'float': case 'pointer': case 'struct': case 'union': case 'enum': return t.size;
    case 'array': {
      if (!t.count) return 0;
      const e = sizeOfPrinted(t.element, depth + 1);
      return e === undefined ? undefined : e * t.count;
    }
    case 'typedef': case 'const': case 'volatile': case 'restrict': case 'atomic': return sizeOfPrinted(t.target, depth + 1);
    default: return undefined;
  }
}

const PAD_TYPE: Record<number, string> = { 64: 'long long', 32: 'int', 16: 'short', 8: 'char' };

// ---------------------------------------------------------------- definitions

/**
 * Most lines one definition may print. Anonymous members are printed inline,
 * and a corrupt file can share one anonymous struct among several members
 * level after level (text doubling per level); real definitions print hundreds.
 */
export const MAX_DEFINITION_LINES = 1 << 16;

/** Prints definitions; keeps the layout planner so nested structs share plans. */
export class CPrinter {
  private readonly planner: Planner;
  private readonly indentUnit: string;
  /** Inside a public call (nested calls share its budget and padding names). */
  private entered = false;
  private lines = 0;
  private padSeq = 0;
  /** With oneUnit: for each tag, the kinds using it, numbered in order of first use. */
  private readonly tagOwners?: Map<string, Map<string, number>>;
  /** With oneUnit: how often each enumerator name has been printed. */
  private readonly enumerators?: Map<string, number>;
  /** How a tag is spelled by this printer (see PrintOptions.oneUnit). */
  readonly tag: TagNamer;

  constructor(opts: PrintOptions = {}) {
    this.planner = new Planner(opts.maxScalarAlign ?? 16, opts.faithfulLayout ?? true);
    this.indentUnit = opts.indent ?? '\t';
    if (opts.oneUnit) {
      this.tagOwners = new Map();
      this.enumerators = new Map();
      this.tag = (kind, name) => `${kind} ${this.tagName(kind, name)}`;
    } else {
      this.tag = plainTag;
    }
  }

  /** Name of tag `name` of `kind`: the first kind seen keeps it, the others get ___2, ___3, ... */
  private tagName(kind: string, name: string): string {
    let kinds = this.tagOwners!.get(name);
    if (!kinds) this.tagOwners!.set(name, (kinds = new Map()));
    let n = kinds.get(kind);
    if (n === undefined) kinds.set(kind, (n = kinds.size + 1));
    return n === 1 ? name : `${name}___${n}`;
  }

  /** The definition of a struct, union, enum or typedef, ending in `;`. Other kinds: a declarator. */
  definition(t: Type): string {
    return this.guarded(t, () => this.definitionOf(t));
  }

  /** Run `f` with a fresh line budget, unless already inside a call that has one. */
  private guarded<T>(t: Type, f: () => T): T {
    if (this.entered) return f();
    this.entered = true;
    this.lines = 0;
    this.padSeq = 0;
    try { return f(); } catch (e) {
      if (e instanceof TypeModelError && !e.message.startsWith(`${describe(t)}: `)) throw new TypeModelError(`${describe(t)}: ${e.message}`);
      throw e;
    } finally {
      this.entered = false;
    }
  }

  private definitionOf(t: Type): string {
    if (t.kind === 'typedef') return `typedef ${this.declare(t.target, t.name, 0)};`;
    if (isComposite(t) || t.kind === 'enum') return `${this.body(t, 0)};`;
    if (t.kind === 'forward') return `${this.tag(t.of, t.name)};`;
    return `${this.declare(t, '', 0)};`;
  }

  /** `type name` with anonymous types printed inline at indentation `level`. */
  declare(t: Type, name: string, level: number): string {
    return this.guarded(t, () => declarator(t, name, (inner) => this.body(inner, level), this.tag));
  }

  /** `struct name { ... }` / `enum name { ... }` at indentation `level`. */
  body(t: Type, level: number): string {
    return this.guarded(t, () => this.bodyOf(t, level));
  }

  private count(n: number): void {
    this.lines += n;
    if (this.lines > MAX_DEFINITION_LINES) throw new TypeModelError(`definition longer than ${MAX_DEFINITION_LINES} lines (anonymous types shared?)`);
  }

  private bodyOf(t: Type, level: number): string {
    if (level > 64) throw new TypeModelError('anonymous types nested deeper than 64 (a cycle?)');
    if (t.kind === 'enum') return this.enumBody(t, level);
    if (!isComposite(t)) return declarator(t, '', undefined, this.tag);
    const ind = this.indentUnit.repeat(level + 1);
    const head = t.name === undefined ? t.kind : this.tag(t.kind, t.name);
    const plan = this.planner.plan(t);
    this.count(plan.items.length + 1);
    const lines: string[] = plan.note ? [`${ind}/* ${plan.note} */`] : [];
    for (const it of plan.items) {
      if ('padBits' in it) {
        lines.push(`${ind}${PAD_TYPE[it.padBits] ?? 'char'} :${it.padBits};`);
        continue;
      }
      if ('padBytes' in it) {
        lines.push(`${ind}char __virtmem_pad${this.padSeq++}[${it.padBytes}];`);
        continue;
      }
      const m = it.member;
      const d = this.declare(flexibleAllowed(t, plan, it) ? m.type : zeroLength(m.type), m.name ?? '', level + 1);
      const bits = m.bitSize !== undefined ? `:${m.bitSize}` : '';
      const al = m.align ? ` __attribute__((aligned(${m.align})))` : '';
      lines.push(`${ind}${d}${bits}${al};`);
    }
    const attrs: string[] = [];
    if (plan.packed) attrs.push('packed');
    if (t.align && t.align > 1) attrs.push(`aligned(${t.align})`);
    const close = this.indentUnit.repeat(level) + '}' + (attrs.length ? ` __attribute__((${attrs.join(', ')}))` : '');
    return lines.length ? `${head} {\n${lines.join('\n')}\n${close}` : `${head} {\n${close}`;
  }

  private enumBody(t: EnumType, level: number): string {
    const ind = this.indentUnit.repeat(level + 1);
    this.count(t.values.length + 1);
    const head = t.name === undefined ? 'enum' : this.tag('enum', t.name);
    // An enum without values (BTF's enum forward declaration) is declared, as bpftool does: `enum {}` is invalid C.
    if (!t.values.length && t.name !== undefined && level === 0) return head;
    const lines = t.values.map((v) => `${ind}${this.enumerator(v.name)} = ${enumLiteral(v.value)},`);
    // gcc picks the smallest storage for a packed enum; ask for it when the recorded size is small.
    const packed = t.size < 4 && t.values.length ? ' __attribute__((packed))' : '';
    return `${head} {\n${lines.join('\n')}\n${this.indentUnit.repeat(level)}}${packed}`;
  }

  /** An enumerator's name; with oneUnit, a name printed before gets ___2, ___3, ... */
  private enumerator(name: string): string {
    if (!this.enumerators) return name;
    const n = (this.enumerators.get(name) ?? 0) + 1;
    this.enumerators.set(name, n);
    return n === 1 ? name : `${name}___${n}`;
  }

  /** Alignment gcc gives `t` as this printer prints it. */
  printedAlign(t: Type): number { return this.planner.align(t); }
}

/**
 * Whether member item `it` of `s` may be printed as a flexible array `[]`:
 * gcc takes one only as the last line of a struct that has another named
 * member (kernel cacheline-aligned structs end in padding after one;
 * DECLARE_FLEX_ARRAY-style structs hold nothing else). Elsewhere `[0]`, which
 * lays out the same.
 */
function flexibleAllowed(s: StructType, plan: Plan, it: Item): boolean {
  if (s.kind !== 'struct' || plan.items[plan.items.length - 1] !== it) return false;
  return s.members.some((m) => m !== (it as { member: Member }).member && m.name !== undefined);
}

/** `t` with a flexible array printed as zero-length. */
function zeroLength(t: Type): Type {
  if (t.kind === 'array' && t.count === undefined) return { kind: 'array', element: t.element, count: 0 };
  return t;
}

function enumLiteral(v: bigint): string {
  if (v >= -(2n ** 31n) && v < 2n ** 31n) return v.toString();
  if (v === -(2n ** 63n)) return '(-9223372036854775807LL - 1)';
  if (v < 0n) return `${v}LL`;
  if (v < 2n ** 63n) return `${v}LL`;
  return `${v}ULL`;
}

/** One definition (see CPrinter.definition). */
export function definition(t: Type, opts: PrintOptions = {}): string {
  return new CPrinter(opts).definition(t);
}

// ---------------------------------------------------------------- whole programs

/**
 * The roots and every type they depend on, as C that gcc compiles: forward
 * declarations of named structs and unions first, then definitions, each after
 * what it uses by value. Named types of the same kind and name are printed
 * once (the first wins). Variables, if given, come last as `extern` declarations.
 */
export function printC(roots: Type[], opts: PrintOptions & { variables?: { name: string; type: Type }[] } = {}): string {
  const p = new CPrinter({ ...opts, oneUnit: opts.oneUnit ?? true });
  const out: string[] = [];
  const forwards = new Set<string>();
  const done = new Set<Type>();
  const active = new Set<Type>();
  const byName = new Map<string, Type>();

  const key = (t: Type): string | undefined => {
    if (t.kind === 'typedef') return `typedef ${t.name}`;
    if ((isComposite(t) || t.kind === 'enum') && t.name !== undefined) return `${t.kind} ${t.name}`;
    return undefined;
  };
  const forward = (kind: 'struct' | 'union', name: string) => forwards.add(`${p.tag(kind, name)};`);

  /** Make sure `t` can be used: by value needs a definition, otherwise a declaration. */
  // Each (type, by value or not) is needed once: a corrupt graph may share types level after level.
  const neededByValue = new Set<Type>();
  const neededByRef = new Set<Type>();
  const need = (t: Type, byValue: boolean, depth: number): void => {
    if (depth > MAX_TYPE_DEPTH) throw new TypeModelError('types nested too deep to print');
    const seen = byValue ? neededByValue : neededByRef;
    if (seen.has(t)) return;
    seen.add(t);
    switch (t.kind) {
      case 'pointer': return need(t.target, false, depth + 1);
      case 'array': return need(t.element, true, depth + 1); // elements must be complete, even behind a pointer
      case 'function':
        need(t.returns, false, depth + 1);
        for (const q of t.params) need(q.type, false, depth + 1);
        return;
      case 'forward':
        if (t.of !== 'enum') forward(t.of, t.name);
        return;
      case 'const': case 'volatile': case 'restrict': case 'atomic': return need(t.target, byValue, depth + 1);
      case 'typedef':
        define(t, depth);
        if (byValue) need(t.target, true, depth + 1);
        return;
      case 'struct': case 'union': case 'enum': {
        if (isComposite(t) && t.name !== undefined && !byValue) {
          forward(t.kind, t.name);
          return;
        }
        if (t.name === undefined) {
          // Anonymous: printed inline where used; its members are needed by value.
          if (t.kind === 'enum' || active.has(t)) return;
          active.add(t);
          for (const m of t.members) need(m.type, true, depth + 1);
          active.delete(t);
          return;
        }
        return define(t, depth);
      }
      default: return;
    }
  };

  const define = (t: Type, depth: number): void => {
    if (done.has(t) || active.has(t)) return;
    const k = key(t);
    if (k) {
      const prev = byName.get(k);
      if (prev && prev !== t) return; // same name already printed
    }
    active.add(t);
    if (t.kind === 'typedef') need(t.target, !isNamedComposite(t.target), depth + 1);
    else if (isComposite(t)) for (const m of t.members) need(m.type, true, depth + 1);
    active.delete(t);
    if (done.has(t)) return;
    done.add(t);
    if (k) byName.set(k, t);
    out.push(p.definition(t));
  };

  for (const r of roots) {
    if (isComposite(r) || r.kind === 'enum' || r.kind === 'typedef') {
      if (r.kind !== 'typedef' && r.name === undefined) { if (!done.has(r)) { need(r, true, 0); done.add(r); out.push(p.definition(r)); } }
      else define(r, 0);
    } else if (r.kind === 'forward') {
      if (r.of !== 'enum') forward(r.of, r.name);
    } else need(r, true, 0);
  }
  for (const v of opts.variables ?? []) {
    need(v.type, true, 0);
    out.push(`extern ${p.declare(v.type, v.name, 0)};`);
  }
  const head = [...forwards].sort();
  return [...head, ...(head.length ? [''] : []), ...out.flatMap((d) => [d, ''])].join('\n');
}

function isNamedComposite(t: Type): boolean {
  return isComposite(t) && t.name !== undefined;
}

