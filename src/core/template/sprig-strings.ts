/**
 * Sprig v3 string functions (Masterminds/sprig strings.go, regex.go), with Go's byte-based
 * string indexing and Go regexp semantics.
 */
import { fn, type FuncMap } from './funcs.js';
import { goQuote } from './go-fmt.js';
import { findAll, goRegExp, quoteMeta, replaceAll, split as regexSplitImpl } from './go-regexp.js';
import { byteSlice, strslice, strval, stringMap, stringSlice } from './sprig-conv.js';
import { byteLength } from './values.js';

const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const GO_SPACE_G = new RegExp(GO_SPACE.source, 'g');

/** strings.TrimSpace. */
export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && GO_SPACE.test(s[a] as string)) a++;
  while (b > a && GO_SPACE.test(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

function trimCutset(s: string, cutset: string, left: boolean, right: boolean): string {
  const set = new Set([...cutset]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a] as string)) a++;
  if (right) while (b > a && set.has(chars[b - 1] as string)) b--;
  return chars.slice(a, b).join('');
}

function isSeparator(ch: string): boolean {
  if (/^[0-9A-Za-z_]$/.test(ch)) return false;
  if (ch.charCodeAt(0) <= 0x7f) return true;
  if (/^[\p{L}\p{Nd}]$/u.test(ch)) return false;
  return GO_SPACE.test(ch);
}

/** strings.Title (deprecated in Go, still what sprig's `title` calls). */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function mapWords(s: string, f: (w: string) => string): string {
  return s.replace(/\S+/g, f);
}

/** goutils.Abbreviate / AbbreviateFull. */
function abbreviateFull(str: string, offsetIn: number, maxWidth: number): string {
  if (str === '' || maxWidth < 4) return str === '' ? '' : str;
  const len = byteLength(str);
  if (len <= maxWidth) return str;
  let offset = Math.min(offsetIn, len);
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  if (offset <= 4) return `${byteSlice(str, 0, maxWidth - 3)}...`;
  if (maxWidth < 7) return str;
  if (offset + maxWidth - 3 < len) return `...${abbreviateFull(byteSlice(str, offset), 0, maxWidth - 3)}`;
  return `...${byteSlice(str, len - (maxWidth - 3))}`;
}

/** goutils.WrapCustom without breaking long words. */
function wrapCustom(str: string, wrapLengthIn: number, newLine: string): string {
  if (str === '') return '';
  const nl = newLine === '' ? '\n' : newLine;
  const wrapLength = Math.max(wrapLengthIn, 1);
  let offset = 0;
  let out = '';
  while (str.length - offset > wrapLength) {
    if (str[offset] === ' ') {
      offset++;
      continue;
    }
    const chunk = str.slice(offset, wrapLength + offset + 1);
    const space = chunk.lastIndexOf(' ') + offset;
    if (space >= offset) {
      out += str.slice(offset, space) + nl;
      offset = space + 1;
    } else {
      const idx = str.slice(wrapLength + offset).indexOf(' ');
      if (idx === -1) {
        out += str.slice(offset);
        offset = str.length;
      } else {
        const at = idx + wrapLength + offset;
        out += str.slice(offset, at) + nl;
        offset = at + 1;
      }
    }
  }
  return out + str.slice(offset);
}

/** Word split used by snake/kebab case: lower->Upper, ACRONYMWord, letter<->digit boundaries. */
function words(s: string): string[] {
  return s
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
}

function camelcase(s: string): string {
  const lead = /^_*/.exec(s)?.[0] ?? '';
  const trail = /_*$/.exec(s)?.[0] ?? '';
  const body = s.slice(lead.length, s.length - trail.length);
  return lead + body.split(/_+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') + trail;
}

function swapcase(s: string): string {
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    out += ch === up ? ch.toLowerCase() : up;
  }
  return out;
}

function indent(spaces: bigint, v: string): string {
  const pad = ' '.repeat(Math.max(0, Number(spaces)));
  return pad + v.split('\n').join(`\n${pad}`);
}

function splitMap(parts: readonly string[]): ReturnType<typeof stringMap> {
  const out: Record<string, string> = {};
  parts.forEach((p, i) => (out[`_${i}`] = p));
  return stringMap(out);
}

