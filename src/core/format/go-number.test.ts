import { describe, expect, it } from 'vitest';
import { formatGoFloat32G, formatGoFloatG, formatGoJsonFloat } from './go-number.js';

// Expected texts were printed by Go's strconv.FormatFloat(f, 'g', -1, 64) (Go 1.19).
describe("formatGoFloatG = strconv.FormatFloat(f, 'g', -1, 64)", () => {
  it.each([
    [0, '0'], [1, '1'], [-1, '-1'], [0.5, '0.5'], [1e21, '1e+21'], [1e20, '1e+20'], [1e-7, '1e-07'],
    [1.5e-7, '1.5e-07'], [1e-6, '1e-06'], [0.0001, '0.0001'], [0.00001, '1e-05'], [123456, '123456'],
    [999999, '999999'], [1e6, '1e+06'], [1234567.5, '1.2345675e+06'], [123456789, '1.23456789e+08'], [0.1, '0.1'],
    [0.1 + 0.2, '0.30000000000000004'], [1e300, '1e+300'], [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'], [-2.5e-10, '-2.5e-10'], [100, '100'],
  ])('%s -> %s', (n, text) => {
    expect(formatGoFloatG(n)).toBe(text);
  });

  it('rejects non-finite numbers', () => {
    expect(() => formatGoFloatG(Number.NaN)).toThrow(RangeError);
  });
});

describe('formatGoJsonFloat = encoding/json float64', () => {
  it.each([
    [1e21, '1e+21'], [1e20, '100000000000000000000'], [1e-7, '1e-7'], [1.5e-7, '1.5e-7'], [1e-6, '0.000001'],
    [-0, '-0'], [0.5, '0.5'], [-2.5e-10, '-2.5e-10'],
  ])('%s -> %s', (n, text) => {
    expect(formatGoJsonFloat(n)).toBe(text);
  });
});

describe("formatGoFloat32G = strconv.FormatFloat(f, 'g', -1, 32)", () => {
  it.each([
    [3.14159265358979, '3.1415927'], [0.1, '0.1'], [1.5, '1.5'], [1e3, '1000'], [16777217, '1.6777216e+07'],
    [Number.NaN, '.nan'], [Number.POSITIVE_INFINITY, '.inf'],
  ])('%s -> %s', (n, text) => {
    expect(formatGoFloat32G(n)).toBe(text);
  });
});
