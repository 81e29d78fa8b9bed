/**
 * istio-iptables command line: Istio's flags (parsed with the pflag semantics of
 * src/cli/convention.ts) and the environment variables Istio binds to them (a flag on the
 * command line wins; where a setting has two variables, the second listed wins).
 */
import { flagName, type CommandSpec, type FlagSpec } from '../cli/convention.js';
import { captureDefaults, type CaptureSettingName } from '../config/capture.js';

export interface FlagDef extends FlagSpec {
  /** The capture setting the flag sets; undefined for accepted-and-ignored flags. */
  readonly setting?: CaptureSettingName;
}

const LOGGING = "Istio's logging flags (accepted for compatibility, ignored)";

/** A flag of a setting; `value` undefined makes a boolean; the default comes from captureDefaults. */
const f = (long: string, short: string | undefined, setting: CaptureSettingName, value: string | undefined, env: string[], help: string, def?: string): FlagDef => {
  const fallback = def ?? (value ? captureDefaults[setting] : undefined);
  return {
    long,
    ...(short ? { short } : {}),
    setting,
    ...(value ? { value } : {}),
    ...(fallback !== undefined && fallback !== '' ? { default: fallback } : {}),
    env,
    help,
  };
};

export const FLAGS: readonly FlagDef[] = [
  f('envoy-port', 'p', 'proxyPort', 'PORT', [], 'outbound redirect target port'),
  f('inbound-capture-port', 'z', 'inboundCapturePort', 'PORT', ['INBOUND_CAPTURE_PORT'], 'inbound redirect target port'),
  f('inbound-tunnel-port', 'e', 'inboundTunnelPort', 'PORT', ['INBOUND_TUNNEL_PORT'], 'HBONE port, never captured'),
  f('proxy-uid', 'u', 'proxyUid', 'UIDS', ['PROXY_UID'], 'proxy uid(s), comma list', 'uid of $ENVOY_USER, else 1337'),
  f('proxy-gid', 'g', 'proxyGid', 'GIDS', ['PROXY_GID'], 'proxy gid(s), comma list', 'same as --proxy-uid'),
  f('istio-inbound-interception-mode', 'm', 'interceptionMode', 'MODE', ['ISTIO_INBOUND_INTERCEPTION_MODE'], 'REDIRECT or TPROXY', 'REDIRECT'),
  f('istio-inbound-ports', 'b', 'inboundPorts', 'PORTS', ['ISTIO_INBOUND_PORTS'], "inbound ports to capture, '*' for all, '' for none", '""'),
  f('istio-local-exclude-ports', 'd', 'inboundPortsExclude', 'PORTS', ['ISTIO_LOCAL_EXCLUDE_PORTS'], "inbound ports not captured (with -b '*')"),
  f('istio-exclude-interfaces', 'c', 'excludeInterfaces', 'IFACES', ['ISTIO_EXCLUDE_INTERFACES'], 'interfaces never captured'),
  f('istio-service-cidr', 'i', 'outboundIpRangesInclude', 'CIDRS', ['ISTIO_SERVICE_CIDR'], "outbound CIDRs to capture, '*' for all, '' for none", '""'),
  f('istio-service-exclude-cidr', 'x', 'outboundIpRangesExclude', 'CIDRS', ['ISTIO_SERVICE_EXCLUDE_CIDR'], 'outbound CIDRs not captured'),
  f('istio-outbound-ports', 'q', 'outboundPortsInclude', 'PORTS', ['ISTIO_OUTBOUND_PORTS'], 'outbound ports always captured'),
  f('istio-local-outbound-ports-exclude', 'o', 'outboundPortsExclude', 'PORTS', ['ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE'], 'outbound ports not captured'),
  f('kube-virt-interfaces', 'k', 'kubeVirtInterfaces', 'IFACES', ['KUBE_VIRT_INTERFACES'], 'reroute (virtual machine) interfaces'),
  f('istio-inbound-tproxy-mark', 't', 'tproxyMark', 'MARK', ['ISTIO_INBOUND_TPROXY_MARK'], 'TPROXY packet mark'),
  f('istio-inbound-tproxy-route-table', 'r', 'tproxyRouteTable', 'TABLE', ['ISTIO_INBOUND_TPROXY_ROUTE_TABLE'], 'TPROXY routing table'),
  f('dry-run', 'n', 'dryRun', undefined, ['DRY_RUN'], 'print the rules instead of applying them (also to DRY_RUN_FILE_PATH)'),
  f('iptables-probe-port', undefined, 'probePort', 'PORT', ['IPTABLES_PROBE_PORT'], '--run-validation probe port'),
  f('probe-timeout', undefined, 'probeTimeout', 'DURATION', ['PROBE_TIMEOUT'], '--run-validation timeout'),
  f('skip-rule-apply', undefined, 'skipRuleApply', undefined, ['SKIP_RULE_APPLY'], 'program no rules'),
  f('run-validation', undefined, 'runValidation', undefined, ['RUN_VALIDATION'], 'check that redirection works (exit 126 if not)'),
  f('redirect-dns', undefined, 'redirectDns', undefined, ['REDIRECT_DNS', 'ISTIO_META_DNS_CAPTURE'], 'capture DNS to the agent on 15053'),
  f('drop-invalid', undefined, 'dropInvalid', undefined, ['DROP_INVALID', 'INVALID_DROP'], 'drop packets in conntrack state INVALID'),
  f('dual-stack', undefined, 'dualStack', undefined, ['DUAL_STACK', 'ISTIO_DUAL_STACK'], 'dual-stack IPv6 detection'),
  f('capture-all-dns', undefined, 'captureAllDns', undefined, ['CAPTURE_ALL_DNS'], 'capture DNS to any server'),
  f('network-namespace', undefined, 'networkNamespace', 'PATH', ['NETWORK_NAMESPACE'], 'program this network namespace (default: the current one)'),
  f('cni-mode', undefined, 'cniMode', undefined, ['CNI_MODE'], 'run as the CNI plugin does'),
  f('reconcile', undefined, 'reconcile', undefined, ['RECONCILE'], 'replace Istio rules from another configuration'),
  f('cleanup-only', undefined, 'cleanupOnly', undefined, ['CLEANUP_ONLY'], 'remove Istio rules and exit'),
  f('force-apply', undefined, 'forceApply', undefined, ['FORCE_APPLY'], 'apply even if the rules look in place'),
  f('native-nftables', undefined, 'nativeNftables', undefined, ['NATIVE_NFTABLES'], 'program native nftables instead of iptables'),
  f('force-iptables-binary', undefined, 'forceIptablesBinary', 'legacy|nft', ['FORCE_IPTABLES_BINARY'], 'iptables variant to use (default: detected like Istio)'),
  f('ipv6', undefined, 'ipv6', 'auto|true|false', [], 'generate IPv6 rules (auto: detect like Istio)', 'auto'),
  f('dns-servers', undefined, 'dnsServers', 'IPS', [], 'DNS resolvers, comma list (default: /etc/resolv.conf)'),
  ...['log_output_level', 'log_stacktrace_level', 'log_target', 'log_caller', 'log_rotate', 'log_rotate_max_age', 'log_rotate_max_backups', 'log_rotate_max_size'].map(
    (long): FlagDef => ({ long, value: 'VALUE', help: 'ignored', group: LOGGING }),
  ),
  { long: 'log_as_json', help: 'ignored', group: LOGGING },
];