/** strings.SplitN with Go's n semantics. */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = [...s];
    if (n < 0 || n >= chars.length) return chars;
    return [...chars.slice(0, n - 1), chars.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

export const SPRIG_STRINGS: FuncMap = {
  trim: fn(['string'], trimSpace),
  trimAll: fn(['string', 'string'], (cut: string, s: string) => trimCutset(s, cut, true, true)),
  trimSuffix: fn(['string', 'string'], (a: string, b: string) => (a !== '' && b.endsWith(a) ? b.slice(0, b.length - a.length) : b)),
  trimPrefix: fn(['string', 'string'], (a: string, b: string) => (a !== '' && b.startsWith(a) ? b.slice(a.length) : b)),
  upper: fn(['string'], (s: string) => s.toUpperCase()),
  lower: fn(['string'], (s: string) => s.toLowerCase()),
  title: fn(['string'], title),
  untitle: fn(['string'], (s: string) => mapWords(s, (w) => w.charAt(0).toLowerCase() + w.slice(1))),
  substr: fn(['int', 'int', 'string'], (start: bigint, end: bigint, s: string) => {
    const len = byteLength(s);
    if (start < 0n) return byteSlice(s, 0, Number(end));
    if (end < 0n || end > BigInt(len)) return byteSlice(s, Number(start));
    return byteSlice(s, Number(start), Number(end));
  }),
  repeat: fn(['int', 'string'], (n: bigint, s: string) => s.repeat(Math.max(0, Number(n)))),
  trunc: fn(['int', 'string'], (c: bigint, s: string) => {
    const len = BigInt(byteLength(s));
    if (c < 0n && len + c > 0n) return byteSlice(s, Number(len + c));
    if (c >= 0n && len > c) return byteSlice(s, 0, Number(c));
    return s;
  }),
  abbrev: fn(['int', 'string'], (w: bigint, s: string) => (w < 4n ? s : abbreviateFull(s, 0, Number(w)))),
  abbrevboth: fn(['int', 'int', 'string'], (l: bigint, r: bigint, s: string) =>
    r < 4n || (l > 0n && r < 7n) ? s : abbreviateFull(s, Number(l), Number(r)),
  ),
  initials: fn(['string'], (s: string) => (s.match(/\S+/g) ?? []).map((w) => [...w][0]).join('')),
  wrap: fn(['int', 'string'], (l: bigint, s: string) => wrapCustom(s, Number(l), '\n')),
  wrapWith: fn(['int', 'string', 'string'], (l: bigint, sep: string, s: string) => wrapCustom(s, Number(l), sep)),
  contains: fn(['string', 'string'], (sub: string, s: string) => s.includes(sub)),
  hasPrefix: fn(['string', 'string'], (sub: string, s: string) => s.startsWith(sub)),
  hasSuffix: fn(['string', 'string'], (sub: string, s: string) => s.endsWith(sub)),
  quote: fn([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => goQuote(strval(x))).join(' '), 'any'),
  squote: fn([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => `'${strval(x)}'`).join(' '), 'any'),
  cat: fn([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map(strval).join(' '), 'any'),
  indent: fn(['int', 'string'], indent),
  nindent: fn(['int', 'string'], (n: bigint, v: string) => `\n${indent(n, v)}`),
  replace: fn(['string', 'string', 'string'], (o: string, n: string, s: string) => (o !== '' ? s.split(o).join(n) : s === '' ? n : n + [...s].join(n) + n)),
  plural: fn(['string', 'string', 'int'], (one: string, many: string, n: bigint) => (n === 1n ? one : many)),
  snakecase: fn(['string'], (s: string) => words(s).map((w) => w.toLowerCase()).join('_')),
  camelcase: fn(['string'], camelcase),
  kebabcase: fn(['string'], (s: string) => words(s).map((w) => w.toLowerCase()).join('-')),
  swapcase: fn(['string'], swapcase),
  nospace: fn(['string'], (s: string) => s.replace(GO_SPACE_G, '')),
  toString: fn(['any'], strval),
  toStrings: fn(['any'], (v: unknown) => stringSlice(strslice(v))),
  join: fn(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep)),
  sortAlpha: fn(['any'], (v: unknown) => stringSlice([...strslice(v)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))),
  split: fn(['string', 'string'], (sep: string, s: string) => splitMap(splitN(s, sep, -1))),
  splitList: fn(['string', 'string'], (sep: string, s: string) => stringSlice(splitN(s, sep, -1))),
  splitn: fn(['string', 'int', 'string'], (sep: string, n: bigint, s: string) => splitMap(splitN(s, sep, Number(n)))),
  regexMatch: fn(['string', 'string'], (re: string, s: string) => {
    try {
      return findAll(goRegExp(re), s, 1).length > 0;
    } catch {
      return false;
    }
  }),
  mustRegexMatch: fn(['string', 'string'], (re: string, s: string) => findAll(goRegExp(re), s, 1).length > 0),
  regexFindAll: fn(['string', 'string', 'int'], (re: string, s: string, n: bigint) => {
    const ms = findAll(goRegExp(re), s, Number(n));
    return stringSlice(ms.length === 0 ? null : ms.map((m) => m[0]));
  }),
  regexFind: fn(['string', 'string'], (re: string, s: string) => findAll(goRegExp(re), s, 1)[0]?.[0] ?? ''),
  regexReplaceAll: fn(['string', 'string', 'string'], (re: string, s: string, repl: string) => replaceAll(goRegExp(re), s, repl, false)),
  regexReplaceAllLiteral: fn(['string', 'string', 'string'], (re: string, s: string, repl: string) => replaceAll(goRegExp(re), s, repl, true)),
  regexSplit: fn(['string', 'string', 'int'], (re: string, s: string, n: bigint) => stringSlice(regexSplitImpl(goRegExp(re), s, Number(n)))),
  regexQuoteMeta: fn(['string'], quoteMeta),
};
