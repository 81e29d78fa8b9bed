/**
 * IP address and prefix parsing with Go `net/netip` semantics, because Istio prints CIDRs with
 * `netip.Prefix.String()`: IPv4 in strict dotted decimal (no leading zeros), IPv6 in RFC 5952
 * form (lower case, longest zero run compressed, `::ffff:a.b.c.d` kept for mapped addresses),
 * and host bits are NOT masked (`127.0.0.1/24` stays as written).
 */

export type IpFamily = 'v4' | 'v6';

export interface ParsedAddr {
  readonly family: IpFamily;
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  readonly bytes: readonly number[];
}

export interface Cidr {
  readonly family: IpFamily;
  /** Canonical text, as Go's `Prefix.String()` prints it. */
  readonly text: string;
  readonly loopback: boolean;
}

/** Strict IPv4 dotted decimal: four fields 0..255 without leading zeros. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** IPv6 text (optionally with an embedded dotted IPv4 tail, no zone) to 16 bytes. */
export function parseIPv6(s: string): number[] | undefined {
  if (s.length === 0 || s.includes('%')) return undefined;
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    // Embedded IPv4 tail ("::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4"): two 16-bit groups.
    const v4 = lastColon < 0 ? undefined : parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    const [a, b, c, d] = v4 as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  const given = head.length + rest.length + tail.length;
  let words: number[];
  if (halves.length === 2) {
    if (given > 7) return undefined;
    words = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  } else {
    if (given !== 8) return undefined;
    words = [...head, ...tail];
  }
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

export function parseAddr(s: string): ParsedAddr | undefined {
  if (s.includes(':')) {
    const bytes = parseIPv6(s);
    return bytes ? { family: 'v6', bytes } : undefined;
  }
  const bytes = parseIPv4(s);
  return bytes ? { family: 'v4', bytes } : undefined;
}

/** Go `netip.Addr.String()`. */
export function formatAddr(a: ParsedAddr): string {
  if (a.family === 'v4') return a.bytes.join('.');
  const b = a.bytes;
  const isMapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (isMapped) return `::ffff:${b.slice(12).join('.')}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // Longest run of two or more zero groups, the first one on a tie (RFC 5952 §4.2).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

export function isLoopback(a: ParsedAddr): boolean {
  if (a.family === 'v4') return a.bytes[0] === 127;
  const b = a.bytes;
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b[12] === 127;
  return b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
}

/** Go `netip.ParsePrefix` + `Prefix.String()`; undefined when the text is not a valid prefix. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!addr || !/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (addr.family === 'v4' ? 32 : 128)) return undefined;
  return { family: addr.family, text: `${formatAddr(addr)}/${bits}`, loopback: isLoopback(addr) };
}
