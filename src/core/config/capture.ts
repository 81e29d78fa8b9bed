/**
 * The capture configuration: one table of parsers from Istio's istio-iptables settings (all
 * given as strings, the way flags, environment variables and CNI annotations carry them) to
 * the typed, frozen `CaptureConfig` the rule builder and the executor read.
 *
 * Not a zod schema, deliberately (the style guide asks for one): this runs on every pod start
 * (init container, CNI plugin), and even in the per-command, unsplit, tree-shaken bundle a
 * `zod/mini` schema of these settings costs more than the table: +6.9 ms per start when
 * composed from zod's parts (z.stringbool, z.enum, z.array with checks, z.union, defaults),
 * +3.2 ms as one z.transform per setting, against ~5 ms for this module and its first parse
 * (Node 20; building ~80 schema objects and the first parse run cold code). The two variants
 * live in bench/capture/zod-config/ with a test that they agree with this table, and
 * `bench/capture/config-startup.ts` re-measures them (figures in docs/capture.md). The table
 * is the single source instead: one parser per setting, errors that name the setting.
 */
import { parseGoBool } from '../format/go-strconv.js';
import { parseAddr, parseCidr, type Cidr } from '../format/net.js';

/** Istio's proxy uid when none is given or found (istio-iptables, the CNI plugin, the injector's templates). */
export const DEFAULT_PROXY_UID = '1337';

/** Every setting as text, keyed by setting name. Missing keys take `captureDefaults`. */
export const captureDefaults = {
  proxyPort: '15001',
  inboundCapturePort: '15006',
  inboundTunnelPort: '15008',
  /** "" is resolved by the edge: uid of `$ENVOY_USER` (istio-proxy), else 1337. */
  proxyUid: '',
  /** "" means the same as the proxy uid list. */
  proxyGid: '',
  interceptionMode: '',
  inboundPorts: '',
  inboundPortsExclude: '',
  excludeInterfaces: '',
  outboundIpRangesInclude: '',
  outboundIpRangesExclude: '',
  outboundPortsInclude: '',
  outboundPortsExclude: '',
  kubeVirtInterfaces: '',
  tproxyMark: '1337',
  tproxyRouteTable: '133',
  dryRun: 'false',
  probePort: '15002',
  probeTimeout: '5s',
  skipRuleApply: 'false',
  runValidation: 'false',
  redirectDns: 'false',
  dropInvalid: 'false',
  dualStack: 'false',
  captureAllDns: 'false',
  networkNamespace: '',
  cniMode: 'false',
  reconcile: 'false',
  cleanupOnly: 'false',
  forceApply: 'false',
  nativeNftables: 'false',
  forceIptablesBinary: '',
  /** Fact: whether IPv6 rules are generated (the edge detects it when not given). */
  ipv6: 'false',
  /** Fact: DNS resolvers, verbatim, comma separated (the edge reads /etc/resolv.conf). */
  dnsServers: '',
  ownerGroupsInclude: '*',
  ownerGroupsExclude: '',
  loopbackCidr: '127.0.0.1/32',
} as const;

export type CaptureSettingName = keyof typeof captureDefaults;
export type CaptureSettings = { [K in CaptureSettingName]: string };

type Parsed<T> = T | { readonly error: string };

/** Comma list: split on `,`, empty items dropped, no trimming (Istio `split`). */
export function splitList(s: string): string[] {
  return s.split(',').filter((x) => x !== '');
}

/** Go `strconv.ParseBool` (settings and annotations use it). */
export { parseGoBool };

function parseUint(s: string, max: number, what: string): Parsed<number> {
  if (!/^[0-9]+$/.test(s) || Number(s) > max) return { error: `expected ${what}` };
  return Number(s);
}

// Surrounding blanks are allowed (`8080, 9090`): Istio writes the item as it is into
// `--dport  9090`, which iptables-restore and nft tokenize to the same rule.
const port = (s: string): Parsed<number> => {
  const n = parseUint(s.trim(), 65535, 'a port number (1-65535)');
  return n === 0 ? { error: 'expected a port number (1-65535)' } : n;
};

// A port list item may be 0 (Istio's parsers and iptables' --dport accept it).
const listPort = (s: string): Parsed<number> => parseUint(s.trim(), 65535, 'a port number (0-65535)');

function parseEach<T>(s: string, one: (item: string) => Parsed<T>): Parsed<T[]> {
  const out: T[] = [];
  for (const item of splitList(s)) {
    const r = one(item);
    if (typeof r === 'object' && r !== null && 'error' in r) return { error: `${JSON.stringify(item)}: ${r.error}` };
    out.push(r as T);
  }
  return out;
}

