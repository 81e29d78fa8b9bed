import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRules } from './build.js';
import { applySections, checkSections, declaredChains, renderIptables, rollbackSections, rulesByTable } from './iptables.js';
import { SIDECAR_SETTINGS, testConfig } from './test-config.js';

const v4 = (settings: Parameters<typeof testConfig>[0]): string[] => renderIptables(buildRules(testConfig(settings)), 'v4').trimEnd().split('\n');
const v6 = (settings: Parameters<typeof testConfig>[0]): string[] => renderIptables(buildRules(testConfig(settings)), 'v6').trimEnd().split('\n');

describe('renderIptables', () => {
  it('renders the default sidecar arguments exactly as reference §f.4 shows', () => {
    expect(renderIptables(buildRules(testConfig(SIDECAR_SETTINGS)), 'v4')).toBe(
      [
        '* nat',
        '-N ISTIO_INBOUND',
        '-N ISTIO_REDIRECT',
        '-N ISTIO_IN_REDIRECT',
        '-N ISTIO_OUTPUT',
        '-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN',
        '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
        '-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
        '-A PREROUTING -p tcp -j ISTIO_INBOUND',
        '-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN',
        '-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN',
        '-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN',
        '-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT',
        '-A OUTPUT -j ISTIO_OUTPUT',
        '-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN',
        '-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT',
        '-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN',
        '-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN',
        '-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT',
        '-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN',
        '-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN',
        '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
        '-A ISTIO_OUTPUT -j ISTIO_REDIRECT',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('renders nothing for IPv6 when IPv6 is off', () => {
    expect(renderIptables(buildRules(testConfig(SIDECAR_SETTINGS)), 'v6')).toBe('');
  });

  it.each<[string, Parameters<typeof testConfig>[0], string[]]>([
    [
      'excluded outbound ports bypass before the passthrough rule, TCP then UDP',
      { outboundPortsExclude: '7777,8888' },
      [
        '-A ISTIO_OUTPUT -p tcp --dport 7777 -j RETURN',
        '-A ISTIO_OUTPUT -p udp --dport 7777 -j RETURN',
        '-A ISTIO_OUTPUT -p tcp --dport 8888 -j RETURN',
        '-A ISTIO_OUTPUT -p udp --dport 8888 -j RETURN',
        '-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN',
      ],
    ],
    [
      'included outbound ports come after the excluded CIDRs and before the included ones',
      { outboundPortsInclude: '8443', outboundIpRangesExclude: '10.9.0.0/16', outboundIpRangesInclude: '10.0.0.0/8' },
      ['-A ISTIO_OUTPUT -d 10.9.0.0/16 -j RETURN', '-A ISTIO_OUTPUT -p tcp --dport 8443 -j ISTIO_REDIRECT', '-A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT'],
    ],
    [
      'an owner-group include list is one rule of negated matches',
      { ownerGroupsInclude: 'java,202' },
      ['-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN', '-A ISTIO_OUTPUT -m owner ! --gid-owner java -m owner ! --gid-owner 202 -j RETURN'],
    ],
    [
      'capture-all DNS redirects any server, with UDP spelled --to-port',
      { redirectDns: 'true', captureAllDns: 'true' },
      [
        '-A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS',
        '-A ISTIO_OUTPUT_DNS -p tcp --dport 53 -j REDIRECT --to-ports 15053',
        '-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053',
        '-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN',
      ],
    ],
    [
      'capture-all DNS marks conntrack zones for every UDP query and answer',
      { redirectDns: 'true', captureAllDns: 'true' },
      ['* raw', '-N ISTIO_OUTPUT_DNS', '-N ISTIO_INBOUND', '-A OUTPUT -j ISTIO_OUTPUT_DNS', '-A PREROUTING -j ISTIO_INBOUND', '-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j CT --zone 2', '-A ISTIO_INBOUND -p udp --sport 53 -j CT --zone 1', 'COMMIT'],
    ],
    [
      'reroute interfaces are inserted at the top of PREROUTING, per included CIDR',
      { kubeVirtInterfaces: 'vm0', outboundIpRangesInclude: '10.0.0.0/8,10.1.0.0/16' },
      ['-I PREROUTING 1 -i vm0 -j RETURN', '-I PREROUTING 1 -i vm0 -d 10.0.0.0/8 -j ISTIO_REDIRECT', '-A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT', '-I PREROUTING 1 -i vm0 -d 10.1.0.0/16 -j ISTIO_REDIRECT'],
    ],
    [
      'a loopback CIDR from the environment replaces 127.0.0.1/32',
      { loopbackCidr: '127.0.0.1/8' },
      ['-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/8 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT', '-A ISTIO_OUTPUT -d 127.0.0.1/8 -j RETURN'],
    ],
    [
      'TPROXY with explicit ports diverts established flows and tproxies new ones per port',
      { interceptionMode: 'TPROXY', inboundPorts: '8080' },
      [
        '-A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006',
        '-A ISTIO_INBOUND -p tcp --dport 8080 -m conntrack --ctstate RELATED,ESTABLISHED -j ISTIO_DIVERT',
        '-A ISTIO_INBOUND -p tcp --dport 8080 -j ISTIO_TPROXY',
        '-I ISTIO_INBOUND 1 -p tcp -m mark --mark 1337 -j RETURN',
        '-I ISTIO_INBOUND 3 -p tcp -i lo -m mark ! --mark 1338 -j RETURN',
      ],
    ],
  ])('%s', (_name, settings, lines) => {
    const out = v4(settings);
    let at = -1;
    for (const line of lines) {
      const i = out.indexOf(line, at + 1);
      expect(i, `${line}\n--- in ---\n${out.join('\n')}`).toBeGreaterThan(at);
      at = i;
    }
  });

  it.each<[string, Parameters<typeof testConfig>[0], string, string]>([
    ['DNS requested without resolvers turns DNS off entirely', { redirectDns: 'true', dnsServers: '' }, 'ISTIO_OUTPUT_DNS', 'multiport'],
    ['a loopback include CIDR drops the other-owner loopback bypass', { outboundIpRangesInclude: '127.1.0.0/16' }, '! --uid-owner', '! --gid-owner'],
    ['no inbound ports means no PREROUTING capture', { inboundPorts: '' }, 'PREROUTING', '-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT'],
  ])('%s', (_name, settings, absent1, absent2) => {
    const text = v4(settings).join('\n');
    expect(text).not.toContain(absent1);
    expect(text).not.toContain(absent2);
  });

  it.each<[string, Parameters<typeof testConfig>[0], string[]]>([
    [
      'TPROXY: the IPv6 loopback and passthrough addresses',
      { interceptionMode: 'TPROXY', inboundPorts: '*' },
      [
        '-A ISTIO_TPROXY ! -d ::1/128 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006',
        '-A OUTPUT ! -d ::1/128 -p tcp -o lo -m owner --uid-owner 1337 -j MARK --set-mark 1338',
        '-I ISTIO_INBOUND 2 -p tcp -s ::6/128 -i lo -j RETURN',
      ],
    ],
    [
      'DNS: multiport only for the uid rule, the gid rule keeps the single port',
      { redirectDns: 'true', dnsServers: 'fd00::a' },
      [
        '-A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp -m multiport ! --dports 53,15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT',
        '-A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --uid-owner 1337 -j RETURN',
        '-A ISTIO_OUTPUT -o lo ! -d ::1/128 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT',
        '-A ISTIO_OUTPUT -o lo -p tcp ! --dport 53 -m owner ! --gid-owner 1337 -j RETURN',
        '-A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS',
        '-A ISTIO_OUTPUT_DNS -p tcp --dport 53 -d fd00::a/128 -j REDIRECT --to-ports 15053',
        '-A ISTIO_OUTPUT_DNS -p udp --dport 53 -d fd00::a/128 -j REDIRECT --to-port 15053',
        '-A ISTIO_OUTPUT -d ::1/128 -j RETURN',
      ],
    ],
    [
      'an owner-group include list and outbound ports in IPv6 too',
      { ownerGroupsInclude: 'java,202', outboundPortsExclude: '7777', outboundPortsInclude: '8443' },
      [
        '-A ISTIO_OUTPUT -p tcp --dport 7777 -j RETURN',
        '-A ISTIO_OUTPUT -p udp --dport 7777 -j RETURN',
        '-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN',
        '-A ISTIO_OUTPUT -m owner ! --gid-owner java -m owner ! --gid-owner 202 -j RETURN',
        '-A ISTIO_OUTPUT -p tcp --dport 8443 -j ISTIO_REDIRECT',
      ],
    ],
    ['interface wildcards stay iptables-style', { excludeInterfaces: 'eth+' }, ['-A PREROUTING -i eth+ -j RETURN', '-A OUTPUT -o eth+ -j RETURN']],
  ])('IPv6: %s', (_name, settings, lines) => {
    const out = v6({ ...settings, ipv6: 'true' });
    let at = -1;
    for (const line of lines) {
      const i = out.indexOf(line, at + 1);
      expect(i, `${line}\n--- in ---\n${out.join('\n')}`).toBeGreaterThan(at);
      at = i;
    }
  });

  it('keeps each CIDR and DNS server in its own family', () => {
    const s = { ipv6: 'true', outboundIpRangesExclude: '10.9.0.0/16,fd00:9::/32', redirectDns: 'true', dnsServers: '10.0.0.10,fd00::a,not-an-ip' };
    const four = v4(s).join('\n');
    const six = v6(s).join('\n');
    expect(four).toContain('-d 10.9.0.0/16 -j RETURN');
    expect(four).not.toContain('fd00');
    expect(six).toContain('-d fd00:9::/32 -j RETURN');
    expect(six).toContain('-p udp --dport 53 -d fd00::a/128 -j REDIRECT --to-port 15053');
    expect(six).not.toMatch(/10\.(9|0)\./);
    expect(six).toContain('-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN');
  });
});

describe('restore sections', () => {
  const set = buildRules(testConfig({ ...SIDECAR_SETTINGS, ipv6: 'true', interceptionMode: 'TPROXY', kubeVirtInterfaces: 'vm0' }));

  it('check sections mirror every rule with -C and no position', () => {
    const apply = applySections(set, 'v4').flatMap((s) => s.lines.filter((l) => !l.startsWith('-N')));
    const check = checkSections(set, 'v4').flatMap((s) => s.lines);
    expect(check).toHaveLength(apply.length);
    expect(check.every((l) => l.startsWith('-C '))).toBe(true);
    expect(check).toContain('-C PREROUTING -i vm0 -j RETURN');
  });

  it('rollback deletes built-in chain rules newest first, then flushes and deletes the chains', () => {
    const nat = rollbackSections(set, 'v4').find((s) => s.table === 'nat');
    expect(nat?.lines.slice(0, 3)).toEqual(['-D PREROUTING -i vm0 -j ISTIO_REDIRECT', '-D OUTPUT -j ISTIO_OUTPUT', '-D PREROUTING -i vm0 -j RETURN']);
    expect(nat?.lines.slice(-2)).toEqual(['-X ISTIO_IN_REDIRECT', '-X ISTIO_OUTPUT']);
  });
});

describe('invariants over generated configurations', () => {
  const port = fc.integer({ min: 1, max: 65535 });
  const ports = fc.array(port, { maxLength: 3 }).map((p) => p.join(','));
  const settings = fc.record({
    interceptionMode: fc.constantFrom('REDIRECT', 'TPROXY'),
    inboundPorts: fc.oneof(fc.constant('*'), ports),
    inboundPortsExclude: ports,
    outboundPortsInclude: ports,
    outboundPortsExclude: ports,
    outboundIpRangesInclude: fc.constantFrom('*', '', '10.0.0.0/8', 'fd00::/8,10.0.0.0/8', '127.0.0.1/32'),
    outboundIpRangesExclude: fc.constantFrom('', '10.1.0.0/16', 'fd00:1::/32'),
    kubeVirtInterfaces: fc.constantFrom('', 'vm0', 'vm0,vm1'),
    excludeInterfaces: fc.constantFrom('', 'eth9'),
    proxyUid: fc.constantFrom('1337', '3,4'),
    redirectDns: fc.constantFrom('true', 'false'),
    captureAllDns: fc.constantFrom('true', 'false'),
    dnsServers: fc.constantFrom('', '10.0.0.10', 'fd00::a,10.0.0.10'),
    dropInvalid: fc.constantFrom('true', 'false'),
    ipv6: fc.constantFrom('true', 'false'),
  });

  it('every chain a rule uses or jumps to is declared in its table before any rule', () => {
    fc.assert(
      fc.property(settings, (s) => {
        const set = buildRules(testConfig(s));
        for (const family of ['v4', 'v6'] as const) {
          for (const section of applySections(set, family)) {
            const declared = new Set(section.lines.filter((l) => l.startsWith('-N ')).map((l) => l.slice(3)));
            const firstRule = section.lines.findIndex((l) => !l.startsWith('-N '));
            expect(section.lines.slice(firstRule).some((l) => l.startsWith('-N '))).toBe(false);
            for (const l of section.lines.slice(firstRule)) {
              const chain = l.split(' ')[1] as string;
              const target = /-j (ISTIO_\w+)/.exec(l)?.[1];
              if (chain.startsWith('ISTIO_')) expect(declared.has(chain)).toBe(true);
              if (target) expect(declared.has(target)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rollback removes every chain apply declares', () => {
    fc.assert(
      fc.property(settings, (s) => {
        const set = buildRules(testConfig(s));
        for (const family of ['v4', 'v6'] as const) {
          for (const [table, list] of rulesByTable(set, family)) {
            const rollback = rollbackSections(set, family).find((x) => x.table === table);
            expect(rollback?.lines.filter((l) => l.startsWith('-X ')).map((l) => l.slice(3))).toEqual(declaredChains(list));
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
