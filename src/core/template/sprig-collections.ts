/**
 * Sprig v3 list and dict functions (list.go, dict.go), including mergo's merge rules for
 * merge/mergeOverwrite. Lists come back as []interface{} (JS arrays), dicts as
 * map[string]interface{} (plain objects). Keys are written without touching prototypes.
 */
import { FuncError, fn, type FuncMap } from './funcs.js';
import { deepEqual, getKey, isEmpty, listArg, mapArg, setKey, strval, toInt64 } from './sprig-conv.js';
import { goTypes, ANY_MAP, type SliceType } from './types.js';
import { GoMap, GoSlice, GoStruct, isPlainMap, mapKeys, sliceItems } from './values.js';

function mustSlice(list: unknown, indices: readonly unknown[]): unknown {
  const items = sliceItems(list);
  if (items === undefined) throw new FuncError(`list should be type of slice or array but ${list === null || list === undefined ? 'invalid' : typeof list === 'string' ? 'string' : 'map'}`);
  if (items.length === 0) return null;
  const start = indices.length > 0 ? Number(toInt64(indices[0])) : 0;
  const end = indices.length > 1 ? Number(toInt64(indices[1])) : items.length;
  if (start < 0 || end > items.length || start > end) throw new FuncError(`reflect: slice index out of range`);
  return items.slice(start, end);
}

function untilStep(start: bigint, stop: bigint, step: bigint): GoSlice {
  const v: bigint[] = [];
  if (stop < start) {
    if (step < 0n) for (let i = start; i > stop; i += step) v.push(i);
  } else if (step > 0n) {
    for (let i = start; i < stop; i += step) v.push(i);
  }
  return new GoSlice(goTypes.type('[]int') as SliceType, v);
}

function seq(...params: bigint[]): string {
  let r: GoSlice;
  if (params.length === 1) {
    const end = params[0] as bigint;
    const inc = end < 1n ? -1n : 1n;
    r = untilStep(1n, end + inc, inc);
  } else if (params.length === 2) {
    const [start = 0n, end = 0n] = params;
    const step = end < start ? -1n : 1n;
    r = untilStep(start, end + step, step);
  } else if (params.length === 3) {
    const [start = 0n, step = 0n, end = 0n] = params;
    let inc = 1n;
    if (end < start) {
      inc = -1n;
      if (step > 0n) return '';
    }
    r = untilStep(start, end + inc, step);
  } else {
    return '';
  }
  return (r.raw as bigint[]).join(' ');
}

/** mergo.Merge / mergo.Merge(WithOverride) for map[string]interface{} trees. */
export function deepMerge(dst: Record<string, unknown>, src: Record<string, unknown>, overwrite: boolean): void {
  for (const k of Object.keys(src)) {
    const sv = src[k];
    const has = Object.hasOwn(dst, k);
    const dv = has ? dst[k] : undefined;
    if (sv === null || sv === undefined) {
      if (overwrite) setKey(dst, k, null);
      continue;
    }
    if (isPlainMap(sv) && isPlainMap(dv)) {
      deepMerge(dv, sv, overwrite);
      continue;
    }
    if (Array.isArray(sv)) {
      if (!has || isEmpty(dv) || (overwrite && sv.length > 0)) setKey(dst, k, sv);
      continue;
    }
    if (overwrite || !has || isEmpty(dv)) setKey(dst, k, sv);
  }
}

function deepCopy(v: unknown): unknown {
  if (v instanceof GoStruct) return new GoStruct(v.type, structuredClone(v.raw), v.isPtr);
  if (v instanceof GoMap || v instanceof GoSlice) return v.raw === null ? v : new (v.constructor as new (t: unknown, r: unknown) => unknown)(v.type, structuredClone(v.raw));
  if (Array.isArray(v)) return v.map(deepCopy);
  if (isPlainMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setKey(out, k, deepCopy(v[k]));
    return out;
  }
  return v;
}

