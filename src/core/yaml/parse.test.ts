import { describe, expect, it } from 'vitest';
import { goJsonMarshal } from '../format/go-json.js';
import { YamlError } from './errors.js';
import { PARSE_CASES } from './parse.fixtures.js';
import { MAX_YAML_DEPTH, allowedAliasRatio, parseYamlDocument, splitRawYamlDocuments, splitYamlDocuments } from './parse.js';

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

  // Messages recorded with the go-yaml v2 oracle (./oracle): libyaml allows an empty key only
  // after `?` or with its own anchor or tag; the `yaml` package reads one anywhere.
  it.each([
    [': nope', 'yaml: did not find expected key'],
    ['a: 1\n: 2', 'yaml: line 1: did not find expected key'],
    ['a:\n  - x\n: y', 'yaml: line 2: did not find expected key'],
    ['x: 1\ny:\n  z: 2\n  : 3', 'yaml: line 3: did not find expected key'],
    ['x: &a\n  : 1', 'yaml: line 1: did not find expected key'],
    ['- a\n- : b', 'yaml: line 1: did not find expected key'],
    ['a: |\n  text: y\n: z', 'yaml: line 2: did not find expected key'],
    ['{: x}', 'yaml: did not find expected node content'],
    ['a: [b, : c]', 'yaml: did not find expected node content'],
    ['{a: 1,\n : 2}', 'yaml: line 1: did not find expected node content'],
    ['a: 1\n: 2\nb: [: x]', 'yaml: line 1: did not find expected key'],
    // An empty key of its own (`?`, an anchor, a tag) is a null key: the conversion fails.
    ['? \n: x', 'unsupported map key of type: %!s(<nil>)'],
    ['&a : x', 'unsupported map key of type: %!s(<nil>)'],
    ['x:\n  &a : 1', 'unsupported map key of type: %!s(<nil>)'],
    ['{&a : 1}', 'unsupported map key of type: %!s(<nil>)'],
    ['- !!null : x', 'unsupported map key of type: %!s(<nil>)'],
  ])('an entry without a key: %j fails %j, as go-yaml v2', (yaml, message) => {
    let error: unknown;
    try {
      parseYamlDocument(yaml);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(YamlError);
    expect((error as YamlError).message).toBe(message);
  });

  it('a null key replaced by a later null key does not fail, like go-yaml (conversion after decoding)', () => {
    expect(parseYamlDocument('a: {~: 1}\na: 2\n')).toEqual({ a: 2 });
  });

  it('strict mode reports duplicate keys like go-yaml UnmarshalStrict', () => {
    expect(() => parseYamlDocument('a: 1\nb: 2\na: 3\n', { strict: true })).toThrow('line 3: key "a" already set in map');
    expect(parseYamlDocument('a: 1\nb: 2\na: 3\n')).toEqual({ a: 3, b: 2 });
  });
});

function errorOf(f: () => unknown): YamlError | undefined {
  try {
    f();
  } catch (e) {
    return e as YamlError;
  }
  return undefined;
}

/** The classic "billion laughs": 10 levels, each a list of 10 aliases of the level before. */
function laughs(levels = 10, fan = 10): string {
  let t = 'l0: &l0 lol\n';
  for (let i = 1; i < levels; i++) t += `l${i}: &l${i} [${Array.from({ length: fan }, () => `*l${i - 1}`).join(',')}]\n`;
  return t;
}

describe('parseYamlDocument limits: alias budget and nesting depth (bounded by the input size)', () => {
  it.each([
    ['the billion laughs', laughs()],
    ['the billion laughs in a flow map (233 bytes)', `{${Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [${i === 0 ? 'lol' : Array.from({ length: 9 }, () => `*l${i - 1}`).join(',')}]`).join(', ')}}`],
    ['a list of 2000 maps aliased 100 times', `{a: &a [{a}${',{a}'.repeat(1999)}], b: &b [*a${',*a'.repeat(99)}]}`],
    ['nested merges of merges', `a0: &a0 {x: 1, y: 2}\n${Array.from({ length: 12 }, (_, i) => `a${i + 1}: &a${i + 1} {<<: [*a${i}], l: [*a${i}, *a${i}, *a${i}]}`).join('\n')}\n`],
  ])('refuses %s like go-yaml: "document contains excessive aliasing"', (_name, text) => {
    const err = errorOf(() => parseYamlDocument(text));
    expect(err).toBeInstanceOf(YamlError);
    expect(err?.code).toBe('YAML_EXCESSIVE_ALIASING');
    expect(err?.message).toBe('yaml: document contains excessive aliasing');
  });

  it.each([
    ['aliases within the budget (4 levels of 10)', laughs(4, 10), '"lol"', 1 + 10 + 100 + 1000],
    ['a list of 2000 maps without aliases', `a: &a [{a}${',{a}'.repeat(1999)}]`, '{"a":null}', 2000],
    ['a list aliased 90 times (99% of the nodes through aliases)', `a: &a [${'x,'.repeat(39)}x]\nb: [${Array.from({ length: 90 }, () => '*a').join(',')}]`, '"x"', 91 * 40],
  ])('accepts %s', (_name, text, marker, count) => {
    expect(goJsonMarshal(parseYamlDocument(text)).split(marker)).toHaveLength(count + 1);
  });

  it('resolves aliases in linear time (8 times the aliases take well under 24 times as long)', () => {
    const doc = (n: number) => `k: &k key\nm: &m {x: 1}\nrefs:\n${Array.from({ length: n }, (_, i) => `  r${i}: [*k, *m, {*k : 1}]\n`).join('')}`;
    const best = (text: string) => Math.min(...[0, 1, 2].map(() => {
      const start = performance.now();
      parseYamlDocument(text);
      return performance.now() - start;
    }));
    best(doc(100));
    const small = best(doc(500));
    const large = best(doc(4000));
    expect(large / Math.max(small, 0.5), `${small.toFixed(1)} ms, ${large.toFixed(1)} ms`).toBeLessThan(24);
  }, 60_000);

  it("uses go-yaml's ratio: 99% up to 400 000 decoded nodes, falling linearly to 10% at 4 000 000", () => {
    expect([400_000, 2_200_000, 4_000_000, 9_000_000].map((n) => allowedAliasRatio(n).toFixed(6))).toEqual(['0.990000', '0.545000', '0.100000', '0.100000']);
  });

  const nested = (depth: number): [string, string][] => [
    ['flow sequences', `${'['.repeat(depth)}${']'.repeat(depth)}`],
    ['flow maps', `x: ${'{a: '.repeat(depth - 1)}1${'}'.repeat(depth - 1)}`],
    ['compact block sequences', `${'- '.repeat(depth)}x\n`],
    ['block maps', `${Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`],
  ];

  it.each(nested(MAX_YAML_DEPTH))(`accepts ${MAX_YAML_DEPTH} levels of %s`, (_name, text) => {
    expect(parseYamlDocument(text)).not.toBeNull();
  });

  it.each([...nested(MAX_YAML_DEPTH + 1), ['a megabyte of [', '['.repeat(1 << 20)], ['a megabyte of "- "', '- '.repeat(1 << 19)], ['a megabyte of {', `x: ${'{'.repeat(1 << 20)}`]])(
    'refuses deeper nesting (%s) while reading, with the line',
    (_name, text) => {
      const err = errorOf(() => parseYamlDocument(text));
      expect(err?.code).toBe('YAML_TOO_DEEP');
      expect(err?.message).toMatch(new RegExp(`^yaml: line \\d+: exceeded max depth of ${MAX_YAML_DEPTH}$`));
    },
  );
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
