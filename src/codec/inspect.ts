/**
 * The one walk over a structured value before it is encoded. It refuses what
 * cannot be sent (nothing is encoded then) and reports whether msgpackr needs a
 * rewritten copy (see rewrite.ts) because the value holds something it would
 * encode wrongly: -0, a string with unpaired surrogates (UTF-8 cannot hold
 * them), an Error, a boxed primitive, a Map or typed array subclass, an array
 * with holes, or an object with an own `__proto__` key.
 *
 * The walk tracks no paths, to stay cheap on the common path; when it refuses a
 * part, locate.ts searches for where that part sits.
 */
import { mpiError, type MpiError } from '../errors.js';
import { Kind, describe, instanceProblem, isHole, kindOf, unsendableReason } from './kind.js';
import { locate } from './locate.js';
import { isPlainKey, isWellFormed } from './text.js';

/** Thrown inside the walk to unwind to {@link inspect}, which turns it into an MpiError. */
class Refusal {
  constructor(
    readonly part: unknown,
    readonly reason: string,
  ) {}
}

// Until this many objects are walked, or while the path is this short, cycles
// are caught by the path of ancestors alone (a cycle can only lead back to an
// ancestor): much cheaper than a Set for the small values of the latency path.
// Shared parts are walked once per reference meanwhile, which the budget bounds.
const SMALL_WALK_OBJECTS = 1024;
const SMALL_WALK_DEPTH = 64;

class Walk {
  needsRewrite = false;
  private seen: Set<object> | undefined = undefined;
  private readonly ancestors: object[] = [];
  private budget = SMALL_WALK_OBJECTS;

  visit(value: unknown): void {
    switch (typeof value) {
      case 'number':
        if (value === 0 && 1 / value < 0) this.needsRewrite = true;
        return;
      case 'string':
        if (!isWellFormed(value)) this.needsRewrite = true;
        return;
      case 'object':
        if (value !== null) this.visitObject(value);
        return;
      case 'function':
        throw new Refusal(value, 'functions cannot be cloned');
      case 'symbol':
        throw new Refusal(value, 'symbols cannot be cloned');
      default:
        return; // boolean, bigint, undefined
    }
  }

  // A part seen before needs no second look: msgpackr keeps shared parts shared.
  private visitObject(object: object): void {
    if (this.seen !== undefined) {
      if (this.seen.has(object)) return;
      this.seen.add(object);
      return this.visitParts(object);
    }
    if (this.ancestors.includes(object)) return;
    if (--this.budget < 0 || this.ancestors.length >= SMALL_WALK_DEPTH) {
      this.seen = new Set(this.ancestors);
      return this.visitObject(object);
    }
    this.ancestors.push(object);
    this.visitParts(object);
    this.ancestors.pop();
  }

  private visitParts(object: object): void {
    switch (kindOf(object)) {
      case Kind.Record:
        return this.visitRecord(object);
      case Kind.Array:
        return this.visitArray(object as unknown[]);
      case Kind.Leaf:
        return;
      case Kind.MapSubclass:
        this.needsRewrite = true;
        return this.visitMap(object as Map<unknown, unknown>);
      case Kind.Map:
        return this.visitMap(object as Map<unknown, unknown>);
      case Kind.Set:
        for (const item of object as Set<unknown>) this.visit(item);
        return;
      case Kind.Error:
        this.needsRewrite = true;
        return this.visitError(object as Error);
      case Kind.Boxed:
      case Kind.ViewSubclass:
        this.needsRewrite = true;
        return;
      case Kind.Instance:
        return this.visitInstance(object);
      case Kind.Unsendable:
        throw new Refusal(object, unsendableReason(object));
    }
  }

  private visitRecord(object: object): void {
    for (const key of Object.keys(object)) {
      if (!isPlainKey(key)) this.needsRewrite = true;
      this.visit((object as Record<string, unknown>)[key]);
    }
  }

  private visitArray(array: unknown[]): void {
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if (isHole(array, i, item)) this.needsRewrite = true;
      this.visit(item);
    }
  }

  private visitMap(map: Map<unknown, unknown>): void {
    for (const [key, value] of map) {
      this.visit(key);
      this.visit(value);
    }
  }

  // Own fields are not looked at: only their primitive values are sent (see rewrite.ts).
  private visitError(error: Error): void {
    if (Object.hasOwn(error, 'cause')) this.visit(error.cause);
    if (error instanceof AggregateError) this.visit(error.errors);
  }

  private visitInstance(object: object): void {
    const problem = instanceProblem(object);
    // Look inside first: when clone refused because of a part, naming that part is more useful.
    this.visitRecord(object);
    if (problem !== undefined) throw new Refusal(object, problem);
  }
}

/**
 * Checks that `value` can be sent and tells whether it must be rewritten (see
 * rewrite.ts) before msgpackr encodes it. Throws ERR_ARG naming the first part
 * that cannot be sent and where it is, e.g. "cannot send a function named f (at .a.b[2])".
 */
export function inspect(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return inspectPrimitive(value);
  const walk = new Walk();
  try {
    walk.visit(value);
  } catch (error) {
    if (error instanceof Refusal) throw refusalError(value, error);
    throw error;
  }
  return walk.needsRewrite;
}

// Top-level primitives skip the walk's allocations: they are on the latency path.
function inspectPrimitive(value: unknown): boolean {
  if (typeof value === 'number') return value === 0 && 1 / value < 0;
  if (typeof value === 'string') return !isWellFormed(value);
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw refusalError(value, new Refusal(value, `${typeof value}s cannot be cloned`));
  }
  return false;
}

function refusalError(root: unknown, refusal: Refusal): MpiError {
  const path = locate(root, refusal.part);
  const where = path === undefined ? '' : path === '' ? ' (the value itself)' : ` (at ${path})`;
  return mpiError('ERR_ARG', `cannot send ${describe(refusal.part)}${where}: ${refusal.reason}`);
}
