import { describe, expect, it } from 'vitest';
import { goJsonMarshal } from '../format/go-json.js';
import { YamlError } from './errors.js';
import { PARSE_CASES } from './parse.fixtures.js';
import { parseYamlDocument, splitRawYamlDocuments, splitYamlDocuments } from './parse.js';

describe('parseYamlDocument = sigs.k8s.io/yaml.YAMLToJSON (expected JSON from go-yaml v2.4.0)', () => {
  it.each(PARSE_CASES)('%s', (_name, yaml, json) => {
    expect(goJsonMarshal(parseYamlDocument(yaml))).toBe(json);
  });
});

describe('parseYamlDocument errors', () => {
  it.each([
    ['unknown escape \\/ (accepted by YAML 1.2 parsers, not by go-yaml v2)', 'a: "x\\/y"\n', 1],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n', 3],
    ['unclosed flow sequence', 'a: [1, 2\n', undefined],
    ['undefined alias', 'a: *nope\n', 1],
    ['tag that does not fit the value', 'a: !!int abc\n', 1],
    ['NaN cannot become JSON', 'a: .nan\n', undefined],
    ['null map key cannot become a JSON key', '~: 1\n', 1],
    ['merge of a scalar', 'a:\n  <<: 1\n', 2],
  ])('%s', (_name, yaml, line) => {
    let error: unknown;
    try {
      parseYamlDocument(yaml);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(YamlError);
    if (line !== undefined) expect((error as YamlError).line).toBe(line);
  });

  it('a null key replaced by a later null key does not fail, like go-yaml (conversion after decoding)', () => {
    expect(parseYamlDocument('a: {~: 1}\na: 2\n')).toEqual({ a: 2 });
  });

  it('strict mode reports duplicate keys like go-yaml UnmarshalStrict', () => {
    expect(() => parseYamlDocument('a: 1\nb: 2\na: 3\n', { strict: true })).toThrow('line 3: key "a" already set in map');
    expect(parseYamlDocument('a: 1\nb: 2\na: 3\n')).toEqual({ a: 3, b: 2 });
  });
});

describe('splitYamlDocuments (apimachinery YAMLReader)', () => {
  it.each([
    ['no separator', 'a: 1\n', ['a: 1\n']],
    ['separator between documents', 'a: 1\n---\nb: 2\n', ['a: 1\n', 'b: 2\n']],
    ['leading and repeated separators are skipped', '---\n---\na: 1\n---\n---\n', ['a: 1\n']],
    ['comments and spaces may follow ---', 'a: 1\n--- # next\nb: 2\n---   \nc: 3\n', ['a: 1\n', 'b: 2\n', 'c: 3\n']],
    ['comment-only documents are kept', '# only a comment\n---\na: 1\n', ['# only a comment\n', 'a: 1\n']],
    ['blank lines are content', '\n---\na: 1\n\n', ['\n', 'a: 1\n\n']],
    ['missing final newline is added', 'a: 1\n---\nb: 2', ['a: 1\n', 'b: 2\n']],
    ['CRLF becomes LF', 'a: 1\r\n---\r\nb: 2\r\n', ['a: 1\n', 'b: 2\n']],
    ['"..." is not a separator', 'a: 1\n...\n', ['a: 1\n...\n']],
    ['indented --- is content', 'a: |\n  ---\n', ['a: |\n  ---\n']],
    ['empty input', '', []],
  ])('%s', (_name, text, docs) => {
    expect(splitYamlDocuments(text)).toEqual(docs);
  });

  it('reports the first line of each document', () => {
    expect(splitRawYamlDocuments('---\na: 1\n---\n\nb: 2\n').map((d) => d.line)).toEqual([2, 4]);
  });

  it.each([
    ['text after ---', 'a: 1\n--- b: 2\n', 'invalid Yaml document separator: b: 2', 2],
    ['----', '----\n', 'invalid Yaml document separator: -', 1],
  ])('rejects %s', (_name, text, message, line) => {
    expect(() => splitYamlDocuments(text)).toThrow(message);
    try {
      splitYamlDocuments(text);
    } catch (e) {
      expect((e as YamlError).line).toBe(line);
    }
  });
});
