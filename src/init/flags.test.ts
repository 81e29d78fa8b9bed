import { describe, expect, it } from 'vitest';
import { parseArgs } from '../cli/convention.js';
import { captureDefaults } from '../config/capture.js';
import { collectSettings, describeSource, FLAGS, spec } from './flags.js';

describe('collectSettings', () => {
  const collect = (argv: string[], env: Record<string, string>) => collectSettings(parseArgs(argv, FLAGS), env);

  it('a flag wins over its variable', () => {
    const { settings, sources } = collect(['-k', 'eth1'], { KUBE_VIRT_INTERFACES: 'ethX' });
    expect(settings.kubeVirtInterfaces).toBe('eth1');
    expect(sources.get('kubeVirtInterfaces')?.kind).toBe('flag');
  });

  it.each<[string, Record<string, string>, string]>([
    ['the second listed variable wins', { REDIRECT_DNS: 'false', ISTIO_META_DNS_CAPTURE: 'true' }, 'true'],
    ['the first variable alone is used', { REDIRECT_DNS: 'true' }, 'true'],
    ['an empty variable counts as unset', { REDIRECT_DNS: 'true', ISTIO_META_DNS_CAPTURE: '' }, 'true'],
  ])('%s', (_name, env, want) => {
    expect(collect([], env).settings.redirectDns).toBe(want);
  });

  it('reads the environment-only settings', () => {
    const { settings } = collect([], { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '888', ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/8' });
    expect(settings).toMatchObject({ ownerGroupsExclude: '888', loopbackCidr: '127.0.0.1/8' });
  });

  it.each<[string[], Record<string, string>, string]>([
    [['-p', 'x'], {}, 'flag -p/--envoy-port'],
    [[], { INBOUND_CAPTURE_PORT: 'x' }, 'INBOUND_CAPTURE_PORT (flag -z/--inbound-capture-port)'],
    [[], { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: 'x' }, 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR'],
  ])('errors name where the value came from: %j %j', (argv, env, want) => {
    const { settings, sources } = collect(argv, env);
    const setting = Object.keys(settings)[0] as Parameters<typeof describeSource>[0];
    expect(describeSource(setting, sources.get(setting))).toBe(want);
  });
});

describe('istio-iptables flags', () => {
  it('show the capture defaults they stand for', () => {
    for (const f of FLAGS) {
      // ipv6 is a fact the edge detects (auto) when not given.
      if (!f.setting || !f.value || f.default === undefined || f.setting === 'ipv6') continue;
      const d = captureDefaults[f.setting];
      if (d !== '') expect(f.default, f.long).toBe(d);
    }
    expect(spec.flags.find((f) => f.long === 'envoy-port')?.default).toBe('15001');
  });
});