// Owner ids and group names: numbers, ranges (`1000-2000`) or user/group names, as the
// iptables owner match and nft skuid/skgid accept them.
// A numeric id is a uid_t/gid_t: at most 4294967294 (2^32-1 is the kernel's "no id").
const MAX_ID = 4294967294;
const ownerId = (s: string): Parsed<string> => {
  if (/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(s)) return s;
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(s);
  if (!m) return { error: 'expected a numeric id or a name' };
  if (Number(m[1]) > MAX_ID || Number(m[2] ?? 0) > MAX_ID) return { error: `expected a numeric id of at most ${MAX_ID} or a name` };
  return s;
};

// Interface names as the kernel accepts them (IFNAMSIZ 16), plus iptables' `+` wildcard.
const iface = (s: string): Parsed<string> =>
  /^[^\s/:'"]{1,15}$/.test(s) ? s : { error: 'expected an interface name (at most 15 characters)' };

// Owner group lists (ISTIO_OUTBOUND_OWNER_GROUPS[_EXCLUDE]): items kept as written (blanks
// around an item included, as Istio passes them on), each a numeric gid or a group name.
const ownerGroupList = (s: string): Parsed<string> => {
  for (const item of splitList(s)) {
    const r = ownerId(item.trim());
    if (typeof r === 'object') return { error: `${JSON.stringify(item)}: expected a numeric gid or a group name` };
  }
  return s;
};

const cidr = (s: string): Parsed<Cidr> => parseCidr(s) ?? { error: 'expected a CIDR such as 10.0.0.0/8 or fd00::/8' };

const bool = (s: string): Parsed<boolean> => parseGoBool(s) ?? { error: 'expected true or false' };

/** Go `time.ParseDuration` (units ns, us, µs, ms, s, m, h), in milliseconds. */
export function parseGoDuration(s: string): Parsed<number> {
  const bad = { error: 'expected a duration such as 5s, 500ms or 1m30s' };
  if (s === '0') return 0;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /([0-9]*\.?[0-9]+|[0-9]+\.)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m || m[1] === undefined || m[2] === undefined) return bad;
    total += Number(m[1]) * (unit[m[2]] ?? 0);
    i = re.lastIndex;
  }
  return s.length > 0 ? total : bad;
}

const text = (s: string): string => s;

/** One parser per setting: the whole capture configuration model. */
const FIELDS = {
  proxyPort: port,
  inboundCapturePort: port,
  inboundTunnelPort: port,
  proxyUid: (s: string) => (splitList(s).length === 0 ? { error: 'expected at least one uid' } : parseEach(s, ownerId)),
  proxyGid: (s: string) => parseEach(s, ownerId),
  interceptionMode: (s: string): Parsed<'REDIRECT' | 'TPROXY'> =>
    s === 'TPROXY' ? 'TPROXY' : s === '' || s === 'REDIRECT' ? 'REDIRECT' : { error: 'expected REDIRECT or TPROXY' },
  inboundPorts: (s: string): Parsed<'*' | number[]> => (s === '*' ? '*' : parseEach(s, listPort)),
  inboundPortsExclude: (s: string) => parseEach(s, listPort),
  excludeInterfaces: (s: string) => parseEach(s, iface),
  outboundIpRangesInclude: (s: string): Parsed<'*' | Cidr[]> => (s === '*' ? '*' : parseEach(s, cidr)),
  outboundIpRangesExclude: (s: string) => (s.split(',').includes('*') ? { error: 'invalid value for OUTBOUND_IP_RANGES_EXCLUDE' } : parseEach(s, cidr)),
  outboundPortsInclude: (s: string) => parseEach(s, listPort),
  outboundPortsExclude: (s: string) => parseEach(s, listPort),
  kubeVirtInterfaces: (s: string) => parseEach(s, iface),
  tproxyMark: (s: string) => parseUint(s, 0xffffffff, 'a packet mark (decimal, 0-4294967295)'),
  tproxyRouteTable: (s: string): Parsed<number> => {
    const n = parseUint(s, 0xffffffff, 'a routing table number (1-4294967295)');
    return n === 0 ? { error: 'expected a routing table number (1-4294967295)' } : n;
  },
  dryRun: bool,
  probePort: port,
  probeTimeout: parseGoDuration,
  skipRuleApply: bool,
  runValidation: bool,
  redirectDns: bool,
  dropInvalid: bool,
  dualStack: bool,
  captureAllDns: bool,
  networkNamespace: text,
  cniMode: bool,
  reconcile: bool,
  cleanupOnly: bool,
  forceApply: bool,
  nativeNftables: bool,
  forceIptablesBinary: (s: string): Parsed<'legacy' | 'nft' | undefined> =>
    s === '' ? undefined : s === 'legacy' || s === 'nft' ? s : { error: `invalid FORCE_IPTABLES_BINARY value ${JSON.stringify(s)}` },
  ipv6: bool,
  // Resolvers are used verbatim (`::127.0.0.53` stays as written); entries that do not parse
  // as an address are ignored, as Istio ignores them.
  dnsServers: (s: string) => {
    const servers = { v4: [] as string[], v6: [] as string[] };
    for (const item of splitList(s)) {
      const a = parseAddr(item);
      if (a) servers[a.family].push(item);
    }
    return servers;
  },
  ownerGroupsInclude: (s: string): Parsed<string> => (s === '*' ? s : ownerGroupList(s)),
  ownerGroupsExclude: ownerGroupList,
  loopbackCidr: (s: string): Parsed<string> => {
    const c = parseCidr(s);
    const bits = Number(s.slice(s.indexOf('/') + 1));
    if (!c || c.family !== 'v4' || !c.loopback || bits < 8) {
      return { error: 'expected an IPv4 loopback CIDR with a mask of 8 to 32 bits, such as 127.0.0.1/32' };
    }
    return c.text;
  },
} satisfies Record<CaptureSettingName, (s: string) => unknown>;

