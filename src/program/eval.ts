/**
 * Evaluation of parsed expressions against a Program, with C's rules where
 * they matter for looking at a kernel: identifiers are the kernel's globals
 * (lazy references; nothing is read until a value is needed), `.` and `->`
 * both reach through pointers, pointer arithmetic scales by the target's
 * size (void * by 1, as GNU C), comparisons and `!` give int, integer
 * arithmetic is done on bigint and wrapped to the result type (int, unsigned
 * int, long or unsigned long, by C's usual conversions on LP64).
 */
import { describe, resolve, type Type } from '../types/index.js';
import { ObjectError } from './errors.js';
import { BUILTIN } from './ctype.js';
import { Obj } from './object.js';
import { parseExpression, type BinaryOp, type CallArg, type Expr, type TypeName } from './parser.js';
import type { Program } from './program.js';
import { resolveTypeName } from './ctype.js';

/** Parse and evaluate `src` in `prog`. */
export function evaluate(prog: Program, src: string): Obj {
  const tree = parseExpression(src, { isTypeName: (n) => isTypedefName(prog, n) });
  return new Evaluator(prog).eval(tree);
}

/** A name is a type in a cast when it is not a variable and the types have a typedef of that name. */
function isTypedefName(prog: Program, name: string): boolean {
  if (prog.hasVariable(name)) return false;
  return prog.types.lookup(name, 'typedef') !== undefined;
}

const INT_KINDS = new Set(['int', 'enum']);

function isPointerLike(o: Obj): boolean {
  const k = o.resolvedType.kind;
  return k === 'pointer' || k === 'array' || k === 'function';
}

/** C's usual arithmetic conversions, reduced to the four LP64 integer types. */
function arithmeticType(a: Type, b: Type): Type {
  const ra = resolve(a), rb = resolve(b);
  const size = (t: Type) => (t.kind === 'int' || t.kind === 'enum' ? t.size : 8);
  const uns = (t: Type) => (t.kind === 'int' ? !t.signed : t.kind === 'enum' ? !t.signed : true);
  const wide = Math.max(size(ra), size(rb), 4);
  if (wide > 4) {
    const u = (size(ra) === 8 && uns(ra)) || (size(rb) === 8 && uns(rb));
    return u ? BUILTIN.ulong : BUILTIN.long;
  }
  const u = (size(ra) === 4 && uns(ra)) || (size(rb) === 4 && uns(rb));
  return u ? BUILTIN.uint : BUILTIN.int;
}

export class Evaluator {
  constructor(readonly prog: Program) {}

  private type(t: TypeName): Type { return resolveTypeName(this.prog, t); }
  private int(v: bigint | boolean, t: Type = BUILTIN.int): Obj {
    return Obj.scalar(this.prog, t, typeof v === 'boolean' ? (v ? 1n : 0n) : v);
  }

  eval(e: Expr): Obj {
    switch (e.k) {
      case 'num': {
        const t = e.unsigned
          ? (e.value < 1n << 32n && !e.long ? BUILTIN.uint : BUILTIN.ulong)
          : (e.value < 1n << 31n && !e.long ? BUILTIN.int : BUILTIN.long);
        return this.int(e.value, t);
      }
      case 'char': return this.int(e.value);
      case 'ident':
        if (e.name === 'NULL' && !this.prog.hasVariable('NULL')) return Obj.scalar(this.prog, this.prog.pointerTo(this.type({ base: { k: 'builtin', words: ['void'] }, ops: [] })), 0n);
        return this.prog.variable(e.name);
      case 'member': {
        const o = this.eval(e.obj);
        if (e.arrow && o.resolvedType.kind !== 'pointer') throw new ObjectError(`'->' on ${describe(o.type)}, which is not a pointer (use '.')`);
        return o.member(e.name);
      }
      case 'index': {
        const o = this.eval(e.obj);
        return o.index(this.eval(e.index).int());
      }
      case 'call': return this.call(e.fn, e.args);
      case 'cast': return this.eval(e.e).cast(this.type(e.type));
      case 'sizeof': {
        const t = e.type ? this.type(e.type) : this.eval(e.e!).type;
        return this.int(BigInt(this.prog.sizeof(t)), BUILTIN.ulong);
      }
      case 'unary': return this.unary(e.op, this.eval(e.e));
      case 'binary': return this.binary(e.op, e.l, e.r);
      case 'cond': return this.eval(e.c).truth() ? this.eval(e.t) : this.eval(e.f);
    }
  }

  private call(fn: string, args: CallArg[]): Obj {
    const typeArg = (a: CallArg) => { if (a.k !== 'type') throw new ObjectError(`${fn}: expected a type`); return this.type(a.type); };
    const pathArg = (a: CallArg) => { if (a.k !== 'path') throw new ObjectError(`${fn}: expected a member`); return a.path; };
    if (fn === 'container_of') {
      const [p, t, m] = args;
      if (p.k === 'type' || p.k === 'path') throw new ObjectError('container_of: expected a pointer');
      return this.eval(p).containerOf(typeArg(t), pathArg(m));
    }
    if (fn === 'offsetof') {
      return this.int(BigInt(this.prog.offsetof(typeArg(args[0]), pathArg(args[1]))), BUILTIN.ulong);
    }
    throw new ObjectError(`unknown function '${fn}'`);
  }

