/**
 * The capture config as the thinnest `zod/mini` schema: a z.object whose every setting is one
 * z.transform running a plain parser (zod as the frame only). Not used by the product: timed
 * by `bench/capture/config-startup.ts` against the parser table (see schema.ts).
 */
import * as z from 'zod/mini';
import { parseAddr, parseCidr } from '../../../src/core/format/net.js';
import { parseGoBool, parseGoDuration, splitList, type CaptureSettings, type ParseCaptureResult } from '../../../src/core/config/capture.js';
import { derive, settingIssues } from './issues.js';

const duration = (s: string): number | undefined => {
  const d = parseGoDuration(s);
  return typeof d === 'number' ? d : undefined;
};

type Ctx = z.core.ParsePayload<unknown>;
type Parse<T> = (s: string, fail: (message: string, index?: number) => typeof z.NEVER) => T;

/** Reports `message` for the setting, or for item `index` of a list (the issue path says which). */
function failer(ctx: Ctx, input: string) {
  return (message: string, index?: number): typeof z.NEVER => {
    ctx.issues.push({ code: 'custom', message, input, ...(index === undefined ? {} : { path: [index] }) });
    return z.NEVER;
  };
}

/** A setting: its default (text, used when the setting is not given) and its parser. */
function setting<T>(fallback: string, parse: Parse<T>) {
  return z.transform((given: string | undefined, ctx): T => {
    const s = given ?? fallback;
    if (typeof s !== 'string') return failer(ctx, String(s))('expected text');
    return parse(s, failer(ctx, s));
  });
}

/** Digits only, in [min, max]. */
const decimal =
  (min: number, max: number, message: string): Parse<number> =>
  (s, fail) =>
    /^[0-9]+$/.test(s) && Number(s) >= min && Number(s) <= max ? Number(s) : fail(message);

const port = decimal(1, 65535, 'expected a port number (1-65535)');
const goBool: Parse<boolean> = (s, fail) => parseGoBool(s) ?? fail('expected true or false');
const text: Parse<string> = (s) => s;

/** A comma list (see `splitList`) whose items each pass `item`; an issue carries the item's index. */
function list<T>(item: (s: string) => T | undefined, message: string): Parse<T[]> {
  return (s, fail) => {
    const out: T[] = [];
    for (const [i, x] of splitList(s).entries()) {
      const v = item(x);
      if (v === undefined) return fail(message, i);
      out.push(v);
    }
    return out;
  };
}

/** `*` (everything) or a list. */
const allOr =
  <T>(items: Parse<T[]>): Parse<'*' | T[]> =>
  (s, fail) =>
    s === '*' ? '*' : items(s, fail);

