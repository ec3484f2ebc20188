/**
 * The wire types tsmpi adds to msgpackr, for values its built-in encoding gets
 * wrong. rewrite.ts puts instances of these classes in place of the original
 * parts; the extensions registered here encode them and rebuild the originals.
 *
 * msgpackr extensions are process-global, so only these private classes get
 * one: other msgpackr users in the process keep msgpackr's own encoding of
 * Errors and other built-ins. The extension type codes are part of the wire
 * format: never reuse or renumber them.
 */
import { addExtension } from 'msgpackr';
import { fromCodeUnits, toCodeUnits } from './text.js';

/** Stands for -0, which msgpackr would write as the integer 0. */
export class NegativeZero {}

/** Stands for a string with unpaired surrogates, which UTF-8 cannot carry. */
export class UnpairedString {
  constructor(readonly text: string) {}
}

/** Stands for a boxed primitive (new Number(1), new String('s'), Object(1n), new Boolean(b)). */
export class BoxedPrimitive {
  constructor(readonly value: number | string | boolean | bigint) {}
}

/**
 * Stands for an Error: what structured clone keeps of it, plus its own
 * enumerable fields with primitive values. The strings may be UnpairedStrings.
 */
export class ErrorRecord {
  name: unknown = 'Error';
  message: unknown = undefined;
  stack: unknown = undefined;
  hasCause = false;
  cause: unknown = undefined;
  /** AggregateError's `errors`. */
  errors: unknown[] | undefined = undefined;
  /** Own enumerable primitive-valued properties (e.g. `code`), rewritten: a plain object or a KeyedRecord. */
  fields: object | undefined = undefined;
}

/** Stands for an object with a key msgpackr cannot keep (see isPlainKey in text.ts). */
export class KeyedRecord {
  /** Alternating keys and values, in property order. */
  constructor(readonly entries: unknown[]) {}
}

/** Stands for an array with holes, which msgpackr would fill with undefined. */
export class SparseArray {
  /** Alternating index and value of each element present, in index order. */
  constructor(
    readonly length: number,
    readonly entries: unknown[],
  ) {}
}

/** The extension type codes (msgpackr's own use 0, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff). */
export const EXT = {
  NegativeZero: 0x2d,
  Error: 0x45,
  KeyedRecord: 0x4b,
  BoxedPrimitive: 0x50,
  UnpairedString: 0x55,
  SparseArray: 0x41,
} as const;

// msgpackr's typings predate its (value, allocate, pack) form of `pack`.
type Allocate = (size: number) => { target: Uint8Array; targetView: DataView; position: number };
interface ExtensionSpec {
  Class: new (...args: never[]) => object;
  type: number;
  pack?: (value: never, allocate: Allocate) => void;
  unpack?: () => unknown;
  write?: (value: never) => unknown;
  read?: (data: unknown) => unknown;
}

let installed = false;

/** Registers the extensions with msgpackr (once per process; later calls do nothing). */
export function installExtensions(): void {
  if (installed) return;
  installed = true;
  const specs: ExtensionSpec[] = [
    { Class: NegativeZero, type: EXT.NegativeZero, pack: packNegativeZero, unpack: () => -0 },
    { Class: BoxedPrimitive, type: EXT.BoxedPrimitive, write: writeBoxed, read: readBoxed },
    { Class: ErrorRecord, type: EXT.Error, write: writeError, read: readError },
    { Class: KeyedRecord, type: EXT.KeyedRecord, write: (r: KeyedRecord) => r.entries, read: readKeyed },
    { Class: UnpairedString, type: EXT.UnpairedString, write: (u: UnpairedString) => toCodeUnits(u.text), read: readUnpaired },
    { Class: SparseArray, type: EXT.SparseArray, write: (a: SparseArray) => [a.length, a.entries], read: readSparse },
  ];
  for (const spec of specs) addExtension(spec as unknown as Parameters<typeof addExtension>[0]);
}

// A plain MessagePack float64, so decoding needs no extension at all.
function packNegativeZero(_value: NegativeZero, allocate: Allocate): void {
  const { target, targetView, position } = allocate(9);
  target[position] = 0xcb;
  targetView.setFloat64(position + 1, -0);
}

function readUnpaired(units: unknown): string {
  if (!(units instanceof Uint16Array)) throw new TypeError('malformed string');
  return fromCodeUnits(units);
}

function writeBoxed(boxed: BoxedPrimitive): unknown {
  return Object.is(boxed.value, -0) ? new NegativeZero() : boxed.value;
}

function readBoxed(value: unknown): unknown {
  const type = typeof value;
  if (type !== 'number' && type !== 'string' && type !== 'boolean' && type !== 'bigint') {
    throw new TypeError('malformed boxed primitive');
  }
  return Object(value);
}

function writeError(record: ErrorRecord): unknown[] {
  const { name, message, stack, hasCause, cause, errors, fields } = record;
  return [name, message, stack, hasCause, cause, errors, fields];
}

const ERROR_CLASSES: Readonly<Record<string, ErrorConstructor>> = Object.assign(Object.create(null) as object, {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
});

function readError(data: unknown): Error {
  if (!Array.isArray(data) || typeof data[0] !== 'string') throw new TypeError('malformed Error record');
  const [name, message, stack, hasCause, cause, errors, fields] = data as unknown[];
  const options = hasCause === true ? { cause } : undefined;
  const text = typeof message === 'string' ? message : undefined;
  const error =
    name === 'AggregateError'
      ? new AggregateError(Array.isArray(errors) ? errors : [], text, options)
      : new (ERROR_CLASSES[name as string] ?? Error)(text, options);
  if (typeof fields === 'object' && fields !== null) assignFields(error, fields);
  // Set after the fields: assigning to a defined `name` would keep it non-enumerable.
  if (error.name !== name) hide(error, 'name', name);
  if (typeof stack === 'string') hide(error, 'stack', stack);
  else delete error.stack;
  return error;
}

function assignFields(target: object, fields: object): void {
  for (const key of Object.keys(fields)) setOwn(target, key, (fields as Record<string, unknown>)[key]);
}

/** The longest array JavaScript allows. */
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

function readSparse(data: unknown): unknown[] {
  const [length, entries] = Array.isArray(data) ? (data as unknown[]) : [];
  if (!Number.isInteger(length) || (length as number) < 0 || (length as number) > MAX_ARRAY_LENGTH) throw new TypeError('malformed sparse array');
  if (!Array.isArray(entries) || entries.length % 2 !== 0) throw new TypeError('malformed sparse array');
  const array = new Array<unknown>(length as number);
  for (let i = 0; i < entries.length; i += 2) {
    const index = entries[i];
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= (length as number)) throw new TypeError('malformed sparse array');
    array[index as number] = entries[i + 1];
  }
  return array;
}

function readKeyed(entries: unknown): object {
  if (!Array.isArray(entries) || entries.length % 2 !== 0) throw new TypeError('malformed keyed record');
  const record: Record<string, unknown> = {};
  for (let i = 0; i < entries.length; i += 2) setOwn(record, String(entries[i]), entries[i + 1]);
  return record;
}

/** Sets an own enumerable property; a `__proto__` key would otherwise replace the prototype. */
function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    (target as Record<string, unknown>)[key] = value;
  }
}

/** Defines a non-enumerable own property, the way Error's own `name`, `message` and `stack` are. */
function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}
