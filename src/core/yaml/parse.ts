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
import { decodeDoubleQuoted } from './double-quoted.js';
import { YamlError, YamlErrorCode } from './errors.js';
import { resolvePlain } from './resolve.js';
import type { Resolved } from './resolve.js';
import { decodeOver, GoBigInt, GoFloat, plainScalar, scalarToGoString } from './target.js';
import type { YamlTarget } from './target.js';
import { formatGoFloat32G } from '../format/go-number.js';
import { compareUtf8 } from '../format/go-json.js';

export { splitRawYamlDocuments, splitYamlDocuments } from './split.js';
export type { RawYamlDocument } from './split.js';

export interface ParseYamlOptions {
  /** sigs.k8s.io/yaml.YAMLToJSONStrict / go-yaml UnmarshalStrict: duplicate keys are errors. */
  readonly strict?: boolean;
  /**
   * The Go type the document is decoded into (sigs.k8s.io/yaml.Unmarshal's target, see
   * target.ts): numbers and booleans headed for strings become text, keys name fields as Go's
   * encoding/json matches them. Without one, the document decodes as into `interface{}`.
   */
  readonly target?: YamlTarget | null;
  /**
   * Decodes the document a second time into the type this picks from the first result (null:
   * keep the first), as kube-inject decodes into TypeMeta first and then into the kind's struct.
   */
  readonly retarget?: (first: unknown) => YamlTarget | null;
}

const TAG = 'tag:yaml.org,2002:';

/** go-yaml's map[interface{}]interface{} before sigs.k8s.io/yaml converts it. */
class GoMap {
  readonly entries = new Map<string, unknown>();
  /** Node of a surviving nil key (sigs.k8s.io/yaml cannot convert it). */
  nullKey: YamlNode | null = null;
}

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
      const out = new GoMap();
      this.mapInto(node, out);
      return out;
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

  /** The scalar's text; double-quoted scalars are re-decoded with go-yaml's escape set. */
  private text(node: Scalar): string {
    const src = node.srcToken;
    if (node.type === 'QUOTE_DOUBLE' && src && 'source' in src && typeof src.source === 'string') {
      const r = decodeDoubleQuoted(src.source);
      if ('error' in r) this.fail(YamlErrorCode.syntax, `yaml: line ${this.lineOf(node)}: ${r.error}`, node);
      return r.value;
    }
    return String(node.value ?? '');
  }

  private resolved(node: Scalar): Resolved {
    const text = this.text(node);
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

  /** The scalar as go-yaml decodes it into interface{}; floats and big ints boxed (target.ts). */
  private scalar(node: Scalar): unknown {
    const r = this.resolved(node);
    if (r.tag === 'float') return new GoFloat(r.value as number);
    if (r.exact !== undefined) return new GoBigInt(r.exact);
    return r.value;
  }

  /**
   * sigs.k8s.io/yaml's conversion to JSON, done after decoding so that entries replaced by a later
   * duplicate key never fail: nil keys are rejected, then json.Marshal rejects NaN / ±Inf.
   */
  toJson(v: unknown, target: YamlTarget | null = null): unknown {
    const converted = this.convert(v, target);
    const bad = findNonFinite(converted);
    if (bad !== null) {
      this.fail(YamlErrorCode.conversion, `json: unsupported value: ${Number.isNaN(bad) ? 'NaN' : bad > 0 ? '+Inf' : '-Inf'}`);
    }
    return converted;
  }

  private convert(v: unknown, target: YamlTarget | null): unknown {
    if (Array.isArray(v)) {
      const items = target?.items ?? null;
      return v.map((x) => this.convert(x, items));
    }
    if (!(v instanceof GoMap)) {
      if (target?.string) return scalarToGoString(v) ?? plainScalar(v);
      return plainScalar(v);
    }
    if (v.nullKey) this.fail(YamlErrorCode.conversion, 'unsupported map key of type: %!s(<nil>)', v.nullKey);
    if (!target?.field) {
      const values = target?.values ?? null;
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, this.convert(x, values)]));
    }
    // A struct: keys name its fields as encoding/json matches them, in the byte order json.Marshal
    // wrote them; a later key naming a field already decoded decodes over it.
    const out: Record<string, unknown> = {};
    const field = target.field;
    const keys = [...v.entries.keys()];
    if (keys.some((k) => (field(k)?.name ?? k) !== k)) keys.sort(compareUtf8);
    for (const k of keys) {
      const f = field(k);
      const x = this.convert(v.entries.get(k), f?.target ?? null);
      const name = f?.name ?? k;
      out[name] = f && Object.hasOwn(out, name) ? decodeOver(out[name], x, f.kind, f.target) : x;
    }
    return out;
  }

  private isMergeKey(key: YamlNode | null): boolean {
    return isScalar(key) && key.value === '<<' && ((!key.tag && key.type === 'PLAIN') || key.tag === `${TAG}merge`);
  }

  private mapInto(node: YamlNode, out: GoMap): void {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      const value = pair.value as YamlNode | null;
      if (this.isMergeKey(key)) {
        this.merge(value, out);
        continue;
      }
      const k = this.keyString(key);
      if (this.strict && (k === null ? out.nullKey !== null : out.entries.has(k))) {
        const at = value ?? key;
        this.fail(YamlErrorCode.syntax, `yaml: unmarshal errors:\n  line ${this.lineOf(at)}: key "${k ?? '<nil>'}" already set in map`, at);
      }
      const decoded = this.decode(value);
      if (k === null) out.nullKey = key ?? value;
      else out.entries.set(k, decoded);
    }
  }

  /** go-yaml v2 `merge`: a map, an alias of a map, or a sequence of those (earlier ones win). */
  private merge(value: YamlNode | null, out: GoMap): void {
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
  private keyString(key: YamlNode | null): string | null {
    const target = isAlias(key) ? (key.resolve(this.doc) as YamlNode | undefined) : key;
    if (target && (isMap(target) || isSeq(target))) {
      this.fail(YamlErrorCode.syntax, 'yaml: invalid map key', key);
    }
    if (!target || !isScalar(target)) return null;
    const r = this.resolved(target);
    switch (r.tag) {
      case 'null':
        return null;
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

function findNonFinite(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : v;
  if (v === null || typeof v !== 'object') return null;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    const bad = findNonFinite(x);
    if (bad !== null) return bad;
  }
  return null;
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
    keepSourceTokens: true,
  });
  if (!Array.isArray(docs)) return null; // empty stream
  const doc = docs[0];
  if (!doc) return null;
  // Escapes in double-quoted scalars are checked with go-yaml's rules by the decoder.
  const err = doc.errors.find((e) => e.code !== 'BAD_DQ_ESCAPE');
  if (err) {
    const line = lines.linePos(err.pos[0]).line;
    throw new YamlError(YamlErrorCode.syntax, `yaml: line ${line}: ${firstLine(err.message)}`, line, { cause: err });
  }
  const decoder = new Decoder(doc, lines, options.strict ?? false);
  const decoded = decoder.decode(doc.contents as YamlNode | null);
  const first = decoder.toJson(decoded, options.target);
  const second = options.retarget?.(first);
  return second ? decoder.toJson(decoded, second) : first;
}
