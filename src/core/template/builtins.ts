/**
 * Go's predefined template functions (text/template/funcs.go): and or not len index slice
 * print printf println eq ne lt le gt ge html js urlquery call.
 */
import { fn, FuncError, type FuncMap } from './funcs.js';
import { formatV, sprint, sprintln } from './go-fmt.js';
import { sprintf } from './go-sprintf.js';
import { GoEnum, GoMap, GoPtr, GoSlice, GoStruct, byteLength, isNilish, isPlainMap, isTrue, mapLookup, mapZero, sliceItems, typeName } from './values.js';

type BasicKind = 'bool' | 'int' | 'float' | 'string';

function basicKind(v: unknown): BasicKind | undefined {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    default:
      return v instanceof GoEnum ? 'int' : undefined;
  }
}

function asBasic(v: unknown): unknown {
  return v instanceof GoEnum ? BigInt(v.value) : v;
}

/** Go's indirectInterface: a nil interface becomes "no value". */
function unnil(v: unknown): unknown {
  return v === null ? undefined : v;
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

export function goEq(arg1: unknown, ...arg2: unknown[]): boolean {
  const a = unnil(arg1);
  if (arg2.length === 0) throw new FuncError(errNoComparison);
  const k1 = basicKind(a);
  for (const raw of arg2) {
    const b = unnil(raw);
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if (a !== undefined && b !== undefined) throw new FuncError(errBadComparison);
    } else if (k1 !== undefined) {
      truth = asBasic(a) === asBasic(b);
    } else if (isNilish(a) || isNilish(b)) {
      truth = isNilish(a) === isNilish(b);
    } else if (a instanceof GoStruct && b instanceof GoStruct) {
      truth = a.type === b.type && a.isPtr === b.isPtr && JSON.stringify(a.raw) === JSON.stringify(b.raw);
    } else if (Array.isArray(b) || b instanceof GoSlice || isPlainMap(b) || b instanceof GoMap) {
      throw new FuncError(`non-comparable type ${formatV(b)}: ${typeName(b)}`);
    } else {
      truth = a === b;
    }
    if (truth) return true;
  }
  return false;
}

function goLt(arg1: unknown, arg2: unknown): boolean {
  const a = unnil(arg1);
  const b = unnil(arg2);
  const k1 = basicKind(a);
  if (k1 === undefined) throw new FuncError(errBadComparisonType);
  const k2 = basicKind(b);
  if (k2 === undefined) throw new FuncError(errBadComparisonType);
  if (k1 !== k2) throw new FuncError(errBadComparison);
  if (k1 === 'bool') throw new FuncError(errBadComparisonType);
  return (asBasic(a) as number) < (asBasic(b) as number);
}

function indexArg(index: unknown, cap: number): number {
  const i = unnil(index);
  let x: bigint;
  if (typeof i === 'bigint') x = i;
  else if (i instanceof GoEnum) x = BigInt(i.value);
  else if (i === undefined) throw new FuncError('cannot index slice/array with nil');
  else throw new FuncError(`cannot index slice/array with type ${typeName(i)}`);
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function mapKey(index: unknown): string {
  const k = unnil(index);
  if (typeof k === 'string') return k;
  if (k === undefined) throw new FuncError('value is nil; should be of type string');
  throw new FuncError(`value has type ${typeName(k)}; should be string`);
}

export function goIndex(item: unknown, ...indexes: unknown[]): unknown {
  let v = unnil(item);
  if (v === undefined) throw new FuncError('index of untyped nil');
  for (const index of indexes) {
    if (v instanceof GoPtr) {
      if (v.target === undefined) throw new FuncError('index of nil pointer');
      v = v.target;
    }
    if (v === null || v === undefined) throw new FuncError('index of untyped nil');
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      const x = indexArg(index, bytes.length);
      if (x >= bytes.length) throw new FuncError(`index out of range: ${x}`);
      v = BigInt(bytes[x] as number);
      continue;
    }
    const items = sliceItems(v);
    if (items !== undefined) {
      const x = indexArg(index, items.length);
      if (x >= items.length) throw new FuncError(`index out of range: ${x}`);
      v = items[x];
      continue;
    }
    if (v instanceof GoMap || isPlainMap(v)) {
      const r = mapLookup(v, mapKey(index));
      v = r.found ? r.value : mapZero(v);
      continue;
    }
    throw new FuncError(`can't index item of type ${typeName(v)}`);
  }
  return v;
}

