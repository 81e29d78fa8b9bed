import { describe, expect, it } from 'vitest';
import { formatFloat } from '../format/go-float.js';
import { goQuote, sprint, sprintln } from './go-fmt.js';
import { sprintf } from './go-sprintf.js';

describe('fmt.Sprintf', () => {
  it.each<[string, string, unknown[], string]>([
    ['decimal', '%d', [42n], '42'],
    ['widths and flags on ints', '%5d|%-5d|%05d|%+d', [42n, 42n, 42n, 5n], '   42|42   |00042|+5'],
    ['bases', '%x %X %o %b %#x %#o', [255n, 255n, 255n, 5n, 255n, 8n], 'ff FF 377 101 0xff 010'],
    ['negative hex', '%x', [-255n], '-ff'],
    ['zero padding after the sign', '%06d', [-42n], '-00042'],
    ['int precision', '%.3d', [7n], '007'],
    ['char and unicode', '%c %U %q', [65n, 0x1f600n, 97n], "A U+1F600 'a'"],
    ['strings', '%s|%5s|%-5s|%.2s', ['x', 'ab', 'ab', 'abc'], 'x|   ab|ab   |ab'],
    ['quoted strings keep printable unicode', '%q', ['é\n"\t\x01'], '"é\\n\\"\\t\\x01"'],
    ['%+q is ASCII only', '%+q', ['é'], '"\\u00e9"'],
    ['%#q uses backquotes when possible', '%#q', ['a"b'], '`a"b`'],
    ['hex of a string', '%x %X % x', ['hi', 'hi', 'hi'], '6869 6869 68 69'],
    ['floats with precision', '%.2f|%8.3f|%-8.2f|%06.2f|%+.1f', [3.14159, 3.14159, 3.14159, -1.5, 2.0], '3.14|   3.142|3.14    |-01.50|+2.0'],
    ['%f defaults to 6 places', '%f', [1.5], '1.500000'],
    ['round half to even on exact ties', '%.0f %.0f %.1f %.2f', [2.5, 3.5, 0.25, 1.005], '2 4 0.2 1.00'],
    ['%e', '%e %.2E', [1234.5678, 0.000123], '1.234568e+03 1.23E-04'],
    ['%g shortest and with precision', '%g %g %.3g %g', [1234.5678, 0.00001234, 1234.5678, 100000.0], '1234.5678 1.234e-05 1.23e+03 100000'],
    ['%v of a float', '%v %v %v', [1.0, 1e6, 123456789.0], '1 1e+06 1.23456789e+08'],
    ['bools', '%t %v', [true, false], 'true false'],
    ['composite values', '%v %v %d', [[1n, 'a'], { b: 1n, a: 'x' }, [1n, 2n]], '[1 a] map[a:x b:1] [1 2]'],
    ['%T', '%T %T %T %T %T %T', [1n, 'x', 1.5, [], {}, null], 'int string float64 []interface {} map[string]interface {} <nil>'],
    ['percent literal', '100%%', [], '100%'],
    ['star width', '%*d|%-*d', [5n, 42n, 4n, 7n], '   42|7   '],
    ['argument index', '%[2]s %[1]s', ['a', 'b'], 'b a'],
    ['wrong verb for the type', '%d %s %t', ['x', 5n, 1n], '%!d(string=x) %!s(int=5) %!t(int=1)'],
    ['missing argument', '%s %d', ['a'], 'a %!d(MISSING)'],
    ['extra arguments', 'a', [1n, 'b'], 'a%!(EXTRA int=1, string=b)'],
    ['no verb at the end', 'a%', [], 'a%!(NOVERB)'],
    ['nil with %v and %d', '%v %d', [null, null], '<nil> %!d(<nil>)'],
  ])('%s', (_name, format, args, expected) => {
    expect(sprintf(format, args)).toBe(expected);
  });
});

describe('fmt.Sprint and Sprintln', () => {
  it.each<[string, unknown[], string]>([
    ['strings are concatenated', ['a', 'b'], 'ab'],
    ['non-strings get a space between them', [1n, 2n, 'a', 3n, 4.5], '1 2a3 4.5'],
    ['nil', [null], '<nil>'],
    ['nested maps and lists', [{ a: [1, { b: null }] }], 'map[a:[1 map[b:<nil>]]]'],
  ])('%s', (_name, args, expected) => {
    expect(sprint(args)).toBe(expected);
  });

  it('Sprintln separates every operand and ends with a newline', () => {
    expect(sprintln(['a', 'b', 1n])).toBe('a b 1\n');
  });
});

describe('strconv float formatting', () => {
  it.each<[number, 'e' | 'f' | 'g', number, string]>([
    [15020, 'g', -1, '15020'],
    [999999, 'g', -1, '999999'],
    [1000000, 'g', -1, '1e+06'],
    [0.0001, 'g', -1, '0.0001'],
    [0.00001, 'g', -1, '1e-05'],
    [1e21, 'g', -1, '1e+21'],
    [0.1 + 0.2, 'g', -1, '0.30000000000000004'],
    [-2.5, 'f', 0, '-2'],
    [9.995, 'f', 2, '9.99'],
    [99.5, 'f', 0, '100'],
    [0, 'e', 3, '0.000e+00'],
    [1e21, 'f', 1, '1000000000000000000000.0'],
    [Infinity, 'g', -1, '+Inf'],
    [NaN, 'f', 2, 'NaN'],
  ])('%s %s %s', (x, f, prec, expected) => {
    expect(formatFloat(x, f, prec)).toBe(expected);
  });

  it('strconv.Quote escapes like Go', () => {
    expect(goQuote('a\u0007\u00ad\u{1F600}\\')).toBe('"a\\a\\u00ad\u{1F600}\\\\"');
  });
});
