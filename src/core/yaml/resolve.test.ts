import { describe, expect, it } from 'vitest';
import { canBePlainString, isBase60Float, resolvePlain } from './resolve.js';

// Tags as go-yaml v2.4.0 resolves plain scalars (checked against the Go oracle).
describe('resolvePlain (go-yaml v2 resolve)', () => {
  it.each([
    ['hello', 'str', 'hello'], ['yes', 'bool', true], ['Off', 'bool', false], ['y', 'bool', true], ['N', 'bool', false],
    ['yES', 'str', 'yES'], ['~', 'null', null], ['', 'null', null], ['NULL', 'null', null],
    ['0777', 'int', 511], ['0x1F', 'int', 31], ['0o17', 'int', 15], ['0b101', 'int', 5], ['1_000', 'int', 1000],
    ['+1', 'int', 1], ['-0', 'int', 0], ['08', 'float', 8], ['1e3', 'float', 1000], ['.5', 'float', 0.5],
    ['.00_9', 'float', 0.009], ['._5', 'str', '._5'], ['1.', 'float', 1], ['1e400', 'str', '1e400'],
    ['0b-10', 'int', -2], ['0b+1', 'int', 1], ['0b', 'str', '0b'], ['0x', 'str', '0x'],
    ['18446744073709551616', 'float', 2 ** 64], // one more than uint64's maximum overflows
    ['2024-01-01', 'timestamp', '2024-01-01'], ['2024-02-30', 'str', '2024-02-30'], ['2024-02-29', 'timestamp', '2024-02-29'],
    ['2001-12-14t21:59:43.10-05:00', 'timestamp', '2001-12-14t21:59:43.10-05:00'], ['2001-12-14 21:59:43', 'timestamp', '2001-12-14 21:59:43'],
    ['1:20', 'str', '1:20'], ['<<', 'str', '<<'], ['-', 'str', '-'], ['+', 'str', '+'], ['1.2.3', 'str', '1.2.3'],
  ] as const)('%s -> %s', (text, tag, value) => {
    expect(resolvePlain(text)).toEqual({ tag, value });
  });

  it.each([
    ['18446744073709551615', 18446744073709551615n], ['9007199254740993', 9007199254740993n], ['-0x8000000000000000', -(2n ** 63n)],
  ])('%s keeps its exact value beside the rounded number', (text, exact) => {
    expect(resolvePlain(text)).toEqual({ tag: 'int', value: Number(exact), exact });
  });

  it.each([['.inf', Infinity], ['-.Inf', -Infinity], ['+.INF', Infinity]])('%s is an infinite float', (text, value) => {
    expect(resolvePlain(text)).toEqual({ tag: 'float', value });
  });

  it('.nan is a NaN float', () => {
    const r = resolvePlain('.nan');
    expect(r.tag).toBe('float');
    expect(Number.isNaN(r.value)).toBe(true);
  });
});

describe('isBase60Float / canBePlainString', () => {
  it.each([['1:20', true], ['190:20:30.15', true], ['1:60', false], ['a:1', false], ['-1:2', true]] as const)('%s', (text, base60) => {
    expect(isBase60Float(text)).toBe(base60);
    expect(canBePlainString(text)).toBe(!base60);
  });
});
