/**
 * `emitYaml(value)` = sigs.k8s.io/yaml.Marshal(value) byte for byte.
 *
 * sigs.k8s.io/yaml (v1.6.0) marshals with encoding/json, reads that JSON back with go-yaml v2
 * into interface{} (so numbers get YAML 1.1 types and map keys lose their order) and marshals
 * it again with go-yaml v2. This module reproduces that pipeline without the round trip:
 * numbers are printed as the JSON text would resolve, keys are sorted with go-yaml's keyList
 * order, and the libyaml-derived emitter (emitter.ts) decides scalar styles and line folding.
 */
import { Emitter } from './emitter.js';
import { YamlError, YamlErrorCode } from './errors.js';
import { rereadJsonAsGoYaml } from './json-reread.js';
import { sortGoYamlKeys } from './key-order.js';
import { canBePlainString } from './resolve.js';
import { analyzeScalar, codePoints, selectScalarStyle, Style, utf8Width } from './scalar-analysis.js';
import { formatGoFloatG, formatGoJsonFloat } from '../format/go-number.js';

/**
 * Strings that go-yaml's analysis always allows as plain scalars in block context: printable
 * ASCII without spaces (so never folded), not starting with an indicator, "-" or ".", and not
 * ending with ":". They skip the per-character analysis (the common case: names, images, paths).
 */
const SAFE_PLAIN = /^[A-Za-z0-9_/(](?:[A-Za-z0-9_./=+:@()-]*[A-Za-z0-9_./=+@()-])?$/;

interface NodeContext {
  readonly mapping: boolean;
  readonly simpleKey: boolean;
}

const VALUE: NodeContext = { mapping: false, simpleKey: false };
const MAP_VALUE: NodeContext = { mapping: true, simpleKey: false };
const MAP_KEY: NodeContext = { mapping: true, simpleKey: true };

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A JSON number as go-yaml prints it after the JSON round trip: integral JSON text that fits
 * int64/uint64 stays an integer ("-0" becomes "0"), anything else becomes a float64 printed with
 * strconv 'g' (1e+20, 1e-07, 0.5, 1.5e+06).
 */
export function formatYamlNumber(n: number): string {
  if (!Number.isFinite(n)) {
    throw new YamlError(YamlErrorCode.unsupportedValue, `error marshaling into JSON: json: unsupported value: ${goFloatName(n)}`);
  }
  const json = formatGoJsonFloat(n);
  if (/^-?\d+$/.test(json)) {
    const big = BigInt(json);
    if (big >= INT64_MIN && big <= UINT64_MAX) return big.toString();
  }
  return formatGoFloatG(n);
}

function goFloatName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
}

/**
 * Characters encoding/json writes raw but go-yaml's reader rejects when JSONToYAML parses the
 * JSON (DEL, C1 controls except NEL, U+FFFE, U+FFFF): sigs.k8s.io/yaml.Marshal fails on them.
 */
const REJECTED_BY_READER = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

interface Survey {
  readonly unsupported: number | null;
  readonly unreadable: boolean;
  readonly reread: boolean;
}

/**
 * One pass over the value for the failures of the JSON round trip, in the order Go reports them:
 * json.Marshal rejects NaN/±Inf first, then go-yaml's reader rejects control characters.
 */
function survey(value: unknown): Survey {
  let unsupported: number | null = null;
  let unreadable = false;
  let reread = false;
  const visitString = (v: string, isKey: boolean): void => {
    if (!unreadable && REJECTED_BY_READER.test(v)) unreadable = true;
    if (!reread && (v.includes('\u0085') || (isKey && v.length > 300))) reread = true;
  };
  const visit = (v: unknown): void => {
    if (typeof v === 'string') visitString(v, false);
    else if (typeof v === 'number') {
      if (unsupported === null && !Number.isFinite(v)) unsupported = v;
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item);
    } else if (v !== null && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      for (const k in obj) {
        if (!Object.prototype.hasOwnProperty.call(obj, k) || obj[k] === undefined) continue;
        visitString(k, true);
        visit(obj[k]);
      }
    }
  };
  visit(value);
  return { unsupported, unreadable, reread };
}

class TreeEmitter {
  readonly e = new Emitter();

