/**
 * Go's `time.ParseDuration`, exact to the nanosecond, and the protobuf JSON text of a
 * `google.protobuf.Duration`. Istio reads every ProxyConfig / MeshConfig duration through
 * golang/protobuf's legacy jsonpb, which parses them with time.ParseDuration (`1m`, `1h30m`,
 * `1.5s`, `-2s`, `0` are all valid) and fails with `bad Duration: <ParseDuration's error>`;
 * protojson then writes them back as seconds (`60s`, `1.500s`).
 */

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX = 1n << 63n;

/** Go's time.quote: ASCII as is (`"` and `\` escaped), other bytes as `\xNN`. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c >= 0x80 || c < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

export class GoDurationError extends Error {}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** time.ParseDuration: nanoseconds, or throws GoDurationError with Go's message. */
export function parseGoDurationNanos(orig: string): bigint {
  const invalid = (): never => {
    throw new GoDurationError(`time: invalid duration ${timeQuote(orig)}`);
  };
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) invalid();
    // [0-9]*
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      if (v > MAX / 10n) invalid(); // overflow
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX) invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)?
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > (MAX - 1n) / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > MAX) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) invalid();
    // unit: up to the next '.' or digit (bytes in Go; whole characters here, the same cut)
    let k = 0;
    while (k < s.length && !(s[k] === '.' || isDigit(s[k]))) k++;
    if (k === 0) throw new GoDurationError(`time: missing unit in duration ${timeQuote(orig)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS[u];
    if (unit === undefined) throw new GoDurationError(`time: unknown unit ${timeQuote(u)} in duration ${timeQuote(orig)}`);
    if (v > MAX / unit) invalid();
    v *= unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)), truncated.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX) invalid();
    }
    d += v;
    if (d > MAX) invalid();
  }
  if (neg) return -d;
  if (d > MAX - 1n) invalid();
  return d;
}

/** protojson's text of a Duration of `ns` nanoseconds: `60s`, `1.500s`, `-0.000001s`. */
export function formatProtoDuration(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  const secs = abs / 1_000_000_000n;
  const nanos = abs % 1_000_000_000n;
  if (nanos === 0n) return `${sign}${secs}s`;
  let frac = nanos.toString().padStart(9, '0');
  while (frac.endsWith('000')) frac = frac.slice(0, -3);
  return `${sign}${secs}.${frac}s`;
}
