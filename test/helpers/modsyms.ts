/**
 * What readelf (binutils) says a module's symbols are: every named FUNC,
 * OBJECT and TLS symbol of `readelf -s -W` defined in an SHF_ALLOC section
 * (`readelf -S -W` flags with A), with its section's name, value (the offset
 * in that section, in a relocatable object), size, type and binding. The
 * judge of the profile's .virtmem.modsyms.
 */
import { spawnSync } from 'node:child_process';

export interface ReadelfModuleSymbol { name: string; section: string; value: bigint; size: bigint; type: number; bind: number }

const TYPES: Record<string, number> = { OBJECT: 1, FUNC: 2, TLS: 6 };
const BINDS: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2, UNIQUE: 10 };

export function readelfModuleSymbols(ko: string): ReadelfModuleSymbol[] {
  const secs = spawnSync('readelf', ['-S', '-W', ko], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
  const sections = new Map<number, { name: string; alloc: boolean }>();
  for (const line of secs.split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+([A-Za-z]*)\s/.exec(line);
    if (m) sections.set(Number(m[1]), { name: m[2], alloc: m[3].includes('A') });
  }
  const syms = spawnSync('readelf', ['-s', '-W', ko], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
  const out: ReadelfModuleSymbol[] = [];
  for (const line of syms.split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\w+\s+(\S+)\s+(\S+)$/.exec(line);
    if (!m || !(m[3] in TYPES) || !/^\d+$/.test(m[5])) continue;
    const s = sections.get(Number(m[5]));
    if (!s?.alloc) continue;
    out.push({ name: m[6], section: s.name, value: BigInt('0x' + m[1]), size: BigInt(m[2]), type: TYPES[m[3]], bind: BINDS[m[4]] ?? -1 });
  }
  return out;
}
