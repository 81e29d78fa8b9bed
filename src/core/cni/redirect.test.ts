import { describe, expect, it } from 'vitest';
import type { PodLike } from './pod-facts.js';
import { redirectFromPod, type CniRedirect } from './redirect.js';

const STATUS = { 'sidecar.istio.io/status': '{}' };

function pod(opts: { annotations?: Record<string, string>; labels?: Record<string, string>; proxy?: Record<string, unknown> | null; extra?: unknown[] }): PodLike {
  const containers: unknown[] = [{ name: 'app' }, ...(opts.extra ?? [])];
  if (opts.proxy !== null) containers.push({ name: 'istio-proxy', args: ['proxy', 'sidecar'], ...(opts.proxy ?? {}) });
  return { metadata: { annotations: opts.annotations ?? STATUS, labels: opts.labels ?? {} }, spec: { containers } } as PodLike;
}

const DEFAULTS: CniRedirect = {
  mode: 'REDIRECT',
  proxyPort: 15001,
  includeIpRanges: '*',
  excludeIpRanges: '',
  includeInboundPorts: '*',
  excludeInboundPorts: '15020,15021,15090',
  includeOutboundPorts: '',
  excludeOutboundPorts: '15020',
  kubeVirtInterfaces: '',
  excludeInterfaces: '',
  proxyUid: '1337',
  proxyGid: '1337',
  dnsRedirect: false,
  dualStack: false,
  invalidDrop: false,
};

describe('redirectFromPod: skips', () => {
  it.each([
    ['no status annotation', pod({ annotations: {} }), 'no-status-annotation'],
    ['no istio-proxy', pod({ proxy: null }), 'no-proxy-container'],
    ['istio-init present', pod({ extra: [{ name: 'istio-init' }] }), 'istio-init-present'],
    ['DISABLE_ENVOY=True', pod({ proxy: { env: [{ name: 'DISABLE_ENVOY', value: 'True' }] } }), 'proxy-disabled'],
    ['gateway proxy', pod({ proxy: { args: ['proxy', 'router'] } }), 'not-sidecar-proxy'],
    ['inject label 0', pod({ labels: { 'sidecar.istio.io/inject': '0' } }), 'injection-disabled'],
    ['inject annotation F', pod({ annotations: { ...STATUS, 'sidecar.istio.io/inject': 'F' } }), 'injection-disabled'],
  ])('%s', (_n, p, reason) => expect(redirectFromPod(p)).toEqual({ kind: 'skip', reason }));

  it.each([
    ['DISABLE_ENVOY unparsable', pod({ proxy: { env: [{ name: 'DISABLE_ENVOY', value: 'yes' }] } })],
    ['label wins over annotation', pod({ labels: { 'sidecar.istio.io/inject': 'true' }, annotations: { ...STATUS, 'sidecar.istio.io/inject': 'false' } })],
    ['unparsable label shadows a false annotation', pod({ labels: { 'sidecar.istio.io/inject': 'maybe' }, annotations: { ...STATUS, 'sidecar.istio.io/inject': 'false' } })],
    ['proxy args without a type', pod({ proxy: { args: [] } })],
  ])('handled: %s', (_n, p) => expect(redirectFromPod(p).kind).toBe('redirect'));
});

describe('redirectFromPod: parameters', () => {
  const cases: [string, Parameters<typeof pod>[0], Partial<CniRedirect>][] = [
    ['defaults (differ from istio-init)', {}, {}],
    ['uid/gid from securityContext', { proxy: { securityContext: { runAsUser: 4242, runAsGroup: 4343 } } }, { proxyUid: '4242', proxyGid: '4343' }],
    ['zero uid falls back to 1337', { proxy: { securityContext: { runAsUser: 0, runAsGroup: 7 } } }, { proxyUid: '1337', proxyGid: '7' }],
    [
      'proxy env switches',
      { proxy: { env: [{ name: 'ISTIO_META_DNS_CAPTURE', value: 'true' }, { name: 'ISTIO_DUAL_STACK', value: '1' }, { name: 'INVALID_DROP', value: 't' }] } },
      { dnsRedirect: true, dualStack: true, invalidDrop: true },
    ],
    ['unparsable env reads false', { proxy: { env: [{ name: 'INVALID_DROP', value: 'on' }] } }, { invalidDrop: false }],
    [
      'excluded inbound list is extended and de-duplicated',
      { annotations: { ...STATUS, 'traffic.sidecar.istio.io/excludeInboundPorts': '8080,15021,8080' } },
      { excludeInboundPorts: '8080,15021,15020,15090' },
    ],
    ['empty excluded inbound list', { annotations: { ...STATUS, 'traffic.sidecar.istio.io/excludeInboundPorts': '' } }, {}],
    [
      'traffic annotations',
      {
        annotations: {
          ...STATUS,
          'sidecar.istio.io/interceptionMode': 'TPROXY',
          'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8,fd00::/8',
          'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.9.0.0/16',
          'traffic.sidecar.istio.io/includeInboundPorts': '80,443',
          'traffic.sidecar.istio.io/includeOutboundPorts': '5432',
          'traffic.sidecar.istio.io/excludeOutboundPorts': '',
          'traffic.sidecar.istio.io/excludeInterfaces': 'net1',
        },
      },
      {
        mode: 'TPROXY',
        includeIpRanges: '10.0.0.0/8,fd00::/8',
        excludeIpRanges: '10.9.0.0/16',
        includeInboundPorts: '80,443',
        includeOutboundPorts: '5432',
        excludeOutboundPorts: '',
        excludeInterfaces: 'net1',
      },
    ],
    [
      'reroute-virtual-interfaces wins over kubevirtInterfaces',
      { annotations: { ...STATUS, 'istio.io/reroute-virtual-interfaces': 'tap0', 'traffic.sidecar.istio.io/kubevirtInterfaces': 'tap1' } },
      { kubeVirtInterfaces: 'tap0' },
    ],
    ['kubevirtInterfaces alone', { annotations: { ...STATUS, 'traffic.sidecar.istio.io/kubevirtInterfaces': 'tap1' } }, { kubeVirtInterfaces: 'tap1' }],
  ];
  it.each(cases)('%s', (_n, opts, want) => {
    expect(redirectFromPod(pod(opts))).toEqual({ kind: 'redirect', redirect: { ...DEFAULTS, ...want } });
  });

  it.each([
    ['sidecar.istio.io/interceptionMode', 'NONE'],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', '10.0.0.0'],
    ['traffic.sidecar.istio.io/excludeOutboundIPRanges', '*'],
    ['traffic.sidecar.istio.io/excludeInboundPorts', '99999'],
    ['traffic.sidecar.istio.io/includeOutboundPorts', 'https'],
  ])('invalid %s=%j fails naming the annotation', (key, value) => {
    const p = pod({ annotations: { ...STATUS, [key]: value } });
    expect(() => redirectFromPod(p)).toThrow(expect.objectContaining({ code: 100, message: expect.stringContaining(`invalid annotation ${key}="${value}"`) }));
  });
});
