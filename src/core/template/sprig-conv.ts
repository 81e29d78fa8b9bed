/**
 * Conversions shared by the sprig functions: sprig's strval/strslice, spf13/cast's ToInt64
 * and ToFloat64, reflect kinds for messages, Go's DeepEqual and sprig's `empty`.
 */
import { FuncError } from './funcs.js';
import { formatV, stringerText } from './go-fmt.js';
import { goTypes, type MapType, type SliceType } from './types.js';
import { GoEnum, GoMap, GoPtr, GoSlice, GoStruct, isPlainMap, isTrue, mapKeys, mapLookup, sliceItems, typeName } from './values.js';

/** sprig strval: strings as is, Stringers via String(), anything else fmt's %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '<nil>';
  const s = stringerText(v);
  return s ?? formatV(v);
}

/** sprig strslice: a list's elements as strings (nil elements dropped); a scalar as a 1-list. */
export function strslice(v: unknown): string[] {
  const items = sliceItems(v);
  if (items !== undefined) return items.filter((x) => x !== null && x !== undefined).map(strval);
  if (v === undefined || v === null) return [];
  return [strval(v)];
}

/** Removes the leading ptr indirection like cast's indirect(). */
function indirect(v: unknown): unknown {
  return v instanceof GoPtr ? v.target : v;
}

/** cast.ToInt64 (errors become 0, as sprig ignores them). */
export function toInt64(v: unknown): bigint {
  const x = indirect(v);
  switch (typeof x) {
    case 'bigint':
      return x;
    case 'number':
      return Number.isFinite(x) ? BigInt(Math.trunc(x)) : 0n;
    case 'boolean':
      return x ? 1n : 0n;
    case 'string': {
      const s = x.replace(/^([+-]?\d+)\.0*$/, '$1');
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|\d+)$/.exec(s);
      if (!m) return 0n;
      const [, sign, body = '0'] = m;
      let n: bigint;
      if (/^0[oO]/.test(body)) n = BigInt(`0o${body.slice(2)}`);
      else if (/^0[0-7]+$/.test(body)) n = BigInt(`0o${body.slice(1)}`);
      else n = BigInt(body);
      return sign === '-' ? -n : n;
    }
    default:
      return x instanceof GoEnum ? BigInt(x.value) : 0n;
  }
}

/** cast.ToFloat64 (errors become 0). */
export function toFloat64(v: unknown): number {
  const x = indirect(v);
  switch (typeof x) {
    case 'number':
      return x;
    case 'bigint':
      return Number(x);
    case 'boolean':
      return x ? 1 : 0;
    case 'string': {
      const f = Number(x.trim() === '' ? NaN : x);
      return Number.isNaN(f) ? 0 : f;
    }
    default:
      return x instanceof GoEnum ? x.value : 0;
  }
}

/** reflect.Kind name of a value (sprig error messages, kindOf). */
export function kindName(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func';
    case 'undefined':
      return 'invalid';
    default:
      if (v === null) return 'invalid';
      if (Array.isArray(v) || v instanceof GoSlice) return 'slice';
      if (v instanceof GoStruct) return v.isPtr ? 'ptr' : 'struct';
      if (v instanceof GoPtr) return 'ptr';
      if (v instanceof GoEnum) return 'int32';
      return 'map';
  }
}

/** sprig empty: Go truthiness, except that structs are never empty. */
export function isEmpty(v: unknown): boolean {
  return !isTrue(v)[0];
}

/** reflect.DeepEqual on template values (types must match; ints never equal floats). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeName(a) !== typeName(b)) return false;
  if (a instanceof GoEnum && b instanceof GoEnum) return a.value === b.value;
  if (a instanceof GoStruct && b instanceof GoStruct) return JSON.stringify(a.raw) === JSON.stringify(b.raw);
  if (a instanceof GoPtr && b instanceof GoPtr) return deepEqual(a.target, b.target);
  const la = sliceItems(a);
  const lb = sliceItems(b);
  if (la && lb) {
    if ((a instanceof GoSlice && a.raw === null) !== (b instanceof GoSlice && b.raw === null)) return false;
    return la.length === lb.length && la.every((x, i) => deepEqual(x, lb[i]));
  }
  const ka = mapKeys(a);
  const kb = mapKeys(b);
  if (ka && kb && (isPlainMap(a) || a instanceof GoMap) && (isPlainMap(b) || b instanceof GoMap)) {
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && deepEqual(mapLookup(a, k).value, mapLookup(b, k).value));
  }
  return false;
}

/** The elements of a list argument, with sprig's panic messages for non-lists. */
export function listArg(v: unknown, what: string): readonly unknown[] {
  if (v === undefined || v === null) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
  const items = sliceItems(v);
  if (items === undefined) throw new FuncError(`Cannot ${what} on type ${kindName(v)}`);
  return items;
}

/** A map[string]interface{} argument as a plain object (a nil map reads as empty). */
export function mapArg(v: unknown): Record<string, unknown> {
  if (v instanceof GoMap) return (v.raw ?? {}) as Record<string, unknown>;
  if (isPlainMap(v)) return v;
  return {};
}

/** Sets a key on a plain object without ever touching a prototype. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Own-property read. */
export function getKey(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A Go []string result. */
export function stringSlice(items: readonly string[] | null): GoSlice {
  return new GoSlice(goTypes.type('[]string') as SliceType, items);
}

/** A Go map[string]string result. */
export function stringMap(obj: Record<string, string>): GoMap {
  return new GoMap(goTypes.type('map[string]string') as MapType, obj);
}

/** Go string slicing by bytes: s[lo:hi]. */
export function byteSlice(s: string, lo: number, hi?: number): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.slice(lo, hi);
  return Buffer.from(s, 'utf8').subarray(lo, hi).toString('utf8');
}
