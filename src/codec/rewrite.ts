/**
 * Builds the copy of a value that msgpackr encodes correctly: each part it
 * would get wrong (see inspect.ts) is replaced by one of the wire types of
 * extensions.ts. Used only when inspect() asks for it, since it copies every
 * container; binary leaves are shared, not copied (a typed-array subclass becomes
 * its base class over the same bytes, or a copy when it is 64 bytes or fewer or a small
 * part of its buffer).
 *
 * Sharing and cycles carry over: each object is copied once, and every
 * reference to it points at the one copy, which msgpackr then keeps shared.
 */
import { mpiError } from '../errors.js';
import { bytesOf, dtypeOf, fromBytes } from './dtype.js';
import { BoxedPrimitive, ErrorRecord, KeyedRecord, NegativeZero, SparseArray, UnpairedString } from './extensions.js';
import { Kind, isHole, kindOf } from './kind.js';
import { isPlainKey, isWellFormed } from './text.js';

/** A copy of an already inspected `value` with wire types in place of the parts msgpackr gets wrong. */
export function rewriteForWire(value: unknown): unknown {
  return new Rewrite().copy(value);
}

class Rewrite {
  private readonly copies = new Map<object, unknown>();
  // Wire-type stand-ins still being filled. msgpackr rebuilds an extension value
  // only after reading all of its content, so a reference back into one from its
  // own content would decode as a plain placeholder object: refuse it instead.
  private readonly open = new Set<unknown>();

  copy(value: unknown): unknown {
    if (typeof value === 'number') return value === 0 && 1 / value < 0 ? new NegativeZero() : value;
    if (typeof value === 'string') return isWellFormed(value) ? value : new UnpairedString(value);
    if (typeof value !== 'object' || value === null) return value;
    if (this.copies.has(value)) return this.existing(value);
    switch (kindOf(value)) {
      case Kind.Array:
        return this.copyArray(value as unknown[]);
      case Kind.Map:
      case Kind.MapSubclass:
        return this.copyMap(value as Map<unknown, unknown>);
      case Kind.Set:
        return this.copySet(value as Set<unknown>);
      case Kind.Error:
        return this.copyError(value as Error);
      case Kind.Boxed:
        return this.remember(value, new BoxedPrimitive((value as { valueOf(): BoxedPrimitive['value'] }).valueOf()));
      case Kind.ViewSubclass:
        return this.remember(value, fromBytes(dtypeOf(value), bytesOf(value as ArrayBufferView)));
      case Kind.Leaf:
        return value;
      default:
        // Records and class instances alike become plain objects, as in structured clone.
        return this.copyRecord(value);
    }
  }

  private existing(value: object): unknown {
    const copy = this.copies.get(value);
    if (this.open.has(copy)) {
      throw mpiError(
        'ERR_ARG',
        'cannot send an Error, an array with holes, or an object with a `__proto__` or unpaired-surrogate key, that refers back to itself',
      );
    }
    return copy;
  }

  private remember<T>(original: object, copy: T): T {
    this.copies.set(original, copy);
    return copy;
  }

  private copyRecord(object: object): Record<string, unknown> | KeyedRecord {
    const keys = Object.keys(object);
    if (!keys.every(isPlainKey)) return this.copyKeyed(object, keys);
    const out = this.remember(object, {} as Record<string, unknown>);
    for (const key of keys) out[key] = this.copy((object as Record<string, unknown>)[key]);
    return out;
  }

  private copyKeyed(object: object, keys: string[]): KeyedRecord {
    const out = this.remember(object, new KeyedRecord([]));
    this.open.add(out);
    for (const key of keys) out.entries.push(this.copy(key), this.copy((object as Record<string, unknown>)[key]));
    this.open.delete(out);
    return out;
  }

  private copyArray(array: unknown[]): unknown[] | SparseArray {
    if (hasHoles(array)) return this.copySparse(array);
    const out = this.remember(array, new Array<unknown>(array.length));
    for (let i = 0; i < array.length; i++) out[i] = this.copy(array[i]);
    return out;
  }

  private copySparse(array: unknown[]): SparseArray {
    const out = this.remember(array, new SparseArray(array.length, []));
    this.open.add(out);
    for (let i = 0; i < array.length; i++) if (i in array) out.entries.push(i, this.copy(array[i]));
    this.open.delete(out);
    return out;
  }

  private copyMap(map: Map<unknown, unknown>): Map<unknown, unknown> {
    const out = this.remember(map, new Map<unknown, unknown>());
    for (const [key, value] of map) out.set(this.copy(key), this.copy(value));
    return out;
  }

  private copySet(set: Set<unknown>): Set<unknown> {
    const out = this.remember(set, new Set<unknown>());
    for (const item of set) out.add(this.copy(item));
    return out;
  }

  private copyError(error: Error): ErrorRecord {
    const out = this.remember(error, new ErrorRecord());
    this.open.add(out);
    out.name = this.copy(String(error.name));
    out.message = Object.hasOwn(error, 'message') ? this.copy(String(error.message)) : undefined;
    out.stack = typeof error.stack === 'string' ? this.copy(error.stack) : undefined;
    out.hasCause = Object.hasOwn(error, 'cause');
    out.cause = out.hasCause ? this.copy(error.cause) : undefined;
    out.errors = error instanceof AggregateError ? (this.copy(Array.from(error.errors)) as unknown[]) : undefined;
    out.fields = this.copyFields(error);
    this.open.delete(out);
    return out;
  }

  // Primitive fields only (code, errno, path...): library errors often hold
  // requests, sockets or functions, and structured clone would drop every field
  // rather than refuse the error, so a field must never be a reason to refuse.
  private copyFields(error: Error): object | undefined {
    const fields: Record<string, unknown> = {};
    let count = 0;
    for (const key of Object.keys(error)) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (key === 'stack' || key === 'message' || key === 'cause' || !isPrimitive(value)) continue;
      Object.defineProperty(fields, key, { value, writable: true, enumerable: true, configurable: true });
      count++;
    }
    return count === 0 ? undefined : this.copyRecord(fields);
  }
}

function hasHoles(array: unknown[]): boolean {
  for (let i = 0; i < array.length; i++) if (isHole(array, i)) return true;
  return false;
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null || (type !== 'object' && type !== 'function' && type !== 'symbol');
}
