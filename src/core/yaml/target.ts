/**
 * Decoding YAML into a known Go type, as `sigs.k8s.io/yaml.Unmarshal(y, &obj)` does it (what
 * `istioctl kube-inject` runs on every document): go-yaml v2 decodes into `interface{}`, then
 * `convertToJSONableObject` walks the result beside obj's type, and encoding/json decodes the
 * JSON into obj. Two effects of the type survive into the decoded object:
 *
 * - a number or a boolean headed for a Go `string` (or `*string`) becomes its text: YAML 1.1's
 *   `serviceAccountName: n` is the string `"false"`, `0x10` is `"16"`, `1e10` is `"1e+10"`
 *   (ints in decimal, floats with `strconv.FormatFloat(f, 'g', -1, 32)`, booleans as
 *   `true`/`false`); types with their own JSON decoding (quantities, int-or-string, times,
 *   raw objects) take the value as it is;
 * - encoding/json matches an object key to a struct field exactly or, failing that, ignoring
 *   case (`ServiceAccountName` sets `serviceAccountName`); keys are decoded in byte order (the
 *   order json.Marshal wrote them), so a later key naming the same field wins, merging into an
 *   object already decoded there.
 *
 * The type is described by the caller (core/k8s builds targets from its struct descriptions).
 */
import { formatGoFloat32G } from '../format/go-number.js';

export interface YamlTarget {
  /** A Go string: numbers and booleans become their text. */
  readonly string?: boolean;
  /** A struct: the field `key` decodes into, or undefined when none (the key is ignored by Go). */
  readonly field?: (key: string) => YamlField | undefined;
  /** A map: the target of every value. */
  readonly values?: YamlTarget | null;
  /** A slice: the target of every item. */
  readonly items?: YamlTarget | null;
}

export interface YamlField {
  /** The field's JSON name (the key is stored under it). */
  readonly name: string;
  readonly target: YamlTarget | null;
  /**
   * How a second key naming the same field decodes over the first (encoding/json): `struct`
   * (a struct value: objects merge member by member, null leaves it), `merge` (a pointer to a
   * struct, or a map: objects merge, null clears it), `nullable` (slice, interface, pointer to a
   * scalar, types decoding themselves: replaced, null clears it), `value` (a non-pointer scalar:
   * replaced, null leaves it).
   */
  readonly kind: 'struct' | 'merge' | 'nullable' | 'value';
}

/** An integer go-yaml decoded exactly (int64 / uint64) that a JS number cannot hold. */
export class GoBigInt {
  constructor(readonly value: bigint) {}
}

/** A float go-yaml decoded: kept apart from integers, whose text differs (`1e6` vs `1000000`). */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** Unwraps the decoder's boxed scalars into plain JSON values. */
export function plainScalar(v: unknown): unknown {
  if (v instanceof GoBigInt) return Number(v.value);
  if (v instanceof GoFloat) return v.value;
  return v;
}

/**
 * sigs.k8s.io/yaml's text of a number or boolean decoded into a Go string (ints in decimal,
 * floats as `strconv.FormatFloat(f, 'g', -1, 32)`), or undefined when the value stays as it is.
 */
export function scalarToGoString(v: unknown): string | undefined {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v); // an int that a JS number holds exactly
  if (v instanceof GoBigInt) return v.value.toString();
  if (v instanceof GoFloat) {
    if (Number.isNaN(v.value)) return 'NaN';
    if (!Number.isFinite(Math.fround(v.value))) return v.value > 0 ? '+Inf' : '-Inf';
    return formatGoFloat32G(v.value);
  }
  return undefined;
}

/**
 * Go's encoding/json decoding of `b` over `a` (both already decoded) for a field of `kind`:
 * objects decoded into a struct merge member by member (members matched through `target`),
 * into a map key by key (a map's values are decoded afresh); `null` clears or leaves the field;
 * anything else replaces it.
 */
export function decodeOver(a: unknown, b: unknown, kind: YamlField['kind'], target: YamlTarget | null): unknown {
  if (b === null) return kind === 'value' || kind === 'struct' ? a : null;
  if ((kind !== 'merge' && kind !== 'struct') || !isObject(a) || !isObject(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const f = target?.field?.(k);
    out[k] = f && Object.hasOwn(out, k) ? decodeOver(out[k], v, f.kind, f.target) : v;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Go's encoding/json key folding (`foldName`: ASCII letters to upper case, other runes through
 * `unicode.ToUpper(unicode.ToLower(r))`), as far as it can make a key equal to an ASCII field
 * name: besides ASCII only the Kelvin sign (K), long s (S) and dotted capital I (I) fold to
 * ASCII letters.
 */
export function goFoldKey(key: string): string {
  let out = '';
  for (const ch of key) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out += c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 0x20) : ch;
    else out += FOLD_TO_ASCII.get(c) ?? ch;
  }
  return out;
}
const FOLD_TO_ASCII = new Map([[0x212a, 'K'], [0x17f, 'S'], [0x130, 'I']]);
