/**
 * .virtmem.meta: what a profile is for, as VMCOREINFO-style "KEY=value" lines
 * (format.ts lists the keys). Parsed into ProfileMeta; unknown keys are kept
 * in `all` and otherwise ignored.
 */
import { FormatError, utf8 } from '../bytes/index.js';
import { PROFILE_VERSION } from './format.js';

export interface ProfileMeta {
  version: number;
  release?: string;
  buildId?: string;
  arch?: string;
  machine?: number;
  pageSize?: number;
  banner?: string;
  /** Link-time _text. */
  text?: bigint;
  /** SYMBOL(name)=address lines. */
  symbols: Map<string, bigint>;
  builtBy?: string;
  all: Map<string, string>;
}

export function encodeMeta(m: Omit<ProfileMeta, 'version' | 'all'>): Uint8Array {
  const lines = [`PROFILE_VERSION=${PROFILE_VERSION}`];
  const add = (k: string, v: string | number | undefined) => { if (v !== undefined && v !== '') lines.push(`${k}=${String(v).replace(/\n/g, ' ')}`); };
  add('OSRELEASE', m.release);
  add('BUILD-ID', m.buildId);
  add('ARCH', m.arch);
  add('MACHINE', m.machine);
  add('PAGESIZE', m.pageSize);
  add('BANNER', m.banner);
  if (m.text !== undefined) add('TEXT', m.text.toString(16));
  for (const [k, v] of m.symbols) add(`SYMBOL(${k})`, v.toString(16));
  add('BUILT_BY', m.builtBy);
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

export function decodeMeta(body: Uint8Array, place: { source: string; section: string; offset: number }): ProfileMeta {
  const text = utf8(body);
  const all = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new FormatError(`metadata line without KEY=: ${JSON.stringify(line.slice(0, 60))}`, { ...place, format: 'virtmem profile' });
    all.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const version = Number(all.get('PROFILE_VERSION'));
  if (!Number.isInteger(version) || version < 1) throw new FormatError('metadata has no PROFILE_VERSION', { ...place, format: 'virtmem profile' });
  if (version > PROFILE_VERSION) throw new FormatError(`profile version ${version}; this virtmem reads version ${PROFILE_VERSION}`, { ...place, format: 'virtmem profile' });
  const hexv = (s: string | undefined) => (s && /^[0-9a-f]{1,16}$/i.test(s) ? BigInt('0x' + s) : undefined);
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : undefined);
  const symbols = new Map<string, bigint>();
  for (const [k, v] of all) {
    const m = /^SYMBOL\((.+)\)$/.exec(k);
    const a = hexv(v);
    if (m && a !== undefined) symbols.set(m[1], a);
  }
  return {
    version, release: all.get('OSRELEASE'), buildId: all.get('BUILD-ID')?.toLowerCase(), arch: all.get('ARCH'),
    machine: num(all.get('MACHINE')), pageSize: num(all.get('PAGESIZE')), banner: all.get('BANNER'), text: hexv(all.get('TEXT')),
    symbols, builtBy: all.get('BUILT_BY'), all,
  };
}
