/**
 * Go number formatting (strconv) reproduced for finite float64 values.
 *
 * Go and JavaScript both print the *shortest* decimal digits that round-trip a float64, so the
 * digits come from `Number.prototype.toExponential()`; only the layout rules differ.
 */

interface DecimalDigits {
  readonly negative: boolean;
  /** Significant digits without leading/trailing zeros ("0" for zero). */
  readonly digits: string;
  /** Position of the decimal point relative to the digits (Go's `decimal.dp`). */
  readonly point: number;
}

function shortestDigits(value: number): DecimalDigits {
  const negative = value < 0 || Object.is(value, -0);
  if (value === 0) return { negative, digits: '0', point: 1 };
  const text = Math.abs(value).toExponential();
  const ePos = text.indexOf('e');
  const mantissa = text.slice(0, ePos).replace('.', '');
  const exponent = Number(text.slice(ePos + 1));
  return { negative, digits: mantissa, point: exponent + 1 };
}

function formatExponent(d: DecimalDigits): string {
  const head = d.digits[0] ?? '0';
  const tail = d.digits.slice(1);
  const exp = d.digits === '0' ? 0 : d.point - 1;
  const expAbs = Math.abs(exp);
  return `${d.negative ? '-' : ''}${head}${tail ? `.${tail}` : ''}e${exp < 0 ? '-' : '+'}${expAbs < 10 ? '0' : ''}${expAbs}`;
}

function formatFixed(d: DecimalDigits): string {
  const { digits, point } = d;
  let intPart: string;
  if (point <= 0) intPart = '0';
  else if (point >= digits.length) intPart = digits + '0'.repeat(point - digits.length);
  else intPart = digits.slice(0, point);
  let frac = '';
  if (digits.length > point) {
    frac = point < 0 ? '0'.repeat(-point) + digits : digits.slice(point);
  }
  return `${d.negative ? '-' : ''}${intPart}${frac ? `.${frac}` : ''}`;
}

function assertFinite(value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`unsupported non-finite number ${value}`);
}

/**
 * `strconv.FormatFloat(f, 'g', -1, 64)`: exponent form when the decimal exponent is < -4 or >= 6
 * (Go uses precision 6 for that decision in shortest mode), e.g. 1e+06, 1e-05, 0.0001, 123456.7.
 */
export function formatGoFloatG(value: number): string {
  assertFinite(value);
  const d = shortestDigits(value);
  const exp = d.point - 1;
  if (d.digits !== '0' && (exp < -4 || exp >= 6)) return formatExponent(d);
  return formatFixed(d);
}

/**
 * encoding/json's float64 encoding: fixed notation for 1e-6 <= |f| < 1e21, otherwise exponent
 * form with single-digit negative exponents shortened (1e-7, not 1e-07). `-0` stays `-0`.
 */
export function formatGoJsonFloat(value: number): string {
  assertFinite(value);
  if (Object.is(value, -0)) return '-0';
  // JavaScript's Number#toString applies the very same thresholds and exponent style.
  return String(value);
}

/**
 * `strconv.FormatFloat(f, 'g', -1, 32)`: shortest digits that identify the float32 nearest to
 * `value` (sigs.k8s.io/yaml converts float map keys this way).
 */
export function formatGoFloat32G(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return f > 0 ? '.inf' : '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let digits = f.toPrecision(9);
  for (let p = 1; p <= 9; p++) {
    const candidate = f.toPrecision(p);
    if (Math.fround(Number(candidate)) === f) {
      digits = candidate;
      break;
    }
  }
  return formatGoFloatG(Number(digits));
}
