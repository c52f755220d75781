/**
 * The C expression language of `virtmem print`, as drgn's evaluator takes it:
 * identifiers (kernel variables), integer and character literals, member
 * access (. and ->, which both go through pointers), indexing, unary * & - + ! ~,
 * casts to type names (`(struct task_struct *)0xffff...`), sizeof of a type or
 * an expression, binary arithmetic, comparison and logic, `?:`, and calls of
 * builtins (container_of(ptr, type, member), offsetof(type, member)).
 *
 * Lexer and recursive-descent parser only; evaluation is eval.ts. The one
 * ambiguity of C, `(name)` as a cast or a parenthesized expression, is settled
 * by a callback that says whether an identifier names a type (the evaluator
 * answers from the kernel's types). Input length and nesting are bounded so
 * any string returns a tree or an ExprSyntaxError quickly.
 */
import { VirtmemError } from '../bytes/index.js';

/** A syntax error, pointing at a column of the expression. */
export class ExprSyntaxError extends VirtmemError {
  override name = 'ExprSyntaxError';
  constructor(readonly input: string, readonly pos: number, what: string) {
    super(`${what} at column ${pos + 1} of '${input.length > 80 ? input.slice(0, 77) + '...' : input}'`);
  }
}

/** Longest expression accepted. */
export const MAX_EXPR_LENGTH = 8192;
/** Deepest nesting accepted (parentheses, unary chains, declarators). */
export const MAX_EXPR_DEPTH = 128;

// --- tree ------------------------------------------------------------------------

/** A type name as written: `struct task_struct *`, `unsigned long [4]`, `pid_t`. */
export interface TypeName {
  base:
    | { k: 'tag'; tag: 'struct' | 'union' | 'enum'; name: string }
    | { k: 'name'; name: string }
    | { k: 'builtin'; words: string[] };
  /** Derivations applied to the base in order: pointer to, array of N. */
  ops: ({ k: 'ptr' } | { k: 'array'; n: number | undefined })[];
}

/** An argument of a builtin call: an expression, a type name, or a member designator. */
export type CallArg = Expr | { k: 'type'; type: TypeName; pos: number } | { k: 'path'; path: string; pos: number };

/** The builtin functions and what each argument is. */
export const BUILTINS: Record<string, readonly ('expr' | 'type' | 'member')[]> = {
  container_of: ['expr', 'type', 'member'],
  offsetof: ['type', 'member'],
};

export type BinaryOp =
  | '*' | '/' | '%' | '+' | '-' | '<<' | '>>' | '<' | '>' | '<=' | '>=' | '==' | '!=' | '&' | '^' | '|' | '&&' | '||';
export type UnaryOp = '-' | '+' | '!' | '~' | '*' | '&';

export type Expr = { pos: number } & (
  | { k: 'num'; value: bigint; unsigned: boolean; long: boolean }
  | { k: 'char'; value: bigint }
  | { k: 'ident'; name: string }
  | { k: 'member'; obj: Expr; name: string; arrow: boolean }
  | { k: 'index'; obj: Expr; index: Expr }
  | { k: 'call'; fn: string; args: CallArg[] }
  | { k: 'unary'; op: UnaryOp; e: Expr }
  | { k: 'cast'; type: TypeName; e: Expr }
  | { k: 'sizeof'; type?: TypeName; e?: Expr }
  | { k: 'binary'; op: BinaryOp; l: Expr; r: Expr }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr }
);

// --- lexer -------------------------------------------------------------------------

