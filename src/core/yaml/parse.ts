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
import { Composer, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, Parser, visit } from 'yaml';
import type { Alias, CST, Document, Node as YamlNode, Scalar } from 'yaml';
import { setOwnKey } from '../format/own-keys.js';
import { decodeDoubleQuoted } from './double-quoted.js';
import { YamlError, YamlErrorCode } from './errors.js';
import { resolvePlain } from './resolve.js';
import type { Resolved } from './resolve.js';
import { decodeOver, GoBigInt, GoFloat, plainScalar, scalarToGoString } from './target.js';
import type { YamlTarget } from './target.js';
import { formatGoFloat32G } from '../format/go-number.js';
import { compareUtf8 } from '../format/go-json.js';
import { parseJsonSubset } from './json-subset.js';

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
  /**
   * Whether a plain-JSON text may be read by JSON.parse (json-subset.ts: only where the result
   * is the same; default true). Off, every text takes the YAML path (the tests compare the two).
   */
  readonly jsonFastPath?: boolean;
}

/**
 * How deeply collections may nest. libyaml (go-yaml v2/v3 `scannerc.go`: `max_flow_level`,
 * `max_indents`) refuses more than 10000 flow levels or indentation levels with "exceeded max
 * depth of 10000". The `yaml` package composes nodes recursively (about 1.2 KB of stack per
 * level: it runs out of stack near 780 levels) and so does every later stage (decoding,
 * normalisation, emitting), so the limit here is lower, with room for the callers' frames.
 * No Kubernetes object, Helm values file or Istio configuration comes near it.
 */
export const MAX_YAML_DEPTH = 256;

/**
 * go-yaml v2's alias budget (`decode.go`, `allowedAliasRatio`): a document may not decode more
 * than a ratio of its nodes through aliases once it has decoded over 1000 nodes and over 100
 * through aliases. The ratio is 0.99 up to 400 000 decoded nodes, falls linearly to 0.10 at
 * 4 000 000 and stays there, so expansion is bounded by the document's own size ("billion
 * laughs" documents fail after a few thousand nodes with "document contains excessive aliasing").
 */
/** Nesting the JSON fast path takes; deeper texts take the YAML path, which bounds them. */
const JSON_FAST_PATH_MAX_DEPTH = MAX_YAML_DEPTH / 2;

const ALIAS_RATIO_RANGE_LOW = 400_000;
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;