function dig(...ps: unknown[]): unknown {
  if (ps.length < 3) throw new FuncError('dig needs at least three arguments');
  let dict = ps[ps.length - 1];
  const def = ps[ps.length - 2];
  const keys = ps.slice(0, -2);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k !== 'string') throw new FuncError(`interface conversion: interface {} is ${typeof k === 'bigint' ? 'int' : 'float64'}, not string`);
    if (!isPlainMap(dict)) throw new FuncError('interface conversion: interface {} is not map[string]interface {}');
    if (!Object.hasOwn(dict, k)) return def;
    dict = dict[k];
  }
  return dict;
}

const list = (...v: unknown[]): unknown[] => v;

export const SPRIG_COLLECTIONS: FuncMap = {
  list: fn([], list, 'any'),
  tuple: fn([], list, 'any'),
  push: fn(['any', 'any'], (l: unknown, v: unknown) => [...listArg(l, 'push'), v]),
  append: fn(['any', 'any'], (l: unknown, v: unknown) => [...listArg(l, 'push'), v]),
  mustPush: fn(['any', 'any'], (l: unknown, v: unknown) => [...listArg(l, 'push'), v]),
  mustAppend: fn(['any', 'any'], (l: unknown, v: unknown) => [...listArg(l, 'push'), v]),
  prepend: fn(['any', 'any'], (l: unknown, v: unknown) => [v, ...listArg(l, 'prepend')]),
  mustPrepend: fn(['any', 'any'], (l: unknown, v: unknown) => [v, ...listArg(l, 'prepend')]),
  first: fn(['any'], (l: unknown) => listArg(l, 'find first')[0] ?? null),
  mustFirst: fn(['any'], (l: unknown) => listArg(l, 'find first')[0] ?? null),
  last: fn(['any'], (l: unknown) => listArg(l, 'find last').at(-1) ?? null),
  mustLast: fn(['any'], (l: unknown) => listArg(l, 'find last').at(-1) ?? null),
  rest: fn(['any'], (l: unknown) => (listArg(l, 'find rest').length === 0 ? null : listArg(l, 'find rest').slice(1))),
  mustRest: fn(['any'], (l: unknown) => (listArg(l, 'find rest').length === 0 ? null : listArg(l, 'find rest').slice(1))),
  initial: fn(['any'], (l: unknown) => (listArg(l, 'find initial').length === 0 ? null : listArg(l, 'find initial').slice(0, -1))),
  mustInitial: fn(['any'], (l: unknown) => (listArg(l, 'find initial').length === 0 ? null : listArg(l, 'find initial').slice(0, -1))),
  reverse: fn(['any'], (l: unknown) => [...listArg(l, 'find reverse')].reverse()),
  mustReverse: fn(['any'], (l: unknown) => [...listArg(l, 'find reverse')].reverse()),
  uniq: fn(['any'], (l: unknown) => listArg(l, 'find uniq').reduce<unknown[]>((acc, x) => (acc.some((y) => deepEqual(x, y)) ? acc : [...acc, x]), [])),
  mustUniq: fn(['any'], (l: unknown) => listArg(l, 'find uniq').reduce<unknown[]>((acc, x) => (acc.some((y) => deepEqual(x, y)) ? acc : [...acc, x]), [])),
  without: fn(['any'], (l: unknown, ...omit: unknown[]) => listArg(l, 'find without').filter((x) => !omit.some((o) => deepEqual(x, o))), 'any'),
  mustWithout: fn(['any'], (l: unknown, ...omit: unknown[]) => listArg(l, 'find without').filter((x) => !omit.some((o) => deepEqual(x, o))), 'any'),
  has: fn(['any', 'any'], (needle: unknown, hay: unknown) => (hay === null || hay === undefined ? false : listArg(hay, 'find has').some((x) => deepEqual(x, needle)))),
  mustHas: fn(['any', 'any'], (needle: unknown, hay: unknown) => (hay === null || hay === undefined ? false : listArg(hay, 'find has').some((x) => deepEqual(x, needle)))),
  compact: fn(['any'], (l: unknown) => listArg(l, 'compact').filter((x) => !isEmpty(x))),
  mustCompact: fn(['any'], (l: unknown) => listArg(l, 'compact').filter((x) => !isEmpty(x))),
  slice: fn(['any'], (l: unknown, ...ix: unknown[]) => mustSlice(l, ix), 'any'),
  mustSlice: fn(['any'], (l: unknown, ...ix: unknown[]) => mustSlice(l, ix), 'any'),
  concat: fn([], (...lists: unknown[]) => lists.flatMap((l) => {
    const items = sliceItems(l);
    if (items === undefined) throw new FuncError(`Cannot concat type ${l === null || l === undefined ? 'invalid' : typeof l} as list`);
    return items;
  }), 'any'),
  chunk: fn(['int', 'any'], (size: bigint, l: unknown) => {
    const items = listArg(l, 'chunk');
    const n = Math.max(1, Number(size));
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    return out;
  }),
  until: fn(['int'], (count: bigint) => untilStep(0n, count, count < 0n ? -1n : 1n)),
  untilStep: fn(['int', 'int', 'int'], untilStep),
  seq: fn([], seq, 'int'),

  dict: fn([], (...v: unknown[]) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < v.length; i += 2) setKey(out, strval(v[i]), i + 1 < v.length ? v[i + 1] : '');
    return out;
  }, 'any'),
  get: fn([ANY_MAP, 'string'], (d: unknown, k: string) => {
    const m = mapArg(d);
    return Object.hasOwn(m, k) ? m[k] : '';
  }),
  set: fn([ANY_MAP, 'string', 'any'], (d: unknown, k: string, v: unknown) => {
    if (!isPlainMap(d)) throw new FuncError('assignment to entry in nil map');
    setKey(d, k, v);
    return d;
  }),
  unset: fn([ANY_MAP, 'string'], (d: unknown, k: string) => {
    if (isPlainMap(d) && Object.hasOwn(d, k)) delete d[k];
    return d;
  }),
  hasKey: fn([ANY_MAP, 'string'], (d: unknown, k: string) => Object.hasOwn(mapArg(d), k)),
  pluck: fn(['string'], (k: string, ...ds: unknown[]) => ds.map(mapArg).filter((m) => Object.hasOwn(m, k)).map((m) => m[k]), ANY_MAP),
  keys: fn([], (...ds: unknown[]) => ds.flatMap((d) => mapKeys(mapArg(d)) ?? []), ANY_MAP),
  pick: fn([ANY_MAP], (d: unknown, ...ks: string[]) => {
    const m = mapArg(d);
    const out: Record<string, unknown> = {};
    for (const k of ks) if (Object.hasOwn(m, k)) setKey(out, k, m[k]);
    return out;
  }, 'string'),
  omit: fn([ANY_MAP], (d: unknown, ...ks: string[]) => {
    const m = mapArg(d);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(m)) if (!ks.includes(k)) setKey(out, k, m[k]);
    return out;
  }, 'string'),
  values: fn([ANY_MAP], (d: unknown) => {
    const m = mapArg(d);
    return (mapKeys(m) ?? []).map((k) => getKey(m, k));
  }),
  merge: fn([ANY_MAP], (dst: unknown, ...srcs: unknown[]) => mergeInto(dst, srcs, false), ANY_MAP),
  mustMerge: fn([ANY_MAP], (dst: unknown, ...srcs: unknown[]) => mergeInto(dst, srcs, false), ANY_MAP),
  mergeOverwrite: fn([ANY_MAP], (dst: unknown, ...srcs: unknown[]) => mergeInto(dst, srcs, true), ANY_MAP),
  mustMergeOverwrite: fn([ANY_MAP], (dst: unknown, ...srcs: unknown[]) => mergeInto(dst, srcs, true), ANY_MAP),
  deepCopy: fn(['any'], deepCopy),
  mustDeepCopy: fn(['any'], deepCopy),
  dig: fn([], dig, 'any'),
};

function mergeInto(dst: unknown, srcs: readonly unknown[], overwrite: boolean): unknown {
  const target = isPlainMap(dst) ? dst : {};
  for (const s of srcs) deepMerge(target, mapArg(s), overwrite);
  return target;
}
