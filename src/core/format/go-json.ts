/**
 * Go encoding/json output for JSON values (json.Marshal / json.MarshalIndent), byte for byte:
 *
 * - compact; map keys sorted by UTF-8 byte order (goJsonMarshal) or kept in insertion order for
 *   struct-like values whose field order is fixed (goJsonMarshalOrdered);
 * - strings HTML-escaped (`<` `>` `&` as \u003c \u003e \u0026), U+2028/U+2029 escaped, control
 *   characters as \n \r \t \b \f (Go >= 1.22) or \u00XX; a lone surrogate is written as a raw
 *   U+FFFD, the character Go's decoder makes of it;
 * - numbers as Go prints float64: fixed notation for 1e-6 <= |f| < 1e21 else 1e+21 / 1e-7, `-0`;
 *   NaN and ±Inf are errors (`json: unsupported value: NaN`).
 *
 * Object properties whose value is `undefined` are skipped (like JSON.stringify); note that
 * JavaScript lists integer-like keys ("1", "2") first, whatever the insertion order.
 */
import { formatGoJsonFloat } from './go-number.js';

export class GoJsonError extends Error {
  override readonly name = 'GoJsonError';
  readonly code = 'GO_JSON_UNSUPPORTED_VALUE';
}

const HEX = '0123456789abcdef';
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\<>&\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

function escapeChar(c: number): string {
  switch (c) {
    case 0x22: return '\\"';
    case 0x5c: return '\\\\';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    default: return `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
  }
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE_NO_HTML = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

/**
 * A Go JSON string literal for `s`; `escapeHTML: false` is an Encoder with
 * SetEscapeHTML(false) (`<`, `>`, `&` written as they are).
 */
export function goJsonString(s: string, escapeHTML = true): string {
  if (!(escapeHTML ? NEEDS_ESCAPE : NEEDS_ESCAPE_NO_HTML).test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x2028 || c === 0x2029 || (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26))) {
      rep = escapeChar(c);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        i++; // a valid pair is written as is
        continue;
      }
      rep = '\ufffd'; // a lone surrogate is what Go reads as U+FFFD
    }
    if (rep !== null) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return `${out}${s.slice(start)}"`;
}

/** The code point at `i`, with a lone surrogate read as U+FFFD (as Go's decoder does). */
function runeAt(s: string, i: number): number {
  const c = s.codePointAt(i) as number;
  return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
}

/** Go sorts map keys by their UTF-8 bytes, i.e. by code point (not by UTF-16 unit). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = runeAt(a, i);
    const y = runeAt(b, i);
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

type KeyOrder = 'sorted' | 'insertion';

function encode(value: unknown, order: KeyOrder, parts: string[]): void {
  switch (typeof value) {
    case 'string':
      parts.push(goJsonString(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new GoJsonError(`json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`);
      }
      parts.push(formatGoJsonFloat(value));
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'undefined':
      parts.push('null');
      return;
    case 'object':
      break;
    default:
      throw new GoJsonError(`json: unsupported type: ${typeof value}`);
  }
  if (value === null) {
    parts.push('null');
  } else if (Array.isArray(value)) {
    parts.push('[');
    value.forEach((item, i) => {
      if (i > 0) parts.push(',');
      encode(item, order, parts);
    });
    parts.push(']');
  } else {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
    if (order === 'sorted') keys.sort(compareUtf8);
    parts.push('{');
    keys.forEach((k, i) => {
      if (i > 0) parts.push(',');
      parts.push(goJsonString(k), ':');
      encode(obj[k], order, parts);
    });
    parts.push('}');
  }
}

/** json.Marshal of a map-based JSON value: object keys sorted like Go map keys. */
export function goJsonMarshal(value: unknown): string {
  const parts: string[] = [];
  encode(value, 'sorted', parts);
  return parts.join('');
}

/** json.Marshal of struct-like values: object keys in insertion (struct field) order. */
export function goJsonMarshalOrdered(value: unknown): string {
  const parts: string[] = [];
  encode(value, 'insertion', parts);
  return parts.join('');
}

/**
 * json.Indent applied to compact Go JSON: each element on its own line starting with `prefix`
 * and one `indent` per nesting level, `": "` after keys, empty `{}` / `[]` kept compact, no
 * prefix before the first line and no trailing newline.
 */
export function goJsonIndentText(compact: string, prefix: string, indent: string): string {
  const parts: string[] = [];
  let depth = 0;
  let needIndent = false;
  let inString = false;
  let start = 0;
  const newline = (): void => {
    parts.push('\n', prefix, indent.repeat(depth));
  };
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (needIndent && c !== ']' && c !== '}') {
      parts.push(compact.slice(start, i));
      start = i;
      needIndent = false;
      depth++;
      newline();
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      needIndent = true;
    } else if (c === ',') {
      parts.push(compact.slice(start, i + 1));
      start = i + 1;
      newline();
    } else if (c === ':') {
      parts.push(compact.slice(start, i + 1), ' ');
      start = i + 1;
    } else if (c === '}' || c === ']') {
      parts.push(compact.slice(start, i));
      start = i;
      if (needIndent) needIndent = false; // empty collection stays "{}" / "[]"
      else {
        depth--;
        newline();
      }
    }
  }
  parts.push(compact.slice(start));
  return parts.join('');
}

/** json.MarshalIndent(value, prefix, indent) with map keys sorted. */
export function goJsonIndent(value: unknown, prefix = '', indent = '  '): string {
  return goJsonIndentText(goJsonMarshal(value), prefix, indent);
}