type Value<K extends CaptureSettingName> = Exclude<ReturnType<(typeof FIELDS)[K]>, { readonly error: string }>;
type ParsedSettings = { -readonly [K in CaptureSettingName]: Value<K> };

/** Owner groups to capture: all except `groups`, or only `groups` (Istio `InterceptFilter`). */
export interface OwnerGroups {
  readonly except: boolean;
  readonly groups: readonly string[];
}

const MAX_OWNER_GROUPS_INCLUDE = 64;

export type CaptureConfig = Readonly<
  Omit<ParsedSettings, 'proxyGid' | 'proxyUid' | 'ownerGroupsInclude' | 'ownerGroupsExclude' | 'probeTimeout'> & {
    proxyUids: readonly string[];
    proxyGids: readonly string[];
    ownerGroups: OwnerGroups;
    probeTimeoutMs: number;
  }
>;

export interface SettingIssue {
  readonly setting: CaptureSettingName;
  readonly value: string;
  readonly message: string;
}

export type ParseCaptureResult =
  | { readonly ok: true; readonly config: CaptureConfig }
  | { readonly ok: false; readonly issues: readonly SettingIssue[] };

/**
 * Validates settings (missing ones take `captureDefaults`) into a frozen `CaptureConfig`.
 * Each issue names the setting it is about, so every edge can name its own flag, variable
 * or annotation.
 */
export function parseCaptureSettings(input: Partial<CaptureSettings>): ParseCaptureResult {
  const settings: CaptureSettings = { ...captureDefaults, ...input };
  const parsed: Record<string, unknown> = {};
  const issues: SettingIssue[] = [];
  for (const setting of Object.keys(FIELDS) as CaptureSettingName[]) {
    const value = settings[setting];
    const r: unknown = typeof value === 'string' ? (FIELDS[setting] as (s: string) => unknown)(value) : { error: 'expected text' };
    if (typeof r === 'object' && r !== null && 'error' in r) issues.push({ setting, value: String(value), message: String(r.error) });
    else parsed[setting] = r;
  }
  if (issues.length > 0) return { ok: false, issues };
  const { proxyUid, proxyGid, ownerGroupsInclude, ownerGroupsExclude, probeTimeout, ...rest } = parsed as ParsedSettings;
  const ownerGroups: OwnerGroups =
    ownerGroupsInclude === '*'
      ? { except: true, groups: splitList(ownerGroupsExclude) }
      : { except: false, groups: splitList(ownerGroupsInclude) };
  if (!ownerGroups.except && ownerGroups.groups.length > MAX_OWNER_GROUPS_INCLUDE) {
    const message = `expected at most ${MAX_OWNER_GROUPS_INCLUDE} groups, got ${ownerGroups.groups.length}`;
    return { ok: false, issues: [{ setting: 'ownerGroupsInclude', value: ownerGroupsInclude, message }] };
  }
  const config: CaptureConfig = {
    ...rest,
    proxyUids: proxyUid,
    proxyGids: proxyGid.length > 0 ? proxyGid : proxyUid,
    ownerGroups,
    probeTimeoutMs: probeTimeout,
  };
  return { ok: true, config: Object.freeze(config) };
}
