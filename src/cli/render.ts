/**
 * Renderers shared by every command: a command declares its columns and yields
 * rows; this module prints them as an aligned table, JSON or CSV. A cell that
 * could not be read is an Unreadable value and prints as such; the other cells
 * and rows still print.
 */

import { Unreadable, type Cell, type Column, type Row } from '../commands/table.js';

export { Unreadable, type Cell, type Column, type Row } from '../commands/table.js';
export type Format = 'table' | 'json' | 'csv';

function cellText(v: Cell, col: Column): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Unreadable) return v.toString();
  if (typeof v === 'bigint' || typeof v === 'number') {
    return col.hex ? '0x' + v.toString(16) : v.toString();
  }
  if (Array.isArray(v)) return v.map((x) => cellText(x, col)).join(',');
  if (typeof v === 'object') return JSON.stringify(toJson(v));
  return String(v);
}

/** JSON-safe copy: bigints become decimal strings if they exceed 2^53, else numbers. */
export function toJson(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : '0x' + v.toString(16);
  if (v instanceof Unreadable) return v.toJSON();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toJson(x);
    return o;
  }
  return v;
}

export function renderTable(columns: Column[], rows: Row[]): string {
  const texts = rows.map((r) => columns.map((c) => cellText(r[c.key], c)));
  // A loop, not Math.max(...spread): a vmlinux has 150k+ rows, past the argument limit.
  const widths = columns.map((c, i) => texts.reduce((m, t) => Math.max(m, t[i].length), c.title.length));
  const line = (cells: string[]) =>
    cells.map((t, i) => (columns[i].right ? t.padStart(widths[i]) : i === cells.length - 1 ? t : t.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.title)), ...texts.map(line)].join('\n') + '\n';
}

function csvQuote(s: string): string {
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function renderCsv(columns: Column[], rows: Row[]): string {
  const out = [columns.map((c) => csvQuote(c.title)).join(',')];
  for (const r of rows) out.push(columns.map((c) => csvQuote(cellText(r[c.key], c))).join(','));
  return out.join('\n') + '\n';
}

export function renderJson(rows: unknown): string {
  return JSON.stringify(toJson(rows), null, 2) + '\n';
}

export function render(format: Format, columns: Column[], rows: Row[]): string {
  switch (format) {
    case 'json': return renderJson(rows);
    case 'csv': return renderCsv(columns, rows);
    default: return renderTable(columns, rows);
  }
}
