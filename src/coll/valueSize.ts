/**
 * A rough, bounded estimate of how many bytes a value takes on the wire, for
 * choosing between algorithms. It stops as soon as the estimate passes `limit`, so
 * it is cheap for large values and terminates on cyclic ones.
 */

/** True when `value` is estimated to take at most `limit` bytes. */
export function fitsInBytes(value: unknown, limit: number): boolean {
  let total = 0;
  const pending: unknown[] = [value];
  // Every pending part costs at least one byte: stop collecting once that passes the limit.
  const push = (part: unknown): boolean => {
    pending.push(part);
    return total + pending.length <= limit;
  };
  while (pending.length > 0) {
    total += ownBytes(pending.pop(), push);
    if (total + pending.length > limit) return false;
  }
  return true;
}

/** The bytes of `item` itself, handing its parts to `push` (Infinity once `push` says stop). */
function ownBytes(item: unknown, push: (part: unknown) => boolean): number {
  switch (typeof item) {
    case 'string':
      return 1 + item.length;
    case 'number':
    case 'bigint':
      return 9;
    case 'object':
      break;
    default:
      return 1;
  }
  if (item === null) return 1;
  if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) return 8 + item.byteLength;
  for (const part of partsOf(item)) if (!push(part)) return Infinity;
  return 8;
}

/** The elements, keys and values inside a container, produced lazily. */
function* partsOf(item: object): Generator<unknown> {
  if (Array.isArray(item) || item instanceof Set) {
    yield* item;
  } else if (item instanceof Map) {
    for (const [key, value] of item) yield* [key, value];
  } else {
    for (const key of Object.keys(item)) yield* [key, (item as Record<string, unknown>)[key]];
  }
}
