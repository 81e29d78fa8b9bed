/**
 * The capture config as a `zod/mini` schema composed from zod's own parts (z.stringbool,
 * z.enum, z.array with regex checks, z.union, z.prefault defaults, z.readonly): what the style
 * guide asks for. Not used by the product: `bench/capture/config-startup.ts` times it against
 * the parser table in src/core/config/capture.ts (same settings, same values, same issues; the test
 * beside it checks that), and docs/capture.md explains why the table stays.
 */
import * as z from 'zod/mini';
import { parseAddr, parseCidr, type Cidr } from '../../../src/core/format/net.js';
import { parseGoDuration, splitList, type CaptureSettings, type ParseCaptureResult } from '../../../src/core/config/capture.js';
import { derive, settingIssues } from './issues.js';

const GO_TRUE = ['1', 't', 'T', 'true', 'TRUE', 'True'];
const GO_FALSE = ['0', 'f', 'F', 'false', 'FALSE', 'False'];
const duration = (s: string): number | undefined => {
  const d = parseGoDuration(s);
  return typeof d === 'number' ? d : undefined;
};

const text = z.string();
function parsedText<T>(parse: (s: string) => T | undefined, message: string) {
  return z.pipe(text, z.transform((s: string, ctx): T => {
    const v = parse(s);
    if (v !== undefined) return v;
    ctx.issues.push({ code: 'custom', message, input: s, continue: true });
    return z.NEVER;
  }));
}
function decimal(min: number, max: number, message: string) {
  return parsedText((s) => (/^[0-9]+$/.test(s) && Number(s) >= min && Number(s) <= max ? Number(s) : undefined), message);
}
const port = decimal(1, 65535, 'expected a port number (1-65535)');
const goBool = z.stringbool({ truthy: GO_TRUE, falsy: GO_FALSE, case: 'sensitive', error: 'expected true or false' });
const toItems = z.transform(splitList);
const list = <T extends z.ZodMiniType<unknown, string>>(item: T) => z.pipe(toItems, z.array(item));
const allOr = <T extends z.ZodMiniType>(items: T) => z.union([z.literal('*'), items]);
const ownerIds = list(z.string().check(z.regex(/^([0-9]+(-[0-9]+)?|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/, 'expected a numeric id or a name')));
const ifaces = list(z.string().check(z.regex(/^[^\s/:'"]{1,15}$/, 'expected an interface name (at most 15 characters)')));
// A port list item may be 0 and carry blanks around it, as in the parser table (src/core/config/capture.ts).
const listPort = parsedText((s) => (/^[0-9]+$/.test(s.trim()) && Number(s.trim()) <= 65535 ? Number(s.trim()) : undefined), 'expected a port number (0-65535)');
const ports = list(listPort);
const cidrs = list(parsedText<Cidr>(parseCidr, 'expected a CIDR such as 10.0.0.0/8 or fd00::/8'));
// Owner group lists: items kept as written, each (trimmed) a numeric gid or a group name.
const names = list(z.string().check(z.refine((s: string) => /^([0-9]+(-[0-9]+)?|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/.test(s.trim()), 'expected a numeric gid or a group name')));
function dnsServersByFamily(s: string): { v4: string[]; v6: string[] } {
  const servers = { v4: [] as string[], v6: [] as string[] };
  for (const item of splitList(s)) { const a = parseAddr(item); if (a) servers[a.family].push(item); }
  return servers;
}
function loopbackV4Cidr(s: string): string | undefined {
  const c = parseCidr(s);
  const bits = Number(s.slice(s.indexOf('/') + 1));
  return c && c.family === 'v4' && c.loopback && bits >= 8 ? c.text : undefined;
}
const MAX_OWNER_GROUPS_INCLUDE = 64;
const withDefault = new Map<z.ZodMiniType, Map<string, z.ZodMiniType>>();
function setting<T extends z.ZodMiniType>(fallback: string, schema: T) {
  const bySchema = withDefault.get(schema) ?? new Map<string, z.ZodMiniType>();
  withDefault.set(schema, bySchema);
  const made = bySchema.get(fallback) ?? z.prefault(schema, fallback as never);
  bySchema.set(fallback, made);
  return made as z.ZodMiniPrefault<T>;
}
export const captureSettingsSchema = z.object({
  proxyPort: setting('15001', port),
  inboundCapturePort: setting('15006', port),
  inboundTunnelPort: setting('15008', port),
  proxyUid: setting('', ownerIds.check(z.minLength(1, 'expected at least one uid'))),
  proxyGid: setting('', ownerIds),
  interceptionMode: setting('', z.pipe(z.enum(['', 'REDIRECT', 'TPROXY'], 'expected REDIRECT or TPROXY'), z.transform((s) => (s === 'TPROXY' ? 'TPROXY' : 'REDIRECT')))),
  inboundPorts: setting('', allOr(ports)),
  inboundPortsExclude: setting('', ports),
  excludeInterfaces: setting('', ifaces),
  outboundIpRangesInclude: setting('', allOr(cidrs)),
  outboundIpRangesExclude: setting('', z.pipe(text.check(z.refine((s) => !s.split(',').includes('*'), 'invalid value for OUTBOUND_IP_RANGES_EXCLUDE')), cidrs)),
  outboundPortsInclude: setting('', ports),
  outboundPortsExclude: setting('', ports),
  kubeVirtInterfaces: setting('', ifaces),
  tproxyMark: setting('1337', decimal(0, 0xffffffff, 'expected a packet mark (decimal, 0-4294967295)')),
  tproxyRouteTable: setting('133', decimal(1, 0xffffffff, 'expected a routing table number (1-4294967295)')),
  dryRun: setting('false', goBool),
  probePort: setting('15002', port),
  probeTimeout: setting('5s', parsedText(duration, 'expected a duration such as 5s, 500ms or 1m30s')),
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
  forceIptablesBinary: setting('', z.pipe(z.enum(['', 'legacy', 'nft'], { error: (issue) => `invalid FORCE_IPTABLES_BINARY value ${JSON.stringify(issue.input)}` }), z.transform((s) => (s === '' ? undefined : s)))),
  ipv6: setting('false', goBool),
  dnsServers: setting('', z.pipe(text, z.transform(dnsServersByFamily))),
  ownerGroupsInclude: setting('*', allOr(names.check(z.maxLength(MAX_OWNER_GROUPS_INCLUDE, { error: (issue) => `expected at most ${MAX_OWNER_GROUPS_INCLUDE} groups, got ${(issue.input as unknown[]).length}` })))),
  ownerGroupsExclude: setting('', names),
  loopbackCidr: setting('127.0.0.1/32', parsedText(loopbackV4Cidr, 'expected an IPv4 loopback CIDR with a mask of 8 to 32 bits, such as 127.0.0.1/32')),
});

const schema = z.readonly(z.pipe(captureSettingsSchema, z.transform(derive)));

export function parseWithZodSchema(input: Partial<CaptureSettings>): ParseCaptureResult {
  const r = z.safeParse(schema, input, { jitless: true });
  return r.success ? { ok: true, config: r.data as never } : { ok: false, issues: settingIssues(r.error.issues, input) };
}
