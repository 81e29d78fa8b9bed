/**
 * Native nftables renderer of the rule model (reference §f.7): the transaction Istio's
 * `tools/istio-nftables` submits through knftables, one operation per line, for `nft -f -`.
 *
 * Istio's iptables tables become `inet` tables `istio-proxy-nat`, `-mangle`, `-raw` (in that
 * order), each added and flushed, so applying the transaction atomically replaces whatever an
 * earlier run left in them. Chains are declared when a rule uses them, base chains first.
 * IPv4 and IPv6 share each table: a rule is written once when its two family variants render
 * the same text. `-I chain N` becomes `insert rule ... index N-1`, or `add rule` when the chain
 * has fewer than N rules so far (nft can only insert before a rule that exists; iptables
 * appends in that case too).
 */
import { checkRuleSpec, jumpTarget, type Chain, type Family, type Owner, type RuleSet, type RuleSpec, type Table, type Target } from './model.js';

export const NFT_TABLES = ['nat', 'mangle', 'raw'] as const;

export function nftTableName(table: Table): string {
  return `istio-proxy-${table}`;
}

export function nftChainName(chain: Chain): string {
  return chain.toLowerCase().replace(/_/g, '-');
}

const BASE_CHAINS: Record<string, Partial<Record<Chain, string>>> = {
  nat: { PREROUTING: 'type nat hook prerouting priority -100', OUTPUT: 'type nat hook output priority -100' },
  mangle: { PREROUTING: 'type filter hook prerouting priority -150', OUTPUT: 'type route hook output priority -150' },
  raw: { PREROUTING: 'type filter hook prerouting priority -300', OUTPUT: 'type filter hook output priority -300' },
};

