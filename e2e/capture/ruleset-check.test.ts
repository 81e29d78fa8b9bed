/**
 * Every rendering the kernel tools would be fed must load: for a matrix of flag combinations
 * (named edge cases plus generated ones), the native nft transaction passes `nft -c` and each
 * family's iptables-restore input passes `iptables-restore --test` (nft and legacy variants),
 * each in a fresh network namespace (`unshare -n`), so nothing is applied anywhere. This covers
 * the rule kinds no Istio golden shows (src/core/capture/nft-inferred.test.ts writes their
 * text down); e2e/capture/lifecycle.test.ts applies a smaller matrix for real.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CaptureSettings } from '../../src/core/config/capture.js';
import { buildRules } from '../../src/core/capture/build.js';
import { renderIptables } from '../../src/core/capture/iptables.js';
import { renderNft } from '../../src/core/capture/nft.js';
import { testConfig } from '../../src/core/capture/test-config.js';
import { privilegedSkipReason } from '../support/process.js';

function skipReason(): string | undefined {
  const reason = privilegedSkipReason({
    why: 'unshare -n, nft -c, iptables-restore --test',
    tools: ['unshare', 'nft', 'iptables-nft-restore', 'ip6tables-nft-restore', 'iptables-legacy-restore', 'ip6tables-legacy-restore'],
    install: 'nftables iptables util-linux',
  });
  if (reason !== undefined) return reason;
  const probe = spawnSync('unshare', ['-n', 'true']);
  return probe.status === 0 ? undefined : `cannot create network namespaces: ${String(probe.stderr).trim()}`;
}

/** The tools' complaints about one configuration's renderings; empty when all load. */
function loadErrors(settings: Partial<CaptureSettings>): string[] {
  const set = buildRules(testConfig(settings));
  const checks: [string[], string][] = [[['nft', '-c', '-f', '-'], renderNft(set)]];
  for (const variant of ['nft', 'legacy']) {
    checks.push([[`iptables-${variant}-restore`, '--test', '--noflush'], renderIptables(set, 'v4')]);
    checks.push([[`ip6tables-${variant}-restore`, '--test', '--noflush'], renderIptables(set, 'v6')]);
  }
  const errors: string[] = [];
  for (const [argv, input] of checks) {
    if (input === '') continue;
    const r = spawnSync('unshare', ['-n', ...argv], { input, encoding: 'utf8' });
    if (r.status !== 0) errors.push(`${argv[0]}: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' | ')}`);
  }
  return errors;
}

