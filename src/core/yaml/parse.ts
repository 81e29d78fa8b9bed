/**
 * `parseYamlDocument(text)` = sigs.k8s.io/yaml.YAMLToJSON(text) read back as a JSON value:
 * go-yaml v2 (non-strict) decoding into interface{}, then sigs.k8s.io/yaml's key conversion.
 *
 * The `yaml` package does the YAML parsing (failsafe schema: every scalar stays text, with its
 * style and tag); typing follows go-yaml v2 exactly (resolve.ts): YAML 1.1 booleans
 * (yes/no/on/off/y/n), 0x/0o/0b/leading-zero octal integers, underscores, timestamps kept as
 * strings, merge keys `<<` applied in document order (later entries override earlier ones, as in
 * go-yaml v2), duplicate keys: the last one wins (v2 non-strict), or an error in strict mode.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import { YamlError, YamlErrorCode } from './errors.js';
import { resolvePlain } from './resolve.js';
import type { Resolved } from './resolve.js';
import { formatGoFloat32G } from '../format/go-number.js';

export { splitYamlDocuments } from './split.js';
export type { RawYamlDocument } from './split.js';

export interface ParseYamlOptions {
  /** sigs.k8s.io/yaml.YAMLToJSONStrict / go-yaml UnmarshalStrict: duplicate keys are errors. */
  readonly strict?: boolean;
}

const TAG = 'tag:yaml.org,2002:';

class Decoder {
  private readonly active = new Set<YamlNode>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly strict: boolean,
  ) {}

  private lineOf(node: YamlNode | null | undefined): number {
    const offset = node?.range?.[0] ?? 0;
    return this.lines.linePos(offset).line;
  }

  fail(code: YamlErrorCode, message: string, node?: YamlNode | null): never {
    throw new YamlError(code, message, node ? this.lineOf(node) : undefined);
  }

  decode(node: YamlNode | null | undefined): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.decodeAlias(node.resolve(this.doc) as YamlNode | undefined, node);
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) return node.items.map((item) => this.decode(item as YamlNode));
    if (isMap(node)) {
      const out = new Map<string, unknown>();
      this.mapInto(node, out);
      return Object.fromEntries(out);
    }
    return this.fail(YamlErrorCode.syntax, 'yaml: unsupported node', node);
  }

  private decodeAlias(target: YamlNode | undefined, alias: YamlNode): unknown {
    if (!target) return this.fail(YamlErrorCode.syntax, 'yaml: unknown anchor referenced', alias);
    if (this.active.has(target)) this.fail(YamlErrorCode.syntax, 'yaml: anchor value contains itself', alias);
    this.active.add(target);
    try {
      return this.decode(target);
    } finally {
      this.active.delete(target);
    }
  }

  private resolved(node: Scalar): Resolved {
    const text = String(node.value ?? '');
    const tag = node.tag;
    if (!tag) {
      return node.type === 'PLAIN' || node.type === undefined ? resolvePlain(text) : { tag: 'str', value: text };
    }
    if (!tag.startsWith(TAG)) return { tag: 'str', value: text };
    const want = tag.slice(TAG.length);
    if (want === 'str') return { tag: 'str', value: text };
    if (want === 'binary') return { tag: 'str', value: Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8') };
    if (!['bool', 'int', 'float', 'null', 'timestamp'].includes(want)) return { tag: 'str', value: text };
    const r = resolvePlain(text);
    if (r.tag === want || (want === 'float' && r.tag === 'int')) return { tag: want as Resolved['tag'], value: r.value };
    return this.fail(YamlErrorCode.syntax, `yaml: cannot decode !!${r.tag} \`${text}\` as a !!${want}`, node);
  }

  private scalar(node: Scalar): unknown {
    const r = this.resolved(node);
    if (r.tag === 'float' && typeof r.value === 'number' && !Number.isFinite(r.value)) {
      this.fail(YamlErrorCode.conversion, `json: unsupported value: ${Number.isNaN(r.value) ? 'NaN' : r.value > 0 ? '+Inf' : '-Inf'}`, node);
    }
    return r.value;
  }

  private isMergeKey(key: YamlNode | null): boolean {
    return isScalar(key) && key.value === '<<' && ((!key.tag && key.type === 'PLAIN') || key.tag === `${TAG}merge`);
  }

  private mapInto(node: YamlNode, out: Map<string, unknown>): void {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      const value = pair.value as YamlNode | null;
      if (this.isMergeKey(key)) {
        this.merge(value, out);
        continue;
      }
      const k = this.keyString(key);
      if (this.strict && out.has(k)) {
        this.fail(YamlErrorCode.syntax, `yaml: unmarshal errors:\n  line ${this.lineOf(key)}: key "${k}" already set in map`, key);
      }
      out.set(k, this.decode(value));
    }
  }

  /** go-yaml v2 `merge`: a map, an alias of a map, or a sequence of those (earlier ones win). */
  private merge(value: YamlNode | null, out: Map<string, unknown>): void {
    const wantMap = (): never =>
      this.fail(YamlErrorCode.syntax, 'yaml: map merge requires map or sequence of maps as the value', value);
    const deref = (n: YamlNode | null): YamlNode => {
      const target = isAlias(n) ? (n.resolve(this.doc) as YamlNode | undefined) : n;
      if (!target || !isMap(target)) return wantMap();
      return target;
    };
    if (isSeq(value)) {
      for (const item of [...value.items].reverse()) this.mapInto(deref(item as YamlNode), out);
    } else this.mapInto(deref(value), out);
  }

  /** sigs.k8s.io/yaml's conversion of a go-yaml map key to a JSON object key. */
  private keyString(key: YamlNode | null): string {
    const target = isAlias(key) ? (key.resolve(this.doc) as YamlNode | undefined) : key;
    if (target && (isMap(target) || isSeq(target))) {
      this.fail(YamlErrorCode.syntax, 'yaml: invalid map key', key);
    }
    if (!target || !isScalar(target)) {
      return this.fail(YamlErrorCode.conversion, 'unsupported map key of type: %!s(<nil>)', key);
    }
    const r = this.resolved(target);
    switch (r.tag) {
      case 'null':
        return this.fail(YamlErrorCode.conversion, 'unsupported map key of type: %!s(<nil>)', key);
      case 'bool':
        return r.value ? 'true' : 'false';
      case 'int':
        return String(r.value);
      case 'float':
        return formatGoFloat32G(r.value as number);
      default:
        return String(r.value);
    }
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Parse the first YAML document of `text` into a JSON value (`null` for an empty document), as
 * sigs.k8s.io/yaml.Unmarshal sees it. Errors are `YamlError`s with a 1-based `line`.
 */
export function parseYamlDocument(text: string, options: ParseYamlOptions = {}): unknown {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    schema: 'failsafe', version: '1.1', uniqueKeys: false, merge: false, lineCounter: lines, prettyErrors: false,
  });
  if (!Array.isArray(docs)) return null; // empty stream
  const doc = docs[0];
  if (!doc) return null;
  const err = doc.errors[0];
  if (err) {
    const line = lines.linePos(err.pos[0]).line;
    throw new YamlError(YamlErrorCode.syntax, `yaml: line ${line}: ${firstLine(err.message)}`, line, { cause: err });
  }
  return new Decoder(doc, lines, options.strict ?? false).decode(doc.contents as YamlNode | null);
}
