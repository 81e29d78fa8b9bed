/**
 * Native nftables renderings that no Istio golden shows, first inferred, now each checked against
 * Istio's own nft code by the differential fuzzer (`npm run oracle:diff`, docs/oracle.md): the
 * outbound port rules are a bare `P dport N` and `ct state` precedes `tcp dport` there.
 *
 * Istio's nft transaction follows the iptables generation order (reference §f.3, "same logical
 * rule order as iptables"), so what is inferred here is the text of each rule kind and the
 * placement of chains. The inference draws on three things:
 *  - the goldens' conventions: `meta l4proto P` before a `P dport` match in the port rules
 *    (`meta l4proto tcp tcp dport 15008 counter return`), a set for iptables' multiport
 *    (`tcp dport != { 53, 15008 }`), `skuid`/`skgid` bare in nat and `meta skuid` in raw,
 *    `counter` right before the verdict or statement, address before port in the DNS
 *    redirects and port before address in the conntrack-zone rules, one line for a rule both
 *    families render alike, IPv4 variants before IPv6 ones, `-I chain N` as `insert rule …
 *    index N-1` (an `add` while the chain has fewer rules, as the reroute-interface goldens show);
 *  - what `iptables-translate` prints for the iptables rule (`-m owner ! --gid-owner A -m owner
 *    ! --gid-owner B` → `skgid != A skgid != B`, `-i eth+` → `iifname "eth*"`);
 *  - nft itself: every rendering here also loads (`nft -c`, e2e/capture/ruleset-check.test.ts).
 * Each case lists a run of consecutive rules of one chain, as `add …` or `insert index N …`.
 */
import { describe, expect, it } from 'vitest';
import type { CaptureSettings } from '../../config/capture.js';
import { buildRules } from './build.js';
import { nftIfname, renderNft } from './nft.js';
import { testConfig } from './test-config.js';

/** The rules of `table`/`chain`, in transaction order, without the `inet table chain` prefix. */
function chainRules(settings: Partial<CaptureSettings>, table: string, chain: string): string[] {
  const head = new RegExp(`^(add|insert) rule inet istio-proxy-${table} ${chain} (index \\d+ )?`);
  return renderNft(buildRules(testConfig(settings)))
    .split('\n')
    .filter((l) => head.test(l))
    .map((l) => l.replace(head, (_m, op: string, index?: string) => `${op} ${index ?? ''}`));
}

