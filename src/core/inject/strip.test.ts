import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../format/go-json-syntax.js';
import { parseOverrides } from './strip.js';

const pod = (overrides: string) => ({ metadata: { annotations: { 'proxy.istio.io/overrides': overrides } }, spec: { containers: [] } });

describe('parseOverrides', () => {
  // Expected words: Istio's webhook on the same annotation (checked through the oracle,
  // e2e/oracle/deviations.test.ts), which returns encoding/json's error.
  it.each([
    ['{not json', "invalid character 'n' looking for beginning of object key string"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['[]', 'json: cannot unmarshal array into Go value of type inject.podOverrides'],
    ['"x"', 'json: cannot unmarshal string into Go value of type inject.podOverrides'],
    ['1', 'json: cannot unmarshal number into Go value of type inject.podOverrides'],
    ['{"containers": 1}', 'json: cannot unmarshal number into Go struct field podOverrides.containers of type []v1.Container'],
    ['{"containers": [1]}', 'json: cannot unmarshal number into Go struct field podOverrides.containers of type v1.Container'],
    ['{"initContainers":{}}', 'json: cannot unmarshal object into Go struct field podOverrides.initContainers of type []v1.Container'],
    ['{"containers":[{"name":5}]}', 'json: cannot unmarshal number into Go struct field Container.containers.name of type string'],
    ['{"containers":[{"ports":[{"containerPort":"80"}]}]}', 'json: cannot unmarshal string into Go struct field ContainerPort.containers.ports.containerPort of type int32'],
    ['{"a":1,"containers":[{"resources":{"limits":{"cpu":"x"}}}]}', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
  ])('refuses %s with Go\'s words, naming the annotation', (text, words) => {
    expect(() => parseOverrides(pod(text))).toThrow(`invalid proxy.istio.io/overrides annotation: ${words}`);
  });

  it('reads null, unknown members and field names in any case as encoding/json does', () => {
    expect(parseOverrides(pod('null'))).toEqual({ containers: [], initContainers: [] });
    expect(parseOverrides(pod('{"other": 1, "Containers": [{"name": "a", "x": 1}], "INITCONTAINERS": null}'))).toEqual({ containers: [{ name: 'a', resources: {} }], initContainers: [] });
    // A null item is a zero Container (Istio appends it: its name "" then names the default container).
    expect(parseOverrides(pod('{"containers": [null]}'))).toEqual({ containers: [{ name: '', resources: {} }], initContainers: [] });
  });
});

describe('jsonSyntaxError (encoding/json SyntaxError words; 60 000 generated texts agree with Go 1.26)', () => {
  it.each([
    ['', 'unexpected end of JSON input'],
    ['  ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a"', 'unexpected end of JSON input'],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', 'invalid character \'"\' after object key:value pair'],
    ['[1 2]', "invalid character '2' after array element"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['-', "invalid character ' ' in numeric literal"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['01', "invalid character '1' after top-level value"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['nul', "invalid character ' ' in literal null (expecting 'l')"],
    ['é', "invalid character 'Ã' looking for beginning of value"],
    ['['.repeat(10001), "invalid character '[' exceeded max depth"],
  ])('%j: %s', (text, words) => {
    expect(jsonSyntaxError(text)).toBe(words);
  });
});
