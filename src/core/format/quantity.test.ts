import { describe, expect, it } from 'vitest';
import { QuantityError, canonicalJsonQuantity, canonicalQuantity, formatQuantity, isValidQuantity, parseQuantity } from './quantity.js';

describe('canonicalQuantity = resource.MustParse(s).String()', () => {
  it.each([
    // canonical decimal forms: exponent a multiple of 3, trailing zeros folded into the suffix
    ['2000m', '2'], ['0.5', '500m'], ['1000', '1k'], ['1500', '1500'], ['1.0', '1'], ['100m', '100m'],
    ['1500m', '1500m'], ['0.1n', '1n'], ['0.0000000001', '1n'], ['-0.5', '-500m'], ['1000000', '1M'], ['10E', '10E'],
    ['1.5M', '1500k'], ['0', '0'], ['-0', '0'], ['00100', '00100'],
    // binary forms
    ['1024Mi', '1Gi'], ['1000Mi', '1000Mi'], ['1.5Gi', '1536Mi'], ['0.5Gi', '512Mi'], ['8Ki', '8Ki'], ['1024Ki', '1Mi'],
    ['0.5Ki', '512'], ['1.1Ki', '1126400m'], ['1Ei', '1Ei'], ['8Ei', '9223372036854775807'], ['1536Mi', '1536Mi'],
    // exponent forms stay exponent forms
    ['1e3', '1e3'], ['12e6', '12e6'], ['1.5e3', '1500'], ['1e-10', '1e-9'], ['1E3', '1E3'], ['1e100', '10e99'],
    // the int64 fast path keeps canonical-looking input text as written
    ['+1', '+1'], ['01Ki', '01Ki'], ['1.', '1.'], ['1.G', '1.G'],
    // scanner quirks: a lone point or sign is zero
    ['.', '0'], ['-', '0'], ['Ki', '0'],
    // caps and rounding
    ['12345678901234567890', '9223372036854775807'], ['0.0000000011', '2n'],
  ])('%s -> %s', (input, canonical) => {
    expect(canonicalQuantity(input)).toBe(canonical);
  });

  it.each([
    [1.5, '1500m'], [1000, '1k'], [0.25, '250m'], [1e21, '1e+21'], [2, '2'], [-0, '0'], [1e-7, '100e-9'],
  ])('JSON number %s -> %s', (n, canonical) => {
    expect(canonicalQuantity(n)).toBe(canonical);
  });

  it('canonicalJsonQuantity trims strings like Quantity.UnmarshalJSON; ParseQuantity does not', () => {
    expect(canonicalJsonQuantity(' 100m ')).toBe('100m');
    expect(() => canonicalQuantity(' 100m ')).toThrow(QuantityError);
  });
});

describe('parseQuantity errors (Go messages)', () => {
  const FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  it.each([
    ['', FORMAT], ['abc', FORMAT], ['1.2.3', FORMAT], ['1 ', FORMAT], ['1Gi ', FORMAT], ['1e3.5', FORMAT],
    ['1K', "unable to parse quantity's suffix"], ['1e', "unable to parse quantity's suffix"],
    ['1Mb', FORMAT], ['1mi', "unable to parse quantity's suffix"],
    ['-Ei', 'unable to parse numeric part of quantity'],
  ])('%j', (input, message) => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
    expect(() => parseQuantity(input)).toThrow(message);
    expect(isValidQuantity(input)).toBe(false);
  });
});

describe('parseQuantity values', () => {
  /** Exact value as "<digits>e<exponent>" with trailing zeros moved into the exponent. */
  const exact = (unscaled: bigint, exponent: number): string => {
    let [u, e] = [unscaled, exponent];
    while (u !== 0n && u % 10n === 0n) [u, e] = [u / 10n, e + 1];
    return `${u}e${e}`;
  };
  it.each([
    ['100m', '1e-1', 'DecimalSI'],
    ['1.5Gi', '1610612736e0', 'BinarySI'],
    ['12e6', '12e6', 'DecimalExponent'],
    ['-0.25', '-25e-2', 'DecimalSI'],
  ] as const)('%s', (input, value, format) => {
    const q = parseQuantity(input);
    expect(exact(q.unscaled, q.exponent)).toBe(value);
    expect(q.format).toBe(format);
    expect(formatQuantity({ ...q, text: undefined })).toBe(canonicalQuantity(input.replace(/^0+/, '')));
  });
});
