import { describe, expect, it } from 'vitest';
import { goParseInt64, goParseUint64, goUnderscoreOK, parseGoBool, parseIntBase0 } from './go-strconv.js';

describe('strconv base-0 integers', () => {
  it.each<[string, bigint | null, bigint | null, bigint | null]>([
    // text, any size, ParseInt(s, 0, 64), ParseUint(s, 0, 64)
    ['0', 0n, 0n, 0n],
    ['017', 15n, 15n, 15n],
    ['0o17', 15n, 15n, 15n],
    ['0X1f', 31n, 31n, 31n],
    ['0b101', 5n, 5n, 5n],
    ['-0x10', -16n, -16n, null],
    ['+7', 7n, 7n, null],
    ['09', null, null, null],
    ['0x', null, null, null],
    ['', null, null, null],
    ['9223372036854775808', 2n ** 63n, null, 2n ** 63n],
    ['-9223372036854775808', -(2n ** 63n), -(2n ** 63n), null],
    ['18446744073709551616', 2n ** 64n, null, null],
  ])('%j', (text, any, int64, uint64) => {
    expect(parseIntBase0(text)).toBe(any);
    expect(goParseInt64(text)).toBe(int64);
    expect(goParseUint64(text)).toBe(uint64);
  });

  it.each<[string, boolean]>([
    ['1_000', true],
    ['0x_1f', true],
    ['0_7', true],
    ['-1_0', true],
    ['_1', false],
    ['1_', false],
    ['1__0', false],
    ['0x_', false],
    ['1._5', false],
  ])('underscoreOK(%j)', (text, ok) => {
    expect(goUnderscoreOK(text)).toBe(ok);
  });
});

describe('parseGoBool (strconv.ParseBool)', () => {
  it('accepts exactly Go’s twelve spellings', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(parseGoBool(f)).toBe(false);
  });
  it('refuses everything else', () => {
    for (const s of ['', 'yes', 'no', 'tRUE', 'FaLsE', ' true', 'true ', '01', '2', 'on']) expect(parseGoBool(s)).toBeUndefined();
  });
});
