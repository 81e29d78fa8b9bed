/**
 * istio-iptables command line: Istio's flags with Go pflag semantics, and the environment
 * variables Istio binds to them (a flag on the command line wins; where a setting has two
 * variables, the second listed wins).
 *
 * Hand-written rather than commander: pflag accepts `--bool=false`, `-n=false`, short groups
 * (`-nb '*'`), attached short values (`-p15001`) and takes the next argument as a value even
 * when it is empty or starts with `-` (`-x ""`, `-b -`); commander rejects or reinterprets
 * several of these, and Istio's own init-container arguments rely on them.
 */
import type { CaptureSettingName } from '../config/capture.js';

export interface FlagDef {
  readonly long: string;
  readonly short?: string;
  /** The capture setting the flag sets; undefined for accepted-and-ignored flags. */
  readonly setting?: CaptureSettingName;
  readonly bool?: boolean;
  readonly env?: readonly string[];
  readonly help: string;
}

const f = (long: string, short: string | undefined, setting: CaptureSettingName | undefined, env: string[], help: string, bool = false): FlagDef => ({
  long,
  ...(short ? { short } : {}),
  ...(setting ? { setting } : {}),
  ...(bool ? { bool } : {}),
  env,
  help,
});

export const FLAGS: readonly FlagDef[] = [
  f('envoy-port', 'p', 'proxyPort', [], 'outbound redirect target port (15001)'),
  f('inbound-capture-port', 'z', 'inboundCapturePort', ['INBOUND_CAPTURE_PORT'], 'inbound redirect target port (15006)'),
  f('inbound-tunnel-port', 'e', 'inboundTunnelPort', ['INBOUND_TUNNEL_PORT'], 'HBONE port, never captured (15008)'),
  f('proxy-uid', 'u', 'proxyUid', ['PROXY_UID'], 'proxy uid(s), comma list (uid of $ENVOY_USER, else 1337)'),
  f('proxy-gid', 'g', 'proxyGid', ['PROXY_GID'], 'proxy gid(s), comma list (same as the uids)'),
  f('istio-inbound-interception-mode', 'm', 'interceptionMode', ['ISTIO_INBOUND_INTERCEPTION_MODE'], 'REDIRECT or TPROXY'),
  f('istio-inbound-ports', 'b', 'inboundPorts', ['ISTIO_INBOUND_PORTS'], "inbound ports to capture, '*' for all ('' none)"),
  f('istio-local-exclude-ports', 'd', 'inboundPortsExclude', ['ISTIO_LOCAL_EXCLUDE_PORTS'], "inbound ports not captured (with -b '*')"),
  f('istio-exclude-interfaces', 'c', 'excludeInterfaces', ['ISTIO_EXCLUDE_INTERFACES'], 'interfaces never captured'),
  f('istio-service-cidr', 'i', 'outboundIpRangesInclude', ['ISTIO_SERVICE_CIDR'], "outbound CIDRs to capture, '*' for all ('' none)"),
  f('istio-service-exclude-cidr', 'x', 'outboundIpRangesExclude', ['ISTIO_SERVICE_EXCLUDE_CIDR'], 'outbound CIDRs not captured'),
  f('istio-outbound-ports', 'q', 'outboundPortsInclude', ['ISTIO_OUTBOUND_PORTS'], 'outbound ports always captured'),
  f('istio-local-outbound-ports-exclude', 'o', 'outboundPortsExclude', ['ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE'], 'outbound ports not captured'),
  f('kube-virt-interfaces', 'k', 'kubeVirtInterfaces', ['KUBE_VIRT_INTERFACES'], 'reroute (virtual machine) interfaces'),
  f('istio-inbound-tproxy-mark', 't', 'tproxyMark', ['ISTIO_INBOUND_TPROXY_MARK'], 'TPROXY packet mark (1337)'),
  f('istio-inbound-tproxy-route-table', 'r', 'tproxyRouteTable', ['ISTIO_INBOUND_TPROXY_ROUTE_TABLE'], 'TPROXY routing table (133)'),
  f('dry-run', 'n', 'dryRun', ['DRY_RUN'], 'record the commands instead of running them', true),
  f('iptables-probe-port', undefined, 'probePort', ['IPTABLES_PROBE_PORT'], '--run-validation probe port (15002)'),
  f('probe-timeout', undefined, 'probeTimeout', ['PROBE_TIMEOUT'], '--run-validation timeout (5s)'),
  f('skip-rule-apply', undefined, 'skipRuleApply', ['SKIP_RULE_APPLY'], 'program no rules', true),
  f('run-validation', undefined, 'runValidation', ['RUN_VALIDATION'], 'check that redirection works (exit 126 if not)', true),
  f('redirect-dns', undefined, 'redirectDns', ['REDIRECT_DNS', 'ISTIO_META_DNS_CAPTURE'], 'capture DNS to the agent on 15053', true),
  f('drop-invalid', undefined, 'dropInvalid', ['DROP_INVALID', 'INVALID_DROP'], 'drop packets in conntrack state INVALID', true),
  f('dual-stack', undefined, 'dualStack', ['DUAL_STACK', 'ISTIO_DUAL_STACK'], 'dual-stack IPv6 detection', true),
  f('capture-all-dns', undefined, 'captureAllDns', ['CAPTURE_ALL_DNS'], 'capture DNS to any server', true),
  f('network-namespace', undefined, 'networkNamespace', ['NETWORK_NAMESPACE'], 'program this network namespace (path)'),
  f('cni-mode', undefined, 'cniMode', ['CNI_MODE'], 'run as the CNI plugin does', true),
  f('reconcile', undefined, 'reconcile', ['RECONCILE'], 'replace Istio rules from another configuration', true),
  f('cleanup-only', undefined, 'cleanupOnly', ['CLEANUP_ONLY'], 'remove Istio rules and exit', true),
  f('force-apply', undefined, 'forceApply', ['FORCE_APPLY'], 'apply even if the rules look in place', true),
  f('native-nftables', undefined, 'nativeNftables', ['NATIVE_NFTABLES'], 'program native nftables instead of iptables', true),
  f('force-iptables-binary', undefined, 'forceIptablesBinary', ['FORCE_IPTABLES_BINARY'], 'legacy or nft'),
  f('ipv6', undefined, 'ipv6', [], 'auto, true or false: generate IPv6 rules (auto: detect like Istio)'),
  f('dns-servers', undefined, 'dnsServers', [], 'DNS resolvers, comma list (default: /etc/resolv.conf)'),
  // Istio's logging flags: accepted, ignored.
  ...['log_output_level', 'log_stacktrace_level', 'log_target', 'log_caller', 'log_rotate', 'log_rotate_max_age', 'log_rotate_max_backups', 'log_rotate_max_size'].map((l) =>
    f(l, undefined, undefined, [], 'accepted for compatibility, ignored'),
  ),
  f('log_as_json', undefined, undefined, [], 'accepted for compatibility, ignored', true),
  f('help', 'h', undefined, [], 'show this help', true),
];

