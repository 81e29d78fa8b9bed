/**
 * A fast path for parseYamlDocument (parse.ts): a settings file that is plain JSON (Istio's
 * injector ConfigMap keeps its `values` as JSON, and `kubectl get -o json` gives JSON) is read
 * with JSON.parse, which is many times faster than composing it through the `yaml` package —
 * most of an offline kube-inject's settings time went there (docs/inject.md, "Start-up").
 *
 * It applies only to texts on which go-yaml v2 and JSON.parse provably agree, and answers
 * `undefined` for anything else, which then takes the full YAML path (so every error, and every
 * text with YAML-only meaning, is the YAML path's):
 * - only printable ASCII, spaces and line feeds (no tabs, which YAML refuses in places JSON allows
 *   them; no CR, no C0/C1 control, no line separators or BOM, whose handling differs);
 * - an object or array at the top (a bare scalar is resolved YAML-1.1-style: `"1"` vs `1`);
 * - no `\u` escape (go-yaml refuses escaped surrogates, which JSON.parse accepts) and no `\/`
 *   (go-yaml v2 refuses it); the other JSON escapes (`\" \\ \b \f \n \r \t`) mean the same in
 *   a YAML double-quoted scalar;
 * - no key separated from its `:` by a line break (a YAML simple key is on one line), no key
 *   longer than 1024 characters (libyaml's simple-key limit);
 * - no number JSON.parse would read differently: `-0` as an integer (go-yaml: int 0), and nothing
 *   beyond a float's range (go-yaml: ±Inf, which the JSON conversion then refuses);
 * - nesting within MAX_YAML_DEPTH.
 * What it answers equals the YAML path's result (src/core/yaml/json-subset.test.ts checks it on
 * generated JSON documents of every shape).
 */

const PRINTABLE_ASCII = /^[\n\x20-\x7e]*$/;
const KEY_BEFORE_LINE_BREAK = /"[ \n]*\n[ \n]*:/;
/** An integer `-0`: a minus, a zero, then no fraction or exponent. */
const NEGATIVE_ZERO_INT = /-0(?![0-9.eE])/;
const MAX_KEY = 1024;

export function parseJsonSubset(text: string, maxDepth: number): { value: unknown } | undefined {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  if (!PRINTABLE_ASCII.test(text) || text.includes('\\u') || text.includes('\\/') || KEY_BEFORE_LINE_BREAK.test(text) || NEGATIVE_ZERO_INT.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return plain(value, 0, maxDepth) ? { value } : undefined;
}

/** Whether `v` nests within `maxDepth` and holds only finite numbers and keys of allowed length. */
function plain(v: unknown, depth: number, maxDepth: number): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v !== 'object' || v === null) return true;
  if (depth >= maxDepth) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!plain(x, depth + 1, maxDepth)) return false;
    return true;
  }
  for (const k in v) {
    if (k.length > MAX_KEY || !plain((v as Record<string, unknown>)[k], depth + 1, maxDepth)) return false;
  }
  return true;
}
