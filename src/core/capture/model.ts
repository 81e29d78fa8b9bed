/**
 * The capture rule model: the one data structure every renderer reads.
 *
 * `buildRules` decides the policy (which rules, in which order, for which IP family); the
 * renderers (`iptables-restore` text per family, native nftables, cleanup) only translate.
 * A rule is one logical step of Istio's `Run()` with an optional IPv4 and an optional IPv6
 * variant: iptables renders each family's variants into that family's restore input, while
 * nftables (one `inet` table for both families) renders the IPv4 variant then the IPv6 one and
 * writes a rule once when both variants render the same text.
 *
 * A variant is a typed `RuleSpec` rather than a raw argument list: Istio's nftables rules are
 * hand-written per rule kind (the statement order and `meta l4proto` use differ from a
 * mechanical translation), so each kind carries the facts both renderers need.
 */

export type Table = 'filter' | 'mangle' | 'nat' | 'raw';

/** Istio's own chains (names are Istio's, for compatibility). */
export const ISTIO_CHAINS = [
  'ISTIO_INBOUND',
  'ISTIO_REDIRECT',
  'ISTIO_IN_REDIRECT',
  'ISTIO_OUTPUT',
  'ISTIO_OUTPUT_DNS',
  'ISTIO_DIVERT',
  'ISTIO_TPROXY',
  'ISTIO_DROP',
] as const;
export type IstioChain = (typeof ISTIO_CHAINS)[number];
export type BuiltinChain = 'PREROUTING' | 'OUTPUT';
export type Chain = IstioChain | BuiltinChain;

export function isBuiltinChain(chain: Chain): chain is BuiltinChain {
  return chain === 'PREROUTING' || chain === 'OUTPUT';
}

/** Where a matching packet goes. */
export type Target = { readonly jump: IstioChain } | 'RETURN' | 'ACCEPT' | 'DROP';

/** A uid or gid owner match (`-m owner --uid-owner` / nft `skuid`). */
export interface Owner {
  readonly kind: 'uid' | 'gid';
  readonly id: string;
}

export type Proto = 'tcp' | 'udp';

/** The rule kinds of Istio's capture policy (§f.3), with what each renderer needs. */
export type RuleSpec =
  /** `-i IF [-d CIDR]` / `-o IF`: excluded and rerouted interfaces. */
  | { readonly kind: 'iface'; readonly dir: 'in' | 'out'; readonly iface: string; readonly dst?: string; readonly target: Target }
  /** `-m conntrack --ctstate INVALID -j ISTIO_DROP`. */
  | { readonly kind: 'invalidDrop' }
  /** A bare jump or verdict: `-j ISTIO_OUTPUT`, `-j ACCEPT`, `-j DROP`. */
  | { readonly kind: 'always'; readonly target: Target }
  /**
   * `-p P [--dport N] [-m conntrack --ctstate RELATED,ESTABLISHED]`. In nft Istio writes
   * `meta l4proto P [ct state related,established] [P dport N]`, except for the outbound port
   * rules, which are a bare `P dport N` (`nftBare`).
   */
  | { readonly kind: 'proto'; readonly proto: Proto; readonly dport?: number; readonly established?: boolean; readonly nftBare?: true; readonly target: Target }
  /** `-p tcp -j REDIRECT --to-ports N`. */
  | { readonly kind: 'redirect'; readonly port: number }
  /** `-j MARK --set-mark M`. */
  | { readonly kind: 'setMark'; readonly mark: number }
  /** `! -d LOOPBACK -p tcp -j TPROXY --tproxy-mark M/0xffffffff --on-port N`. */
  | { readonly kind: 'tproxy'; readonly loopback: string; readonly mark: number; readonly port: number }
  /** `-o lo -s 127.0.0.6/32 -j RETURN`: traffic from the inbound passthrough address. */
  | { readonly kind: 'passthroughReturn'; readonly source: string }
  /** `-o lo ! -d LOOPBACK -p tcp ! --dport N | -m multiport ! --dports 53,N -m owner ... -j ISTIO_IN_REDIRECT`. */
  | { readonly kind: 'ownerToInbound'; readonly owner: Owner; readonly loopback: string; readonly skipPorts: readonly number[] }
  /** `-o lo [-p tcp ! --dport 53] -m owner ! --uid-owner U -j RETURN`. */
  | { readonly kind: 'otherOwnerLoopbackReturn'; readonly owner: Owner; readonly exceptDns: boolean }
  /** `-m owner --uid-owner U -j RETURN` (also owner-group excludes, with gid). */
  | { readonly kind: 'ownerReturn'; readonly owner: Owner }
  /** `-m owner ! --gid-owner A -m owner ! --gid-owner B ... -j RETURN`. */
  | { readonly kind: 'groupsExceptReturn'; readonly groups: readonly string[] }
  /** `-p tcp|udp --dport 53 [-d SERVER] -j REDIRECT --to-ports 15053`. */
  | { readonly kind: 'dnsRedirect'; readonly proto: Proto; readonly server?: string; readonly port: number }
  /** `-p udp --dport|--sport N [-m owner ...] [-d|-s ADDR] -j CT --zone Z`. */
  | {
      readonly kind: 'ctZone';
      readonly portDir: 'dport' | 'sport';
      readonly port: number;
      readonly owner?: Owner;
      readonly addr?: { readonly dir: 'dst' | 'src'; readonly cidr: string };
      readonly zone: number;
    }
  /** `-d CIDR -j TARGET`. */
  | { readonly kind: 'dst'; readonly cidr: string; readonly target: Target }
  /** `-p tcp -m mark --mark M -j CONNMARK --save-mark`. */
  | { readonly kind: 'saveMark'; readonly mark: number }
  /** `-p tcp [-o|-i lo] -m mark [!] --mark M -j RETURN`. */
  | { readonly kind: 'markReturn'; readonly mark: number; readonly negate: boolean; readonly loopback?: 'in' | 'out' }
  /** `! -d LOOPBACK -p tcp -o lo -m owner --uid-owner U -j MARK --set-mark M`. */
  | { readonly kind: 'ownerMark'; readonly owner: Owner; readonly loopback: string; readonly mark: number }
  /** `-p tcp -m connmark --mark M -j CONNMARK --restore-mark`. */
  | { readonly kind: 'restoreMark'; readonly mark: number }
  /** `-p tcp -s 127.0.0.6/32 -i lo -j RETURN`. */
  | { readonly kind: 'loopbackSourceReturn'; readonly source: string };

