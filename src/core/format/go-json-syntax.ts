/**
 * encoding/json's SyntaxError texts for the common ways a text fails to be JSON (empty, a bad
 * first character, junk after a number); other malformed texts get a generic sentence.
 */
import { goQuote } from './go-quote.js';

/** encoding/json's SyntaxError text for a JSON text that is not a value (common cases). */
export function jsonSyntaxError(text: string): string {
  const t = text.replace(/^[ \t\r\n]+/, '');
  if (t === '') return 'unexpected end of JSON input';
  const c = t[0] as string;
  const quoted = c === "'" ? "'\\''" : c === '"' ? "'\"'" : `'${goQuote(c).slice(1, -1)}'`;
  if (!/["{[\-0-9tfn]/.test(c)) return `invalid character ${quoted} looking for beginning of value`;
  const num = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(t)?.[0];
  const rest = num ? t.slice(num.length).replace(/^[ \t\r\n]+/, '') : '';
  if (num && rest !== '') {
    const r = rest[0] as string;
    return `invalid character ${r === "'" ? "'\\''" : `'${goQuote(r).slice(1, -1)}'`} after top-level value`;
  }
  return `invalid JSON ${goQuote(text)}`;
}