/** Settings only Istio's environment variables set. */
export const ENV_ONLY: readonly { readonly env: string; readonly setting: CaptureSettingName }[] = [
  { env: 'ISTIO_OUTBOUND_OWNER_GROUPS', setting: 'ownerGroupsInclude' },
  { env: 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE', setting: 'ownerGroupsExclude' },
  { env: 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR', setting: 'loopbackCidr' },
];

export function flagName(d: FlagDef): string {
  return d.short ? `-${d.short}/--${d.long}` : `--${d.long}`;
}

export interface ParsedArgs {
  /** Values by long flag name, last occurrence wins. */
  readonly values: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
}

export class FlagError extends Error {}

/** Parses argv with pflag semantics; throws FlagError with pflag's wording. */
export function parseArgs(argv: readonly string[], defs: readonly FlagDef[] = FLAGS): ParsedArgs {
  const byLong = new Map(defs.map((d) => [d.long, d]));
  const byShort = new Map(defs.flatMap((d) => (d.short ? [[d.short, d] as const] : [])));
  const values = new Map<string, string>();
  const positionals: string[] = [];
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--') {
      positionals.push(...args.splice(0));
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (name === '' || name.startsWith('-') || name.startsWith('=')) throw new FlagError(`bad flag syntax: ${a}`);
      const def = byLong.get(name);
      if (!def) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) values.set(def.long, a.slice(eq + 1));
      else if (def.bool) values.set(def.long, 'true');
      else if (args.length > 0) values.set(def.long, args.shift() as string);
      else throw new FlagError(`flag needs an argument: --${name}`);
    } else if (a.startsWith('-') && a.length > 1) {
      let shorts = a.slice(1);
      while (shorts.length > 0) {
        const c = shorts[0] as string;
        const def = byShort.get(c);
        if (!def) throw new FlagError(`unknown shorthand flag: '${c}' in -${shorts}`);
        if (shorts.length > 2 && shorts[1] === '=') {
          values.set(def.long, shorts.slice(2));
          shorts = '';
        } else if (def.bool) {
          values.set(def.long, 'true');
          shorts = shorts.slice(1);
        } else if (shorts.length > 1) {
          values.set(def.long, shorts.slice(1));
          shorts = '';
        } else if (args.length > 0) {
          values.set(def.long, args.shift() as string);
          shorts = '';
        } else {
          throw new FlagError(`flag needs an argument: '${c}' in -${shorts}`);
        }
      }
    } else {
      positionals.push(a);
    }
  }
  return { values, positionals };
}

