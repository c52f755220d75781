/**
 * Building model types lazily from a format's ids: the one piece the DWARF,
 * CTF and BTF converters share.
 *
 * A type graph has cycles (struct list_head { struct list_head *next; }) and
 * kernel-sized closures (task_struct reaches thousands of types), so a
 * converter neither recurses nor builds everything:
 *   1. `typeOf(id)` asks the subclass's `shallow(id)` for the object, made
 *      with what needs no other type (name, size, encoding); `shallow` stores
 *      it with `put(id, t)` and `defer`s a task filling in what points
 *      elsewhere (targets, members, parameters);
 *   2. the tasks run in order until none is left; a task asking `typeOf` for
 *      an id already stored gets the stored object, so cycles close, and any
 *      other id is made shallowly and queued in turn (no recursion);
 *   3. tasks given to `after` run once the queue is empty (fix-ups needing
 *      complete types), then `check(made)` may reject what was built.
 * If any step throws, every object stored during the call is dropped, so no
 * half-built type stays reachable; a FormatError is remembered for `id` and
 * thrown again on the next ask (the rest of the file stays readable).
 */
import { FormatError } from '../bytes/index.js';
import type { Type } from './model.js';

export abstract class LazyTypeBuilder<Id extends number> {
  /** The format name written into each type's origin. */
  abstract readonly format: string;
  private readonly cache = new Map<Id, Type>();
  /** Ids whose conversion failed, with why. */
  protected readonly broken = new Map<Id, FormatError>();
  private queue: (() => void)[] = [];
  private late: (() => void)[] = [];
  private made: Id[] = [];
  private building = false;

  /**
   * Make the object for `id` without following its references: `put` it,
   * `defer` what points elsewhere. May return a stored or shared object.
   */
  protected abstract shallow(id: Id): Type;

  /** The model type of `id`, with everything it refers to filled in once the outermost call returns. */
  typeOf(id: Id): Type {
    const c = this.cache.get(id);
    if (c) return c;
    const b = this.broken.get(id);
    if (b) throw b;
    if (this.building) return this.shallow(id);
    this.building = true;
    try {
      const t = this.shallow(id);
      for (let i = 0; i < this.queue.length; i++) this.queue[i]();
      for (let i = 0; i < this.late.length; i++) this.late[i]();
      this.check(this.made);
      return t;
    } catch (e) {
      for (const k of this.made) this.cache.delete(k);
      if (e instanceof FormatError) this.broken.set(id, e);
      throw e;
    } finally {
      this.building = false;
      this.queue = [];
      this.late = [];
      this.made = [];
    }
  }

  /** The stored object for `id`, if any (no building). */
  protected cached(id: Id): Type | undefined {
    return this.cache.get(id);
  }

  /** Store `t` as the type of `id`, with origin {format, id}. */
  protected put<T extends Type>(id: Id, t: T): T {
    t.origin = { format: this.format, id };
    return this.remember(id, t);
  }

  /** Store `t` (made for another id, or shared) as the type of `id` too, origin untouched. */
  protected remember<T extends Type>(id: Id, t: T): T {
    this.cache.set(id, t);
    this.made.push(id);
    return t;
  }

  /** Queue a task of the current call (filling in references). */
  protected defer(task: () => void): void {
    this.queue.push(task);
  }

  /** Queue a task for after the queue is empty (needs complete types). */
  protected after(task: () => void): void {
    this.late.push(task);
  }

  /** Reject what the call made (e.g. a cycle C cannot express); throw to roll back. */
  protected check(_made: readonly Id[]): void {}
}
