/**
 * Go literal syntax used by templates: strconv.Unquote for "..." / `...` / '...' literals and
 * the number grammar of text/template/parse (ints in any base, floats, char constants).
 */

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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(text: string): boolean {
  let s = text;
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1] as string)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

function parseGoInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!m || !underscoreOK(text)) return undefined;
  const [, sign, body = ''] = m;
  const clean = body.replace(/_/g, '');
  let v: bigint;
  if (/^0[xXbB]/.test(clean)) v = BigInt(clean);
  else if (/^0[oO]/.test(clean)) v = BigInt(`0o${clean.slice(2)}`);
  else if (clean.length > 1 && clean.startsWith('0')) v = BigInt(`0o${clean.slice(1)}`);
  else v = BigInt(clean);
  return sign === '-' ? -v : v;
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
