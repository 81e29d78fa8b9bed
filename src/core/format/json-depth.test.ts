import { describe, expect, it } from 'vitest';
import { jsonDepthExceeded, MAX_JSON_DEPTH } from './json-depth.js';

const bytes = (s: string) => Buffer.from(s);

describe("jsonDepthExceeded (encoding/json's and apimachinery's 10000 levels)", () => {
  it.each([
    ['a scalar', '1', 3, -1],
    ['exactly the limit', '[[[]]]', 3, -1],
    ['one level more: the offset of the bracket that goes too deep', '[[[[]]]]', 3, 3],
    ['objects count as arrays do', '{"a":{"b":{"c":{}}}}', 3, 15],
    ['brackets in strings do not count', '["[[[[", "{{{{"]', 1, -1],
    ['an escaped quote does not end a string', '["\\"[[[[", 1]', 1, -1],
    ['an escaped backslash before a quote does', '["\\\\", [[1]]]', 2, 8],
    ['siblings do not add up', '[[1],[2],[3],[[4]]]', 3, -1],
    ['an unterminated string hides the rest', '["[[[[', 1, -1],
  ])('%s', (_name, text, max, at) => {
    expect(jsonDepthExceeded(bytes(text), max)).toBe(at);
  });

  it('uses Go\'s limit by default', () => {
    expect(MAX_JSON_DEPTH).toBe(10_000);
    expect(jsonDepthExceeded(bytes('['.repeat(10_000) + ']'.repeat(10_000)))).toBe(-1);
    expect(jsonDepthExceeded(bytes('['.repeat(1_000_000)))).toBe(10_000);
  });
});
