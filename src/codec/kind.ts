/**
 * What the codec does with each object it meets inside a structured value.
 *
 * The answer follows structured-clone rules, adjusted to what msgpackr encodes
 * correctly on its own (Leaf, Record, Array, Map, Set) and what the codec must
 * first rewrite into one of its wire types (Error, Boxed, MapSubclass, ViewSubclass).
 */
import { types } from 'node:util';

/** The kinds of object, see {@link kindOf}. */
export const Kind = {
  /** Own enumerable string-keyed properties: plain and null-prototype objects. */
  Record: 0,
  /** Arrays and Array subclasses: indices 0..length-1. */
  Array: 1,
  /** No children, and msgpackr's built-in encoding is right: Date, RegExp, ArrayBuffer, typed arrays, DataView, Buffer. */
  Leaf: 2,
  Map: 3,
  /** Set and its subclasses (msgpackr's Set extension matches subclasses too). */
  Set: 4,
  /** Errors: msgpackr would drop the stack, own fields and the difference between no cause and an undefined one. */
  Error: 5,
  /** new Number(1), new String('s'), Object(1n), new Boolean(false): msgpackr would write `{}`. */
  Boxed: 6,
  /** A Map subclass: msgpackr would write it as an empty object. */
  MapSubclass: 7,
  /** A typed array subclass: msgpackr names typed arrays by class name and would fail to decode it. */
  ViewSubclass: 8,
  /** An instance of some other class: sent as a Record if structured clone accepts it (see {@link instanceProblem}). */
  Instance: 9,
  /** Never sendable: proxies, module namespaces, boxed symbols, SharedArrayBuffer. */
  Unsendable: 10,
} as const;

/** One of the {@link Kind} values. */
export type Kind = (typeof Kind)[keyof typeof Kind];

const STANDARD_VIEW_PROTOS = new Set<object>([
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  Buffer.prototype,
  DataView.prototype,
]);

/** Whether element `i` of `array` is a hole (absent, though it reads as undefined), which msgpackr would write as undefined. */
export function isHole(array: readonly unknown[], i: number, item: unknown = array[i]): boolean {
  return item === undefined && !(i in array);
}

/** Classifies an object met inside a value. Plain objects and arrays are answered first: they are most of the traffic. */
export function kindOf(object: object): Kind {
  // Checked before anything reads the object, because a proxy's traps would answer instead.
  if (types.isProxy(object)) return Kind.Unsendable;
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === Object.prototype) return Kind.Record;
  if (proto === Array.prototype) return Kind.Array;
  if (proto === null) return types.isModuleNamespaceObject(object) ? Kind.Unsendable : Kind.Record;
  return kindOfOther(object, proto as object);
}

function kindOfOther(object: object, proto: object): Kind {
  if (Array.isArray(object)) return Kind.Array;
  if (ArrayBuffer.isView(object)) return STANDARD_VIEW_PROTOS.has(proto) ? Kind.Leaf : Kind.ViewSubclass;
  if (object instanceof Date || object instanceof RegExp || types.isArrayBuffer(object)) return Kind.Leaf;
  if (object instanceof Map) return proto === Map.prototype ? Kind.Map : Kind.MapSubclass;
  if (object instanceof Set) return Kind.Set;
  if (object instanceof Error) return Kind.Error;
  if (types.isBoxedPrimitive(object)) return types.isSymbolObject(object) ? Kind.Unsendable : Kind.Boxed;
  if (types.isSharedArrayBuffer(object)) return Kind.Unsendable;
  return Kind.Instance;
}

// Prototypes whose instances structured clone has copied as plain objects. A
// prototype decides whether an object has internal state clone cannot copy, so
// one successful probe answers for every later instance. Refusals are not
// cached: they are the error path, and a refusal may come from the contents.
const plainInstanceProtos = new WeakSet<object>();

/**
 * Why an {@link Kind.Instance} object cannot be sent, or undefined if it can
 * (as a plain object of its own enumerable properties, like structured clone).
 * Node's structuredClone is the judge, consulted once per prototype: it rejects
 * objects with internal state (Promise, WeakMap, Intl objects...), and objects it
 * copies as something other than a plain object (Blob, KeyObject) are platform
 * objects that cannot leave this process.
 */
export function instanceProblem(object: object): string | undefined {
  const proto = Object.getPrototypeOf(object) as object;
  if (plainInstanceProtos.has(proto)) return undefined;
  let copy: unknown;
  try {
    copy = structuredClone(object);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (Object.getPrototypeOf(copy) !== Object.prototype) {
    return 'it is a platform object that cannot leave this process';
  }
  plainInstanceProtos.add(proto);
  return undefined;
}

/** Why an {@link Kind.Unsendable} object cannot be sent. */
export function unsendableReason(object: object): string {
  if (types.isProxy(object)) return 'structured clone cannot copy a Proxy';
  if (types.isSharedArrayBuffer(object)) return 'shared memory cannot cross processes; copy it into an ArrayBuffer';
  return 'structured clone cannot copy it';
}

/** Names a value for an error message: "a function named f", "a WeakMap". */
export function describe(value: unknown): string {
  if (typeof value === 'function') return value.name ? `a function named ${value.name}` : 'a function';
  if (typeof value === 'symbol') return `a symbol (${String(value)})`;
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  if (types.isProxy(value)) return 'a Proxy';
  return withArticle(typeName(value));
}

function typeName(object: object): string {
  const proto: unknown = Object.getPrototypeOf(object);
  const ctor: unknown = proto === null ? undefined : (proto as { constructor?: unknown }).constructor;
  if (typeof ctor === 'function' && ctor.name) return ctor.name;
  return Object.prototype.toString.call(object).slice(8, -1);
}

function withArticle(name: string): string {
  return /^[AEIOU]/i.test(name) ? `an ${name}` : `a ${name}`;
}