  node(value: unknown, ctx: NodeContext): void {
    if (Array.isArray(value)) return this.sequence(value, ctx);
    if (value !== null && typeof value === 'object') return this.mapping(value as Record<string, unknown>);
    return this.scalarValue(value, ctx);
  }

  private scalarValue(value: unknown, ctx: NodeContext): void {
    switch (typeof value) {
      case 'string':
        if (value.includes('\n')) return this.scalar(value, Style.literal, ctx);
        if (!canBePlainString(value)) return this.scalar(value, Style.double, ctx);
        if (SAFE_PLAIN.test(value)) return this.e.writeSimplePlain(value);
        return this.scalar(value, Style.plain, ctx);
      case 'number':
        return this.e.writeSimplePlain(formatYamlNumber(value));
      case 'boolean':
        return this.e.writeSimplePlain(value ? 'true' : 'false');
      case 'undefined':
        return this.e.writeSimplePlain('null');
      default:
        if (value === null) return this.e.writeSimplePlain('null');
        throw new YamlError(YamlErrorCode.unsupportedValue, `emitYaml: unsupported value of type ${typeof value}`);
    }
  }

  private scalar(text: string, requested: Style, ctx: NodeContext): void {
    const v = codePoints(text);
    const analysis = analyzeScalar(v);
    const style = selectScalarStyle(requested, analysis, v.length, ctx.simpleKey, this.e.flowLevel);
    this.e.increaseIndent(true, false);
    this.e.writeScalar(style, v, !ctx.simpleKey, v.length === text.length ? text : null);
    this.e.popIndent();
  }

  /** An empty collection is written in flow style: `[]` or `{}`. */
  private emptyFlow(open: string, close: string): void {
    this.e.writeIndicator(open, true, true, false);
    this.e.increaseIndent(true, false);
    this.e.popIndent();
    this.e.writeIndicator(close, false, false, false);
  }

  private sequence(items: readonly unknown[], ctx: NodeContext): void {
    if (items.length === 0) return this.emptyFlow('[', ']');
    // A sequence that is a mapping value is not indented under its key ("key:\n- a").
    this.e.increaseIndent(false, ctx.mapping && !this.e.indention);
    for (const item of items) {
      this.e.writeIndent();
      this.e.writeIndicator('-', true, false, true);
      this.node(item, VALUE);
    }
    this.e.popIndent();
  }

  private mapping(obj: Record<string, unknown>): void {
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
    if (keys.length === 0) return this.emptyFlow('{', '}');
    this.e.increaseIndent(false, false);
    for (const key of sortGoYamlKeys(keys)) {
      this.e.writeIndent();
      if (isSimpleKey(key)) {
        this.scalarValue(key, MAP_KEY);
        this.e.writeIndicator(':', false, false, false);
      } else {
        // Keys longer than 128 bytes or spanning lines use the explicit "? key\n: value" form.
        this.e.writeIndicator('?', true, false, true);
        this.scalarValue(key, MAP_VALUE);
        this.e.writeIndent();
        this.e.writeIndicator(':', true, false, true);
      }
      this.node(obj[key], MAP_VALUE);
    }
    this.e.popIndent();
  }
}

/** libyaml `yaml_emitter_check_simple_key` for a string key: single line, at most 128 bytes. */
function isSimpleKey(key: string): boolean {
  if (key.length <= 128 && SAFE_PLAIN.test(key)) return true;
  let bytes = 0;
  for (const c of codePoints(key)) {
    if (c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029) return false;
    bytes += utf8Width(c);
  }
  return bytes <= 128;
}

/** Serialise a JSON value exactly like sigs.k8s.io/yaml.Marshal (go-yaml v2 style), ending in "\n". */
export function emitYaml(value: unknown): string {
  const found = survey(value);
  if (found.unsupported !== null) formatYamlNumber(found.unsupported); // throws json's error
  if (found.unreadable) throw new YamlError(YamlErrorCode.controlCharacter, 'error converting JSON to YAML: yaml: control characters are not allowed');
  const t = new TreeEmitter();
  t.node(found.reread ? rereadJsonAsGoYaml(value) : value, VALUE);
  t.e.writeIndent(); // document end
  return t.e.output();
}