export function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decodeCount >= ALIAS_RATIO_RANGE_HIGH) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - ALIAS_RATIO_RANGE_LOW) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW));
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
  // go-yaml's counters: every node decoded (the document counts as one), those decoded while
  // expanding an alias, and how many aliases are being expanded right now.
  private decodeCount = 1;
  private aliasCount = 0;
  private aliasDepth = 0;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly source: string,
    private readonly lines: LineCounter,
    private readonly strict: boolean,
  ) {}

  /** Each alias's node, found in one walk of the document (Alias.resolve walks it per call). */
  private targets: Map<Alias, YamlNode | undefined> | undefined;

  /**
   * The node an alias refers to: the last node anchored with its name before it in document
   * order, as the yaml package resolves it (a redefined anchor applies from there on).
   */
  private target(alias: Alias): YamlNode | undefined {
    if (!this.targets) {
      const targets = new Map<Alias, YamlNode | undefined>();
      const anchors = new Map<string, YamlNode>();
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node)) targets.set(node, anchors.get(node.source));
          else if (node.anchor) anchors.set(node.anchor, node);
        },
      });
      this.targets = targets;
    }
    return this.targets.get(alias);
  }

  private lineOf(node: YamlNode | null | undefined): number {
    const offset = node?.range?.[0] ?? 0;
    return this.lines.linePos(offset).line;
  }

  fail(code: YamlErrorCode, message: string, node?: YamlNode | null): never {
    throw new YamlError(code, message, node ? this.lineOf(node) : undefined);
  }

  /** go-yaml's `unmarshal` bookkeeping, once per node decoded (aliases and their targets included). */
  private count(node: YamlNode | null | undefined): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      this.fail(YamlErrorCode.excessiveAliasing, 'yaml: document contains excessive aliasing', node);
    }
  }

  decode(node: YamlNode | null | undefined): unknown {
    this.count(node);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.decodeAlias(this.target(node), node);
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) return node.items.map((item) => this.decode(item as YamlNode));
    if (isMap(node)) {
      const out = new GoMap();
      this.mapInto(node, out);
      return out;
    }
    return this.fail(YamlErrorCode.syntax, 'yaml: unsupported node', node);
  }

  /**
   * Each anchored node's value as an alias expanded it, and how many nodes that expansion decoded.
   * go-yaml decodes an alias's target again at every alias; the value is the same each time, so
   * it is decoded once and shared (decoded values are never modified: `toJson` builds new ones),
   * while the budget counts every node as go-yaml does.
   */
  private readonly expanded = new Map<YamlNode, { value: unknown; nodes: number }>();

  private decodeAlias(target: YamlNode | undefined, alias: YamlNode): unknown {
    if (!target) return this.fail(YamlErrorCode.syntax, 'yaml: unknown anchor referenced', alias);
    const known = this.expanded.get(target);
    if (known && this.withinBudget(known.nodes)) {
      // The target's nodes, all counted as aliased (the alias node itself was counted by decode).
      this.decodeCount += known.nodes;
      this.aliasCount += known.nodes;
      return known.value;
    }
    // First expansion, or one that would exceed the budget: decoded node by node, so that the
    // failure comes at the very node where go-yaml's does.
    const before = this.decodeCount;
    const value = this.expanding(target, alias, () => this.decode(target));
    if (!known) this.expanded.set(target, { value, nodes: this.decodeCount - before });
    return value;
  }

  /**
   * Whether decoding `nodes` more aliased nodes keeps within go-yaml's budget at every step: each
   * step adds one to both counters, so the ratio only grows and the allowed ratio only shrinks —
   * checking the end state is enough.
   */
  private withinBudget(nodes: number): boolean {
    const decoded = this.decodeCount + nodes;
    const aliased = this.aliasCount + nodes;
    return !(aliased > 100 && decoded > 1000 && aliased / decoded > allowedAliasRatio(decoded));
  }

  /** Runs `f` as the expansion of `alias` (its target counted as aliased nodes, cycles refused). */
  private expanding<T>(target: YamlNode, alias: YamlNode, f: () => T): T {
    if (this.active.has(target)) this.fail(YamlErrorCode.syntax, 'yaml: anchor value contains itself', alias);
    this.active.add(target);
    this.aliasDepth++;
    try {
      return f();
    } finally {
      this.aliasDepth--;
      this.active.delete(target);
    }
  }

  /** The scalar's text; double-quoted scalars are re-decoded with go-yaml's escape set. */
  private text(node: Scalar): string {
    if (node.type === 'QUOTE_DOUBLE' && node.range) {
      // The scalar's source (quotes included) is the text its range covers.
      const r = decodeDoubleQuoted(this.source.slice(node.range[0], node.range[1]));
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
    this.nonFinite = null;
    const converted = this.convert(v, target);
    // json.Marshal runs after the whole conversion: a nil key anywhere is reported first.
    const bad = this.nonFinite as number | null;
    if (bad !== null) {
      this.fail(YamlErrorCode.conversion, `json: unsupported value: ${Number.isNaN(bad) ? 'NaN' : bad > 0 ? '+Inf' : '-Inf'}`);
    }
    return converted;
  }

  /** The first NaN / ±Inf met by `convert`, in document order (json.Marshal's first). */
  private nonFinite: number | null = null;

  // One pass that also notes the first non-finite number (no second walk of the result), with
  // plain loops: alias expansions can make the result much larger than the text.
  private convert(v: unknown, target: YamlTarget | null): unknown {
    if (Array.isArray(v)) {
      const items = target?.items ?? null;
      const out = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) out[i] = this.convert(v[i], items);
      return out;
    }
    if (!(v instanceof GoMap)) {
      const x = target?.string ? (scalarToGoString(v) ?? plainScalar(v)) : plainScalar(v);
      if (typeof x === 'number' && this.nonFinite === null && !Number.isFinite(x)) this.nonFinite = x;
      return x;
    }
    if (v.nullKey) this.fail(YamlErrorCode.conversion, 'unsupported map key of type: %!s(<nil>)', v.nullKey);
    const out: Record<string, unknown> = {};
    if (!target?.field) {
      const values = target?.values ?? null;
      for (const [k, x] of v.entries) setOwnKey(out, k, this.convert(x, values));
      return out;
    }
    // A struct: keys name its fields as encoding/json matches them, in the byte order json.Marshal
    // wrote them; a later key naming a field already decoded decodes over it.
    const field = target.field;
    const keys = [...v.entries.keys()];
    if (keys.some((k) => (field(k)?.name ?? k) !== k)) keys.sort(compareUtf8);
    for (const k of keys) {
      const f = field(k);
      const x = this.convert(v.entries.get(k), f?.target ?? null);
      const name = f?.name ?? k;
      setOwnKey(out, name, f && Object.hasOwn(out, name) ? decodeOver(out[name], x, f.kind, f.target) : x);
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
    const mergeOne = (n: YamlNode | null): void => {
      if (isAlias(n)) {
        const target = this.target(n);
        if (!target || !isMap(target)) return wantMap();
        this.count(n);
        this.expanding(target, n, () => {
          this.count(target);
          this.mapInto(target, out);
        });
      } else if (isMap(n)) {
        this.count(n);
        this.mapInto(n, out);
      } else wantMap();
    };
    if (isSeq(value)) {
      for (const item of [...value.items].reverse()) mergeOne(item as YamlNode);
    } else mergeOne(value);
  }

  /** sigs.k8s.io/yaml's conversion of a go-yaml map key to a JSON object key. */
  private keyString(key: YamlNode | null): string | null {
    this.count(key);
    const target = isAlias(key) ? this.target(key) : key;
    if (target && target !== key) this.expanding(target, key as YamlNode, () => this.count(target));
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

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * The `yaml` package's CST for `text`, refusing nesting deeper than `maxDepth` as soon as the
 * parser's stack (document, open collections, at most one leaf token) gets there: the CST parser
 * itself slows down with depth, so the check runs while it reads, not afterwards.
 */
function* cstTokens(text: string, lines: LineCounter, maxDepth: number): Generator<CST.Token> {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  let offset = 0;
  for (const lexeme of new Lexer().lex(text, false)) {
    yield* parser.next(lexeme);
    offset += lexeme.length;
    const stack = parser.stack;
    if (stack.length > maxDepth + 1) {
      const top = stack[stack.length - 1]?.type;
      const leaf = top !== 'block-map' && top !== 'block-seq' && top !== 'flow-collection' ? 1 : 0;
      if (stack.length - 1 - leaf > maxDepth) {
        const line = lines.linePos(offset).line;
        throw new YamlError(YamlErrorCode.tooDeep, `yaml: line ${line}: exceeded max depth of ${maxDepth}`, line);
      }
    }
  }
  yield* parser.end();
}

/**
 * The first `: value` entry without a key (`: nope`, `a: 1\n: 2`, `{: x}`): the `yaml` package
 * reads an empty key there, but libyaml (go-yaml v2) only allows an empty key after `?` or
 * with an anchor or tag of its own, and fails "did not find expected key" in a block mapping,
 * "did not find expected node content" in a flow collection. go-yaml prints the 0-based line of
 * the `:` (parser errors are not shifted like scanner errors), none when it is 0.
 */
function missingKey(doc: CST.Document, text: string): { offset: number; message: string } | null {
  // Iterative walk: collections can nest MAX_YAML_DEPTH deep.
  const stack: (CST.Token | undefined)[] = [doc.value];
  let first: { offset: number; message: string } | null = null;
  while (stack.length) {
    const t = stack.pop();
    if (!t || (t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'flow-collection')) continue;
    for (const item of t.items) {
      stack.push(item.key ?? undefined, item.value);
      if (t.type === 'block-seq' || item.key || item.start.some((s) => s.type === 'explicit-key-ind')) continue;
      const colon = item.sep?.find((s) => s.type === 'map-value-ind');
      if (!colon) continue;
      // An anchor or tag on the line before the `:` is the (empty) key's own: a null key.
      const lineStart = text.lastIndexOf('\n', colon.offset - 1) + 1;
      if (/[&!]/.test(text.slice(lineStart, colon.offset))) continue;
      if (!first || colon.offset < first.offset) {
        first = { offset: colon.offset, message: t.type === 'block-map' ? 'did not find expected key' : 'did not find expected node content' };
      }
    }
  }
  return first;
}

/**
 * Parse the first YAML document of `text` into a JSON value (`null` for an empty document), as
 * sigs.k8s.io/yaml.Unmarshal sees it. Errors are `YamlError`s with a 1-based `line`.
 *
 * Bounded by the text's size: nesting deeper than MAX_YAML_DEPTH and alias expansion beyond
 * go-yaml's budget are refused (YAML_TOO_DEEP, YAML_EXCESSIVE_ALIASING).
 */
export function parseYamlDocument(text: string, options: ParseYamlOptions = {}): unknown {
  // Typed decoding (target, retarget) and strict duplicate-key checks stay on the YAML path.
  if (options.jsonFastPath !== false && !options.strict && !options.target && !options.retarget) {
    const json = parseJsonSubset(text, JSON_FAST_PATH_MAX_DEPTH);
    if (json) return json.value;
  }
  const lines = new LineCounter();
  const composer = new Composer({ schema: 'failsafe', version: '1.1', uniqueKeys: false, merge: false, });
  let doc: Document.Parsed | undefined;
  let cst: CST.Document | undefined;
  const tokens = function* (): Generator<CST.Token> {
    for (const t of cstTokens(text, lines, MAX_YAML_DEPTH)) {
      if (t.type === 'document' && !cst) cst = t;
      yield t;
    }
  };
  // Only the first document matters: stop composing once it is complete.
  for (const d of composer.compose(tokens())) {
    doc = d;
    break;
  }
  if (!doc) return null; // empty stream
  // Escapes in double-quoted scalars are checked with go-yaml's rules by the decoder.
  const err = doc.errors.find((e) => e.code !== 'BAD_DQ_ESCAPE');
  // go-yaml parses the whole document before decoding it: the first syntax problem wins.
  const missing = cst ? missingKey(cst, text) : null;
  if (missing && (!err || missing.offset < err.pos[0])) {
    const line0 = lines.linePos(missing.offset).line - 1;
    throw new YamlError(YamlErrorCode.syntax, `yaml: ${line0 !== 0 ? `line ${line0}: ` : ''}${missing.message}`, line0 + 1);
  }
  if (err) {
    const line = lines.linePos(err.pos[0]).line;
    throw new YamlError(YamlErrorCode.syntax, `yaml: line ${line}: ${firstLine(err.message)}`, line, { cause: err });
  }
  const decoder = new Decoder(doc, text, lines, options.strict ?? false);
  const decoded = decoder.decode(doc.contents as YamlNode | null);
  const first = decoder.toJson(decoded, options.target);
  const second = options.retarget?.(first);
  return second ? decoder.toJson(decoded, second) : first;
}
