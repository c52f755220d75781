/**
 * What a command's output is made of: declared columns and rows of cells. A
 * cell that could not be read is an Unreadable (with the reason) and the rest
 * of the row and the other rows still come. Renderers (table, JSON, CSV) live
 * in cli/render.ts; commands never format output themselves.
 */

/** A cell whose value could not be read (with the reason, for --json). */
export class Unreadable {
  constructor(readonly reason: string) {}
  toString(): string { return '<unreadable>'; }
  toJSON(): unknown { return { unreadable: this.reason }; }
}

export type Cell = string | number | bigint | boolean | null | undefined | Unreadable | Cell[] | { [k: string]: Cell };

export interface Column {
  /** Key in the row object. */
  key: string;
  /** Header shown in the table and CSV. */
  title: string;
  /** Right-align (numbers). */
  right?: boolean;
  /** Print numbers/bigints as hex. */
  hex?: boolean;
}

export type Row = Record<string, Cell>;

/**
 * Run `read` for one cell: its value, or an Unreadable carrying the error's
 * message when a VirtmemError (memory fault, missing member, bad walk) stops it.
 * Bugs (other exceptions) are not hidden.
 */
export function cell<T extends Cell>(read: () => T, isExpected: (e: unknown) => boolean): T | Unreadable {
  try {
    return read();
  } catch (e) {
    if (!isExpected(e)) throw e;
    return new Unreadable((e as Error).message);
  }
}
