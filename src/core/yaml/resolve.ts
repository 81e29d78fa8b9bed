/**
 * go-yaml v2 implicit tag resolution (resolve.go): what a plain scalar means, YAML 1.1 style.
 * The emitter uses it to decide when a string must be quoted; the parser uses it to type plain
 * scalars. Integers go through Go's `strconv.ParseInt(s, 0, 64)` rules (0x, 0o, 0b, leading-0
 * octal, underscores removed first), floats through go-yaml's `yamlStyleFloat` pattern, and
 * timestamps through the subset of `time.Parse` go-yaml uses.
 */
import { goParseInt64, goParseUint64, goUnderscoreOK, INT64_MAX, INT64_MIN, UINT64_MAX } from '../format/go-strconv.js';
import { isGoYamlTimestamp } from './go-time.js';

export type YamlTag = 'str' | 'int' | 'float' | 'bool' | 'null' | 'timestamp';

export interface Resolved {
  readonly tag: YamlTag;
  readonly value: string | number | boolean | null;
  /** An int's exact value, when a JS number cannot hold it. */
  readonly exact?: bigint;
}

const int = (v: bigint): Resolved => (Number.isSafeInteger(Number(v)) ? { tag: 'int', value: Number(v) } : { tag: 'int', value: Number(v), exact: v });

const MAP = new Map<string, Resolved>();
function addAll(words: readonly string[], r: Resolved): void {
  for (const w of words) MAP.set(w, r);
}
addAll(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'], { tag: 'bool', value: true });
addAll(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'], { tag: 'bool', value: false });
addAll(['', '~', 'null', 'Null', 'NULL'], { tag: 'null', value: null });
addAll(['.nan', '.NaN', '.NAN'], { tag: 'float', value: Number.NaN });
addAll(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'], { tag: 'float', value: Number.POSITIVE_INFINITY });
addAll(['-.inf', '-.Inf', '-.INF'], { tag: 'float', value: Number.NEGATIVE_INFINITY });

/** go-yaml's resolveTable hint for the first byte: 'M' map lookup, 'D' digit, 'S' sign, '.' float. */
function hintOf(s: string): 'M' | 'D' | 'S' | '.' | null {
  if (s === '') return 'M'; // go-yaml uses hint 'N' for "", which only reaches the map lookup.
  const c = s[0] as string;
  if (c >= '0' && c <= '9') return 'D';
  if (c === '+' || c === '-') return 'S';
  if (c === '.') return '.';
  if ('yYnNtTfFoO~'.includes(c)) return 'M';
  return null;
}

/** strconv.ParseInt(s, 2, 64), falling back to ParseUint(s, 2, 64) as go-yaml does. */
function parseBinary(s: string): bigint | null {
  const m = /^([+-]?)([01]+)$/.exec(s);
  if (!m) return null;
  const u = BigInt(`0b${m[2]}`);
  const v = m[1] === '-' ? -u : u;
  if (v >= INT64_MIN && v <= INT64_MAX) return v;
  return m[1] === '' && u <= UINT64_MAX ? u : null;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DOT_FLOAT = /^\.[0-9][0-9_]*([eE][-+]?[0-9][0-9_]*)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

const STR = (s: string): Resolved => ({ tag: 'str', value: s });

/**
 * Resolve a plain (unquoted, untagged) scalar exactly as go-yaml v2 `resolve("", s)` does.
 * Integers are returned as JS numbers (precision beyond 2^53 is lost, like any JSON number here).
 */
export function resolvePlain(s: string): Resolved {
  const hint = hintOf(s);
  if (hint === null) return STR(s);
  const known = MAP.get(s);
  if (known) return known;
  if (hint === '.') {
    // strconv.ParseFloat on the text as is: Go float syntax, "_" allowed between digits.
    if (DOT_FLOAT.test(s) && goUnderscoreOK(s)) {
      const f = Number(s.replaceAll('_', ''));
      if (Number.isFinite(f)) return { tag: 'float', value: f };
    }
    return STR(s);
  }
  if (hint === 'M') return STR(s);
  if (isGoYamlTimestamp(s)) return { tag: 'timestamp', value: s };
  const plain = s.replaceAll('_', '');
  const i = goParseInt64(plain);
  if (i !== null) return int(i);
  const u = goParseUint64(plain);
  if (u !== null) return int(u);
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    // Go's ParseFloat reports overflow (±Inf) as an error, so such text stays a string.
    if (Number.isFinite(f)) return { tag: 'float', value: f };
  }
  // go-yaml's extra binary forms: "0b" + strconv.ParseInt(rest, 2, 64) accepts a sign after the
  // prefix ("0b-10" is -2); "-0b..." is already covered by ParseInt with base 0.
  if (plain.startsWith('0b')) {
    const bin = parseBinary(plain.slice(2));
    if (bin !== null) return int(bin);
  }
  return STR(s);
}

/** go-yaml v2 `isBase60Float`: YAML 1.1 sexagesimal numbers are quoted on output (not parsed). */
export function isBase60Float(s: string): boolean {
  if (s === '') return false;
  const c = s[0] as string;
  if (!(c === '+' || c === '-' || (c >= '0' && c <= '9')) || !s.includes(':')) return false;
  return BASE60_FLOAT.test(s);
}

/** True when go-yaml v2 may write the string unquoted without changing its meaning. */
export function canBePlainString(s: string): boolean {
  return resolvePlain(s).tag === 'str' && !isBase60Float(s);
}
