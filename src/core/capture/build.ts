/**
 * `buildRules`: Istio's capture policy (istio-iptables `Run()`, reference §f.3) as data.
 *
 * The rules come out in Istio's generation order; each renderer keeps that order within a
 * table and family, which is what makes the output byte-identical to Istio's. Every step of
 * §f.3 is one block below, in order:
 *
 *  1. excluded interfaces bypass capture (nat, and mangle with TPROXY);
 *  2. reroute ("kube-virt") interfaces are inserted first in nat PREROUTING;
 *  3. drop-invalid; 4-6. tunnel port bypass and the two REDIRECT chains;
 *  7. inbound capture (REDIRECT in nat, or TPROXY in mangle) for `*` or a port list;
 *  8-13. outbound: excluded ports, the 127.0.0.6 passthrough, per proxy uid/gid the
 *     "proxy talks to itself over lo" redirect and bypasses, owner groups;
 *  14. DNS capture to the agent on 15053 with conntrack zones in raw;
 *  15-18. loopback and excluded CIDRs bypass, included ports and CIDRs redirect;
 *  19. the TPROXY mark plumbing in mangle.
 */
import type { CaptureConfig } from '../../config/capture.js';
import {
  DNS_AGENT_PORT,
  INBOUND_PASSTHROUGH,
  LOOPBACK_V6,
  OUTBOUND_MARK,
  type Chain,
  type Owner,
  type Rule,
  type RuleSet,
  type RuleSpec,
  type Table,
} from './model.js';

/** The part of the config the policy depends on. */
export type RulePolicy = Pick<
  CaptureConfig,
  | 'proxyPort'
  | 'inboundCapturePort'
  | 'inboundTunnelPort'
  | 'proxyUids'
  | 'proxyGids'
  | 'interceptionMode'
  | 'inboundPorts'
  | 'inboundPortsExclude'
  | 'excludeInterfaces'
  | 'kubeVirtInterfaces'
  | 'outboundIpRangesInclude'
  | 'outboundIpRangesExclude'
  | 'outboundPortsInclude'
  | 'outboundPortsExclude'
  | 'tproxyMark'
  | 'tproxyRouteTable'
  | 'redirectDns'
  | 'captureAllDns'
  | 'dnsServers'
  | 'dropInvalid'
  | 'ipv6'
  | 'ownerGroups'
  | 'loopbackCidr'
>;

