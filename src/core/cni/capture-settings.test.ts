import { describe, expect, it } from 'vitest';
import { buildRules } from '../capture/build.js';
import { renderIptables } from '../capture/iptables.js';
import { captureConfigFromRedirect, captureSettingsFromRedirect } from './capture-settings.js';
import { redirectFromPod, type CniRedirect } from './redirect.js';

function redirectOf(annotations: Record<string, string>, env: { name: string; value: string }[] = [], sc?: object): CniRedirect {
  const d = redirectFromPod({
    metadata: { annotations: { 'sidecar.istio.io/status': '{}', ...annotations } },
    spec: { containers: [{ name: 'istio-proxy', args: ['proxy', 'sidecar'], env, ...(sc ? { securityContext: sc } : {}) }] },
  });
  if (d.kind !== 'redirect') throw new Error('pod not handled');
  return d.redirect;
}

const rules = (r: CniRedirect, ipv6 = false) => {
  const set = buildRules(captureConfigFromRedirect(r, { ipv6, nativeNftables: false }));
  return renderIptables(set, 'v4') + (ipv6 ? renderIptables(set, 'v6') : '');
};

describe('captureSettingsFromRedirect', () => {
  it("maps Istio's plugin overrides onto the capture settings, CNI mode on", () => {
    expect(captureSettingsFromRedirect(redirectOf({}), { ipv6: false, nativeNftables: false })).toEqual({
      cniMode: 'true',
      proxyPort: '15001',
      proxyUid: '1337',
      proxyGid: '1337',
      interceptionMode: 'REDIRECT',
      outboundIpRangesInclude: '*',
      outboundIpRangesExclude: '',
      inboundPorts: '*',
      inboundPortsExclude: '15020,15021,15090',
      outboundPortsInclude: '',
      outboundPortsExclude: '15020',
      excludeInterfaces: '',
      kubeVirtInterfaces: '',
      redirectDns: 'false',
      captureAllDns: 'false',
      dropInvalid: 'false',
      dualStack: 'false',
      ipv6: 'false',
      nativeNftables: 'false',
    });
  });
});

describe('rules the plugin programs (behaviour, not goldens)', () => {
  it('DNS capture is capture-all: every port-53 flow goes to the agent, no resolver list', () => {
    const text = rules(redirectOf({}, [{ name: 'ISTIO_META_DNS_CAPTURE', value: 'true' }]));
    expect(text).toContain('-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053');
    expect(text).toContain('-A ISTIO_OUTPUT_DNS -p tcp --dport 53 -j REDIRECT --to-ports 15053');
    expect(text).not.toMatch(/--dport 53 -d /);
  });

  it('excluded outbound port 15020 by default, before the owner rules', () => {
    const lines = rules(redirectOf({})).split('\n');
    const ret = lines.indexOf('-A ISTIO_OUTPUT -p tcp --dport 15020 -j RETURN');
    expect(ret).toBeGreaterThan(0);
    expect(ret).toBeLessThan(lines.findIndex((l) => l.includes('--uid-owner')));
  });

  it('include/exclude CIDRs and ports from annotations', () => {
    const text = rules(
      redirectOf({
        'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12',
        'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.10/32',
        'traffic.sidecar.istio.io/includeInboundPorts': '8080',
      }),
    );
    expect(text).toContain('-A ISTIO_OUTPUT -d 10.96.0.0/12 -j ISTIO_REDIRECT');
    expect(text).toContain('-A ISTIO_OUTPUT -d 10.96.0.10/32 -j RETURN');
    expect(text).toContain('-A ISTIO_INBOUND -p tcp --dport 8080 -j ISTIO_IN_REDIRECT');
    expect(text).not.toContain('-A ISTIO_OUTPUT -j ISTIO_REDIRECT');
  });

  it('IPv6 adds the ip6tables sections', () => {
    const text = rules(redirectOf({}), true);
    expect(text.match(/^\* nat$/gm)).toHaveLength(2);
    expect(text).toContain('-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN');
  });
});

describe('captureConfigFromRedirect errors', () => {
  it('accepts port 0 in a port list, as Istio does (iptables matches --dport 0)', () => {
    const r = redirectOf({ 'traffic.sidecar.istio.io/includeOutboundPorts': '0' });
    expect(captureConfigFromRedirect(r, { ipv6: false, nativeNftables: false }).outboundPortsInclude).toEqual([0]);
  });
});
