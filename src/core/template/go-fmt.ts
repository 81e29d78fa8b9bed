/**
 * Go's fmt package as far as templates reach it: Sprint, Sprintln and Sprintf (verbs v s d q t
 * x X o b c U e E f F g G T and %%, flags `+-# 0`, width, precision, `*`), including Go's
 * printing of maps (`map[a:1 b:2]`, sorted keys), slices (`[a b]`), nil (`<nil>`) and structs
 * (`{a b}`), and the `%!verb(type=value)` error forms.
 */
import { formatFloat } from '../format/go-float.js';
import { goQuote, quoteRune } from '../format/go-quote.js';
import { GoEnum, GoMap, GoPtr, GoSlice, GoStruct, isPlainMap, mapKeys, mapLookup, sliceItems, structField, typeName } from './values.js';

export interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

export const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };

/** fmt.Sprint: operands are separated by a space when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += printArg(arg, 'v', NO_FLAGS);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: operands always separated by spaces, newline appended. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map((a) => printArg(a, 'v', NO_FLAGS)).join(' ')}\n`;
}

/** `%v` of a single value (fmt.Sprint of one operand). */
export function formatV(v: unknown): string {
  return printArg(v, 'v', NO_FLAGS);
}

/** The String() result of values whose Go type implements fmt.Stringer, else undefined. */
export function stringerText(v: unknown): string | undefined {
  if (v instanceof GoEnum) return v.name;
  if (v instanceof GoStruct) {
    const special = v.def.special;
    const raw = v.raw;
    switch (special) {
      case 'intstr':
        return raw['type'] === 1 ? String(raw['strVal'] ?? '') : String(raw['intVal'] ?? 0);
      case 'quantity':
        return String(raw['text'] ?? '0');
      case 'time':
        return raw['text'] === undefined ? '0001-01-01 00:00:00 +0000 UTC' : String(raw['text']);
      case 'duration':
      case 'wrapper':
        return protoText(v);
      default:
        return v.def.proto ? protoText(v) : undefined;
    }
  }
  return undefined;
}

/** An approximation of protobuf's text format (Go deliberately randomises its spacing). */
function protoText(s: GoStruct): string {
  const parts: string[] = [];
  for (const f of s.def.fields) {
    const raw = s.raw[f.json];
    if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === false) continue;
    const name = f.json.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (typeof raw === 'string') parts.push(`${name}:${goQuote(raw, false)}`);
    else if (typeof raw === 'object') parts.push(`${name}:{${JSON.stringify(raw)}}`);
    else parts.push(`${name}:${String(raw)}`);
  }
  return parts.join(' ');
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(arg)}=${printValue(arg, 'v', NO_FLAGS, 0)})`;
}

export function printArg(arg: unknown, verb: string, f: Flags): string {
  if (arg === undefined || arg === null) {
    if (verb === 'T' || verb === 'v') return pad('<nil>', f);
    return badVerb(verb, arg);
  }
  if (verb === 'T') return pad(typeName(arg), f);
  return printValue(arg, verb, f, 0);
}

function printValue(v: unknown, verb: string, f: Flags, depth: number): string {
  if (verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') {
    const s = stringerText(v);
    if (s !== undefined) return fmtString(s, verb, f);
  }
  switch (typeof v) {
    case 'undefined':
      return depth === 0 ? '<invalid reflect.Value>' : pad('<nil>', f);
    case 'boolean':
      return verb === 't' || verb === 'v' ? pad(v ? 'true' : 'false', f) : badVerb(verb, v);
    case 'bigint':
      return fmtInteger(v, verb, f);
    case 'number':
      return fmtFloatVerb(v, verb, f);
    case 'string':
      return verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X' ? fmtString(v, verb, f) : badVerb(verb, v);
    case 'function':
      return pad('0xc000000000', f);
    default:
      break;
  }
  if (v === null) return pad('<nil>', f);
  if (v instanceof GoEnum) return fmtInteger(BigInt(v.value), verb, f);
  if (v instanceof GoPtr) {
    if (v.target === undefined) return pad('<nil>', f);
    return pad('0xc000012345', f);
  }
  if (v instanceof GoStruct) {
    if (v.isPtr && depth > 0) return pad('0xc000012345', f);
    const prefix = v.isPtr ? '&' : '';
    const fields = v.def.fields.map((field) => {
      const value = structField(v, field.goName).value;
      const text = printValue(value, verb, NO_FLAGS, depth + 1);
      return f.plus || f.sharp ? `${field.goName}:${text}` : text;
    });
    return `${prefix}{${fields.join(' ')}}`;
  }
  const items = sliceItems(v);
  if (items !== undefined) {
    if (v instanceof GoSlice && v.raw === null && f.sharp) return `${v.type.name}(nil)`;
    return `[${items.map((it) => printValue(it, verb, f, depth + 1)).join(' ')}]`;
  }
  const keys = mapKeys(v);
  if (keys !== undefined && (v instanceof GoMap || isPlainMap(v))) {
    const parts = keys.map((k) => `${printValue(k, verb, f, depth + 1)}:${printValue(mapLookup(v, k).value, verb, f, depth + 1)}`);
    return `map[${parts.join(' ')}]`;
  }
  return pad(String(v), f);
}

function pad(s: string, f: Flags): string {
  const width = f.width;
  if (width === undefined) return s;
  const n = [...s].length;
  if (n >= width) return s;
  const fill = (f.zero && !f.minus ? '0' : ' ').repeat(width - n);
  return f.minus ? s + ' '.repeat(width - n) : fill + s;
}

/** Pads a number, putting zero padding after the sign. */
function padNumber(s: string, f: Flags): string {
  const width = f.width;
  if (width === undefined || s.length >= width) return s;
  if (f.zero && !f.minus) {
    const sign = /^[+\- ]/.test(s) ? (s[0] as string) : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return pad(s, { ...f, zero: false });
}

function fmtString(s: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
    case 's': {
      const text = f.prec !== undefined ? [...s].slice(0, f.prec).join('') : s;
      return pad(text, f);
    }
    case 'q':
      // eslint-disable-next-line no-control-regex
      if (f.sharp && !s.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return pad(`\`${s}\``, f);
      return pad(goQuote(s, f.plus), f);
    default: {
      const bytes = Buffer.from(s, 'utf8');
      const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0'));
      let text = f.space ? hex.map((h) => (f.sharp ? `0x${h}` : h)).join(' ') : (f.sharp ? '0x' : '') + hex.join('');
      if (verb === 'X') text = text.toUpperCase();
      return pad(text, f);
    }
  }
}