export function buildRules(cfg: RulePolicy): RuleSet {
  const rules: Rule[] = [];
  const ipv6 = cfg.ipv6;
  /** A rule with per-family variants; the v6 one is dropped when IPv6 is off. */
  const add = (table: Table, chain: Chain, v4: RuleSpec | undefined, v6: RuleSpec | undefined, insertAt?: number): void => {
    if (!v4 && !(ipv6 && v6)) return;
    rules.push({ table, chain, ...(insertAt ? { insertAt } : {}), ...(v4 ? { v4 } : {}), ...(ipv6 && v6 ? { v6 } : {}) });
  };
  const both = (table: Table, chain: Chain, spec: RuleSpec, insertAt?: number): void => add(table, chain, spec, spec, insertAt);

  const tproxy = cfg.interceptionMode === 'TPROXY';
  const lo4 = cfg.loopbackCidr;
  const include = cfg.outboundIpRangesInclude;
  const includeCidrs = include === '*' ? [] : include;
  const uids: Owner[] = cfg.proxyUids.map((id) => ({ kind: 'uid', id }));
  const gids: Owner[] = cfg.proxyGids.map((id) => ({ kind: 'gid', id }));
  const dns = cfg.dnsServers;
  // DNS capture needs capture-all or known resolvers; otherwise Istio silently turns it off.
  const dnsOn = cfg.redirectDns && (cfg.captureAllDns || dns.v4.length + dns.v6.length > 0);

  // 1. Excluded interfaces.
  for (const table of tproxy ? (['nat', 'mangle'] as const) : (['nat'] as const)) {
    for (const iface of cfg.excludeInterfaces) {
      both(table, 'PREROUTING', { kind: 'iface', dir: 'in', iface, target: 'RETURN' });
      both(table, 'OUTPUT', { kind: 'iface', dir: 'out', iface, target: 'RETURN' });
    }
  }
  // 2. Reroute interfaces: traffic arriving on them is not inbound capture.
  for (const iface of cfg.kubeVirtInterfaces) both('nat', 'PREROUTING', { kind: 'iface', dir: 'in', iface, target: 'RETURN' }, 1);
  // 3. Drop invalid conntrack state.
  if (cfg.dropInvalid) {
    both('mangle', 'PREROUTING', { kind: 'invalidDrop' });
    both('mangle', 'ISTIO_DROP', { kind: 'always', target: 'DROP' });
  }
  // 4-6.
  both('nat', 'ISTIO_INBOUND', { kind: 'proto', proto: 'tcp', dport: cfg.inboundTunnelPort, target: 'RETURN' });
  both('nat', 'ISTIO_REDIRECT', { kind: 'redirect', port: cfg.proxyPort });
  both('nat', 'ISTIO_IN_REDIRECT', { kind: 'redirect', port: cfg.inboundCapturePort });

  // 7. Inbound capture.
  const inbound = cfg.inboundPorts;
  if (inbound === '*' || inbound.length > 0) {
    const table: Table = tproxy ? 'mangle' : 'nat';
    if (tproxy) {
      both('mangle', 'ISTIO_DIVERT', { kind: 'setMark', mark: cfg.tproxyMark });
      both('mangle', 'ISTIO_DIVERT', { kind: 'always', target: 'ACCEPT' });
      const tp = (loopback: string): RuleSpec => ({ kind: 'tproxy', loopback, mark: cfg.tproxyMark, port: cfg.inboundCapturePort });
      add('mangle', 'ISTIO_TPROXY', tp(lo4), tp(LOOPBACK_V6));
    }
    both(table, 'PREROUTING', { kind: 'proto', proto: 'tcp', target: { jump: 'ISTIO_INBOUND' } });
    const capture = (dport?: number): void => {
      const port = dport === undefined ? {} : { dport };
      if (!tproxy) {
        both('nat', 'ISTIO_INBOUND', { kind: 'proto', proto: 'tcp', ...port, target: { jump: 'ISTIO_IN_REDIRECT' } });
        return;
      }
      both('mangle', 'ISTIO_INBOUND', { kind: 'proto', proto: 'tcp', ...port, established: true, target: { jump: 'ISTIO_DIVERT' } });
      both('mangle', 'ISTIO_INBOUND', { kind: 'proto', proto: 'tcp', ...port, target: { jump: 'ISTIO_TPROXY' } });
    };
    if (inbound === '*') {
      for (const dport of cfg.inboundPortsExclude) both(table, 'ISTIO_INBOUND', { kind: 'proto', proto: 'tcp', dport, target: 'RETURN' });
      capture();
    } else {
      for (const dport of inbound) capture(dport);
    }
  }

  // 8-10. Outbound entry, excluded ports, the inbound passthrough source.
  both('nat', 'OUTPUT', { kind: 'always', target: { jump: 'ISTIO_OUTPUT' } });
  for (const dport of cfg.outboundPortsExclude) {
    both('nat', 'ISTIO_OUTPUT', { kind: 'proto', proto: 'tcp', dport, nftBare: true, target: 'RETURN' });
    both('nat', 'ISTIO_OUTPUT', { kind: 'proto', proto: 'udp', dport, nftBare: true, target: 'RETURN' });
  }
  add('nat', 'ISTIO_OUTPUT', { kind: 'passthroughReturn', source: INBOUND_PASSTHROUGH.v4 }, { kind: 'passthroughReturn', source: INBOUND_PASSTHROUGH.v6 });

  // 11-12. Per proxy uid, then gid: app -> VIP -> Envoy -> own inbound goes back through Envoy;
  // other owners' loopback traffic and the proxy's own traffic are not captured. A loopback
  // include CIDR means loopback traffic must be captured, so the bypass is left out.
  const loopbackInclude = includeCidrs.some((c) => c.loopback);
  const ownerRules = (owner: Owner, skipDnsPort: boolean): void => {
    const skipPorts = skipDnsPort ? [53, cfg.inboundTunnelPort] : [cfg.inboundTunnelPort];
    add(
      'nat',
      'ISTIO_OUTPUT',
      { kind: 'ownerToInbound', owner, loopback: lo4, skipPorts },
      { kind: 'ownerToInbound', owner, loopback: LOOPBACK_V6, skipPorts },
    );
    if (!loopbackInclude) both('nat', 'ISTIO_OUTPUT', { kind: 'otherOwnerLoopbackReturn', owner, exceptDns: dnsOn });
    both('nat', 'ISTIO_OUTPUT', { kind: 'ownerReturn', owner });
  };
  for (const uid of uids) ownerRules(uid, dnsOn);
  for (const gid of gids) ownerRules(gid, false);

  // 13. Owner groups.
  if (cfg.ownerGroups.except) {
    for (const id of cfg.ownerGroups.groups) both('nat', 'ISTIO_OUTPUT', { kind: 'ownerReturn', owner: { kind: 'gid', id } });
  } else {
    both('nat', 'ISTIO_OUTPUT', { kind: 'groupsExceptReturn', groups: cfg.ownerGroups.groups });
  }

  // 14. DNS.
  if (dnsOn) buildDnsRules(cfg, [...uids, ...gids], add, both);

  // 15-16. Loopback and excluded CIDRs.
  add('nat', 'ISTIO_OUTPUT', { kind: 'dst', cidr: lo4, target: 'RETURN' }, { kind: 'dst', cidr: LOOPBACK_V6, target: 'RETURN' });
  for (const family of ['v4', 'v6'] as const) {
    for (const c of cfg.outboundIpRangesExclude.filter((x) => x.family === family)) {
      const spec: RuleSpec = { kind: 'dst', cidr: c.text, target: 'RETURN' };
      add('nat', 'ISTIO_OUTPUT', family === 'v4' ? spec : undefined, family === 'v6' ? spec : undefined);
    }
  }
  // 17. Included ports.
  for (const dport of cfg.outboundPortsInclude) {
    both('nat', 'ISTIO_OUTPUT', { kind: 'proto', proto: 'tcp', dport, nftBare: true, target: { jump: 'ISTIO_REDIRECT' } });
  }
  // 18. Included CIDRs; reroute interfaces send matching traffic to the proxy too.
  const toProxy = { jump: 'ISTIO_REDIRECT' } as const;
  if (include === '*') {
    both('nat', 'ISTIO_OUTPUT', { kind: 'always', target: toProxy });
    for (const iface of cfg.kubeVirtInterfaces) both('nat', 'PREROUTING', { kind: 'iface', dir: 'in', iface, target: toProxy }, 1);
  } else {
    for (const family of ['v4', 'v6'] as const) {
      for (const c of includeCidrs.filter((x) => x.family === family)) {
        const pick = (spec: RuleSpec): [RuleSpec | undefined, RuleSpec | undefined] =>
          family === 'v4' ? [spec, undefined] : [undefined, spec];
        for (const iface of cfg.kubeVirtInterfaces) {
          add('nat', 'PREROUTING', ...pick({ kind: 'iface', dir: 'in', iface, dst: c.text, target: toProxy }), 1);
        }
        add('nat', 'ISTIO_OUTPUT', ...pick({ kind: 'dst', cidr: c.text, target: toProxy }));
      }
    }
  }

  // 19. TPROXY: keep the mark on the connection, and keep Envoy's own traffic out of the loop.
  if (tproxy) {
    const mark = cfg.tproxyMark;
    both('mangle', 'PREROUTING', { kind: 'saveMark', mark });
    both('mangle', 'OUTPUT', { kind: 'markReturn', mark, negate: false, loopback: 'out' });
    for (const owner of [...uids, ...gids]) {
      add(
        'mangle',
        'OUTPUT',
        { kind: 'ownerMark', owner, loopback: lo4, mark: OUTBOUND_MARK },
        { kind: 'ownerMark', owner, loopback: LOOPBACK_V6, mark: OUTBOUND_MARK },
      );
    }
    both('mangle', 'OUTPUT', { kind: 'restoreMark', mark });
    both('mangle', 'ISTIO_INBOUND', { kind: 'markReturn', mark, negate: false }, 1);
    add(
      'mangle',
      'ISTIO_INBOUND',
      { kind: 'loopbackSourceReturn', source: INBOUND_PASSTHROUGH.v4 },
      { kind: 'loopbackSourceReturn', source: INBOUND_PASSTHROUGH.v6 },
      2,
    );
    both('mangle', 'ISTIO_INBOUND', { kind: 'markReturn', mark: OUTBOUND_MARK, negate: true, loopback: 'in' }, 3);
  }

  const tproxyRoute = tproxy && (inbound === '*' || inbound.length > 0) ? { mark: cfg.tproxyMark, table: cfg.tproxyRouteTable } : undefined;
  return { rules, ipv6, ...(tproxyRoute ? { tproxyRoute } : {}) };
}