type Tok =
  | { t: 'id'; v: string; pos: number }
  | { t: 'num'; v: bigint; unsigned: boolean; long: boolean; pos: number }
  | { t: 'char'; v: bigint; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

const OPS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '->', '(', ')', '[', ']', '.', ',', '?', ':', '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '!', '~'];

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < s.length && /\w/.test(s[i])) i++;
      out.push({ t: 'id', v: s.slice(start, i), pos: start });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)/.exec(s.slice(i, i + 100));
      if (!m || /[\w.]/.test(s[i + m[0].length] ?? '')) throw new ExprSyntaxError(s, start, 'bad number');
      let digits = m[1];
      let v: bigint;
      if (/^0[0-7]+$/.test(digits)) v = BigInt('0o' + digits.slice(1));
      else v = BigInt(digits);
      if (v >= 1n << 64n) throw new ExprSyntaxError(s, start, 'number does not fit in 64 bits');
      out.push({ t: 'num', v, unsigned: /u/i.test(m[2]) || v >= 1n << 63n, long: /l/i.test(m[2]), pos: start });
      i += m[0].length;
      continue;
    }
    if (c === "'") {
      let v: number;
      let j = i + 1;
      if (s[j] === '\\') {
        const e = s[j + 1];
        if (e === 'x') {
          const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(j + 2));
          if (!m) throw new ExprSyntaxError(s, start, 'bad \\x escape');
          v = parseInt(m[0], 16); j += 2 + m[0].length;
        } else if (e !== undefined && e in ESCAPES) { v = ESCAPES[e]; j += 2; } else throw new ExprSyntaxError(s, start, 'bad escape');
      } else if (j < s.length && s[j] !== "'") { v = s.charCodeAt(j) & 0xff; j++; } else throw new ExprSyntaxError(s, start, 'empty character literal');
      if (s[j] !== "'") throw new ExprSyntaxError(s, start, 'unterminated character literal');
      out.push({ t: 'char', v: BigInt(v), pos: start });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (!op) throw new ExprSyntaxError(s, start, `unexpected '${c}'`);
    out.push({ t: 'op', v: op, pos: start });
    i += op.length;
  }
  out.push({ t: 'end', pos: s.length });
  return out;
}

// --- parser -----------------------------------------------------------------------

const BUILTIN_TYPE_WORDS = new Set([
  'void', 'char', 'short', 'int', 'long', 'signed', 'unsigned', '_Bool', 'bool', 'float', 'double', '__int128',
]);
const QUALIFIERS = new Set(['const', 'volatile', 'restrict', '_Atomic', '__restrict']);
const BINARY_PREC: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8,
  '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