function goSlice(item: unknown, ...indexes: unknown[]): unknown {
  const v = unnil(item);
  if (v === undefined) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof v === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    len = byteLength(v);
  } else {
    const items = sliceItems(v);
    if (items === undefined) throw new FuncError(`can't slice item of type ${typeName(v)}`);
    len = items.length;
  }
  const idx = [0, len, len];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  const [lo = 0, hi = len] = idx;
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  if (indexes.length === 3 && hi > (idx[2] ?? len)) throw new FuncError(`invalid slice index: ${hi} > ${idx[2]}`);
  if (typeof v === 'string') return Buffer.from(v, 'utf8').subarray(lo, hi).toString('utf8');
  if (v instanceof GoSlice) return new GoSlice(v.type, (v.raw ?? []).slice(lo, hi));
  return (v as unknown[]).slice(lo, hi);
}

function goLen(item: unknown): bigint {
  let v = item;
  if (v instanceof GoPtr) {
    if (v.target === undefined) throw new FuncError('len of nil pointer');
    v = v.target;
  }
  if (v === undefined || v === null) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (typeof v === 'string') return BigInt(byteLength(v));
  const items = sliceItems(v);
  if (items !== undefined) return BigInt(items.length);
  if (v instanceof GoMap) return BigInt(v.raw ? Object.keys(v.raw).length : 0);
  if (isPlainMap(v)) return BigInt(Object.keys(v).length);
  throw new FuncError(`len of type ${typeName(v)}`);
}

/** Go's evalArgs for html/js/urlquery: a lone string as is, else fmt.Sprint of printable values. */
function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a instanceof GoPtr && a.target !== undefined ? a.target : a)));
}

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] ?? c);
}

const JS_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
      default:
        break;
    }
    if (cp < 0x20) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (cp < 0x80 || JS_PRINTABLE.test(ch)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function goCall(name: string, f: unknown, ...args: unknown[]): unknown {
  if (f === undefined || f === null) throw new FuncError(`call of nil`);
  if (typeof f !== 'function') throw new FuncError(`non-function ${name} of type ${typeName(f)}`);
  return (f as (...a: unknown[]) => unknown)(...args);
}

export const BUILTINS: FuncMap = {
  and: fn(['value'], (a: unknown) => a, 'value'),
  or: fn(['value'], (a: unknown) => a, 'value'),
  not: fn(['value'], (a: unknown) => !isTrue(a)[0]),
  len: fn(['value'], goLen),
  index: fn(['value'], goIndex, 'value'),
  slice: fn(['value'], goSlice, 'value'),
  print: fn([], (...a: unknown[]) => sprint(a), 'any'),
  printf: fn(['string'], (f: string, ...a: unknown[]) => sprintf(f, a), 'any'),
  println: fn([], (...a: unknown[]) => sprintln(a), 'any'),
  eq: fn(['value'], goEq, 'value'),
  ne: fn(['value', 'value'], (a: unknown, b: unknown) => !goEq(a, b)),
  lt: fn(['value', 'value'], goLt),
  le: fn(['value', 'value'], (a: unknown, b: unknown) => goLt(a, b) || goEq(a, b)),
  gt: fn(['value', 'value'], (a: unknown, b: unknown) => !goLt(a, b) && !goEq(a, b)),
  ge: fn(['value', 'value'], (a: unknown, b: unknown) => !goLt(a, b)),
  html: fn([], (...a: unknown[]) => htmlEscape(evalArgs(a)), 'any'),
  js: fn([], (...a: unknown[]) => jsEscape(evalArgs(a)), 'any'),
  urlquery: fn([], (...a: unknown[]) => queryEscape(evalArgs(a)), 'any'),
  call: fn(['value'], goCall, 'value'),
};
