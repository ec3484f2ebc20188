/**
 * Strings that MessagePack cannot carry as they are. MessagePack strings are
 * UTF-8, which has no encoding for an unpaired UTF-16 surrogate (msgpackr would
 * write U+FFFD instead), so such strings travel as their UTF-16 code units.
 */

// String#isWellFormed is in Node 20 but not in the ES2023 typings.
const wellFormed = (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed;

/** Whether `text` has no unpaired surrogates, so UTF-8 can carry it unchanged. */
export function isWellFormed(text: string): boolean {
  return wellFormed.call(text);
}

/** Whether msgpackr keeps this property key as it is; objects with other keys are sent as KeyedRecords. */
export function isPlainKey(key: string): boolean {
  // msgpackr renames a `__proto__` key on decode, to protect naive consumers.
  return key !== '__proto__' && isWellFormed(key);
}

/** The UTF-16 code units of `text`. */
export function toCodeUnits(text: string): Uint16Array {
  const units = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return units;
}

// fromCharCode takes its units as arguments, and argument counts are limited.
const CHUNK = 8192;

/** The string made of these UTF-16 code units. */
export function fromCodeUnits(units: Uint16Array): string {
  let text = '';
  for (let i = 0; i < units.length; i += CHUNK) {
    text += String.fromCharCode(...units.subarray(i, i + CHUNK));
  }
  return text;
}
