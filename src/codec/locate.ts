/**
 * Finds where a part sits inside a value, rendered like a JS access path
 * (`.a.b[2]`, `.get("k")`), so an error can say which part cannot be sent.
 *
 * Only the error path uses this, so it favours clarity over speed: the fast
 * inspection walk does not track paths at all.
 */
import { Kind, kindOf } from './kind.js';

type Child = readonly [step: string, value: unknown];

/**
 * The access path from `root` to the first occurrence of `target` (identity), or
 * undefined if it is not reachable. The empty string means `root` itself.
 */
export function locate(root: unknown, target: unknown): string | undefined {
  if (root === target) return '';
  return search(root, target, new Set<object>());
}

function search(value: unknown, target: unknown, seen: Set<object>): string | undefined {
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  for (const [step, child] of childrenOf(value)) {
    if (child === target) return step;
    const rest = search(child, target, seen);
    if (rest !== undefined) return step + rest;
  }
  return undefined;
}

/** The parts of an object the codec sends, with the path step to each. Mirrors inspect.ts. */
function childrenOf(object: object): Child[] {
  switch (kindOf(object)) {
    case Kind.Record:
    case Kind.Instance:
      return propertiesOf(object);
    case Kind.Array:
      return Array.from(object as unknown[], (item, i): Child => [`[${i}]`, item]);
    case Kind.Map:
    case Kind.MapSubclass:
      return mapEntriesOf(object as Map<unknown, unknown>);
    case Kind.Set:
      return Array.from(object as Set<unknown>, (item, i): Child => [`[set entry #${i}]`, item]);
    case Kind.Error:
      return errorPartsOf(object as Error);
    default:
      return [];
  }
}

function propertiesOf(object: object): Child[] {
  return Object.keys(object).map((key): Child => [propertyStep(key), (object as Record<string, unknown>)[key]]);
}

function mapEntriesOf(map: Map<unknown, unknown>): Child[] {
  const children: Child[] = [];
  let i = 0;
  for (const [key, value] of map) {
    children.push([`[map key #${i}]`, key], [`.get(${mapKeyLabel(key, i)})`, value]);
    i++;
  }
  return children;
}

// Only what inspect.ts checks: other fields are dropped rather than refused.
function errorPartsOf(error: Error): Child[] {
  const children: Child[] = [];
  if (Object.hasOwn(error, 'cause')) children.push(['.cause', error.cause]);
  if (error instanceof AggregateError) children.push(['.errors', error.errors]);
  return children;
}

function propertyStep(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function mapKeyLabel(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean' || key === null || key === undefined) return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `<key #${index}>`;
}
