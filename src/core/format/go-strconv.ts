/**
 * Go's strconv integer syntax with base 0 (ParseInt/ParseUint(s, 0, 64)): `0x`/`0o`/`0b`
 * prefixes in either case, a leading `0` for octal, and `underscoreOK`. Shared by the YAML
 * resolver (go-yaml removes underscores before calling strconv) and text/template's number
 * literals (strconv checks the underscores itself).
 */

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };

/** Unsigned base-0 digits without underscores or range check: the value, or null on a syntax error. */
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

/** A signed base-0 integer without underscores, any size: the value, or null on a syntax error. */
export function parseIntBase0(s: string): bigint | null {
  const neg = s.startsWith('-');
  const u = parseUintBase0(s.startsWith('+') || neg ? s.slice(1) : s);
  if (u === null) return null;
  return neg ? -u : u;
}

/** Go `strconv.ParseInt(s, 0, 64)` on text without underscores; null on syntax or range error. */
export function goParseInt64(s: string): bigint | null {
  const v = parseIntBase0(s);
  return v === null || v < INT64_MIN || v > INT64_MAX ? null : v;
}

/** Go `strconv.ParseUint(s, 0, 64)` on text without underscores; null on syntax or range error (no sign accepted). */
export function goParseUint64(s: string): bigint | null {
  const u = parseUintBase0(s);
  return u === null || u > UINT64_MAX ? null : u;
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

/** Go `strconv.ParseBool`: the boolean, or undefined on a syntax error. */
export function parseGoBool(s: string): boolean | undefined {
  if (GO_TRUE.has(s)) return true;
  if (GO_FALSE.has(s)) return false;
  return undefined;
}

const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);
