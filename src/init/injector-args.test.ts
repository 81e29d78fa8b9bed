/**
 * The injector writes the istio-init (or istio-validation) container's arguments; our own
 * `istio-iptables` must accept every one of them, with the values the injector meant.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../cli-kit/convention.js';
import { parseCaptureSettings } from '../core/config/capture.js';
import { deepFreeze } from '../core/config/merge.js';
import { resolveSettings } from '../core/config/settings.js';
import { injectPod } from '../core/inject/inject.js';
import type { Pod } from '../core/k8s/pod.js';
import { collectSettings, FLAGS } from './flags.js';

const pod = (annotations: Record<string, string>): Pod =>
  deepFreeze({
    metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, annotations },
    spec: { containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] }] },
  });

const initArgs = (annotations: Record<string, string>, values: Record<string, unknown>): string[] => {
  const out = injectPod({ pod: pod(annotations), namespace: 'shop' }, resolveSettings({ values })).pod;
  const init = out.spec?.initContainers?.find((c) => c.name === 'istio-init' || c.name === 'istio-validation');
  expect(init?.args?.[0]).toBe('istio-iptables');
  return (init?.args ?? []).slice(1);
};

describe("the injector's istio-iptables arguments parse with our istio-iptables flags", () => {
  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    ['defaults', {}, {}],
    ['every traffic annotation', {
      'sidecar.istio.io/interceptionMode': 'TPROXY',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8,fd00::/8',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.1.0.0/16',
      'traffic.sidecar.istio.io/includeInboundPorts': '8080,9090',
      'traffic.sidecar.istio.io/excludeInboundPorts': '9000',
      'traffic.sidecar.istio.io/includeOutboundPorts': '443',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '5432,6379',
      'traffic.sidecar.istio.io/kubevirtInterfaces': 'net1',
      'traffic.sidecar.istio.io/excludeInterfaces': 'eth9',
      'sidecar.istio.io/agentLogLevel': 'debug',
    }, {}],
    ['empty annotation values (the next argument is an empty value)', {
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '',
      'traffic.sidecar.istio.io/includeInboundPorts': '',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '',
    }, {}],
    ['reroute-virtual-interfaces', { 'istio.io/reroute-virtual-interfaces': 'net1,net2' }, {}],
    ['CNI mode (validation container)', {}, { pilot: { cni: { enabled: true } } }],
    ['JSON logs, forced apply, native nftables', {}, { global: { logAsJson: true, nativeNftables: true, proxy_init: { forceApplyIptables: true } } }],
  ])('%s', (_name, annotations, values) => {
    const argv = initArgs(annotations, values);
    const parsed = parseArgs(argv, FLAGS);
    const { settings, sources } = collectSettings(parsed, {});
    // Every value the injector passed reached a capture setting, from the command line.
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (!/^-[a-z]$/.test(a)) continue;
      const value = argv[++i] as string;
      const hit = Object.entries(settings).find(([name, v]) => v === value && sources.get(name as keyof typeof settings)?.kind === 'flag');
      expect(hit, `${a} ${JSON.stringify(value)}`).toBeDefined();
    }
    const result = parseCaptureSettings(settings);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});
