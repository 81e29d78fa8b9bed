/**
 * The subset of Go's `time.Parse` that go-yaml v2 uses to recognise timestamps
 * (`parseTimestamp` in resolve.go). Only the answer "does it parse" matters: go-yaml v2 keeps
 * timestamps as strings when decoding into interface{}, but quotes them when encoding.
 */

type Chunk =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'frac9' | 'tzColon' };

const lit = (text: string): Chunk => ({ kind: 'literal', text });
const DATE: readonly Chunk[] = [{ kind: 'year' }, lit('-'), { kind: 'month' }, lit('-'), { kind: 'day' }];
const TIME: readonly Chunk[] = [
  { kind: 'hour' }, lit(':'), { kind: 'minute' }, lit(':'), { kind: 'second' }, { kind: 'frac9' },
];

/** go-yaml v2 `allowedTimestampFormats`, in order. */
const LAYOUTS: readonly (readonly Chunk[])[] = [
  [...DATE, lit('T'), ...TIME, { kind: 'tzColon' }], // 2006-1-2T15:4:5.999999999Z07:00
  [...DATE, lit('t'), ...TIME, { kind: 'tzColon' }], // 2006-1-2t15:4:5.999999999Z07:00
  [...DATE, lit(' '), ...TIME], // 2006-1-2 15:4:5.999999999
  DATE, // 2006-1-2
];

const isDigitAt = (s: string, i: number): boolean => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** Go's `getnum`: one or two digits (exactly two when `fixed`). */
function getnum(s: string, fixed: boolean): [number, string] | null {
  if (!isDigitAt(s, 0)) return null;
  if (!isDigitAt(s, 1)) return fixed ? null : [s.charCodeAt(0) - 48, s.slice(1)];
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

const cutspace = (s: string): string => s.replace(/^ +/, '');

/** Go's `skip`: a space in the layout matches any run of spaces in the value. */
function skip(value: string, prefix: string): string | null {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') return null;
      p = cutspace(p);
      v = cutspace(v);
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) return null;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function parsesWith(layout: readonly Chunk[], input: string): boolean {
  let value = input;
  let year = 0;
  let month = 0;
  let day = 0;
  for (const chunk of layout) {
    switch (chunk.kind) {
      case 'literal': {
        const rest = skip(value, chunk.text);
        if (rest === null) return false;
        value = rest;
        break;
      }
      case 'year':
        if (value.length < 4 || !/^\d{4}/.test(value)) return false;
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case 'month':
      case 'day':
      case 'hour':
      case 'minute':
      case 'second': {
        const got = getnum(value, false);
        if (!got) return false;
        const [n, rest] = got;
        value = rest;
        if (chunk.kind === 'month') {
          if (n <= 0 || n > 12) return false;
          month = n;
        } else if (chunk.kind === 'day') day = n;
        else if (chunk.kind === 'hour' && n >= 24) return false;
        else if ((chunk.kind === 'minute' || chunk.kind === 'second') && n >= 60) return false;
        break;
      }
      case 'frac9': {
        // Optional: '.' or ',' followed by at least one digit, any number of digits taken.
        if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
        let i = 1;
        while (isDigitAt(value, i)) i++;
        value = value.slice(i);
        break;
      }
      case 'tzColon': {
        if (value.startsWith('Z')) {
          value = value.slice(1);
          break;
        }
        if (value.length < 6 || value[3] !== ':') return false;
        const hr = getnum(value.slice(1, 3), true);
        const mm = getnum(value.slice(4, 6), true);
        if (!hr || !mm || hr[0] > 24 || mm[0] > 60) return false;
        if (value[0] !== '+' && value[0] !== '-') return false;
        value = value.slice(6);
        break;
      }
    }
  }
  if (value.length > 0) return false;
  return day >= 1 && day <= daysIn(month, year);
}

/** True when go-yaml v2 would resolve the plain scalar `s` as a !!timestamp. */
export function isGoYamlTimestamp(s: string): boolean {
  // Quick check from go-yaml: exactly four leading digits followed by '-'.
  let i = 0;
  while (isDigitAt(s, i)) i++;
  if (i !== 4 || i === s.length || s[i] !== '-') return false;
  return LAYOUTS.some((layout) => parsesWith(layout, s));
}
