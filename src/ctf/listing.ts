/**
 * The raw views of CTF for `virtmem ctf dump`: an objdump-like text listing
 * of each dict (header, labels, data objects, functions, variables, types
 * with members and enumerators), and plain JSON with one entry per type id.
 * A type that does not decode is listed with its error; the rest still are.
 */
import { FormatError } from '../bytes/index.js';
import { CTF_FP_NAMES, CTF_K_ENUM, CTF_K_SLICE, CTF_K_STRUCT, CTF_K_UNION, flagNames, kindName } from './constants.js';
import type { CtfDict, CtfSymType } from './dict.js';
import { ctfTypeName } from './names.js';
import type { CtfType, CtfTypeId } from './records.js';

const hex = (n: number) => '0x' + n.toString(16);

function ref(dict: CtfDict, id: CtfTypeId): string {
  return `${hex(id)} ${ctfTypeName(dict, id)}`;
}

function details(dict: CtfDict, t: CtfType): string {
  switch (t.kind) {
    case 1: return `(size ${t.size}, encoding 0x${t.encoding.toString(16)}, bits ${t.bits}${t.bitOffset ? `, offset ${t.bitOffset}` : ''})`;
    case 2: return `(size ${t.size}, ${CTF_FP_NAMES[t.encoding] ?? `encoding ${t.encoding}`})`;
    case 3: case 10: case 11: case 12: case 13: return `-> ${ref(dict, t.ref)}`;
    case 4: return `(${t.nelems} × ${ref(dict, t.contents)}, index ${hex(t.index)})`;
    case 5: return `(returns ${hex(t.ret)}, ${t.args.length} arg(s)${t.varargs ? ', varargs' : ''})`;
    case CTF_K_STRUCT: case CTF_K_UNION: case CTF_K_ENUM: return `(size ${t.size})`;
    case 9: return `(forward of ${kindName(t.fwdKind)})`;
    case CTF_K_SLICE: return `(size ${t.size}, bits ${t.bitOffset}:${t.bits} of ${ref(dict, t.type)})`;
    default: return `(size ${t.size})`;
  }
}

/** The text listing of one dict. */
export function listDict(name: string, dict: CtfDict, onError: (e: FormatError) => void): string {
  const out: string[] = [];
  const h = dict.header;
  out.push(`CTF dict ${name}:`);
  out.push(`  Version: ${h.version} (CTF_VERSION_3), flags 0x${h.flags.toString(16)}${h.flags ? ` (${flagNames(h.flags)})` : ''}, ${dict.littleEndian ? 'little' : 'big'}-endian`);
  if (dict.parentName) out.push(`  Parent: ${dict.parentName}${dict.parent ? '' : ' (not available)'}`);
  if (dict.cuName) out.push(`  Compilation unit: ${dict.cuName}`);
  out.push(`  Type count: ${dict.typeCount} (ids ${hex(dict.firstId)}..${hex(dict.lastId)})`);
  const section = (title: string, f: () => string[]) => {
    let lines: string[];
    try { lines = f(); } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      onError(e);
      lines = [`    error: ${e.message}`];
    }
    if (lines.length) out.push(`  ${title}:`, ...lines);
  };
  const sym = (s: CtfSymType, i: number) => `    ${s.name ?? `[${i}]`} -> ${ref(dict, s.type)}`;
  section('Labels', () => dict.labels().map((l) => `    ${l.name} -> ${hex(l.type)}`));
  section('Data objects', () => dict.objects().map(sym));
  section('Functions', () => dict.functions().map(sym));
  section('Variables', () => dict.variables().map((v) => `    ${v.name} -> ${ref(dict, v.type)}`));
  const types: string[] = [];
  for (const e of dict.entries()) {
    if (!e.type) {
      onError(e.error!);
      types.push(`    ${hex(e.id)}: error: ${e.error!.message}`);
      continue;
    }
    const t = e.type;
    types.push(`    ${hex(e.id)}: ${kindName(t.kind).replace('CTF_K_', '')} ${ctfTypeName(dict, e.id)} ${details(dict, t)}${t.isRoot ? '' : ' (hidden)'}`);
    if (t.kind === CTF_K_STRUCT || t.kind === CTF_K_UNION) {
      for (const m of t.members) types.push(`        [${hex(m.bitOffset)}] ${m.name || '(anon)'}: ${ref(dict, m.type)}`);
    } else if (t.kind === CTF_K_ENUM) {
      for (const v of t.values) types.push(`        ${v.name} = ${v.value}`);
    }
  }
  if (dict.indexError) {
    onError(dict.indexError);
    types.push(`    error: ${dict.indexError.message}`);
  }
  section('Types', () => types);
  return out.join('\n') + '\n';
}

/** One JSON entry per type id of a dict. */
export function dictTypesJson(name: string, dict: CtfDict, onError: (e: FormatError) => void): unknown[] {
  const out: unknown[] = [];
  for (const e of dict.entries()) {
    if (!e.type) {
      onError(e.error!);
      out.push({ dict: name, id: e.id, error: e.error!.message });
      continue;
    }
    out.push({ dict: name, id: e.id, ...e.type, kind: kindName(e.type.kind), cname: ctfTypeName(dict, e.id) });
  }
  return out;
}

/** Header and symbol tables of a dict as JSON. */
export function dictJson(name: string, dict: CtfDict, onError: (e: FormatError) => void): unknown {
  const safe = <T>(f: () => T): T | { error: string } => {
    try { return f(); } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      onError(e);
      return { error: e.message };
    }
  };
  return {
    name, littleEndian: dict.littleEndian, flags: dict.header.flags, parentName: dict.parentName || undefined,
    cuName: dict.cuName || undefined, firstId: dict.firstId, typeCount: dict.typeCount,
    labels: safe(() => dict.labels()), objects: safe(() => dict.objects()), functions: safe(() => dict.functions()),
    variables: safe(() => dict.variables()), indexError: dict.indexError?.message,
  };
}
