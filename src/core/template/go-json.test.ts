import { describe, expect, it } from 'vitest';
import { goJsonMarshal as formatMarshal } from '../format/go-json.js';
import { goJsonMarshal } from './go-json.js';
import { createSprigFuncs } from './sprig.js';
import { parseTemplate } from './template.js';

describe('template json.Marshal writes strings and numbers as src/core/format does', () => {
  it.each([
    ['a lone high surrogate', 'a\ud800b', '"a\ufffdb"'],
    ['a lone low surrogate at the end', 'x\udc00', '"x\ufffd"'],
    ['a surrogate pair (kept)', 'smile \ud83d\ude00', '"smile \ud83d\ude00"'],
    ['HTML characters', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
    ['control and line separators', '\u0001\n\u2028', '"\\u0001\\n\\u2028"'],
  ])('%s', (_name, s, want) => {
    expect(goJsonMarshal(s)).toBe(want);
    expect(goJsonMarshal(s)).toBe(formatMarshal(s));
  });

  it('keeps <, > and & with escapeHTML off, and still replaces a lone surrogate', () => {
    expect(goJsonMarshal('<&>\ud800', { escapeHTML: false })).toBe('"<&>\ufffd"');
  });

  it.each([
    [-0, '-0'],
    [1e-7, '1e-7'],
    [1e21, '1e+21'],
    [0.000001, '0.000001'],
    [15020, '15020'],
  ])('float64 %s', (x, want) => {
    expect(goJsonMarshal(x)).toBe(want);
    expect(goJsonMarshal(x)).toBe(formatMarshal(x));
  });

  it('toJson in a template replaces a lone surrogate like Go', () => {
    const t = parseTemplate('t', '{{ toJson . }}', createSprigFuncs());
    expect(t.execute({ k: 'v\udbff' })).toBe('{"k":"v\ufffd"}');
  });
});
