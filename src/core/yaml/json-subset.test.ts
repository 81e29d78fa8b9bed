import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonSubset } from './json-subset.js';
import { MAX_YAML_DEPTH, parseYamlDocument } from './parse.js';

/** The YAML path's answer, or its error's message. */
function viaYaml(text: string): { value: unknown } | { error: string } {
  try {
    return { value: parseYamlDocument(text, { jsonFastPath: false }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Equal as values, with the same key order and the same zero signs. */
function expectSame(fast: unknown, slow: unknown): void {
  expect(fast).toEqual(slow);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
}

describe('parseYamlDocument JSON fast path (json-subset.ts)', () => {
  it('gives what the YAML path gives on generated JSON documents, or leaves them to it', () => {
    const layouts = [(v: unknown) => JSON.stringify(v), (v: unknown) => JSON.stringify(v, null, 2), (v: unknown) => `\n  ${JSON.stringify(v, null, 1)}\n\n`];
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue())), fc.integer({ min: 0, max: 2 }), (doc, layout) => {
        const text = (layouts[layout] as (v: unknown) => string)(doc);
        const fast = parseJsonSubset(text, MAX_YAML_DEPTH / 2);
        const slow = viaYaml(text);
        if (fast === undefined) return;
        taken++;
        expect(slow).not.toHaveProperty('error');
        expectSame(fast.value, (slow as { value: unknown }).value);
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(1000);
  });

  it('gives what the YAML path gives on JSON texts built to probe the edges', () => {
    const texts = [
      '{"a": 1, "b": 1.5, "c": 1e5, "d": 1E-3, "e": -0.0, "f": 12345678901234567890, "g": 1e300, "h": 0}',
      '{"a":{"b":[1,2,{"c":null}]},"d":true,"e":false,"f":"x: y # z","g":"\\"quoted\\" \\\\ \\t\\n\\r\\b\\f"}',
      '{"a": 1, "b": 2, "a": 3}',
      '{"__proto__": {"x": 1}, "constructor": 2, "1": "one", "0": "zero"}',
      '[{"on": "yes", "off": "no", "y": "n", "~": "null", "0x10": "010", "1_000": "1:20"}]',
      '{"k": "- a\\n- b", "---": "...", "&a": "*a", "!!int": "<<"}',
      `{"deep": ${'['.repeat(100)}1${']'.repeat(100)}}`,
    ];
    for (const text of texts) {
      const fast = parseJsonSubset(text, MAX_YAML_DEPTH / 2);
      expect(fast, text).toBeDefined();
      const slow = viaYaml(text);
      expect(slow, text).not.toHaveProperty('error');
      expectSame(fast?.value, (slow as { value: unknown }).value);
      // And through the public entry point.
      expectSame(parseYamlDocument(text), (slow as { value: unknown }).value);
    }
  });

  it.each([
    ['\\/ (go-yaml v2 refuses it)', '{"a": "x\\/y"}'],
    ['\\u escapes (go-yaml refuses escaped surrogates)', '{"a": "\\ud83d\\ude00"}'],
    ['a tab', '{"a":\t1}'],
    ['CRLF line ends', '{"a": 1,\r\n"b": 2}'],
    ['non-ASCII text', '{"a": "é"}'],
    ['an integer -0 (go-yaml: 0)', '{"a": -0}'],
    ['a number beyond float range (go-yaml: +Inf, refused)', '{"a": 1e400}'],
    ['a key on the line before its colon', '{"a"\n: 1}'],
    ['a key longer than 1024 characters', `{"${'k'.repeat(1025)}": 1}`],
    ['a bare scalar', '"1"'],
    ['YAML that is not JSON', 'a: 1\n'],
    ['nesting beyond the bound', `${'['.repeat(200)}${']'.repeat(200)}`],
  ])('leaves %s to the YAML path', (_name, text) => {
    expect(parseJsonSubset(text, MAX_YAML_DEPTH / 2)).toBeUndefined();
  });

  it('leaves typed and strict decoding to the YAML path', () => {
    // Strict mode refuses a duplicate key, which JSON.parse would accept.
    expect(() => parseYamlDocument('{"a": 1, "a": 2}', { strict: true })).toThrow(/already set/);
  });
});