const matches = (re: RegExp) => (s: string) => (re.test(s) ? s : undefined);
// A port list item may be 0 and carry blanks around it, as in the parser table (src/core/config/capture.ts).
const portNumber = (s: string): number | undefined => (/^[0-9]+$/.test(s.trim()) && Number(s.trim()) <= 65535 ? Number(s.trim()) : undefined);
const ports = list(portNumber, 'expected a port number (0-65535)');
// Owner ids and group names: numbers, ranges (`1000-2000`) or user/group names, as the
// iptables owner match and nft skuid/skgid accept them.
const ownerIds = list(matches(/^([0-9]+(-[0-9]+)?|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/), 'expected a numeric id or a name');
// Interface names as the kernel accepts them (IFNAMSIZ 16), plus iptables' `+` wildcard.
// Owner group lists: items kept as written, each (trimmed) a numeric gid or a group name.
const groupItem = (s: string): string | undefined => (/^([0-9]+(-[0-9]+)?|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/.test(s.trim()) ? s : undefined);
const groups = list(groupItem, 'expected a numeric gid or a group name');
const ifaces = list(matches(/^[^\s/:'"]{1,15}$/), 'expected an interface name (at most 15 characters)');
const cidrs = list(parseCidr, 'expected a CIDR such as 10.0.0.0/8 or fd00::/8');

/** Resolvers are kept verbatim (`::127.0.0.53` stays as written); non-addresses are ignored, as in Istio. */
function dnsServersByFamily(s: string): { v4: string[]; v6: string[] } {
  const servers = { v4: [] as string[], v6: [] as string[] };
  for (const item of splitList(s)) {
    const a = parseAddr(item);
    if (a) servers[a.family].push(item);
  }
  return servers;
}

const MAX_OWNER_GROUPS_INCLUDE = 64;

/** Every setting, keyed by setting name: text in (flags, variables, annotations), typed out. */
export const captureSettingsSchema = z.object({
  proxyPort: setting('15001', port),
  inboundCapturePort: setting('15006', port),
  inboundTunnelPort: setting('15008', port),
  /** "" is resolved by the edge: uid of `$ENVOY_USER` (istio-proxy), else 1337. */
  proxyUid: setting('', (s, fail) => (splitList(s).length === 0 ? fail('expected at least one uid') : ownerIds(s, fail))),
  /** "" means the same as the proxy uid list. */
  proxyGid: setting('', ownerIds),
  interceptionMode: setting('', (s, fail): 'REDIRECT' | 'TPROXY' =>
    s === 'TPROXY' ? 'TPROXY' : s === '' || s === 'REDIRECT' ? 'REDIRECT' : fail('expected REDIRECT or TPROXY'),
  ),
  inboundPorts: setting('', allOr(ports)),
  inboundPortsExclude: setting('', ports),
  excludeInterfaces: setting('', ifaces),
  outboundIpRangesInclude: setting('', allOr(cidrs)),
  outboundIpRangesExclude: setting('', (s, fail) => (s.split(',').includes('*') ? fail('invalid value for OUTBOUND_IP_RANGES_EXCLUDE') : cidrs(s, fail))),
  outboundPortsInclude: setting('', ports),
  outboundPortsExclude: setting('', ports),
  kubeVirtInterfaces: setting('', ifaces),
  tproxyMark: setting('1337', decimal(0, 0xffffffff, 'expected a packet mark (decimal, 0-4294967295)')),
  tproxyRouteTable: setting('133', decimal(1, 0xffffffff, 'expected a routing table number (1-4294967295)')),
  dryRun: setting('false', goBool),
  probePort: setting('15002', port),
  /** Go duration, in milliseconds. */
  probeTimeout: setting('5s', (s, fail) => duration(s) ?? fail('expected a duration such as 5s, 500ms or 1m30s')),
  skipRuleApply: setting('false', goBool),
  runValidation: setting('false', goBool),
  redirectDns: setting('false', goBool),
  dropInvalid: setting('false', goBool),
  dualStack: setting('false', goBool),
  captureAllDns: setting('false', goBool),
  networkNamespace: setting('', text),
  cniMode: setting('false', goBool),
  reconcile: setting('false', goBool),
  cleanupOnly: setting('false', goBool),
  forceApply: setting('false', goBool),
  nativeNftables: setting('false', goBool),
  forceIptablesBinary: setting('', (s, fail): 'legacy' | 'nft' | undefined =>
    s === '' ? undefined : s === 'legacy' || s === 'nft' ? s : fail(`invalid FORCE_IPTABLES_BINARY value ${JSON.stringify(s)}`),
  ),
  /** Fact: whether IPv6 rules are generated (the edge detects it when not given). */
  ipv6: setting('false', goBool),
  /** Fact: DNS resolvers, verbatim, comma separated (the edge reads /etc/resolv.conf). */
  dnsServers: setting('', dnsServersByFamily),
  ownerGroupsInclude: setting('*', (s, fail) => {
    const include = allOr(groups)(s, fail);
    const max = MAX_OWNER_GROUPS_INCLUDE;
    return include !== '*' && include.length > max ? fail(`expected at most ${max} groups, got ${include.length}`) : include;
  }),
  ownerGroupsExclude: setting('', groups),
  loopbackCidr: setting('127.0.0.1/32', (s, fail) => {
    const c = parseCidr(s);
    const bits = Number(s.slice(s.indexOf('/') + 1));
    return c && c.family === 'v4' && c.loopback && bits >= 8 ? c.text : fail('expected an IPv4 loopback CIDR with a mask of 8 to 32 bits, such as 127.0.0.1/32');
  }),
});

const schema = z.readonly(
  z.pipe(
    captureSettingsSchema,
    // zod leaves out a key whose value is undefined and was not given.
    z.transform((s) => ({ ...derive(s), forceIptablesBinary: s.forceIptablesBinary })),
  ),
);

export function parseWithZodTransforms(input: Partial<CaptureSettings>): ParseCaptureResult {
  const r = z.safeParse(schema, input, { jitless: true });
  return r.success ? { ok: true, config: r.data as never } : { ok: false, issues: settingIssues(r.error.issues, input) };
}
