/**
 * sigs.k8s.io/yaml.Marshal hands encoding/json's output to go-yaml's *parser* before emitting.
 * For almost every value that round trip is the identity; this module reproduces the rare cases
 * where it is not:
 *
 * - U+0085 (NEL) is written raw by encoding/json but is a line break to go-yaml's scanner, so
 *   inside a double-quoted JSON string it is folded like a YAML line break: spaces before it are
 *   dropped, spaces after it skipped, one NEL becomes a space, n > 1 NELs become n-1 "\n";
 *   "---"/"..." right after a NEL and followed by a space is a document indicator (error);
 * - a JSON object key that spans lines (contains NEL) or whose encoded form is longer than 1024
 *   characters is no longer a YAML simple key, so the JSON fails to parse.
 *
 * Line numbers in errors assume map keys in sorted order (what json.Marshal does for maps).
 */
import { YamlError, YamlErrorCode } from './errors.js';
import { compareUtf8 } from '../format/go-json.js';

const NEL = '\u0085';

/** Cheap pre-check: only values containing NEL or very long keys need the re-read. */
export function needsJsonReread(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NEL);
  if (Array.isArray(value)) return value.some(needsJsonReread);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k.includes(NEL) || k.length > 300 || needsJsonReread(v));
  }
  return false;
}

/** Length in code points of the encoding/json form of `s`, quotes included. */
function jsonEncodedLength(s: string): number {
  let n = 2;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c === 0x22 || c === 0x5c || c === 0x0a || c === 0x0d || c === 0x09) n += 2;
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) n += 6;
    else n += 1;
  }
  return n;
}

class Reader {
  /** 0-based line of the scanner in the JSON text. */
  line = 0;

  private scalar(s: string): string {
    let out = '';
    let i = 0;
    let afterBreak = false;
    const n = s.length;
    for (;;) {
      if (afterBreak && (s.startsWith('---', i) || s.startsWith('...', i)) && i + 3 < n && (s[i + 3] === ' ' || s[i + 3] === NEL)) {
        throw new YamlError(YamlErrorCode.syntax, `error converting JSON to YAML: yaml: line ${this.line + 1}: found unexpected document indicator`);
      }
      let j = i;
      while (j < n && s[j] !== ' ' && s[j] !== NEL) j++;
      out += s.slice(i, j);
      i = j;
      if (i >= n) return out;
      let whitespace = '';
      let leadingBlanks = false;
      let trailing = 0;
      while (i < n && (s[i] === ' ' || s[i] === NEL)) {
        if (s[i] === ' ') {
          if (!leadingBlanks) whitespace += ' ';
        } else {
          this.line++;
          if (!leadingBlanks) {
            whitespace = '';
            leadingBlanks = true;
          } else trailing++;
        }
        afterBreak = s[i] === NEL;
        i++;
      }
      out += leadingBlanks ? (trailing === 0 ? ' ' : '\n'.repeat(trailing)) : whitespace;
      if (!leadingBlanks) afterBreak = false;
    }
  }

  read(value: unknown): unknown {
    if (typeof value === 'string') return this.scalar(value);
    if (Array.isArray(value)) return value.map((v) => this.read(v === undefined ? null : v));
    if (value === null || typeof value !== 'object') return value;
    const openLine = this.line;
    const out = new Map<string, unknown>();
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareUtf8)) {
      const startLine = this.line;
      const k = this.scalar(key);
      if (this.line !== startLine || jsonEncodedLength(key) > 1024) {
        const line = this.line !== 0 ? this.line : openLine;
        throw new YamlError(YamlErrorCode.syntax, `error converting JSON to YAML: yaml: ${line !== 0 ? `line ${line}: ` : ''}did not find expected ',' or '}'`);
      }
      out.set(k, this.read(obj[key]));
    }
    return Object.fromEntries(out);
  }
}

/** The value go-yaml reads back from encoding/json's output of `value` (see module comment). */
export function rereadJsonAsGoYaml(value: unknown): unknown {
  return new Reader().read(value);
}
