/**
 * Double-quoted scalar decoding as go-yaml v2's scanner does it (scan_flow_scalar). Used instead
 * of the `yaml` package's decoding because the escape sets differ: go-yaml accepts `\'` (which
 * `yaml` rejects) and rejects `\/` (which `yaml` accepts).
 *
 * Input is the raw source of the scalar including both quotes; the result is the value, or an
 * error message in go-yaml's words.
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', "'": "'", '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isBreakAt = (s: string, i: number): boolean => {
  const c = s[i];
  return c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';
};

/** go-yaml `read_line`: CRLF, CR, LF and NEL read as "\n"; LS and PS are kept. */
function readLine(s: string, i: number): [string, number] {
  const c = s[i];
  if (c === '\r' && s[i + 1] === '\n') return ['\n', i + 2];
  if (c === '\u2028' || c === '\u2029') return [c, i + 1];
  return ['\n', i + 1];
}

export type DecodeResult = { readonly value: string } | { readonly error: string };

export function decodeDoubleQuoted(source: string): DecodeResult {
  const end = source.length - 1; // index of the closing quote
  let out = '';
  let i = 1;
  for (;;) {
    let leadingBlanks = false;
    while (i < end && !isBlank(source[i]) && !isBreakAt(source, i)) {
      const c = source[i] as string;
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      if (isBreakAt(source, i + 1)) {
        i = readLine(source, i + 1)[1]; // escaped line break: joins the lines
        leadingBlanks = true;
        break;
      }
      const e = source[i + 1] as string;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
        continue;
      }
      const len = HEX_LENGTH[e];
      if (len === undefined) return { error: 'found unknown escape character' };
      const hex = source.slice(i + 2, i + 2 + len);
      if (hex.length < len || !/^[0-9a-fA-F]+$/.test(hex)) return { error: 'did not find expected hexdecimal number' };
      const code = parseInt(hex, 16);
      if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
        return { error: 'found invalid Unicode character escape code' };
      }
      out += String.fromCodePoint(code);
      i += 2 + len;
    }
    if (i >= end) return { value: out };
    let whitespace = '';
    let leadingBreak = '';
    let trailingBreaks = '';
    while (i < end && (isBlank(source[i]) || isBreakAt(source, i))) {
      if (isBlank(source[i])) {
        if (!leadingBlanks) whitespace += source[i];
        i++;
      } else {
        const [brk, next] = readLine(source, i);
        i = next;
        if (!leadingBlanks) {
          whitespace = '';
          leadingBreak = brk;
          leadingBlanks = true;
        } else trailingBreaks += brk;
      }
    }
    if (leadingBlanks) {
      if (leadingBreak === '\n') out += trailingBreaks === '' ? ' ' : trailingBreaks;
      else out += leadingBreak + trailingBreaks;
    } else out += whitespace;
  }
}
