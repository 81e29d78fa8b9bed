/**
 * Go literal syntax used by templates: strconv.Unquote for "..." / `...` / '...' literals and
 * the number grammar of text/template/parse (ints in any base, floats, char constants).
 */
import { goUnderscoreOK, INT64_MAX, INT64_MIN, parseIntBase0, UINT64_MAX } from '../format/go-strconv.js';

const SIMPLE: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

function utf8(cp: number): number[] {
  return [...Buffer.from(String.fromCodePoint(cp), 'utf8')];
}

/**
 * Decodes the body of a Go interpreted literal (without quotes); `quote` is the delimiter
 * that may be escaped. Returns the code points/bytes as a string, or undefined on bad syntax.
 */
function unescape(body: string, quote: '"' | "'"): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (ch === quote || ch === '\n') return undefined;
    if (ch !== '\\') {
      bytes.push(...utf8(cp));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    i += 2;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      bytes.push(simple);
    } else if (e === quote) {
      bytes.push(e.charCodeAt(0));
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      i += n;
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
        bytes.push(...utf8(v));
      }
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 2;
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** strconv.Unquote for "..." and `...` literals; undefined means "invalid syntax". */
export function goUnquote(lit: string): string | undefined {
  if (lit.length < 2) return undefined;
  const q = lit[0];
  if (q !== lit[lit.length - 1]) return undefined;
  const body = lit.slice(1, -1);
  if (q === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (q === '"') return unescape(body, '"');
  return undefined;
}

/** The code point of a Go character constant ('a', '\n', '\u00e9'); undefined if invalid. */
export function goCharValue(lit: string): number | undefined {
  if (lit.length < 3 || lit[0] !== "'" || lit[lit.length - 1] !== "'") return undefined;
  const body = lit.slice(1, -1);
  if (body.startsWith('\\')) {
    const e = body[1];
    if (e === 'x' || (e !== undefined && e >= '0' && e <= '7')) {
      const s = unescape(body, "'");
      if (s === undefined) return undefined;
      const bytes = Buffer.from(s, 'utf8');
      return bytes.length === 1 ? bytes[0] : s.codePointAt(0);
    }
    const s = unescape(body, "'");
    if (s === undefined || [...s].length !== 1) return undefined;
    return s.codePointAt(0);
  }
  const chars = [...body];
  if (chars.length !== 1) return undefined;
  return body.codePointAt(0);
}

export interface ParsedNumber {
  readonly isInt: boolean;
  readonly isUint: boolean;
  readonly isFloat: boolean;
  readonly isComplex: boolean;
  readonly int: bigint;
  readonly float: number;
}

/** strconv.ParseInt(text, 0, 64)'s syntax, underscores checked by underscoreOK; no range check. */
function parseGoInt(text: string): bigint | undefined {
  if (!goUnderscoreOK(text)) return undefined;
  return parseIntBase0(text.replaceAll('_', '')) ?? undefined;
}

function parseGoFloat(text: string): number | undefined {
  const t = text.replace(/_/g, '');
  if (/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(t)) return Number(t);
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(t);
  if (hex) {
    const [, sign, ip = '', fp = '', exp = '0'] = hex;
    const mant = parseInt(ip + fp || '0', 16) / 16 ** fp.length;
    const v = mant * 2 ** Number(exp);
    return sign === '-' ? -v : v;
  }
  return undefined;
}

/**
 * The number grammar of text/template (parse.newNumber): an integer text yields int and float
 * forms; a float text that is integral also yields an int. Errors are Go's messages.
 */
export function parseNumber(text: string, isChar: boolean): ParsedNumber | string {
  if (isChar) {
    const cp = goCharValue(text);
    if (cp === undefined) return 'invalid syntax';
    return { isInt: true, isUint: true, isFloat: true, isComplex: false, int: BigInt(cp), float: cp };
  }
  if (text.endsWith('i')) return { isInt: false, isUint: false, isFloat: false, isComplex: true, int: 0n, float: 0 };
  let isInt = false;
  let isUint = false;
  let isFloat = false;
  let int = 0n;
  let float = 0;
  const i = parseGoInt(text);
  if (i !== undefined) {
    if (i >= 0n && i <= UINT64_MAX) isUint = true;
    if (i >= INT64_MIN && i <= INT64_MAX) {
      isInt = true;
      int = i;
    }
  }
  if (isInt) {
    isFloat = true;
    float = Number(int);
  } else if (isUint && i !== undefined) {
    isFloat = true;
    float = Number(i);
  } else {
    const f = parseGoFloat(text);
    if (f !== undefined && Number.isFinite(f)) {
      if (!/[.eEpP]/.test(text)) return `integer overflow: ${JSON.stringify(text)}`;
      isFloat = true;
      float = f;
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        isInt = true;
        int = BigInt(f);
        if (f >= 0) isUint = true;
      }
    }
  }
  if (!isInt && !isUint && !isFloat) return `illegal number syntax: ${JSON.stringify(text)}`;
  return { isInt, isUint, isFloat, isComplex: false, int, float };
}