const NAMED: [string, Partial<CaptureSettings>][] = [
  ['default sidecar arguments, IPv6', { interceptionMode: 'REDIRECT', outboundIpRangesInclude: '*', inboundPorts: '*', inboundPortsExclude: '15090,15021,15020', ipv6: 'true' }],
  ['owner-group include list (names, numbers, a range)', { outboundIpRangesInclude: '*', ownerGroupsInclude: 'daemon,202,1000-2000', ipv6: 'true' }],
  ['owner-group exclude list', { outboundIpRangesInclude: '*', ownerGroupsExclude: 'daemon,7', ipv6: 'true' }],
  ['outbound ports included and excluded', { outboundIpRangesInclude: '10.0.0.0/8', outboundPortsInclude: '32000,31000', outboundPortsExclude: '7777,8888', ipv6: 'true' }],
  ['capture-all DNS with TPROXY', { redirectDns: 'true', captureAllDns: 'true', interceptionMode: 'TPROXY', inboundPorts: '*', ipv6: 'true' }],
  ['TPROXY with explicit inbound ports, drop-invalid, excluded interfaces', { interceptionMode: 'TPROXY', inboundPorts: '32000,31000', dropInvalid: 'true', excludeInterfaces: 'eth9,eth8', ipv6: 'true' }],
  ['TPROXY with one inbound port (inserts past the end of the chain)', { interceptionMode: 'TPROXY', inboundPorts: '80', ipv6: 'true' }],
  ['TPROXY without inbound ports', { interceptionMode: 'TPROXY', inboundPorts: '', dropInvalid: 'true', ipv6: 'true' }],
  ['reroute interfaces with CIDR lists of both families', { kubeVirtInterfaces: 'vm0,vm1', outboundIpRangesInclude: 'fd00::/8,10.0.0.0/8,10.1.0.0/16', ipv6: 'true' }],
  ['reroute interfaces with every CIDR', { kubeVirtInterfaces: 'vm0,vm1', outboundIpRangesInclude: '*', inboundPorts: '*', ipv6: 'true' }],
  ['DNS servers of both families', { redirectDns: 'true', dnsServers: '10.0.0.10,fd00::a,::127.0.0.53', ipv6: 'true' }],
  ['DNS servers of IPv6 only', { redirectDns: 'true', dnsServers: 'fd00::a', ipv6: 'true' }],
  ['IPv6 loopback and ranges', { outboundIpRangesInclude: '::1/128,fd00::/8', outboundIpRangesExclude: 'fd00:1::/32,::ffff:10.1.0.0/112', ipv6: 'true' }],
  ['an include CIDR holding a loopback address', { outboundIpRangesInclude: '127.1.2.3/32,10.0.0.0/8', ipv6: 'true' }],
  ['excluded CIDRs of mixed families', { outboundIpRangesInclude: '*', outboundIpRangesExclude: '2001:db8::/32,1.1.0.0/16', ipv6: 'true' }],
  ['interface wildcards and unusual names', { excludeInterfaces: 'eth+,veth@x', kubeVirtInterfaces: 'vm+,br-1.100', outboundIpRangesInclude: '*', ipv6: 'true' }],
  ['user and group names, several uids and gids', { proxyUid: 'root,3,4', proxyGid: 'daemon,5', outboundIpRangesInclude: '*', redirectDns: 'true', captureAllDns: 'true', ipv6: 'true' }],
  ['extreme marks and ports', { interceptionMode: 'TPROXY', inboundPorts: '1,65535', tproxyMark: '4294967295', proxyPort: '65535', inboundCapturePort: '1', ipv6: 'true' }],
  ['a loopback CIDR /8', { loopbackCidr: '127.0.0.1/8', interceptionMode: 'TPROXY', inboundPorts: '*', outboundIpRangesInclude: '*' }],
];

/** Generated combinations: every flag the policy reads, values of both families and both modes. */
const generated = fc.sample(
  fc.record({
    interceptionMode: fc.constantFrom('REDIRECT', 'TPROXY'),
    inboundPorts: fc.constantFrom('', '*', '32000,31000', '80'),
    inboundPortsExclude: fc.constantFrom('', '15090,15021'),
    outboundIpRangesInclude: fc.constantFrom('', '*', '10.0.0.0/8,fd00::/8', '127.1.2.3/32', '::1/128'),
    outboundIpRangesExclude: fc.constantFrom('', '1.1.0.0/16,2001:db8::/32', 'fd00:1::/32'),
    outboundPortsInclude: fc.constantFrom('', '32000'),
    outboundPortsExclude: fc.constantFrom('', '7777,8888'),
    kubeVirtInterfaces: fc.constantFrom('', 'vm0', 'vm0,vm1'),
    excludeInterfaces: fc.constantFrom('', 'eth9', 'eth+'),
    proxyUid: fc.constantFrom('1337', '3,4'),
    proxyGid: fc.constantFrom('', '5'),
    redirectDns: fc.constantFrom('true', 'false'),
    captureAllDns: fc.constantFrom('true', 'false'),
    dnsServers: fc.constantFrom('', '10.0.0.10', 'fd00::a', '10.0.0.10,fd00::a'),
    dropInvalid: fc.constantFrom('true', 'false'),
    ownerGroupsInclude: fc.constantFrom('*', 'daemon,202'),
    ownerGroupsExclude: fc.constantFrom('', 'daemon,7'),
    loopbackCidr: fc.constantFrom('127.0.0.1/32', '127.0.0.1/8'),
    ipv6: fc.constantFrom('true', 'false'),
  }),
  { numRuns: 80, seed: 20251121 },
);

const reason = skipReason();

describe.skipIf(reason)(reason ? `capture renderings load (skipped: ${reason})` : 'capture renderings load', () => {
  it.each(NAMED)('%s', (_name, settings) => {
    expect(loadErrors(settings)).toEqual([]);
  });

  it(`${generated.length} generated flag combinations`, () => {
    const failures = generated.flatMap((s) => loadErrors(s).map((e) => `${JSON.stringify(s)}\n  ${e}`));
    expect(failures).toEqual([]);
  });
});
