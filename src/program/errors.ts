/**
 * Errors of the object model. Each is a VirtmemError, so the CLI prints it as
 * one line: a lookup that found nothing (names the kernel and the type source),
 * an operation the C type does not allow (member of an int, deref of void *),
 * and a walk (list, hlist, rbtree, xarray) that met a corrupt structure: a
 * cycle, a length past its limit, a NULL or unreadable link. A WalkError says
 * how many entries were good before it, so a caller can show a marked partial
 * result instead of nothing.
 */
import { VirtmemError } from '../bytes/index.js';

const hex = (a: bigint) => '0x' + a.toString(16);

/** A name (variable, type, member) the kernel's symbols or types do not have. */
export class LookupError extends VirtmemError {
  override name = 'LookupError';
}

/** An operation C does not allow on this type (p.x on an int, *v on void *). */
export class ObjectError extends VirtmemError {
  override name = 'ObjectError';
}

/** Why a walk stopped early. */
export type WalkProblem =
  /** a node was met twice (the list loops somewhere other than its head) */
  | 'cycle'
  /** more nodes than the walk's limit */
  | 'limit'
  /** a link could not be read (hole in the dump, page not present) */
  | 'fault'
  /** a link is impossible: NULL next, prev not pointing back, tree too deep */
  | 'corrupt';

/** A walk over a kernel structure stopped at a bad link. */
export class WalkError extends VirtmemError {
  override name = 'WalkError';
  constructor(
    /** What was walked, e.g. "list at 0xffffffff82a14f08". */
    readonly what: string,
    readonly problem: WalkProblem,
    /** The node (or link) where the walk stopped. */
    readonly address: bigint,
    /** Entries yielded before the problem. */
    readonly count: number,
    detail: string,
  ) {
    super(`${what}: ${detail} at ${hex(address)} after ${count} entries`);
  }
}
