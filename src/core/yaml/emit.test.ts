import { describe, expect, it } from 'vitest';
import { emitYaml, formatYamlNumber } from './emit.js';
import { FOLDING, KEY_ORDER, NUMBERS, SCALAR_STRINGS, STRUCTURES } from './emit.fixtures.js';
import { YamlError } from './errors.js';

const show = (s: string): string => JSON.stringify(s);

describe('emitYaml scalars (expected text from go-yaml v2.4.0)', () => {
  it.each(SCALAR_STRINGS.map(([input, doc]) => [show(input), input, doc] as const))('string %s', (_name, input, doc) => {
    expect(emitYaml({ v: input })).toBe(doc);
  });

  it.each(NUMBERS.map(([n, doc]) => [String(n), n, doc] as const))('number %s', (_name, n, doc) => {
    expect(emitYaml({ v: n })).toBe(doc);
  });

  it.each([
    ['true', true, 'v: true\n'],
    ['false', false, 'v: false\n'],
    ['null', null, 'v: null\n'],
    // encoding/json writes -0 as "-0", which go-yaml resolves to the int 0.
    ['negative zero', -0, 'v: 0\n'],
  ] as const)('%s', (_name, value, doc) => {
    expect(emitYaml({ v: value })).toBe(doc);
  });
});

describe('emitYaml line folding at the 80-column best width', () => {
  it.each(FOLDING)('%s', (_name, value, doc) => {
    expect(emitYaml(value)).toBe(doc);
  });

  it.each([
    // A plain scalar breaks at the first space *after* column 80 (the line keeps the word that
    // crossed it); with "k: " (3 columns) and 5-character words the crossing word ends at 83.
    ['breaks once column > 80', 'abcd '.repeat(30).trim(), 80],
  ])('%s', (_name, text, width) => {
    const lines = emitYaml({ k: text }).split('\n');
    expect(lines[0]!.length).toBeGreaterThan(width);
    expect(lines.slice(1, -2).every((l) => l.startsWith('  ') && l.length > width)).toBe(true);
  });
});

describe('emitYaml structures', () => {
  it.each(STRUCTURES)('%s', (_name, value, doc) => {
    expect(emitYaml(value)).toBe(doc);
  });

  it('sorts keys like go-yaml keyList (numeric runs, non-letters first)', () => {
    expect(emitYaml(Object.fromEntries(KEY_ORDER.keys.map((k) => [k, 1])))).toBe(KEY_ORDER.document);
  });

  it('skips undefined object properties like encoding/json of a typed struct with omitempty', () => {
    expect(emitYaml({ a: 1, b: undefined })).toBe('a: 1\n');
  });

  it('does not mutate its input', () => {
    const value = { b: [1, { d: 'x', c: 'y' }], a: 'z' };
    const copy = structuredClone(value);
    emitYaml(value);
    expect(value).toEqual(copy);
  });
});

describe('emitYaml failures of the JSON round trip', () => {
  it.each([
    ['NaN', { v: Number.NaN }, 'json: unsupported value: NaN'],
    ['Infinity', { v: Number.POSITIVE_INFINITY }, 'json: unsupported value: +Inf'],
    ['DEL character', { v: 'a\u007fb' }, 'yaml: control characters are not allowed'],
    ['C1 control in a key', { 'a\u0090': 1 }, 'yaml: control characters are not allowed'],
    ['U+FFFE', { v: '\ufffe' }, 'yaml: control characters are not allowed'],
  ])('%s', (_name, value, message) => {
    expect(() => emitYaml(value)).toThrow(YamlError);
    expect(() => emitYaml(value)).toThrow(message);
  });

  it.each([
    // NEL is written raw by encoding/json and folded by go-yaml's scanner like a line break.
    ['single NEL becomes a space', { v: 'a \u0085 b' }, 'v: a b\n'],
    ['two NELs become one newline', { v: 'a\u0085\u0085b' }, 'v: |-\n  a\n  b\n'],
    ['leading NEL', { v: '\u0085x' }, "v: ' x'\n"],
  ])('%s', (_name, value, doc) => {
    expect(emitYaml(value)).toBe(doc);
  });

  it.each([
    ['NEL in a key', { 'a\u0085b': 1 }, "yaml: line 1: did not find expected ',' or '}'"],
    ['key longer than 1022 characters', { ['k'.repeat(1023)]: 1 }, "yaml: did not find expected ',' or '}'"],
    ['document marker after NEL', { v: 'a\u0085--- b' }, 'yaml: line 2: found unexpected document indicator'],
  ])('%s fails like go-yaml', (_name, value, message) => {
    expect(() => emitYaml(value)).toThrow(message);
  });
});

describe('formatYamlNumber', () => {
  it.each([
    [1, '1'],
    [1e20, '1e+20'],
    [2 ** 64, '1.8446744073709552e+19'], // JSON text 18446744073709552000 overflows uint64
    [2 ** 63, '9223372036854776000'], // JSON text fits uint64: stays an integer
    [0.000001, '1e-06'],
    [-1.5, '-1.5'],
  ])('%s -> %s', (n, text) => {
    expect(formatYamlNumber(n)).toBe(text);
  });
});
