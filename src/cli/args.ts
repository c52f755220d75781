/**
 * Argument parsing on node:util's parseArgs (standard library, no dependency):
 * unknown options and missing values become UsageErrors with one-line messages.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../bytes/index.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parse(argv: string[], options: Options, usage: string): Parsed {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new UsageError(`${msg}\nusage: ${usage}`);
  }
}

/** A string option's value, or undefined. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values, in order. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** Parse a number written in decimal or 0x-hex as bigint; a UsageError otherwise. */
export function parseAddress(s: string, what = 'address'): bigint {
  const t = s.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new UsageError(`bad ${what}: ${s}`);
  return BigInt(t);
}
