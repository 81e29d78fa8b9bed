import { describe, expect, it } from 'vitest';
import { GoJsonError, compareUtf8, goJsonIndent, goJsonMarshal, goJsonMarshalOrdered, goJsonString } from './go-json.js';

// Expected texts were printed by Go's encoding/json (json.Marshal / json.MarshalIndent).
describe('goJsonMarshal = json.Marshal of map-based values', () => {
  it.each([
    ['sorted keys, HTML and control escapes, Go floats',
      { b: 1, a: [1, 2, { c: null }], html: '<a href="x">&</a>', ls: '\u2028\u2029', ctl: '\u0001\t\n\r\u001f', uni: 'é😀',
        num: [1e21, 1e-7, 0.5, 100, -2.5e-10, 1e20] },
      '{"a":[1,2,{"c":null}],"b":1,"ctl":"\\u0001\\t\\n\\r\\u001f","html":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e","ls":"\\u2028\\u2029","num":[1e+21,1e-7,0.5,100,-2.5e-10,100000000000000000000],"uni":"é😀"}'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    ['empty members', { a: {}, b: [], c: [{}], d: '' }, '{"a":{},"b":[],"c":[{}],"d":""}'],
    ['negative zero', -0, '-0'],
    ['undefined properties are skipped', { a: undefined, b: 1 }, '{"b":1}'],
  ])('%s', (_name, value, json) => {
    expect(goJsonMarshal(value)).toBe(json);
  });

  it('errors on NaN like encoding/json', () => {
    expect(() => goJsonMarshal({ v: Number.NaN })).toThrow(GoJsonError);
    expect(() => goJsonMarshal({ v: Number.NaN })).toThrow('json: unsupported value: NaN');
  });
});

describe('goJsonString', () => {
  it.each([
    ['plain', 'abc', '"abc"'],
    ['backspace and form feed (Go >= 1.22 short escapes)', '\b\f', '"\\b\\f"'],
    ['DEL and NEL are not escaped', '\u007f\u0085', '"\u007f\u0085"'],
    ['lone surrogate reads as U+FFFD', 'a\ud800b', '"a\ufffdb"'],
    ['surrogate pair kept', '😀', '"😀"'],
  ])('%s', (_name, s, json) => {
    expect(goJsonString(s)).toBe(json);
  });
});

describe('goJsonMarshalOrdered keeps struct field order', () => {
  it('does not sort keys', () => {
    expect(goJsonMarshalOrdered({ initContainers: ['a'], containers: null, volumes: [], revision: 'default' }))
      .toBe('{"initContainers":["a"],"containers":null,"volumes":[],"revision":"default"}');
  });
});

describe('goJsonIndent = json.MarshalIndent', () => {
  it.each([
    ['nested with empty collections', { a: {}, b: [], c: [{}, { d: [1, 2] }], e: 'x' },
      '{\n  "a": {},\n  "b": [],\n  "c": [\n    {},\n    {\n      "d": [\n        1,\n        2\n      ]\n    }\n  ],\n  "e": "x"\n}'],
    ['empty array', [], '[]'],
    ['scalar', 's', '"s"'],
    ['string containing structure characters', { 'a,b': '{[:]}' }, '{\n  "a,b": "{[:]}"\n}'],
  ])('%s', (_name, value, text) => {
    expect(goJsonIndent(value, '', '  ')).toBe(text);
  });

  it('puts the prefix after every newline but not before the first line', () => {
    expect(goJsonIndent({ a: 1 }, '>', '\t')).toBe('{\n>\t"a": 1\n>}');
  });
});

describe('compareUtf8 (Go string order)', () => {
  it.each([
    ['a', 'b', -1], ['b', 'a', 1], ['a', 'a', 0], ['a', 'ab', -1],
    ['\uffff', '😀', -1], // UTF-16 order would put the surrogate pair first
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareUtf8(a, b))).toBe(sign);
  });
});
