/**
 * A canonical text for a model type, for comparing the same C types read from
 * two formats. Named types met below the top are written by name only (so a
 * definition and a forward of the same struct compare equal, and cycles end);
 * anonymous structs and unions are expanded. What CTF cannot carry is left
 * out: parameter names, prototyped-ness, enum signedness, member alignment.
 */
import type { Type } from '../../src/types/index.js';

function ref(t: Type, depth: number): string {
  if (depth > 40) return '...';
  switch (t.kind) {
    case 'void': return 'void';
    case 'int': return `int ${t.name}`;
    case 'float': return `float ${t.name}`;
    case 'typedef': return `typedef ${t.name}`;
    case 'forward': return `${t.of} ${t.name}`;
    case 'enum': return t.name ? `enum ${t.name}` : shape(t, depth + 1);
    case 'struct': case 'union': return t.name ? `${t.kind} ${t.name}` : shape(t, depth + 1);
    default: return shape(t, depth + 1);
  }
}

export function shape(t: Type, depth = 0): string {
  if (depth > 40) return '...';
  switch (t.kind) {
    case 'void': return 'void';
    case 'int': return `int ${t.name} size=${t.size} ${t.signed ? 's' : 'u'} ${t.encoding}${t.bits ? ` bits=${t.bits}` : ''}`;
    case 'float': return `float ${t.name} size=${t.size}`;
    case 'pointer': return `* ${ref(t.target, depth)}`;
    case 'array': return `[${t.count ?? ''}] ${ref(t.element, depth)}`;
    case 'typedef': return `typedef ${t.name} = ${ref(t.target, depth)}`;
    case 'const': case 'volatile': case 'restrict': case 'atomic': return `${t.kind} ${ref(t.target, depth)}`;
    case 'function': return `fn(${t.params.map((p) => ref(p.type, depth)).join(', ')}${t.varargs ? ', ...' : ''}) -> ${ref(t.returns, depth)}`;
    case 'forward': return `${t.of} ${t.name}`;
    case 'enum': return `enum ${t.name ?? ''} size=${t.size} {${t.values.map((v) => `${v.name}=${v.value}`).join(', ')}}`;
    case 'struct': case 'union':
      return `${t.kind} ${t.name ?? ''} size=${t.size} {${t.members.map((m) => `${m.name ?? ''}@${m.bitOffset}${m.bitSize !== undefined ? `:${m.bitSize}` : ''} ${ref(m.type, depth)}`).join('; ')}}`;
  }
}
