/**
 * Lookups and writes of keys that come from outside (annotation and label names, URL path
 * segments, configuration map keys, CNI arguments) in plain objects. A plain object inherits
 * Object.prototype's members, so `table[key]` answers a function for `constructor`, `toString`,
 * `hasOwnProperty`…, and `obj[key] = v` with `__proto__` replaces the prototype instead of adding
 * a key. These two helpers treat every key as data. (Fixed tables are better kept in a Map.)
 */

/** `obj[key]` when `obj` has `key` as its own property, else undefined. */
export function ownValue<T>(obj: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return obj !== null && obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `key` as an own enumerable data property, `__proto__` included. */
export function setOwnKey<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