export type SettingSource = { readonly kind: 'flag'; readonly def: FlagDef } | { readonly kind: 'env'; readonly name: string; readonly def?: FlagDef };

/**
 * Settings from flags, then environment variables (a flag wins; for two variables the second
 * listed wins; an empty variable counts as unset), remembering where each value came from.
 */
export function collectSettings(
  parsed: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
): { readonly settings: Partial<Record<CaptureSettingName, string>>; readonly sources: ReadonlyMap<CaptureSettingName, SettingSource> } {
  const settings: Partial<Record<CaptureSettingName, string>> = {};
  const sources = new Map<CaptureSettingName, SettingSource>();
  for (const def of FLAGS) {
    if (!def.setting) continue;
    const flag = parsed.values.get(def.long);
    if (flag !== undefined) {
      settings[def.setting] = flag;
      sources.set(def.setting, { kind: 'flag', def });
      continue;
    }
    for (const name of def.env ?? []) {
      const v = env[name];
      if (v === undefined || v === '') continue;
      settings[def.setting] = v;
      sources.set(def.setting, { kind: 'env', name, def });
    }
  }
  for (const { env: name, setting } of ENV_ONLY) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    settings[setting] = v;
    sources.set(setting, { kind: 'env', name });
  }
  return { settings, sources };
}

/** "for flag -p/--envoy-port", "for INBOUND_CAPTURE_PORT (flag -z/...)", for error messages. */
export function describeSource(setting: CaptureSettingName, source: SettingSource | undefined): string {
  if (source?.kind === 'flag') return `flag ${flagName(source.def)}`;
  if (source?.kind === 'env') return source.def ? `${source.name} (flag ${flagName(source.def)})` : source.name;
  const def = FLAGS.find((d) => d.setting === setting);
  return def ? `flag ${flagName(def)}` : (ENV_ONLY.find((e) => e.setting === setting)?.env ?? setting);
}

export function usage(): string {
  const rows = FLAGS.filter((d) => d.setting || d.long === 'help').map((d) => {
    const env = d.env && d.env.length > 0 ? ` [env ${d.env.join(', ')}]` : '';
    return `  ${(d.short ? `-${d.short}, ` : '    ') + `--${d.long}`}\n        ${d.help}${env}`;
  });
  const envOnly = ENV_ONLY.map((e) => `  ${e.env}`).join('\n');
  return `Usage: sidecar-kit istio-iptables [flags]\n\nProgram Istio's traffic capture rules (iptables or native nftables).\n\nFlags:\n${rows.join('\n')}\n\nEnvironment only:\n${envOnly}\n  ENVOY_USER (istio-proxy)\n  DRY_RUN_FILE_PATH (dry run: write the record here)\n`;
}
