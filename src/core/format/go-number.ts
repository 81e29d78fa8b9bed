/**
 * Go number formatting (strconv) reproduced for finite float64 values: the layouts YAML and
 * encoding/json use, on top of the one strconv.FormatFloat in go-float.ts.
 */

import { formatFloat } from './go-float.js';

function assertFinite(value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`unsupported non-finite number ${value}`);
}

/**
 * `strconv.FormatFloat(f, 'g', -1, 64)`: exponent form when the decimal exponent is < -4 or >= 6
 * (Go uses precision 6 for that decision in shortest mode), e.g. 1e+06, 1e-05, 0.0001, 123456.7.
 */
export function formatGoFloatG(value: number): string {
  assertFinite(value);
  return formatFloat(value, 'g', -1);
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