export type RuleKind = RuleSpec['kind'];

export interface Rule {
  readonly table: Table;
  readonly chain: Chain;
  /** 1-based `-I` position; absent for `-A`. */
  readonly insertAt?: number;
  readonly v4?: RuleSpec;
  readonly v6?: RuleSpec;
}

/** What the executor needs besides the rules themselves. */
export interface RuleSet {
  readonly rules: readonly Rule[];
  /** Whether IPv6 rules were generated. */
  readonly ipv6: boolean;
  /** TPROXY policy routing (`ip rule fwmark M lookup T` + `local default dev lo table T`). */
  readonly tproxyRoute?: { readonly mark: number; readonly table: number };
}

export type Family = 'v4' | 'v6';

/** The variant of `rule` for `family`, if the rule applies to it. */
export function variant(rule: Rule, family: Family): RuleSpec | undefined {
  return family === 'v4' ? rule.v4 : rule.v6;
}

/** The Istio chain a spec jumps to, if any. */
export function jumpTarget(spec: RuleSpec): IstioChain | undefined {
  switch (spec.kind) {
    case 'iface':
    case 'always':
    case 'proto':
    case 'dst':
      return typeof spec.target === 'object' ? spec.target.jump : undefined;
    case 'invalidDrop':
      return 'ISTIO_DROP';
    case 'ownerToInbound':
      return 'ISTIO_IN_REDIRECT';
    default:
      return undefined;
  }
}

export const INBOUND_PASSTHROUGH = { v4: '127.0.0.6/32', v6: '::6/128' } as const;
export const LOOPBACK_V6 = '::1/128';
/** Mark Istio puts on Envoy's outbound-to-inbound loopback packets in TPROXY mode. */
export const OUTBOUND_MARK = 1338;
export const DNS_AGENT_PORT = 15053;

/**
 * A rule value that must not reach iptables-restore or nft text. Both read their input line by
 * line and word by word: a newline in a value starts a rule of its own, a blank inside one adds
 * arguments, a quote, `;`, `#`, a brace or a backslash changes how the rest is read. Settings
 * are validated where they are parsed (naming the flag, variable or annotation); this check in
 * the renderers is the backstop, so no future setting can write rules of its own.
 */
export class UnsafeRuleValueError extends Error {
  readonly code = 'CAPTURE_UNSAFE_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeRuleValueError';
  }
}

// A control character (C0 or DEL), or a character either reader gives a meaning.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_CHAR = /[\u0000-\u001f\u007f"'\\;#{}]/;
// Blanks around a list item are kept as Istio writes them (`--dport  9090` tokenizes the same).
const INNER_BLANK = /\S\s+\S/;

/** Every string and number anywhere in `spec`, checked; throws UnsafeRuleValueError. */
export function checkRuleSpec(spec: RuleSpec): void {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (UNSAFE_CHAR.test(v) || INNER_BLANK.test(v)) {
        throw new UnsafeRuleValueError(
          `capture rule ${spec.kind}: refusing ${JSON.stringify(v)} in ${path}: control characters, inner blanks, quotes, backslashes, ';', '#' and braces never reach iptables-restore or nft`,
        );
      }
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new UnsafeRuleValueError(`capture rule ${spec.kind}: refusing ${String(v)} in ${path}: expected a non-negative integer`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(spec, '');
}