/** Declaration order of chains per table (Istio's). */
const CHAIN_ORDER: Record<string, readonly Chain[]> = {
  nat: ['PREROUTING', 'OUTPUT', 'ISTIO_INBOUND', 'ISTIO_REDIRECT', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT', 'ISTIO_OUTPUT_DNS'],
  mangle: ['PREROUTING', 'OUTPUT', 'ISTIO_DIVERT', 'ISTIO_TPROXY', 'ISTIO_INBOUND', 'ISTIO_DROP'],
  raw: ['PREROUTING', 'OUTPUT', 'ISTIO_INBOUND', 'ISTIO_OUTPUT_DNS'],
};

function verdict(t: Target): string {
  return typeof t === 'string' ? t.toLowerCase() : `jump ${nftChainName(t.jump)}`;
}

/**
 * An interface name as nft reads it. iptables' `eth+` (any name starting with `eth`) is nft's
 * `"eth*"`, and a name with characters nft's lexer would split on is quoted; plain names stay
 * bare, as in Istio's goldens. This is what `iptables-translate -i eth+` prints; Istio passes the
 * name through verbatim, which nft rejects (`unexpected +`).
 */
export function nftIfname(name: string): string {
  if (name.endsWith('+')) return `"${name.slice(0, -1)}*"`;
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : `"${name}"`;
}

function sk(o: Owner, op = ''): string {
  return `${o.kind === 'uid' ? 'skuid' : 'skgid'} ${op}${o.id}`;
}

/** The nft expression of one rule variant (matches, `counter`, statement/verdict). */
export function nftExpr(spec: RuleSpec, family: Family): string {
  const ip = family === 'v4' ? 'ip' : 'ip6';
  const parts = (...p: (string | false | undefined)[]): string => p.filter((x): x is string => typeof x === 'string').join(' ');
  switch (spec.kind) {
    case 'iface':
      return parts(`${spec.dir === 'in' ? 'iifname' : 'oifname'} ${nftIfname(spec.iface)}`, spec.dst && `${ip} daddr ${spec.dst}`, 'counter', verdict(spec.target));
    case 'invalidDrop':
      return 'meta l4proto tcp ct state invalid counter jump istio-drop';
    case 'always':
      return `counter ${verdict(spec.target)}`;
    case 'proto':
      return parts(
        !(spec.nftBare && spec.dport !== undefined) && `meta l4proto ${spec.proto}`,
        spec.established && 'ct state related,established',
        spec.dport !== undefined && `${spec.proto} dport ${spec.dport}`,
        'counter',
        verdict(spec.target),
      );
    case 'redirect':
      return `meta l4proto tcp counter redirect to :${spec.port}`;
    case 'setMark':
      return `counter meta mark set ${spec.mark}`;
    case 'tproxy':
      return `meta l4proto tcp ${ip} daddr != ${spec.loopback} tproxy ${ip} to :${spec.port} meta mark set ${spec.mark} counter accept`;
    case 'passthroughReturn':
      return `oifname lo ${ip} saddr ${spec.source} counter return`;
    case 'ownerToInbound': {
      const ports = spec.skipPorts.length === 1 ? String(spec.skipPorts[0]) : `{ ${spec.skipPorts.join(', ')} }`;
      return `oifname lo meta l4proto tcp ${ip} daddr != ${spec.loopback} tcp dport != ${ports} ${sk(spec.owner)} counter jump istio-in-redirect`;
    }
    case 'otherOwnerLoopbackReturn':
      return parts('oifname lo', spec.exceptDns && 'meta l4proto tcp tcp dport != 53', sk(spec.owner, '!= '), 'counter return');
    case 'ownerReturn':
      return `${sk(spec.owner)} counter return`;
    case 'groupsExceptReturn':
      return parts(...spec.groups.map((id) => sk({ kind: 'gid', id }, '!= ')), 'counter return');
    case 'dnsRedirect':
      // Istio's capture-all TCP rule alone carries `meta l4proto tcp`.
      return parts(spec.server && `${ip} daddr ${spec.server}`, !spec.server && spec.proto === 'tcp' && 'meta l4proto tcp', `${spec.proto} dport 53 counter redirect to :${spec.port}`);
    case 'ctZone':
      return parts(
        `udp ${spec.portDir} ${spec.port}`,
        spec.owner && `meta ${sk(spec.owner)}`,
        spec.addr && `${ip} ${spec.addr.dir === 'dst' ? 'daddr' : 'saddr'} ${spec.addr.cidr}`,
        `counter ct zone set ${spec.zone}`,
      );
    case 'dst':
      return `${ip} daddr ${spec.cidr} counter ${verdict(spec.target)}`;
    case 'saveMark':
      return `meta l4proto tcp mark ${spec.mark} counter ct mark set mark`;
    case 'markReturn':
      return parts(
        spec.loopback && `${spec.loopback === 'in' ? 'iifname' : 'oifname'} lo`,
        `meta l4proto tcp mark ${spec.negate ? '!= ' : ''}${spec.mark} counter return`,
      );
    case 'ownerMark':
      return `oifname lo meta l4proto tcp ${ip} daddr != ${spec.loopback} ${sk(spec.owner)} counter meta mark set ${spec.mark}`;
    case 'restoreMark':
      return `meta l4proto tcp ct mark ${spec.mark} counter meta mark set ct mark`;
    case 'loopbackSourceReturn':
      return `iifname lo meta l4proto tcp ${ip} saddr ${spec.source} counter return`;
  }
}

interface NftLine {
  readonly chain: Chain;
  readonly insertAt?: number;
  readonly expr: string;
  readonly jump?: Chain;
}

function tableLines(set: RuleSet, table: Table): NftLine[] {
  const lines: NftLine[] = [];
  for (const rule of set.rules) {
    if (rule.table !== table) continue;
    const seen: string[] = [];
    for (const [family, spec] of [['v4', rule.v4], ['v6', rule.v6]] as const) {
      if (!spec) continue;
      checkRuleSpec(spec);
      const expr = nftExpr(spec, family);
      if (seen.includes(expr)) continue;
      seen.push(expr);
      const jump = jumpTarget(spec);
      lines.push({ chain: rule.chain, expr, ...(rule.insertAt ? { insertAt: rule.insertAt } : {}), ...(jump ? { jump } : {}) });
    }
  }
  return lines;
}

/** The `nft -f -` transaction programming the rule set; "" when there is nothing to program. */
export function renderNft(set: RuleSet): string {
  const out: string[] = [];
  for (const table of NFT_TABLES) {
    const lines = tableLines(set, table);
    if (lines.length === 0) continue;
    const t = `inet ${nftTableName(table)}`;
    out.push(`add table ${t}`, `flush table ${t}`);
    const used = new Set<Chain>(lines.flatMap((l) => (l.jump ? [l.chain, l.jump] : [l.chain])));
    for (const chain of CHAIN_ORDER[table] ?? []) {
      if (!used.has(chain)) continue;
      const base = BASE_CHAINS[table]?.[chain];
      out.push(`add chain ${t} ${nftChainName(chain)}${base ? ` { ${base} ; }` : ''}`);
    }
    const count = new Map<Chain, number>();
    for (const l of lines) {
      const n = count.get(l.chain) ?? 0;
      const name = nftChainName(l.chain);
      const index = l.insertAt === undefined ? n : l.insertAt - 1;
      out.push(index < n ? `insert rule ${t} ${name} index ${index} ${l.expr}` : `add rule ${t} ${name} ${l.expr}`);
      count.set(l.chain, n + 1);
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/**
 * A transaction deleting Istio's nft tables. Each `delete` follows an `add` of the same table,
 * so the transaction succeeds whether or not the table exists.
 */
export function renderNftCleanup(tables: readonly Table[] = NFT_TABLES): string {
  return tables.map((t) => `add table inet ${nftTableName(t)}\ndelete table inet ${nftTableName(t)}\n`).join('');
}
