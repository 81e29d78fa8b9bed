/**
 * Sprig v3 functions beyond strings and collections: math (int64 and float), defaults and
 * logic, JSON/base64/hashes, type reflection, paths and semver. Functions that need the outside
 * world (environment, clock, randomness, DNS) are not here: they take injected dependencies
 * (see createSprigFuncs) or are left out on purpose.
 */
import type { createHash as CreateHash } from 'node:crypto';
import { FuncError, fn, type FuncMap } from './funcs.js';
import { goJsonMarshal, goJsonUnmarshal } from './go-json.js';
import { parseVersion, semverCheck } from './sprig-semver.js';
import { deepEqual, isEmpty, kindName, toFloat64, toInt64 } from './sprig-conv.js';
import { GoStruct, typeName } from './values.js';
import { goTypes } from './types.js';

const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);

function divZero(b: bigint): bigint {
  if (b === 0n) throw new FuncError('runtime error: integer divide by zero');
  return b;
}

/** Decimal-ish float arithmetic (sprig uses shopspring/decimal): round away binary noise. */
function dec(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(15)) : x;
}

function round(a: unknown, p: bigint, ...opt: unknown[]): number {
  const roundOn = opt.length > 0 ? toFloat64(opt[0]) : 0.5;
  const pow = 10 ** Number(p);
  const digit = pow * toFloat64(a);
  const frac = digit - Math.trunc(digit);
  return (frac >= roundOn ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(part);
    }
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s === '' ? '.' : s;
}

function basePath(p: string): string {
  if (p === '') return '.';
  const s = p.replace(/\/+$/, '');
  if (s === '') return '/';
  return s.slice(s.lastIndexOf('/') + 1);
}

function dirPath(p: string): string {
  return cleanPath(p.slice(0, p.lastIndexOf('/') + 1));
}

