/**
 * Compares our reading of a CTF dict with objdump's (libctf's) listing of the
 * same dict, type by type and field by field. Returns the differences as
 * sentences, so a failing test says exactly what disagrees.
 */
import {
  CTF_K_ARRAY, CTF_K_CONST, CTF_K_ENUM, CTF_K_FLOAT, CTF_K_FORWARD, CTF_K_FUNCTION, CTF_K_INTEGER, CTF_K_POINTER,
  CTF_K_RESTRICT, CTF_K_SLICE, CTF_K_STRUCT, CTF_K_TYPEDEF, CTF_K_UNION, CTF_K_VOLATILE,
  type CtfDict, type CtfType,
} from '../../src/ctf/index.js';
import type { OdDict } from '../helpers/ctf-tools.js';

/** The kind libctf reports: a slice reports the kind of what it slices. */
function reportedKind(dict: CtfDict, t: CtfType): number {
  let depth = 0;
  while (t.kind === CTF_K_SLICE && depth++ < 10) t = dict.type(t.type);
  return t.kind;
}

function tagOf(kind: number): string {
  return kind === CTF_K_UNION ? 'union' : kind === CTF_K_ENUM ? 'enum' : 'struct';
}

export function differences(dict: CtfDict, od: OdDict): string[] {
  const out: string[] = [];
  const say = (id: number, what: string) => out.push(`${od.name} type 0x${id.toString(16)}: ${what}`);
  if (dict.typeCount !== od.types.size) out.push(`${od.name}: ${dict.typeCount} types, objdump lists ${od.types.size}`);
  if (dict.parentName !== od.parentName) out.push(`${od.name}: parent name "${dict.parentName}", objdump "${od.parentName}"`);
  if (dict.cuName !== od.cuName) out.push(`${od.name}: CU name "${dict.cuName}", objdump "${od.cuName}"`);
  for (const e of dict.entries()) {
    const o = od.types.get(e.id);
    if (!o) { say(e.id, 'missing from objdump'); continue; }
    if (!e.type) { say(e.id, `we failed: ${e.error?.message}`); continue; }
    const t = e.type;
    const kind = reportedKind(dict, t);
    if (kind !== o.kind) say(e.id, `kind ${kind}, objdump ${o.kind}`);
    switch (t.kind) {
      case CTF_K_INTEGER: case CTF_K_FLOAT:
        if (o.text !== t.name) say(e.id, `name "${t.name}", objdump "${o.text}"`);
        if (o.size !== t.size) say(e.id, `size ${t.size}, objdump ${o.size}`);
        if (o.format !== t.encoding) say(e.id, `encoding ${t.encoding}, objdump ${o.format}`);
        break;
      case CTF_K_TYPEDEF:
        if (o.text !== t.name) say(e.id, `name "${t.name}", objdump "${o.text}"`);
        if (o.ref !== t.ref) say(e.id, `refers to 0x${t.ref.toString(16)}, objdump 0x${o.ref?.toString(16)}`);
        break;
      case CTF_K_POINTER: case CTF_K_CONST: case CTF_K_VOLATILE: case CTF_K_RESTRICT:
        if (o.ref !== t.ref) say(e.id, `refers to 0x${t.ref.toString(16)}, objdump 0x${o.ref?.toString(16)}`);
        break;
      case CTF_K_SLICE:
        if (o.ref !== t.type) say(e.id, `slices 0x${t.type.toString(16)}, objdump 0x${o.ref?.toString(16)}`);
        if (!o.slice || o.slice.offset !== t.bitOffset || o.slice.bits !== t.bits) say(e.id, `slice ${t.bitOffset}:${t.bits}, objdump ${JSON.stringify(o.slice)}`);
        if (o.size !== t.size) say(e.id, `size ${t.size}, objdump ${o.size}`);
        break;
      case CTF_K_ARRAY: {
        if (o.ref !== t.contents) say(e.id, `contents 0x${t.contents.toString(16)}, objdump 0x${o.ref?.toString(16)}`);
        const last = /\[(\d+)\]$/.exec(o.text);
        if (!last || Number(last[1]) !== t.nelems) say(e.id, `nelems ${t.nelems}, objdump "${o.text}"`);
        break;
      }
      case CTF_K_FUNCTION: {
        const varargs = /(\(|, )\.\.\.\)$/.test(o.text);
        if (varargs !== t.varargs) say(e.id, `varargs ${t.varargs}, objdump "${o.text}"`);
        break;
      }
      case CTF_K_STRUCT: case CTF_K_UNION: {
        const want = `${tagOf(t.kind)} ${t.name}`;
        if (o.text !== want.trimEnd() && o.text !== want) say(e.id, `"${want}", objdump "${o.text}"`);
        if (o.size !== t.size) say(e.id, `size ${t.size}, objdump ${o.size}`);
        const ours = t.members.map((m) => `${m.bitOffset}:${m.name}:0x${m.type.toString(16)}:${m.type ? reportedKind(dict, dict.type(m.type)) : 0}`);
        const theirs = o.members.map((m) => `${m.bitOffset}:${m.name}:0x${m.id.toString(16)}:${m.kind}`);
        if (ours.join() !== theirs.join()) say(e.id, `members ${ours.join(' ')}, objdump ${theirs.join(' ')}`);
        break;
      }
      case CTF_K_ENUM: {
        // libctf reports every enum's size as the int size, whatever the record says.
        if (o.text !== `enum ${t.name}`.trimEnd()) say(e.id, `"enum ${t.name}", objdump "${o.text}"`);
        const ours = t.values.map((v) => `${v.name}=${v.value}`).join();
        const theirs = o.enumerators.map((v) => `${v.name}=${v.value}`).join();
        if (ours !== theirs) say(e.id, `enumerators ${ours}, objdump ${theirs}`);
        break;
      }
      case CTF_K_FORWARD: {
        const want = `${tagOf(t.fwdKind)} ${t.name}`;
        if (o.text !== want) say(e.id, `"${want}", objdump "${o.text}"`);
        break;
      }
    }
  }
  const pairs = (xs: { name?: string; type: number }[]) => xs.map((x) => `${x.name}=0x${x.type.toString(16)}`).join(' ');
  const odPairs = (xs: [string, number][]) => xs.map(([n, id]) => `${n}=0x${id.toString(16)}`).join(' ');
  if (dict.objectsIndexed || dict.objects().length === 0) {
    if (pairs(dict.objects()) !== odPairs(od.objects)) out.push(`${od.name} data objects: ${pairs(dict.objects())}, objdump ${odPairs(od.objects)}`);
  }
  if (dict.functionsIndexed || dict.functions().length === 0) {
    if (pairs(dict.functions()) !== odPairs(od.functions)) out.push(`${od.name} functions: ${pairs(dict.functions())}, objdump ${odPairs(od.functions)}`);
  }
  if (pairs(dict.variables()) !== odPairs(od.variables)) out.push(`${od.name} variables: ${pairs(dict.variables())}, objdump ${odPairs(od.variables)}`);
  return out;
}
