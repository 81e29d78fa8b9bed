/**
 * go-yaml v2 implicit tag resolution (resolve.go): what a plain scalar means, YAML 1.1 style.
 * The emitter uses it to decide when a string must be quoted; the parser uses it to type plain
 * scalars. Integers go through Go's `strconv.ParseInt(s, 0, 64)` rules (0x, 0o, 0b, leading-0
 * octal, underscores removed first), floats through go-yaml's `yamlStyleFloat` pattern, and
 * timestamps through the subset of `time.Parse` go-yaml uses.
 */
import { isGoYamlTimestamp } from './go-time.js';

export type YamlTag = 'str' | 'int' | 'float' | 'bool' | 'null' | 'timestamp';

export interface Resolved {
  readonly tag: YamlTag;
  readonly value: string | number | boolean | null;
}

const MAP = new Map<string, Resolved>();
function addAll(words: readonly string[], r: Resolved): void {
  for (const w of words) MAP.set(w, r);
}
addAll(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'], { tag: 'bool', value: true });
addAll(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'], { tag: 'bool', value: false });
addAll(['', '~', 'null', 'Null', 'NULL'], { tag: 'null', value: null });
addAll(['.nan', '.NaN', '.NAN'], { tag: 'float', value: Number.NaN });
addAll(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'], { tag: 'float', value: Number.POSITIVE_INFINITY });
addAll(['-.inf', '-.Inf', '-.INF'], { tag: 'float', value: Number.NEGATIVE_INFINITY });

/** go-yaml's resolveTable hint for the first byte: 'M' map lookup, 'D' digit, 'S' sign, '.' float. */
function hintOf(s: string): 'M' | 'D' | 'S' | '.' | null {
  if (s === '') return 'M'; // go-yaml uses hint 'N' for "", which only reaches the map lookup.
  const c = s[0] as string;
  if (c >= '0' && c <= '9') return 'D';
  if (c === '+' || c === '-') return 'S';
  if (c === '.') return '.';
  if ('yYnNtTfFoO~'.includes(c)) return 'M';
  return null;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };

/** `strconv.ParseUint(s, 0, 64)` without range check: the value, or null on a syntax error. */
function parseUintBase0(s: string): bigint | null {
  if (s === '') return null;
  let base = 10;
  let body = s;
  if (s[0] === '0') {
    const p = s.length >= 3 ? (s[1] as string).toLowerCase() : '';
    if (p === 'b') [base, body] = [2, s.slice(2)];
    else if (p === 'o') [base, body] = [8, s.slice(2)];
    else if (p === 'x') [base, body] = [16, s.slice(2)];
    else [base, body] = [8, s.slice(1)];
    if (body === '') return 0n;
  }
  if (!(DIGITS[base] as RegExp).test(body)) return null;
  const prefix = base === 2 ? '0b' : base === 8 ? '0o' : base === 16 ? '0x' : '';
  return BigInt(prefix + body);
}

/** Go `strconv.ParseInt(s, 0, 64)`; null on syntax or range error. */
export function goParseInt64(s: string): bigint | null {
  const neg = s.startsWith('-');
  const body = s.startsWith('+') || neg ? s.slice(1) : s;
  const u = parseUintBase0(body);
  if (u === null) return null;
  const v = neg ? -u : u;
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

/** Go `strconv.ParseUint(s, 0, 64)`; null on syntax or range error (no sign accepted). */
export function goParseUint64(s: string): bigint | null {
  const u = parseUintBase0(s);
  return u === null || u > UINT64_MAX ? null : u;
}

/** strconv.ParseInt(s, 2, 64), falling back to ParseUint(s, 2, 64) as go-yaml does. */
function parseBinary(s: string): bigint | null {
  const m = /^([+-]?)([01]+)$/.exec(s);
  if (!m) return null;
  const u = BigInt(`0b${m[2]}`);
  const v = m[1] === '-' ? -u : u;
  if (v >= INT64_MIN && v <= INT64_MAX) return v;
  return m[1] === '' && u <= UINT64_MAX ? u : null;
}

/** Go strconv `underscoreOK`: "_" only between digits (or after a base prefix). */
export function goUnderscoreOK(text: string): boolean {
  let s = text;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes((s[1] as string).toLowerCase())) {
    i = 2;
    saw = '0';
    hex = (s[1] as string).toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) saw = '0';
    else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

const STR = (s: string): Resolved => ({ tag: 'str', value: s });

/**
 * Resolve a plain (unquoted, untagged) scalar exactly as go-yaml v2 `resolve("", s)` does.
 * Integers are returned as JS numbers (precision beyond 2^53 is lost, like any JSON number here).
 */
export function resolvePlain(s: string): Resolved {
  const hint = hintOf(s);
  if (hint === null) return STR(s);
  const known = MAP.get(s);
  if (known) return known;
  if (hint === '.') {
    // strconv.ParseFloat on the text as is: Go float syntax, "_" allowed between digits.
    if (DOT_FLOAT.test(s) && goUnderscoreOK(s)) {
      const f = Number(s.replaceAll('_', ''));
      if (Number.isFinite(f)) return { tag: 'float', value: f };
    }
    return STR(s);
  }
  if (hint === 'M') return STR(s);
  if (isGoYamlTimestamp(s)) return { tag: 'timestamp', value: s };
  const plain = s.replaceAll('_', '');
  const i = goParseInt64(plain);
  if (i !== null) return { tag: 'int', value: Number(i) };
  const u = goParseUint64(plain);
  if (u !== null) return { tag: 'int', value: Number(u) };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    // Go's ParseFloat reports overflow (±Inf) as an error, so such text stays a string.
    if (Number.isFinite(f)) return { tag: 'float', value: f };
  }
  // go-yaml's extra binary forms: "0b" + strconv.ParseInt(rest, 2, 64) accepts a sign after the
  // prefix ("0b-10" is -2); "-0b..." is already covered by ParseInt with base 0.
  if (plain.startsWith('0b')) {
    const bin = parseBinary(plain.slice(2));
    if (bin !== null) return { tag: 'int', value: Number(bin) };
  }
  return STR(s);
}

/** go-yaml v2 `isBase60Float`: YAML 1.1 sexagesimal numbers are quoted on output (not parsed). */
export function isBase60Float(s: string): boolean {
  if (s === '') return false;
  const c = s[0] as string;
  if (!(c === '+' || c === '-' || (c >= '0' && c <= '9')) || !s.includes(':')) return false;
  return BASE60_FLOAT.test(s);
}

/** True when go-yaml v2 may write the string unquoted without changing its meaning. */
export function canBePlainString(s: string): boolean {
  return resolvePlain(s).tag === 'str' && !isBase60Float(s);
}