function extPath(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function b64dec(s: string): string {
  if (!B64.test(s)) {
    const bad = [...s].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c));
    return `illegal base64 data at input byte ${bad >= 0 ? bad : Math.floor(s.length / 4) * 4}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

const B32_ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function b32enc(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32_ALPHA[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32_ALPHA[(value << (5 - bits)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function b32dec(s: string): string {
  const clean = s.replace(/=+$/, '');
  if (!/^[A-Z2-7]*$/.test(clean) || s.length % 8 !== 0) return `illegal base32 data at input byte 0`;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of clean) {
    value = (value << 5) | B32_ALPHA.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out).toString('utf8');
}

function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

// node:crypto is loaded on first use: importing it costs every kube-inject start ~5 ms, and
// only templates that call a hash function need it. process.getBuiltinModule works in every
// form the code runs in (ES modules, and the CommonJS bundle of the single executable, which
// has no import.meta.url).
let createHash: typeof CreateHash | undefined;
const loadCreateHash = (): typeof CreateHash =>
  (createHash ??= process.getBuiltinModule('node:crypto').createHash);
const hash = (algo: string) => (s: string) => loadCreateHash()(algo).update(s, 'utf8').digest('hex');

function toJsonOrEmpty(v: unknown, opts: Parameters<typeof goJsonMarshal>[1]): string {
  try {
    return goJsonMarshal(v, opts);
  } catch {
    return '';
  }
}

function fromJson(s: string): unknown {
  try {
    return goJsonUnmarshal(s);
  } catch (e) {
    throw new FuncError((e as Error).message);
  }
}

const VERSION_TYPE = goTypes.define('semver.Version', 'major uint64\nminor uint64\npatch uint64\nprerelease string\nmetadata string\noriginal string', {
  methods: {
    Major: (raw) => BigInt(String(raw?.['major'] ?? 0)),
    Minor: (raw) => BigInt(String(raw?.['minor'] ?? 0)),
    Patch: (raw) => BigInt(String(raw?.['patch'] ?? 0)),
    Prerelease: (raw) => String(raw?.['prerelease'] ?? ''),
    Metadata: (raw) => String(raw?.['metadata'] ?? ''),
    Original: (raw) => String(raw?.['original'] ?? ''),
    String: (raw) => {
      const pre = raw?.['prerelease'] ? `-${String(raw['prerelease'])}` : '';
      const meta = raw?.['metadata'] ? `+${String(raw['metadata'])}` : '';
      return `${String(raw?.['major'])}.${String(raw?.['minor'])}.${String(raw?.['patch'])}${pre}${meta}`;
    },
  },
});

function semver(s: string): GoStruct {
  const v = parseVersion(s);
  return new GoStruct(VERSION_TYPE, { major: String(v.major), minor: String(v.minor), patch: String(v.patch), prerelease: v.prerelease, metadata: v.metadata, original: v.original }, true);
}

export const SPRIG_MISC: FuncMap = {
  hello: fn([], () => 'Hello!'),
  // Integer math (int64, wrapping like Go).
  add: fn([], (...v: unknown[]) => v.reduce<bigint>((a, b) => i64(a + toInt64(b)), 0n), 'any'),
  add1: fn(['any'], (a: unknown) => i64(toInt64(a) + 1n)),
  sub: fn(['any', 'any'], (a: unknown, b: unknown) => i64(toInt64(a) - toInt64(b))),
  div: fn(['any', 'any'], (a: unknown, b: unknown) => i64(toInt64(a) / divZero(toInt64(b)))),
  mod: fn(['any', 'any'], (a: unknown, b: unknown) => toInt64(a) % divZero(toInt64(b))),
  mul: fn(['any'], (a: unknown, ...v: unknown[]) => v.reduce<bigint>((x, y) => i64(x * toInt64(y)), toInt64(a)), 'any'),
  max: fn(['any'], (a: unknown, ...v: unknown[]) => v.map(toInt64).reduce((x, y) => (y > x ? y : x), toInt64(a)), 'any'),
  biggest: fn(['any'], (a: unknown, ...v: unknown[]) => v.map(toInt64).reduce((x, y) => (y > x ? y : x), toInt64(a)), 'any'),
  min: fn(['any'], (a: unknown, ...v: unknown[]) => v.map(toInt64).reduce((x, y) => (y < x ? y : x), toInt64(a)), 'any'),
  int: fn(['any'], toInt64),
  int64: fn(['any'], toInt64),
  float64: fn(['any'], toFloat64),
  atoi: fn(['string'], (s: string) => (/^[+-]?\d+$/.test(s) ? BigInt(s) : 0n)),
  toDecimal: fn(['any'], (v: unknown) => {
    const s = typeof v === 'string' ? v : String(typeof v === 'bigint' ? v : toInt64(v));
    return /^[+-]?[0-7]+$/.test(s) ? BigInt(s.startsWith('-') ? `-0o${s.slice(1)}` : `0o${s.replace(/^\+/, '')}`) : 0n;
  }),
  // Float math.
  addf: fn([], (...v: unknown[]) => dec(v.reduce<number>((a, b) => a + toFloat64(b), 0)), 'any'),
  add1f: fn(['any'], (a: unknown) => dec(toFloat64(a) + 1)),
  subf: fn(['any'], (a: unknown, ...v: unknown[]) => dec(v.reduce<number>((x, y) => x - toFloat64(y), toFloat64(a))), 'any'),
  mulf: fn(['any'], (a: unknown, ...v: unknown[]) => dec(v.reduce<number>((x, y) => x * toFloat64(y), toFloat64(a))), 'any'),
  divf: fn(['any'], (a: unknown, ...v: unknown[]) => dec(v.reduce<number>((x, y) => x / toFloat64(y), toFloat64(a))), 'any'),
  maxf: fn(['any'], (a: unknown, ...v: unknown[]) => Math.max(toFloat64(a), ...v.map(toFloat64)), 'any'),
  minf: fn(['any'], (a: unknown, ...v: unknown[]) => Math.min(toFloat64(a), ...v.map(toFloat64)), 'any'),
  floor: fn(['any'], (a: unknown) => Math.floor(toFloat64(a))),
  ceil: fn(['any'], (a: unknown) => Math.ceil(toFloat64(a))),
  round: fn(['any', 'int'], round, 'float'),
  // Defaults and logic.
  default: fn(['any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || isEmpty(given[0]) ? d : given[0]), 'any'),
  empty: fn(['any'], isEmpty),
  coalesce: fn([], (...v: unknown[]) => v.find((x) => !isEmpty(x)) ?? null, 'any'),
  all: fn([], (...v: unknown[]) => v.every((x) => !isEmpty(x)), 'any'),
  any: fn([], (...v: unknown[]) => v.some((x) => !isEmpty(x)), 'any'),
  ternary: fn(['any', 'any', 'bool'], (vt: unknown, vf: unknown, c: boolean) => (c ? vt : vf)),
  fail: fn(['string'], (msg: string) => {
    throw new FuncError(msg);
  }),
  // Encoding.
  toJson: fn(['any'], (v: unknown) => toJsonOrEmpty(v, {})),
  mustToJson: fn(['any'], (v: unknown) => goJsonMarshal(v)),
  toPrettyJson: fn(['any'], (v: unknown) => toJsonOrEmpty(v, { indent: '  ' })),
  mustToPrettyJson: fn(['any'], (v: unknown) => goJsonMarshal(v, { indent: '  ' })),
  toRawJson: fn(['any'], (v: unknown) => toJsonOrEmpty(v, { escapeHTML: false })),
  mustToRawJson: fn(['any'], (v: unknown) => goJsonMarshal(v, { escapeHTML: false })),
  fromJson: fn(['string'], (s: string) => {
    try {
      return fromJson(s);
    } catch {
      return null;
    }
  }),
  mustFromJson: fn(['string'], fromJson),
  b64enc: fn(['string'], (s: string) => Buffer.from(s, 'utf8').toString('base64')),
  b64dec: fn(['string'], b64dec),
  b32enc: fn(['string'], b32enc),
  b32dec: fn(['string'], b32dec),
  sha1sum: fn(['string'], hash('sha1')),
  sha256sum: fn(['string'], hash('sha256')),
  sha512sum: fn(['string'], hash('sha512')),
  adler32sum: fn(['string'], adler32),
  // Reflection.
  typeOf: fn(['any'], (v: unknown) => (v === null ? '<nil>' : typeName(v))),
  typeIs: fn(['string', 'any'], (t: string, v: unknown) => t === (v === null ? '<nil>' : typeName(v))),
  typeIsLike: fn(['string', 'any'], (t: string, v: unknown) => {
    const n = v === null ? '<nil>' : typeName(v);
    return t === n || `*${t}` === n;
  }),
  kindOf: fn(['any'], kindName),
  kindIs: fn(['string', 'any'], (t: string, v: unknown) => t === kindName(v)),
  deepEqual: fn(['any', 'any'], deepEqual),
  // Paths (Go's path package; the filepath variants behave the same on Linux).
  base: fn(['string'], basePath),
  dir: fn(['string'], dirPath),
  clean: fn(['string'], cleanPath),
  ext: fn(['string'], extPath),
  isAbs: fn(['string'], (p: string) => p.startsWith('/')),
  osBase: fn(['string'], basePath),
  osDir: fn(['string'], dirPath),
  osClean: fn(['string'], cleanPath),
  osExt: fn(['string'], extPath),
  osIsAbs: fn(['string'], (p: string) => p.startsWith('/')),
  // Semantic versions.
  semver: fn(['string'], semver),
  semverCompare: fn(['string', 'string'], semverCheck),
};