const chains = (settings: Partial<CaptureSettings>, table: string): string[] =>
  renderNft(buildRules(testConfig(settings)))
    .split('\n')
    .filter((l) => l.startsWith(`add chain inet istio-proxy-${table} `))
    .map((l) => l.slice(`add chain inet istio-proxy-${table} `.length).replace(/ \{.*/, ''));

const V6 = { ipv6: 'true' } as const;
const TPROXY_ALL = { interceptionMode: 'TPROXY', inboundPorts: '*' } as const;

describe('inferred nft renderings (rule kinds no golden shows)', () => {
  it.each<[string, Partial<CaptureSettings>, string, string, string[]]>([
    [
      'owner-group include list: one rule of negated skgid matches after the proxy gid bypass',
      { ownerGroupsInclude: 'java,202' },
      'nat',
      'istio-output',
      ['add skgid 1337 counter return', 'add skgid != java skgid != 202 counter return', 'add ip daddr 127.0.0.1/32 counter return'],
    ],
    [
      'owner-group include list with IPv6: written once',
      { ownerGroupsInclude: 'java', ...V6 },
      'nat',
      'istio-output',
      ['add skgid != java counter return', 'add ip daddr 127.0.0.1/32 counter return', 'add ip6 daddr ::1/128 counter return'],
    ],
    [
      'excluded outbound ports (-o): TCP then UDP per port, first in istio-output, once for both families',
      { outboundPortsExclude: '7777,8888', ...V6 },
      'nat',
      'istio-output',
      [
        'add tcp dport 7777 counter return',
        'add udp dport 7777 counter return',
        'add tcp dport 8888 counter return',
        'add udp dport 8888 counter return',
        'add oifname lo ip saddr 127.0.0.6/32 counter return',
      ],
    ],
    [
      'included outbound ports (-q): after the excluded CIDRs, before the included ones',
      { outboundPortsInclude: '32000,31000', outboundIpRangesExclude: '10.9.0.0/16', outboundIpRangesInclude: '10.0.0.0/8' },
      'nat',
      'istio-output',
      [
        'add ip daddr 10.9.0.0/16 counter return',
        'add tcp dport 32000 counter jump istio-redirect',
        'add tcp dport 31000 counter jump istio-redirect',
        'add ip daddr 10.0.0.0/8 counter jump istio-redirect',
      ],
    ],
    [
      'capture-all DNS: redirects to any server, TCP then UDP, once for both families',
      { redirectDns: 'true', captureAllDns: 'true', ...V6 },
      'nat',
      'istio-output-dns',
      ['add meta l4proto tcp tcp dport 53 counter redirect to :15053', 'add udp dport 53 counter redirect to :15053'],
    ],
    [
      'capture-all DNS: zone 2 for every UDP query after the proxy owners’ zones',
      { redirectDns: 'true', captureAllDns: 'true' },
      'raw',
      'istio-output-dns',
      ['add udp dport 53 meta skgid 1337 counter ct zone set 1', 'add udp sport 15053 meta skgid 1337 counter ct zone set 2', 'add udp dport 53 counter ct zone set 2'],
    ],
    ['capture-all DNS: zone 1 for every UDP answer', { redirectDns: 'true', captureAllDns: 'true', ...V6 }, 'raw', 'istio-inbound', ['add udp sport 53 counter ct zone set 1']],
    [
      'TPROXY with explicit inbound ports: per port divert established flows then tproxy, then the three inserts',
      { interceptionMode: 'TPROXY', inboundPorts: '32000,31000' },
      'mangle',
      'istio-inbound',
      [
        'add meta l4proto tcp ct state related,established tcp dport 32000 counter jump istio-divert',
        'add meta l4proto tcp tcp dport 32000 counter jump istio-tproxy',
        'add meta l4proto tcp ct state related,established tcp dport 31000 counter jump istio-divert',
        'add meta l4proto tcp tcp dport 31000 counter jump istio-tproxy',
        'insert index 0 meta l4proto tcp mark 1337 counter return',
        'insert index 1 iifname lo meta l4proto tcp ip saddr 127.0.0.6/32 counter return',
        'insert index 2 iifname lo meta l4proto tcp mark != 1338 counter return',
      ],
    ],
    [
      'TPROXY without inbound ports: the inserts into the empty chain become adds until a rule exists at the index',
      { interceptionMode: 'TPROXY', inboundPorts: '', ...V6 },
      'mangle',
      'istio-inbound',
      [
        'add meta l4proto tcp mark 1337 counter return',
        'add iifname lo meta l4proto tcp ip saddr 127.0.0.6/32 counter return',
        'insert index 1 iifname lo meta l4proto tcp ip6 saddr ::6/128 counter return',
        'insert index 2 iifname lo meta l4proto tcp mark != 1338 counter return',
      ],
    ],
    [
      'drop-invalid with TPROXY: the invalid drop comes after the excluded interface and before inbound capture',
      { ...TPROXY_ALL, dropInvalid: 'true', excludeInterfaces: 'eth9' },
      'mangle',
      'prerouting',
      [
        'add iifname eth9 counter return',
        'add meta l4proto tcp ct state invalid counter jump istio-drop',
        'add meta l4proto tcp counter jump istio-inbound',
        'add meta l4proto tcp mark 1337 counter ct mark set mark',
      ],
    ],
    [
      'excluded interfaces with TPROXY: first in mangle output too',
      { ...TPROXY_ALL, excludeInterfaces: 'eth9,eth8' },
      'mangle',
      'output',
      ['add oifname eth9 counter return', 'add oifname eth8 counter return', 'add oifname lo meta l4proto tcp mark 1337 counter return'],
    ],
    [
      'reroute interfaces with CIDR lists of both families: per CIDR (IPv4 first) every interface at the top',
      { kubeVirtInterfaces: 'vm0,vm1', outboundIpRangesInclude: 'fd00::/8,10.0.0.0/8', ...V6 },
      'nat',
      'prerouting',
      [
        'add iifname vm0 counter return',
        'insert index 0 iifname vm1 counter return',
        'insert index 0 iifname vm0 ip daddr 10.0.0.0/8 counter jump istio-redirect',
        'insert index 0 iifname vm1 ip daddr 10.0.0.0/8 counter jump istio-redirect',
        'insert index 0 iifname vm0 ip6 daddr fd00::/8 counter jump istio-redirect',
        'insert index 0 iifname vm1 ip6 daddr fd00::/8 counter jump istio-redirect',
      ],
    ],
    [
      'DNS servers of both families with IPv6 off: only the IPv4 servers',
      { redirectDns: 'true', dnsServers: 'fd00::a,10.0.0.10' },
      'nat',
      'istio-output-dns',
      ['add ip daddr 10.0.0.10/32 tcp dport 53 counter redirect to :15053', 'add ip daddr 10.0.0.10/32 udp dport 53 counter redirect to :15053'],
    ],
    [
      'DNS servers of IPv6 only: the zone rules per server, port before address',
      { redirectDns: 'true', dnsServers: 'fd00::a', ...V6 },
      'raw',
      'istio-inbound',
      ['add udp sport 53 ip6 saddr fd00::a/128 counter ct zone set 1'],
    ],
    [
      'excluded CIDRs of mixed families: IPv4 ones first whatever the flag order, after the loopbacks',
      { outboundIpRangesExclude: '2001:db8::/32,1.1.0.0/16,10.9.0.0/16', ...V6 },
      'nat',
      'istio-output',
      [
        'add ip daddr 127.0.0.1/32 counter return',
        'add ip6 daddr ::1/128 counter return',
        'add ip daddr 1.1.0.0/16 counter return',
        'add ip daddr 10.9.0.0/16 counter return',
        'add ip6 daddr 2001:db8::/32 counter return',
      ],
    ],
    [
      'IPv6 ranges: included after the IPv6 loopback return',
      { outboundIpRangesInclude: 'fd00::/8', ...V6 },
      'nat',
      'istio-output',
      ['add ip daddr 127.0.0.1/32 counter return', 'add ip6 daddr ::1/128 counter return', 'add ip6 daddr fd00::/8 counter jump istio-redirect'],
    ],
  ])('%s', (_name, settings, table, chain, want) => {
    const got = chainRules(settings, table, chain);
    const at = got.indexOf(want[0] as string);
    expect(got.slice(at, at + want.length), got.join('\n')).toEqual(want);
  });

  it.each<[string, Partial<CaptureSettings>]>([
    ['an IPv4 include CIDR holding a loopback address', { outboundIpRangesInclude: '10.0.0.0/8,127.1.2.3/32', ...V6 }],
    ['the IPv6 loopback as an include CIDR', { outboundIpRangesInclude: '::1/128', ...V6 }],
    ['an IPv4-mapped loopback (Go unmaps it before IsLoopback)', { outboundIpRangesInclude: '::ffff:127.0.0.1/128', ...V6 }],
  ])('%s drops the other-owner loopback bypass for both families', (_name, settings) => {
    const out = chainRules(settings, 'nat', 'istio-output');
    expect(out.filter((l) => /sk[ug]id != 1337/.test(l))).toEqual([]);
    expect(out).toContain('add skuid 1337 counter return');
  });

  it('an include CIDR that only contains a loopback address keeps the bypass (the address decides, like Istio)', () => {
    expect(chainRules({ outboundIpRangesInclude: '0.0.0.0/0' }, 'nat', 'istio-output')).toContain('add oifname lo skuid != 1337 counter return');
  });

  it('declares istio-drop after the TPROXY chains in mangle', () => {
    expect(chains({ ...TPROXY_ALL, dropInvalid: 'true' }, 'mangle')).toEqual(['prerouting', 'output', 'istio-divert', 'istio-tproxy', 'istio-inbound', 'istio-drop']);
  });

  it.each([
    ['eth0', 'eth0'],
    ['eth0.100', 'eth0.100'],
    ['br-vm_1', 'br-vm_1'],
    ['eth+', '"eth*"'],
    ['veth@x', '"veth@x"'],
  ])('interface %s is written %s', (name, want) => {
    expect(nftIfname(name)).toBe(want);
  });
});
