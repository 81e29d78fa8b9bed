import { describe, expect, it } from 'vitest';
import { parseCaptureSettings, parseGoDuration, type CaptureSettings } from './capture.js';

const ok = (s: Partial<CaptureSettings>) => {
  const r = parseCaptureSettings({ proxyUid: '1337', ...s });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
};

describe('parseCaptureSettings', () => {
  it('accepts port items with blanks around them, as Istio does (the pod annotation "8080, 9090" reaches -d as written)', () => {
    expect(ok({ inboundPortsExclude: '8080, 9090', outboundPortsInclude: ' 443 ' })).toMatchObject({ inboundPortsExclude: [8080, 9090], outboundPortsInclude: [443] });
    expect(parseCaptureSettings({ proxyUid: '1337', inboundPortsExclude: '80 80' }).ok).toBe(false);
  });

  it('applies Istio defaults and freezes the result', () => {
    const c = ok({});
    expect(c).toMatchObject({
      proxyPort: 15001,
      inboundCapturePort: 15006,
      inboundTunnelPort: 15008,
      proxyUids: ['1337'],
      proxyGids: ['1337'],
      interceptionMode: 'REDIRECT',
      inboundPorts: [],
      outboundIpRangesInclude: [],
      tproxyMark: 1337,
      tproxyRouteTable: 133,
      probeTimeoutMs: 5000,
      ownerGroups: { except: true, groups: [] },
      loopbackCidr: '127.0.0.1/32',
      dnsServers: { v4: [], v6: [] },
      forceIptablesBinary: undefined,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each<[string, Partial<CaptureSettings>, Record<string, unknown>]>([
    ['comma lists drop empty items and keep order', { inboundPorts: '32000,,31000,' }, { inboundPorts: [32000, 31000] }],
    ['"*" captures every inbound port', { inboundPorts: '*' }, { inboundPorts: '*' }],
    ['gids default to the uid list', { proxyUid: '3,4' }, { proxyGids: ['3', '4'] }],
    ['CIDRs print like Go (lower case, compressed, host bits kept)', { outboundIpRangesInclude: '2001:DB8:0::/32,10.1.2.3/8' }, { outboundIpRangesInclude: [{ family: 'v6', text: '2001:db8::/32', loopback: false }, { family: 'v4', text: '10.1.2.3/8', loopback: false }] }],
    ['DNS servers split by family, verbatim, unparsable ones ignored', { dnsServers: '::127.0.0.53,10.0.0.10,dns.local' }, { dnsServers: { v4: ['10.0.0.10'], v6: ['::127.0.0.53'] } }],
    ['an owner-group include list', { ownerGroupsInclude: 'java,202' }, { ownerGroups: { except: false, groups: ['java', '202'] } }],
    ['TPROXY mode', { interceptionMode: 'TPROXY' }, { interceptionMode: 'TPROXY' }],
    ['Go booleans', { dryRun: 'T', reconcile: '1', dualStack: 'FALSE' }, { dryRun: true, reconcile: true, dualStack: false }],
    ['a forced iptables variant', { forceIptablesBinary: 'legacy' }, { forceIptablesBinary: 'legacy' }],
  ])('%s', (_name, input, want) => {
    expect(ok(input)).toMatchObject(want);
  });

  it.each<[Partial<CaptureSettings>, string, RegExp]>([
    [{ proxyPort: 'abc' }, 'proxyPort', /port number/],
    [{ inboundCapturePort: '70000' }, 'inboundCapturePort', /port number/],
    [{ inboundPortsExclude: '15090,x' }, 'inboundPortsExclude', /"x": expected a port/],
    [{ interceptionMode: 'NONE' }, 'interceptionMode', /REDIRECT or TPROXY/],
    [{ outboundIpRangesExclude: '*' }, 'outboundIpRangesExclude', /invalid value for OUTBOUND_IP_RANGES_EXCLUDE/],
    [{ outboundIpRangesInclude: '10.0.0.1' }, 'outboundIpRangesInclude', /CIDR/],
    [{ loopbackCidr: '127.0.0.1/7' }, 'loopbackCidr', /mask of 8 to 32/],
    [{ loopbackCidr: '10.0.0.1/32' }, 'loopbackCidr', /loopback/],
    [{ forceIptablesBinary: 'x' }, 'forceIptablesBinary', /invalid FORCE_IPTABLES_BINARY value "x"/],
    [{ redirectDns: 'yes' }, 'redirectDns', /true or false/],
    [{ probeTimeout: '5' }, 'probeTimeout', /duration/],
    [{ proxyUid: '' }, 'proxyUid', /at least one uid/],
    [{ excludeInterfaces: 'a-very-long-interface-name' }, 'excludeInterfaces', /interface name/],
    [{ ownerGroupsInclude: Array.from({ length: 65 }, (_, i) => String(i)).join(',') }, 'ownerGroupsInclude', /at most 64 groups, got 65/],
    [{ ownerGroupsInclude: '1000\n-A OUTPUT -j ACCEPT' }, 'ownerGroupsInclude', /"1000\\n-A OUTPUT -j ACCEPT": expected a numeric gid or a group name/],
    [{ ownerGroupsExclude: 'java,202 -j ACCEPT' }, 'ownerGroupsExclude', /"202 -j ACCEPT": expected a numeric gid or a group name/],
    [{ ownerGroupsExclude: 'java;add rule' }, 'ownerGroupsExclude', /expected a numeric gid or a group name/],
    [{ proxyUid: '4294967296' }, 'proxyUid', /"4294967296": expected a numeric id of at most 4294967294 or a name/],
    [{ proxyGid: '1-4294967295' }, 'proxyGid', /at most 4294967294/],
  ])('rejects %j naming the setting', (input, setting, message) => {
    const r = parseCaptureSettings({ proxyUid: '1337', ...input });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.setting).toBe(setting);
    expect(r.issues[0]?.message).toMatch(message);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['5s', 5000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0', 0],
    ['2h', 7_200_000],
  ])('%s = %i ms', (s, ms) => {
    expect(parseGoDuration(s)).toBe(ms);
  });
  it.each(['', '5', 's', '5x', '-1s'])('rejects %j', (s) => {
    expect(parseGoDuration(s)).toHaveProperty('error');
  });
});
