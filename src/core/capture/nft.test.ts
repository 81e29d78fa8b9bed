import { describe, expect, it } from 'vitest';
import { buildRules } from './build.js';
import type { RuleSet, RuleSpec } from './model.js';
import { nftExpr, renderNft, renderNftCleanup } from './nft.js';
import { SIDECAR_SETTINGS, testConfig } from './test-config.js';

const lines = (set: RuleSet): string[] => renderNft(set).trimEnd().split('\n');

describe('renderNft', () => {
  it('programs inet tables nat, mangle, raw in that order, each added and flushed first', () => {
    const set = buildRules(testConfig({ ...SIDECAR_SETTINGS, interceptionMode: 'TPROXY', redirectDns: 'true', captureAllDns: 'true' }));
    const tables = lines(set).filter((l) => l.startsWith('add table') || l.startsWith('flush table'));
    expect(tables).toEqual([
      'add table inet istio-proxy-nat',
      'flush table inet istio-proxy-nat',
      'add table inet istio-proxy-mangle',
      'flush table inet istio-proxy-mangle',
      'add table inet istio-proxy-raw',
      'flush table inet istio-proxy-raw',
    ]);
  });

  it('declares only the chains in use, base chains first with their hooks', () => {
    const chains = lines(buildRules(testConfig(SIDECAR_SETTINGS))).filter((l) => l.startsWith('add chain'));
    expect(chains).toEqual([
      'add chain inet istio-proxy-nat prerouting { type nat hook prerouting priority -100 ; }',
      'add chain inet istio-proxy-nat output { type nat hook output priority -100 ; }',
      'add chain inet istio-proxy-nat istio-inbound',
      'add chain inet istio-proxy-nat istio-redirect',
      'add chain inet istio-proxy-nat istio-in-redirect',
      'add chain inet istio-proxy-nat istio-output',
    ]);
  });

  it('writes a rule once when both families render the same, and both variants otherwise (IPv4 first)', () => {
    const out = lines(buildRules(testConfig({ ipv6: 'true' })));
    expect(out.filter((l) => l.includes('skuid != 1337'))).toEqual(['add rule inet istio-proxy-nat istio-output oifname lo skuid != 1337 counter return']);
    const passthrough = out.filter((l) => l.includes('saddr'));
    expect(passthrough).toEqual([
      'add rule inet istio-proxy-nat istio-output oifname lo ip saddr 127.0.0.6/32 counter return',
      'add rule inet istio-proxy-nat istio-output oifname lo ip6 saddr ::6/128 counter return',
    ]);
  });

  it('turns -I N into insert at index N-1 once the chain has N-1 rules, else into add', () => {
    const set: RuleSet = {
      ipv6: false,
      rules: [
        { table: 'nat', chain: 'PREROUTING', insertAt: 1, v4: { kind: 'iface', dir: 'in', iface: 'a', target: 'RETURN' } },
        { table: 'nat', chain: 'PREROUTING', insertAt: 1, v4: { kind: 'iface', dir: 'in', iface: 'b', target: 'RETURN' } },
        { table: 'nat', chain: 'PREROUTING', insertAt: 3, v4: { kind: 'iface', dir: 'in', iface: 'c', target: 'RETURN' } },
        { table: 'nat', chain: 'PREROUTING', insertAt: 2, v4: { kind: 'iface', dir: 'in', iface: 'd', target: 'RETURN' } },
      ],
    };
    expect(lines(set).filter((l) => l.includes('rule'))).toEqual([
      'add rule inet istio-proxy-nat prerouting iifname a counter return',
      'insert rule inet istio-proxy-nat prerouting index 0 iifname b counter return',
      'add rule inet istio-proxy-nat prerouting iifname c counter return',
      'insert rule inet istio-proxy-nat prerouting index 1 iifname d counter return',
    ]);
  });

  it('renders nothing for an empty rule set', () => {
    expect(renderNft({ ipv6: false, rules: [] })).toBe('');
  });
});

describe('nftExpr', () => {
  it.each<[string, RuleSpec, 'v4' | 'v6', string]>([
    ['excluded outbound port (UDP)', { kind: 'proto', proto: 'udp', dport: 7777, target: 'RETURN' }, 'v4', 'meta l4proto udp udp dport 7777 counter return'],
    ['TPROXY established flow', { kind: 'proto', proto: 'tcp', dport: 80, established: true, target: { jump: 'ISTIO_DIVERT' } }, 'v4', 'meta l4proto tcp ct state related,established tcp dport 80 counter jump istio-divert'],
    ['TPROXY to the inbound port (IPv6)', { kind: 'tproxy', loopback: '::1/128', mark: 7, port: 15006 }, 'v6', 'meta l4proto tcp ip6 daddr != ::1/128 tproxy ip6 to :15006 meta mark set 7 counter accept'],
    ['owner group include list', { kind: 'groupsExceptReturn', groups: ['java', '202'] }, 'v4', 'skgid != java skgid != 202 counter return'],
    ['capture-all DNS (UDP)', { kind: 'dnsRedirect', proto: 'udp', port: 15053 }, 'v4', 'udp dport 53 counter redirect to :15053'],
    ['DNS zone for a server', { kind: 'ctZone', portDir: 'sport', port: 53, addr: { dir: 'src', cidr: 'fd00::a/128' }, zone: 1 }, 'v6', 'udp sport 53 ip6 saddr fd00::a/128 counter ct zone set 1'],
    ['owner DNS zone', { kind: 'ctZone', portDir: 'dport', port: 53, owner: { kind: 'gid', id: '5' }, zone: 1 }, 'v4', 'udp dport 53 meta skgid 5 counter ct zone set 1'],
    ['reroute interface with a CIDR', { kind: 'iface', dir: 'in', iface: 'vm0', dst: '10.0.0.0/8', target: { jump: 'ISTIO_REDIRECT' } }, 'v4', 'iifname vm0 ip daddr 10.0.0.0/8 counter jump istio-redirect'],
    ['drop', { kind: 'always', target: 'DROP' }, 'v4', 'counter drop'],
  ])('%s', (_name, spec, family, want) => {
    expect(nftExpr(spec, family)).toBe(want);
  });
});

describe('renderNftCleanup', () => {
  it('adds each table before deleting it so the transaction never fails on a missing table', () => {
    expect(renderNftCleanup(['nat'])).toBe('add table inet istio-proxy-nat\ndelete table inet istio-proxy-nat\n');
    expect(renderNftCleanup().match(/delete table/g)).toHaveLength(3);
  });
});
