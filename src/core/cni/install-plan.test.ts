import { describe, expect, it } from 'vitest';
import { installConfigSchema } from '../config/cni.js';
import { buildPluginEntry, confFileCandidates, mergedFileName, resolveConfiguredName } from './install-plan.js';

const cfg = (over: Record<string, unknown> = {}) =>
  installConfigSchema.parse({ pluginBinary: '/opt/sk/istio-cni', kubeApiServer: 'https://10.96.0.1:443', ...over });

describe('buildPluginEntry', () => {
  it("carries Istio's fields with the installer defaults and our capability", () => {
    expect(buildPluginEntry(cfg({ podNamespace: 'istio-system' }))).toEqual({
      cniVersion: '0.3.1',
      name: 'istio-cni',
      type: 'istio-cni',
      ipam: {},
      dns: {},
      plugin_log_level: 'warn',
      cni_agent_run_dir: '/var/run/istio-cni',
      ambient_enabled: false,
      enablement_selectors: [],
      exclude_namespaces: ['kube-system'],
      pod_namespace: 'istio-system',
      native_nftables: false,
      enable_ambient_detection_retry: false,
      capabilities: { 'io.kubernetes.cri.pod-annotations': true },
    });
  });

  it.each([
    ['no excluded namespaces -> null', { excludeNamespaces: [] }, { exclude_namespaces: null }],
    ['capability off', { podAnnotations: false }, { capabilities: undefined }],
    ['extensions', { pluginExtensions: { log_file: '/var/log/cni.log' } }, { sidecar_kit: { log_file: '/var/log/cni.log' } }],
    ['nftables + level', { nativeNftables: true, pluginLogLevel: 'debug' }, { native_nftables: true, plugin_log_level: 'debug' }],
  ])('%s', (_n, over, want) => {
    const entry = buildPluginEntry(cfg(over));
    for (const [k, v] of Object.entries(want)) expect(entry[k]).toEqual(v);
  });
});

describe('configuration file choice', () => {
  it('keeps .conf/.conflist files, sorted, no dot files', () => {
    expect(confFileCandidates(['99-x.conflist', 'notes.txt', '10-a.conf', '.10-a.conf.1.tmp', '10-a.conflist', '05-b.json'])).toEqual([
      '10-a.conf',
      '10-a.conflist',
      '99-x.conflist',
    ]);
  });

  it.each([
    ['exact', '10-a.conf', ['10-a.conf'], '10-a.conf'],
    ['renamed by us earlier', '10-a.conf', ['10-a.conflist'], '10-a.conflist'],
    ['conflist asked, conf present', '10-a.conflist', ['10-a.conf'], '10-a.conf'],
    ['missing', '10-a.conf', ['20-b.conf'], undefined],
  ])('configured name: %s', (_n, name, present, want) => {
    expect(resolveConfiguredName(name, new Set(present))).toBe(want);
  });

  it.each([
    ['10-bridge.conf', '10-bridge.conflist'],
    ['10-bridge.conflist', '10-bridge.conflist'],
  ])('%s is written as %s', (a, b) => expect(mergedFileName(a)).toBe(b));
});
