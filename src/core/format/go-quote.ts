/** strconv.Quote / QuoteToASCII / QuoteRune: Go's quoting of strings and runes. */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function isPrint(ch: string, cp: number): boolean {
  return cp === 0x20 || (cp > 0x20 && cp < 0x7f) || (cp >= 0x80 && PRINTABLE.test(ch));
}

const ESCAPES: Readonly<Record<number, string>> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 92: '\\\\' };

function escapeRune(ch: string, cp: number, quote: number, asciiOnly: boolean): string {
  if (cp === quote) return `\\${ch}`;
  const esc = ESCAPES[cp];
  if (esc !== undefined) return esc;
  if (asciiOnly ? cp < 0x7f && cp >= 0x20 : isPrint(ch, cp)) return ch;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote (or QuoteToASCII). */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, ch.codePointAt(0) ?? 0, 34, asciiOnly);
  return `${out}"`;
}

export function quoteRune(cp: number): string {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  return escapeRune(String.fromCodePoint(cp), cp, 39, false);
}