type AddFn = (table: Table, chain: Chain, v4: RuleSpec | undefined, v6: RuleSpec | undefined, insertAt?: number) => void;
type BothFn = (table: Table, chain: Chain, spec: RuleSpec, insertAt?: number) => void;

/** §f.3 step 14: redirect DNS to the agent and split UDP DNS into conntrack zones. */
function buildDnsRules(cfg: RulePolicy, owners: readonly Owner[], add: AddFn, both: BothFn): void {
  const { v4, v6 } = cfg.dnsServers;
  const all = cfg.captureAllDns;
  const jump = { kind: 'always', target: { jump: 'ISTIO_OUTPUT_DNS' } } as const;
  both('raw', 'OUTPUT', jump);
  add('nat', 'ISTIO_OUTPUT', all || v4.length > 0 ? jump : undefined, all || v6.length > 0 ? jump : undefined);
  for (const proto of ['tcp', 'udp'] as const) {
    if (all) {
      both('nat', 'ISTIO_OUTPUT_DNS', { kind: 'dnsRedirect', proto, port: DNS_AGENT_PORT });
      continue;
    }
    for (const s of v4) add('nat', 'ISTIO_OUTPUT_DNS', { kind: 'dnsRedirect', proto, server: `${s}/32`, port: DNS_AGENT_PORT }, undefined);
    for (const s of v6) add('nat', 'ISTIO_OUTPUT_DNS', undefined, { kind: 'dnsRedirect', proto, server: `${s}/128`, port: DNS_AGENT_PORT });
  }
  // Zone 1: the agent's queries to upstream resolvers; zone 2: its answers to the app.
  for (const owner of owners) {
    both('raw', 'ISTIO_OUTPUT_DNS', { kind: 'ctZone', portDir: 'dport', port: 53, owner, zone: 1 });
    both('raw', 'ISTIO_OUTPUT_DNS', { kind: 'ctZone', portDir: 'sport', port: DNS_AGENT_PORT, owner, zone: 2 });
  }
  const inboundJump = { kind: 'always', target: { jump: 'ISTIO_INBOUND' } } as const;
  if (all) {
    both('raw', 'PREROUTING', inboundJump);
    both('raw', 'ISTIO_OUTPUT_DNS', { kind: 'ctZone', portDir: 'dport', port: 53, zone: 2 });
    both('raw', 'ISTIO_INBOUND', { kind: 'ctZone', portDir: 'sport', port: 53, zone: 1 });
    return;
  }
  add('raw', 'PREROUTING', v4.length > 0 ? inboundJump : undefined, v6.length > 0 ? inboundJump : undefined);
  for (const [family, servers, bits] of [['v4', v4, 32], ['v6', v6, 128]] as const) {
    for (const s of servers) {
      const cidr = `${s}/${bits}`;
      const out: RuleSpec = { kind: 'ctZone', portDir: 'dport', port: 53, addr: { dir: 'dst', cidr }, zone: 2 };
      const back: RuleSpec = { kind: 'ctZone', portDir: 'sport', port: 53, addr: { dir: 'src', cidr }, zone: 1 };
      add('raw', 'ISTIO_OUTPUT_DNS', family === 'v4' ? out : undefined, family === 'v6' ? out : undefined);
      add('raw', 'ISTIO_INBOUND', family === 'v4' ? back : undefined, family === 'v6' ? back : undefined);
    }
  }
}