function fmtInteger(n: bigint, verb: string, f: Flags): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (f.sharp) prefix = '0';
      break;
    case 'x':
      digits = abs.toString(16);
      if (f.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (f.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(abs)), f);
    case 'q':
      return pad(`'${quoteRune(Number(n))}'`, f);
    case 'U': {
      const hex = abs.toString(16).toUpperCase().padStart(4, '0');
      return pad(f.sharp ? `U+${hex} '${String.fromCodePoint(Number(abs))}'` : `U+${hex}`, f);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 's':
    case 't':
    default:
      return badVerb(verb, n);
  }
  if (f.prec !== undefined) {
    if (f.prec === 0 && abs === 0n) digits = '';
    else digits = digits.padStart(f.prec, '0');
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  const body = sign + prefix + digits;
  if (f.prec !== undefined) return pad(body, { ...f, zero: false });
  if (f.zero && !f.minus && f.width !== undefined && body.length < f.width) {
    return sign + prefix + '0'.repeat(f.width - body.length) + digits;
  }
  return pad(body, f);
}

function fmtFloatVerb(x: number, verb: string, f: Flags): string {
  let text: string;
  switch (verb) {
    case 'v':
      text = formatFloat(x, 'g', f.prec ?? -1);
      break;
    case 'g':
    case 'G':
      text = formatFloat(x, verb, f.prec ?? -1);
      break;
    case 'e':
    case 'E':
      text = formatFloat(x, verb, f.prec ?? 6);
      break;
    case 'f':
    case 'F':
      text = formatFloat(x, 'f', f.prec ?? 6);
      break;
    case 'x':
    case 'X':
    case 'b':
      text = formatFloat(x, 'g', -1);
      break;
    default:
      return badVerb(verb, x);
  }
  if (text === '+Inf' && !f.plus) text = f.space ? ' Inf' : 'Inf';
  else if (!text.startsWith('-') && text !== 'NaN' && text !== 'Inf') {
    if (f.plus) text = `+${text}`;
    else if (f.space) text = ` ${text}`;
  }
  if (!Number.isFinite(x)) return pad(text, { ...f, zero: false });
  return padNumber(text, f);
}

export { goQuote } from '../format/go-quote.js';