export const spec: CommandSpec = {
  name: 'istio-iptables',
  summary: "program Istio's traffic capture rules (iptables or native nftables), like pilot-agent istio-iptables",
  usage: ['[flags]'],
  description:
    "Program Istio's traffic capture rules into the current (or --network-namespace) network\n" +
    'namespace: the chains the istio-init container sets up, with the same flags, environment\n' +
    'variables and defaults. WITHOUT --dry-run THE RULES ARE APPLIED: run it in a pod or a test\n' +
    'namespace (ip netns exec NAME …), not on your workstation.',
  flags: FLAGS,
  environment: [
    { name: 'ISTIO_OUTBOUND_OWNER_GROUPS', help: 'groups whose outbound traffic is captured', default: '*' },
    { name: 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE', help: 'groups whose outbound traffic is not captured' },
    { name: 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR', help: 'IPv4 loopback CIDR', default: '127.0.0.1/32' },
    { name: 'ENVOY_USER', help: 'user whose uid is the proxy uid', default: 'istio-proxy' },
    { name: 'DRY_RUN_FILE_PATH', help: 'with --dry-run: also write the record to this file' },
  ],
  examples: [
    { comment: 'print the rules of the injected istio-init container without applying them', command: "sidecar-kit istio-iptables --dry-run -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x \"\" -b '*' -d 15090,15021,15020" },
    { comment: 'apply them inside a network namespace of your own', command: "ip netns exec demo sidecar-kit istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x \"\" -b '*' -d 15090,15021,15020" },
    { comment: 'native nftables instead of iptables', command: "sidecar-kit istio-iptables --dry-run --native-nftables -p 15001 -z 15006 -u 1337 -i '*' -b '*'" },
    { comment: 'remove every Istio rule', command: 'sidecar-kit istio-iptables --cleanup-only' },
  ],
  exitCodes: [{ code: 126, meaning: '--run-validation: traffic is not redirected (istio-validation)' }],
};

/** Settings only Istio's environment variables set. */
export const ENV_ONLY: readonly { readonly env: string; readonly setting: CaptureSettingName }[] = [
  { env: 'ISTIO_OUTBOUND_OWNER_GROUPS', setting: 'ownerGroupsInclude' },
  { env: 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE', setting: 'ownerGroupsExclude' },
  { env: 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR', setting: 'loopbackCidr' },
];

export type SettingSource = { readonly kind: 'flag'; readonly def: FlagDef } | { readonly kind: 'env'; readonly name: string; readonly def?: FlagDef };

/**
 * Settings from flags, then environment variables (a flag wins; for two variables the second
 * listed wins; an empty variable counts as unset), remembering where each value came from.
 */
export function collectSettings(
  parsed: { readonly values: ReadonlyMap<string, string> },
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
