/**
 * encoding/json's SyntaxError texts: the words Go's `json.Unmarshal` gives for a text that is not
 * JSON, which Istio passes on verbatim in its refusals. Hand-written because no JSON library
 * reports Go's words: a byte-level scanner with the states of Go's (value, object key, after key,
 * after key:value pair, after array element, string, escapes, numbers, literals, after the
 * top-level value), each failing with Go's "invalid character C <context>" or, when the input
 * ends early, "unexpected end of JSON input". Input and error character are bytes, as in Go.
 */
import { goQuote } from './go-quote.js';

/** Go's quoteChar: the byte as a rune in single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  return `'${goQuote(String.fromCharCode(c)).slice(1, -1)}'`;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's maximum nesting depth (encoding/json maxNestingDepth). */
const MAX_DEPTH = 10000;

type Frame = 'key' | 'value' | 'array';

class Fail {
  constructor(readonly message: string) {}
}

/**
 * encoding/json's SyntaxError text for `text`, or undefined when Go's scanner accepts it.
 * Linear in the text's size; the nesting stack is bounded by Go's own depth limit.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  const b = Buffer.from(text, 'utf8');
  const stack: Frame[] = [];
  const fail = (c: number, context: string): never => {
    throw new Fail(`invalid character ${quoteChar(c)} ${context}`);
  };
  let i = 0;
  const at = (): number => (i < b.length ? (b[i] as number) : -1);
  const end = (): never => {
    throw new Fail('unexpected end of JSON input');
  };
  const skipSpace = (): void => {
    while (i < b.length && isSpace(b[i] as number)) i++;
  };
  /**
   * The next byte, which `ok` must accept. At the end of the input Go's eof() feeds one space:
   * the error names that space.
   */
  const need = (ok: (c: number) => boolean, context: string): void => {
    const c = at();
    if (c < 0) fail(0x20, context);
    if (!ok(c)) fail(c, context);
    i++;
  };
  const literal = (word: string): void => {
    for (const ch of word.slice(1)) need((c) => c === ch.charCodeAt(0), `in literal ${word} (expecting '${ch}')`);
  };
  const digits = (): void => {
    while (isDigit(at())) i++;
  };
  const number = (first: number): void => {
    if (first === 0x2d) {
      first = at();
      need(isDigit, 'in numeric literal');
    }
    if (first !== 0x30) digits();
    if (at() === 0x2e) {
      i++;
      need(isDigit, 'after decimal point in numeric literal');
      digits();
    }
    if (at() === 0x65 || at() === 0x45) {
      i++;
      if (at() === 0x2b || at() === 0x2d) i++;
      need(isDigit, 'in exponent of numeric literal');
      digits();
    }
  };
  const string = (): void => {
    for (;;) {
      const c = at();
      if (c < 0) end();
      i++;
      if (c === 0x22) return;
      if (c === 0x5c) {
        need((e) => e === 0x75 || 'bfnrt\\/"'.includes(String.fromCharCode(e)), 'in string escape code');
        if (b[i - 1] === 0x75) for (let k = 0; k < 4; k++) need(isHex, 'in \\u hexadecimal character escape');
      } else if (c < 0x20) {
        fail(c, 'in string literal');
      }
    }
  };
  // expect: what the next non-space byte must begin. Objects and arrays push a frame; after each
  // value the innermost frame decides (",", ":", "}" or "]"), so nesting costs no recursion.
  let expect: 'value' | 'key' | 'after' = 'value';
  try {
    for (;;) {
      skipSpace();
      const c = at();
      if (c < 0) {
        if (expect === 'after' && stack.length === 0) return undefined;
        end();
      }
      i++;
      if (expect === 'after' && stack.length === 0) fail(c, 'after top-level value');
      if (expect === 'value') {
        expect = 'after';
        if (c === 0x7b || c === 0x5b) {
          if (stack.length >= MAX_DEPTH) fail(c, 'exceeded max depth');
          skipSpace();
          if (at() === (c === 0x7b ? 0x7d : 0x5d)) {
            i++;
            continue;
          }
          stack.push(c === 0x7b ? 'key' : 'array');
          expect = c === 0x7b ? 'key' : 'value';
        } else if (c === 0x22) string();
        else if (c === 0x2d || isDigit(c)) number(c);
        else if (c === 0x74) literal('true');
        else if (c === 0x66) literal('false');
        else if (c === 0x6e) literal('null');
        else fail(c, 'looking for beginning of value');
        continue;
      }
      if (expect === 'key') {
        if (c !== 0x22) fail(c, 'looking for beginning of object key string');
        string();
        expect = 'after';
        continue;
      }
      const top = stack[stack.length - 1];
      if (top === 'key') {
        if (c !== 0x3a) fail(c, 'after object key');
        stack[stack.length - 1] = 'value';
        expect = 'value';
      } else if (top === 'value') {
        if (c === 0x2c) {
          stack[stack.length - 1] = 'key';
          expect = 'key';
        } else if (c === 0x7d) stack.pop();
        else fail(c, 'after object key:value pair');
      } else if (c === 0x2c) expect = 'value';
      else if (c === 0x5d) stack.pop();
      else fail(c, 'after array element');
    }
  } catch (e) {
    if (e instanceof Fail) return e.message;
    throw e;
  }
}

/** encoding/json's SyntaxError text for a text JSON.parse refused. */
export function jsonSyntaxError(text: string): string {
  return goJsonSyntaxError(text) ?? `invalid JSON ${goQuote(text)}`;
}
