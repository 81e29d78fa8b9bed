/**
 * The error texts of Go's `net/netip.ParseAddr` and `ParsePrefix` (Go 1.26), which Istio wraps
 * into its annotation and flag messages. Written by hand: the checks and their order decide
 * which message a bad address gets, and no library reproduces Go's. Indices are UTF-16 code
 * units; every slice starts at an ASCII character, so they match Go's byte slices.
 */
import { goQuote } from './go-quote.js';

/** A `parseAddrError`: `ParseAddr("in"): msg` with ` (at "rest")` when Go names a position. */
function addrError(input: string, msg: string, at = ''): string {
  return `ParseAddr(${goQuote(input)}): ${msg}${at !== '' ? ` (at ${goQuote(at)})` : ''}`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function ipv4FieldsError(input: string, off: number, end: number): string | undefined {
  const s = input.slice(off, end);
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (isDigit(c)) {
      if (digLen === 1 && val === 0) return addrError(input, 'IPv4 field has octet with leading zero');
      val = val * 10 + Number(c);
      digLen++;
      if (val > 255) return addrError(input, 'IPv4 field has value >255');
    } else if (c === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return addrError(input, 'IPv4 field must have at least one digit', s.slice(i));
      if (pos === 3) return addrError(input, 'IPv4 address too long');
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return addrError(input, 'unexpected character', s.slice(i));
    }
  }
  if (pos < 3) return addrError(input, 'IPv4 address too short');
  return undefined;
}

const hexValue = (c: string | undefined): number => (c === undefined ? -1 : /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1);

function ipv6Error(input: string): string | undefined {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return addrError(input, 'zone must be a non-empty string');
  }
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return undefined;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const h = hexValue(s[off]);
      if (h < 0) break;
      acc = acc * 16 + h;
      if (off > 3) return addrError(input, 'each group must have 4 or less digits', s);
      if (acc > 0xffff) return addrError(input, 'IPv6 field has value >=2^16', s);
    }
    if (off === 0) return addrError(input, 'each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return addrError(input, 'embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) return addrError(input, 'too many hex fields to fit an embedded IPv4 at the end of the address', s);
      const end = input.length - (zone.length > 0 ? zone.length + 1 : 0);
      const e = ipv4FieldsError(input, end - s.length, end);
      if (e) return e;
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') return addrError(input, 'unexpected character, want colon', s);
    if (s.length === 1) return addrError(input, 'colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return addrError(input, 'multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return addrError(input, 'trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) return addrError(input, 'address string too short');
  } else if (ellipsis >= 0) {
    return addrError(input, 'the :: must expand to at least one field of zeros');
  }
  return undefined;
}

/** The address family ParseAddr gives `s`, or its error text. */
export function goParseAddr(s: string): { family: 'v4' | 'v6'; zoned: boolean } | { error: string } {
  for (const c of s) {
    if (c === '.') {
      const e = ipv4FieldsError(s, 0, s.length);
      return e ? { error: e } : { family: 'v4', zoned: false };
    }
    if (c === ':') {
      const e = ipv6Error(s);
      return e ? { error: e } : { family: 'v6', zoned: s.includes('%') };
    }
    if (c === '%') return { error: addrError(s, 'missing IPv6 address') };
  }
  return { error: addrError(s, 'unable to parse IP') };
}

/** netip.ParsePrefix's error text for `s`, or undefined when it is a valid prefix. */
export function goParsePrefixError(s: string): string | undefined {
  const fail = (msg: string): string => `netip.ParsePrefix(${goQuote(s)}): ${msg}`;
  const slash = s.lastIndexOf('/');
  if (slash < 0) return fail("no '/'");
  const addr = goParseAddr(s.slice(0, slash));
  if ('error' in addr) return fail(addr.error);
  if (addr.zoned) return fail('IPv6 zones cannot be present in a prefix');
  const bits = s.slice(slash + 1);
  // A sign or leading zeros are refused before strconv.Atoi, which refuses the rest (and int64 overflow).
  if (!/^(\d|[1-9]\d+)$/.test(bits) || BigInt(bits) > 9223372036854775807n) return fail(`bad bits after slash: ${goQuote(bits)}`);
  if (BigInt(bits) > (addr.family === 'v6' ? 128n : 32n)) return fail('prefix length out of range');
  return undefined;
}
