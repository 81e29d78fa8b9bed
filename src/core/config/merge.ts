/**
 * Helm-style deep merge: objects merge key by key; arrays, scalars and null replace. Pure: the
 * inputs are not modified.
 */
import { ownValue, setOwnKey } from '../format/own-keys.js';

export type Plain = { [k: string]: unknown };

export const isPlainObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) setOwnKey(out, k, deepMerge(ownValue(base, k), v));
  return out;
}

/** Removes null members recursively (a null leaf in Helm values means "not set"). */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  const out: Plain = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) setOwnKey(out, k, dropNulls(x));
  return out;
}

/** Freezes a JSON-like value and everything under it. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
