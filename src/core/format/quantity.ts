/**
 * Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource) parsing and canonical
 * printing, with exact decimal arithmetic (BigInt).
 *
 * Reproduced details: ParseQuantity's hand-written scanner (it accepts "." and "-" as 0, and
 * "1.G"), the suffix table (n u m "" k M G T P E, Ki..Ei, e/E exponents), the int64 fast path
 * that *keeps the original text* when it already looks canonical ("100m", "1Ki", "12e6", and
 * quirks such as "+1" or "01Ki"), the big-decimal path that rounds up to nano precision and caps
 * at 2^63-1, and String()'s canonical form: exponent a multiple of 3 with the matching suffix
 * ("2000m" -> "2", "0.5" -> "500m", "1000" -> "1k"), binary suffixes for BinarySI values that are
 * integral and at least 1024 in magnitude ("1024Mi" -> "1Gi", "1.5Gi" -> "1536Mi"), and
 * "e<n>" for exponent notation ("1.5e3" -> "1500", "1e100" -> "10e99").
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value is `unscaled * 10^exponent`. */
  readonly unscaled: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  /** Text that String() returns unchanged (the canonical-looking input), if any. */
  readonly text?: string;
}

export const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  constructor(
    readonly code: 'QUANTITY_FORMAT' | 'QUANTITY_NUMERIC' | 'QUANTITY_SUFFIX',
    message: string,
  ) {
    super(message);
  }
}

const errFormat = (): QuantityError =>
  new QuantityError('QUANTITY_FORMAT', `quantities must match the regular expression '${QUANTITY_PATTERN}'`);
const errNumeric = (): QuantityError => new QuantityError('QUANTITY_NUMERIC', 'unable to parse numeric part of quantity');
const errSuffix = (): QuantityError => new QuantityError('QUANTITY_SUFFIX', "unable to parse quantity's suffix");

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

const INT64_MAX = 2n ** 63n - 1n;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Parts {
  positive: boolean;
  /** Sign, digits and point as written (what the big-decimal path parses). */
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** apimachinery `parseQuantityString`. */
function splitQuantity(str: string): Parts {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos] as string)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw errFormat();
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const parsed = BigInt(suffix.slice(1));
    if (parsed >= -(2n ** 63n) && parsed <= INT64_MAX) {
      return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
    }
  }
  throw errSuffix();
}

/** inf.Dec SetString: optional sign, digits with at most one point; at least one digit. */
function parseDecimal(value: string): { unscaled: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw errNumeric();
  const frac = m[3] ?? '';
  const digits = BigInt(`${m[2]}${frac}` || '0');
  return { unscaled: m[1] === '-' ? -digits : digits, scale: frac.length };
}

/** The int64 fast path of ParseQuantity; null when it does not apply. */
function fastPath(str: string, p: Parts, base: number, exponent: number, format: QuantityFormat): Quantity | null {
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (p.denom !== '') return null;
    mantissa = 1n << BigInt(exponent);
    precision = 15 - p.num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    scale = exponent;
    precision = 18 - (p.num.length + p.denom.length);
  }
  if (precision < 0 || base === 0) return null;
  scale -= p.denom.length;
  if (scale < -9) return null;
  const shifted = p.num + p.denom;
  const value = BigInt(shifted);
  let result = value * mantissa;
  if (result > INT64_MAX) return null;
  if (!p.positive) result = -result;
  const canonicalLooking = format === 'BinarySI'
    ? exponent % 10 === 0 && (value & 7n) !== 0n
    : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  return { unscaled: result, exponent: scale, format, ...(canonicalLooking ? { text: str } : {}) };
}

/** resource.ParseQuantity: throws QuantityError with the Go message on invalid input. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw errFormat();
  if (str === '0') return { unscaled: 0n, exponent: 0, format: 'DecimalSI', text: '0' };
  const p = splitQuantity(str);
  const { base, exponent, format } = interpretSuffix(p.suffix);
  const fast = fastPath(str, p, base, exponent, format);
  if (fast) return fast;
  let { unscaled, scale } = parseDecimal(p.value);
  if (base === 10) scale -= exponent;
  else unscaled *= 1n << BigInt(exponent);
  const negative = unscaled < 0n;
  if (negative) unscaled = -unscaled;
  // Round up (away from zero) to nano precision: asking for a tiny amount still gets some.
  if (unscaled !== 0n && scale > 9) {
    const div = 10n ** BigInt(scale - 9);
    unscaled = (unscaled + div - 1n) / div;
    scale = 9;
  }
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (unscaled > INT64_MAX * 10n ** BigInt(scale)) {
    unscaled = INT64_MAX;
    scale = 0;
  }
  return { unscaled: negative ? -unscaled : unscaled, exponent: -scale, format };
}

/** Remove factors of `f` from `n` (n != 0). */
function removeFactors(n: bigint, f: bigint): [bigint, number] {
  let times = 0;
  let v = n;
  while (v % f === 0n) {
    v /= f;
    times++;
  }
  return [v, times];
}

/** Quantity.String(). */
export function formatQuantity(q: Quantity): string {
  if (q.text !== undefined) return q.text;
  if (q.unscaled === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const small = q.exponent >= 0
      ? q.unscaled * 10n ** BigInt(q.exponent)
      : q.unscaled / 10n ** BigInt(-q.exponent); // truncated, only for the magnitude test below
    const integral = q.exponent >= 0 || q.unscaled % 10n ** BigInt(-q.exponent) === 0n;
    if ((small > -1024n && small < 1024n) || !integral) format = 'DecimalSI';
    else {
      const [amount, times] = removeFactors(small, 1024n);
      return `${amount}${BINARY_BY_EXPONENT.get(times * 10) ?? ''}`;
    }
  }
  const [stripped, times] = removeFactors(q.unscaled, 10n);
  let amount = stripped;
  let exponent = q.exponent + times;
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  return `${amount}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}

/**
 * `ParseQuantity(s).String()`. A number is parsed from its encoding/json text, as
 * Quantity.UnmarshalJSON does for a JSON number (1.5 -> "1.5" -> "1500m").
 */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(typeof input === 'number' ? jsonNumberText(input) : input));
}

/**
 * Quantity.UnmarshalJSON then String(): the form a quantity read from a manifest is written back
 * in. Unlike ParseQuantity, surrounding whitespace of a JSON string is trimmed.
 */
export function canonicalJsonQuantity(input: string | number): string {
  return canonicalQuantity(typeof input === 'string' ? input.replace(GO_SPACE, '') : input);
}

/** strings.TrimSpace's character set. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function jsonNumberText(n: number): string {
  if (!Number.isFinite(n)) throw errNumeric();
  return Object.is(n, -0) ? '-0' : String(n);
}

/** True when ParseQuantity accepts the text (numbers: their encoding/json text). */
export function isValidQuantity(input: string | number): boolean {
  try {
    canonicalQuantity(input);
    return true;
  } catch {
    return false;
  }
}