  private unary(op: string, o: Obj): Obj {
    switch (op) {
      case '*': return o.deref();
      case '&': return o.addressOf();
      case '!': return this.int(!o.truth());
      case '+': case '-': case '~': {
        const r = o.resolvedType;
        if (r.kind === 'float') return Obj.float(this.prog, r, op === '-' ? -o.float() : o.float());
        if (!INT_KINDS.has(r.kind)) throw new ObjectError(`unary '${op}' on ${describe(o.type)}`);
        const t = arithmeticType(o.type, BUILTIN.int);
        const v = o.int();
        return this.int(op === '-' ? -v : op === '~' ? ~v : v, t);
      }
    }
    throw new ObjectError(`unknown operator '${op}'`);
  }

  private binary(op: BinaryOp, le: Expr, re: Expr): Obj {
    if (op === '&&') return this.int(this.eval(le).truth() && this.eval(re).truth());
    if (op === '||') return this.int(this.eval(le).truth() || this.eval(re).truth());
    const l = this.eval(le);
    const r = this.eval(re);
    const lp = isPointerLike(l), rp = isPointerLike(r);
    if (lp || rp) return this.pointerOp(op, l, r, lp, rp);
    const lt = l.resolvedType, rt = r.resolvedType;
    if (lt.kind === 'float' || rt.kind === 'float') {
      const a = l.toNumber(), b = r.toNumber();
      switch (op) {
        case '+': return Obj.float(this.prog, BUILTIN.double, a + b);
        case '-': return Obj.float(this.prog, BUILTIN.double, a - b);
        case '*': return Obj.float(this.prog, BUILTIN.double, a * b);
        case '/': return Obj.float(this.prog, BUILTIN.double, a / b);
        default: {
          const c = compare(op, a, b);
          if (c === undefined) throw new ObjectError(`'${op}' on a floating value`);
          return this.int(c);
        }
      }
    }
    if (!INT_KINDS.has(lt.kind) || !INT_KINDS.has(rt.kind)) {
      throw new ObjectError(`'${op}' on ${describe(l.type)} and ${describe(r.type)}`);
    }
    const t = arithmeticType(l.type, r.type);
    const rs = resolve(t) as { signed: boolean; size: number };
    // Operands converted to the result type first, as C does.
    const conv = (v: bigint) => (rs.signed ? BigInt.asIntN(rs.size * 8, v) : BigInt.asUintN(rs.size * 8, v));
    const a = conv(l.int()), b = conv(r.int());
    switch (op) {
      case '+': return this.int(a + b, t);
      case '-': return this.int(a - b, t);
      case '*': return this.int(a * b, t);
      case '/': case '%':
        if (b === 0n) throw new ObjectError('division by zero');
        return this.int(op === '/' ? a / b : a % b, t);
      case '<<': return this.int(a << (BigInt.asUintN(6, b)), t);
      case '>>': return this.int(a >> (BigInt.asUintN(6, b)), t);
      case '&': return this.int(a & b, t);
      case '|': return this.int(a | b, t);
      case '^': return this.int(a ^ b, t);
    }
    const c = compare(op, a, b);
    if (c === undefined) throw new ObjectError(`unknown operator '${op}'`);
    return this.int(c);
  }

  private pointerOp(op: BinaryOp, l: Obj, r: Obj, lp: boolean, rp: boolean): Obj {
    const scale = (o: Obj) => {
      const t = o.resolvedType;
      const target = t.kind === 'pointer' ? t.target : t.kind === 'array' ? t.element : undefined;
      if (!target || resolve(target).kind === 'void' || resolve(target).kind === 'function') return 1n;
      return BigInt(this.prog.sizeof(target));
    };
    const ptrType = (o: Obj): Type => {
      const t = o.resolvedType;
      return t.kind === 'array' ? this.prog.pointerTo(t.element) : t.kind === 'function' ? this.prog.pointerTo(o.type) : o.type;
    };
    const val = (o: Obj, isPtr: boolean) => (isPtr ? o.pointerValue() : BigInt.asUintN(64, o.int()));
    switch (op) {
      case '<': return this.int(val(l, lp) < val(r, rp));
      case '>': return this.int(val(l, lp) > val(r, rp));
      case '<=': return this.int(val(l, lp) <= val(r, rp));
      case '>=': return this.int(val(l, lp) >= val(r, rp));
      case '==': return this.int(val(l, lp) === val(r, rp));
      case '!=': return this.int(val(l, lp) !== val(r, rp));
    }
    if (lp && rp) {
      if (op === '-') return this.int((BigInt.asIntN(64, l.pointerValue() - r.pointerValue())) / scale(l), BUILTIN.long);
      throw new ObjectError(`'${op}' on two pointers`);
    }
    const [p, n] = lp ? [l, r] : [r, l];
    if (!INT_KINDS.has(n.resolvedType.kind)) throw new ObjectError(`'${op}' on ${describe(l.type)} and ${describe(r.type)}`);
    const a = p.pointerValue(), k = n.int();
    switch (op) {
      case '+': return Obj.scalar(this.prog, ptrType(p), a + k * scale(p));
      case '-': if (lp) return Obj.scalar(this.prog, ptrType(p), a - k * scale(p)); break;
      case '&': return this.int(a & BigInt.asUintN(64, k), BUILTIN.ulong);
      case '|': return this.int(a | BigInt.asUintN(64, k), BUILTIN.ulong);
    }
    throw new ObjectError(`'${op}' on ${describe(l.type)} and ${describe(r.type)}`);
  }
}

/** A C relational or equality operator on two numbers of one kind; undefined for any other operator. */
function compare<T extends number | bigint>(op: string, a: T, b: T): boolean | undefined {
  switch (op) {
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '>=': return a >= b;
    case '==': return a === b;
    case '!=': return a !== b;
    default: return undefined;
  }
}