export interface ParseOptions {
  /** Whether an identifier names a type (a typedef); decides `(x)` cast vs. parenthesis. */
  isTypeName?: (name: string) => boolean;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly src: string, private readonly toks: Tok[], private readonly opts: ParseOptions) {}

  private get tok(): Tok { return this.toks[this.i]; }
  private peek(n = 1): Tok { return this.toks[Math.min(this.i + n, this.toks.length - 1)]; }
  private fail(what: string, at = this.tok.pos): never { throw new ExprSyntaxError(this.src, at, what); }
  private isOp(v: string, t = this.tok): boolean { return t.t === 'op' && t.v === v; }
  private expect(v: string): void {
    if (!this.isOp(v)) this.fail(`expected '${v}'`);
    this.i++;
  }
  private enter(): void { if (++this.depth > MAX_EXPR_DEPTH) this.fail(`nested deeper than ${MAX_EXPR_DEPTH}`); }
  private leave(): void { this.depth--; }

  parseAll(): Expr {
    const e = this.expr();
    if (this.tok.t !== 'end') this.fail('unexpected text after the expression');
    return e;
  }

  parseTypeNameAll(): TypeName {
    const t = this.typeName();
    if (this.tok.t !== 'end') this.fail('unexpected text after the type name');
    return t;
  }

  /** Whether the tokens at `at` start a type name. */
  private startsType(t: Tok = this.tok): boolean {
    if (t.t !== 'id') return false;
    if (t.v === 'struct' || t.v === 'union' || t.v === 'enum') return true;
    if (BUILTIN_TYPE_WORDS.has(t.v) || QUALIFIERS.has(t.v)) return true;
    return this.opts.isTypeName?.(t.v) ?? false;
  }

  private expr(): Expr {
    this.enter();
    try { return this.conditional(); } finally { this.leave(); }
  }

  private conditional(): Expr {
    const c = this.binary(1);
    if (!this.isOp('?')) return c;
    const pos = this.tok.pos;
    this.i++;
    const t = this.expr();
    this.expect(':');
    const f = this.expr();
    return { k: 'cond', c, t, f, pos };
  }

  private binary(minPrec: number): Expr {
    let l = this.unary();
    for (;;) {
      const t = this.tok;
      if (t.t !== 'op') return l;
      const p = BINARY_PREC[t.v];
      if (p === undefined || p < minPrec) return l;
      this.i++;
      const r = this.binaryRight(p + 1);
      l = { k: 'binary', op: t.v as BinaryOp, l, r, pos: t.pos };
    }
  }

  private binaryRight(minPrec: number): Expr {
    this.enter();
    try { return this.binary(minPrec); } finally { this.leave(); }
  }

  private unary(): Expr {
    this.enter();
    try {
      const t = this.tok;
      if (t.t === 'op' && ['-', '+', '!', '~', '*', '&'].includes(t.v)) {
        this.i++;
        return { k: 'unary', op: t.v as UnaryOp, e: this.unary(), pos: t.pos };
      }
      if (t.t === 'id' && t.v === 'sizeof') {
        this.i++;
        if (this.isOp('(') && this.startsType(this.peek())) {
          this.i++;
          const type = this.typeName();
          this.expect(')');
          return { k: 'sizeof', type, pos: t.pos };
        }
        return { k: 'sizeof', e: this.unary(), pos: t.pos };
      }
      if (this.isOp('(') && this.startsType(this.peek())) {
        this.i++;
        const type = this.typeName();
        this.expect(')');
        return { k: 'cast', type, e: this.unary(), pos: t.pos };
      }
      return this.postfix();
    } finally { this.leave(); }
  }

  private postfix(): Expr {
    let e = this.primary();
    for (let n = 0; ; n++) {
      if (n > MAX_EXPR_LENGTH) this.fail('too many postfix operators');
      const t = this.tok;
      if (this.isOp('.') || this.isOp('->')) {
        this.i++;
        const name = this.tok;
        if (name.t !== 'id') this.fail('expected a member name');
        this.i++;
        e = { k: 'member', obj: e, name: name.v, arrow: t.t === 'op' && t.v === '->', pos: t.pos };
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.expr();
        this.expect(']');
        e = { k: 'index', obj: e, index, pos: t.pos };
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.tok;
    if (t.t === 'num') { this.i++; return { k: 'num', value: t.v, unsigned: t.unsigned, long: t.long, pos: t.pos }; }
    if (t.t === 'char') { this.i++; return { k: 'char', value: t.v, pos: t.pos }; }
    if (t.t === 'id') {
      if (this.startsType()) this.fail(`unexpected type name '${t.v}'`);
      this.i++;
      if (this.isOp('(')) return this.call(t.v, t.pos);
      return { k: 'ident', name: t.v, pos: t.pos };
    }
    if (this.isOp('(')) {
      this.i++;
      const e = this.expr();
      this.expect(')');
      return e;
    }
    this.fail(t.t === 'end' ? 'unexpected end of expression' : `unexpected '${t.t === 'op' ? t.v : ''}'`);
  }

  private call(fn: string, pos: number): Expr {
    const sig = BUILTINS[fn];
    if (!sig) this.fail(`unknown function '${fn}' (builtins: ${Object.keys(BUILTINS).join(', ')})`, pos);
    this.expect('(');
    const args: CallArg[] = [];
    sig.forEach((kind, n) => {
      if (n > 0) this.expect(',');
      const at = this.tok.pos;
      if (kind === 'type') args.push({ k: 'type', type: this.typeName(), pos: at });
      else if (kind === 'member') args.push({ k: 'path', path: this.memberDesignator(), pos: at });
      else args.push(this.expr());
    });
    this.expect(')');
    return { k: 'call', fn, args, pos };
  }

  /** `a.b[2].c`: a member designator as offsetof and container_of take it. */
  private memberDesignator(): string {
    let path = '';
    for (let n = 0; ; n++) {
      if (n > MAX_EXPR_DEPTH) this.fail('member designator too long');
      const t = this.tok;
      if (t.t !== 'id') this.fail('expected a member name');
      path += (path ? '.' : '') + t.v;
      this.i++;
      while (this.isOp('[')) {
        this.i++;
        const x = this.tok;
        if (x.t !== 'num') this.fail('expected a constant index');
        path += `[${x.v}]`;
        this.i++;
        this.expect(']');
      }
      if (!this.isOp('.')) return path;
      this.i++;
    }
  }

  /** specifier-qualifier list, then an abstract declarator. */
  private typeName(): TypeName {
    const start = this.tok.pos;
    const words: string[] = [];
    let base: TypeName['base'] | undefined;
    for (;;) {
      const t = this.tok;
      if (t.t !== 'id') break;
      if (QUALIFIERS.has(t.v)) { this.i++; continue; }
      if (t.v === 'struct' || t.v === 'union' || t.v === 'enum') {
        if (base || words.length) this.fail('two types in one type name');
        this.i++;
        const n = this.tok;
        if (n.t !== 'id') this.fail(`expected a ${t.v} name`);
        this.i++;
        base = { k: 'tag', tag: t.v, name: n.v };
        continue;
      }
      if (BUILTIN_TYPE_WORDS.has(t.v)) {
        if (base) this.fail('two types in one type name');
        if (words.length > 4) this.fail('too many type words');
        words.push(t.v); this.i++;
        continue;
      }
      if (!base && !words.length) { base = { k: 'name', name: t.v }; this.i++; continue; }
      break;
    }
    if (words.length) base = { k: 'builtin', words };
    if (!base) this.fail('expected a type name', start);
    return { base, ops: this.abstractDeclarator() };
  }

  private abstractDeclarator(): TypeName['ops'] {
    this.enter();
    try {
      const ptrs: TypeName['ops'] = [];
      while (this.isOp('*')) {
        this.i++;
        ptrs.push({ k: 'ptr' });
        while (this.tok.t === 'id' && QUALIFIERS.has(this.tok.v)) this.i++;
        if (ptrs.length > MAX_EXPR_DEPTH) this.fail('too many pointers');
      }
      let inner: TypeName['ops'] = [];
      if (this.isOp('(') && (this.isOp('*', this.peek()) || this.isOp('(', this.peek()) || this.isOp('[', this.peek()))) {
        this.i++;
        inner = this.abstractDeclarator();
        this.expect(')');
      }
      const suffixes: TypeName['ops'] = [];
      while (this.isOp('[')) {
        this.i++;
        let n: number | undefined;
        const t = this.tok;
        if (t.t === 'num') {
          if (t.v > 0xffffffffn) this.fail('array too large');
          n = Number(t.v); this.i++;
        }
        this.expect(']');
        suffixes.push({ k: 'array', n });
        if (suffixes.length > MAX_EXPR_DEPTH) this.fail('too many array dimensions');
      }
      return [...ptrs, ...suffixes.reverse(), ...inner];
    } finally { this.leave(); }
  }
}

function tokens(src: string): Tok[] {
  if (src.length > MAX_EXPR_LENGTH) throw new ExprSyntaxError(src, MAX_EXPR_LENGTH, `expression longer than ${MAX_EXPR_LENGTH} characters`);
  return lex(src);
}

/** Parse a C expression. */
export function parseExpression(src: string, opts: ParseOptions = {}): Expr {
  return new Parser(src, tokens(src), opts).parseAll();
}

/** Parse a C type name (`struct list_head *`, `unsigned long [4]`). */
export function parseTypeName(src: string, opts: ParseOptions = { isTypeName: () => true }): TypeName {
  return new Parser(src, tokens(src), opts).parseTypeNameAll();
}
