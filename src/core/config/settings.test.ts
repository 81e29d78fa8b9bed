import { describe, expect, it } from 'vitest';
import { ConfigError, englishIssues } from './errors.js';
import { meshConfigSchemaOf } from './mesh.js';
import { DEFAULT_HUB, DEFAULT_TAG, DEFAULT_VALUES, valuesSchemaOf } from './values.js';
import { resolveSettings } from './settings.js';

describe('resolveSettings', () => {
  it('uses the chart defaults when nothing is given', () => {
    const s = resolveSettings();
    expect(s.values.global.hub).toBe(DEFAULT_HUB);
    expect(s.values.global.tag).toBe(DEFAULT_TAG);
    expect(s.values.global.proxy?.statusPort).toBe(15020);
    expect(s.mesh.defaultConfig?.discoveryAddress).toBe('istiod.istio-system.svc:15012');
    expect(s.injector).toMatchObject({ policy: 'enabled', defaultTemplates: ['sidecar'] });
    expect(s.revision).toBe('');
    expect(Object.isFrozen(s.values.global)).toBe(true);
  });

  it('without sources skips parsing: the defaults are what the schemas output for them, key order included', () => {
    expect(JSON.stringify(valuesSchemaOf().parse(DEFAULT_VALUES, { error: englishIssues() }))).toBe(JSON.stringify(DEFAULT_VALUES));
    expect(meshConfigSchemaOf().parse({})).toEqual({});
    expect(JSON.stringify(resolveSettings())).toBe(JSON.stringify(resolveSettings({ values: {}, mesh: {} })));
  });

  it('deep-merges values, keeps unknown keys, and treats null leaves as "not set"', () => {
    const s = resolveSettings({
      values: { global: { hub: 'my.io/istio', somethingNew: { a: 1 }, proxy: { resources: { limits: { cpu: null } } } }, extra: true },
    });
    expect(s.values.global.hub).toBe('my.io/istio');
    expect(s.values.global.istioNamespace).toBe('istio-system');
    expect((s.values.global as Record<string, unknown>).somethingNew).toEqual({ a: 1 });
    expect((s.values as Record<string, unknown>).extra).toBe(true);
    expect(s.values.global.proxy?.resources?.limits).toEqual({ memory: '1024Mi' });
  });

  it('accepts a bare number for a port list value', () => {
    expect(resolveSettings({ values: { global: { proxy: { excludeOutboundPorts: 5432 } } } }).values.global.proxy?.excludeOutboundPorts).toBe('5432');
  });

  it('applies mesh files: defaultConfig merged field by field, extensionProviders by name', () => {
    const s = resolveSettings({
      mesh: {
        defaultConfig: { proxyMetadata: { A: '1' }, holdApplicationUntilProxyStarts: true },
        extensionProviders: [{ name: 'envoy', envoyFileAccessLog: { path: '/dev/stderr' } }, { name: 'otel', opentelemetry: {} }],
        trustDomain: 'example.org',
      },
    });
    expect(s.mesh.defaultConfig).toMatchObject({ discoveryAddress: 'istiod.istio-system.svc:15012', proxyMetadata: { A: '1' }, holdApplicationUntilProxyStarts: true });
    expect(s.mesh.extensionProviders?.map((p) => p.name)).toEqual(['prometheus', 'stackdriver', 'envoy', 'otel']);
    expect(s.mesh.extensionProviders?.[2]).toEqual({ name: 'envoy', envoyFileAccessLog: { path: '/dev/stderr' } });
    expect(s.mesh.trustDomain).toBe('example.org');
  });

  it('lets an IstioOperator override values and mesh', () => {
    const s = resolveSettings({
      values: { global: { hub: 'a' } },
      operator: { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', spec: { values: { global: { hub: 'b' } }, meshConfig: { trustDomain: 't' } } },
    });
    expect(s.values.global.hub).toBe('b');
    expect(s.mesh.trustDomain).toBe('t');
  });

  it('derives the injector config from values', () => {
    const s = resolveSettings({
      values: { global: { proxy: { autoInject: 'disabled' } }, sidecarInjectorWebhook: { defaultTemplates: ['sidecar', 'extra'], templates: { extra: 'spec: {}' }, injectedAnnotations: { a: 'b' } } },
    });
    expect(s.injector).toMatchObject({ policy: 'disabled', defaultTemplates: ['sidecar', 'extra'], customTemplates: { extra: 'spec: {}' }, injectedAnnotations: { a: 'b' } });
  });

  it('accepts a bare template text as the sidecar template', () => {
    expect(resolveSettings({ injectConfig: 'spec: {}' }).injector.customTemplates).toEqual({ sidecar: 'spec: {}' });
  });

  it.each([
    [{ values: { global: { proxy: { statusPort: '15020' } } } }, 'values.global.proxy.statusPort: expected number, received string'],
    [{ values: { sidecarInjectorWebhook: { rewriteAppHTTPProbe: 'yes' } } }, 'values.sidecarInjectorWebhook.rewriteAppHTTPProbe: expected boolean'],
    [{ values: { global: { imagePullSecrets: 'x' } } }, 'values.global.imagePullSecrets: expected array'],
    [{ values: [] }, 'values: expected an object'],
    // Go's duration syntax is accepted (`1m`, as Istio's jsonpb reads it); a bad one names the field.
    [{ mesh: { defaultConfig: { drainDuration: '1x' } } }, 'meshConfig.defaultConfig.drainDuration: bad Duration: time: unknown unit "x" in duration "1x"'],
    [{ mesh: { defaultConfig: { interceptionMode: 'BOGUS' } } }, 'meshConfig.defaultConfig.interceptionMode'],
    [{ mesh: { enablePrometheusMerge: 'true' } }, 'meshConfig.enablePrometheusMerge'],
    [{ injectConfig: { policy: 3 } }, 'injectConfig.policy: expected string'],
    [{ operator: { spec: { values: { global: { hub: 1 } } } } }, 'values.global.hub: expected string'],
    [{ operator: { spec: { meshConfig: { proxyListenPort: 'x' } } } }, 'operator.spec.meshConfig.proxyListenPort'],
  ])('names the bad field: %j', (sources, message) => {
    expect(() => resolveSettings(sources)).toThrow(ConfigError);
    expect(() => resolveSettings(sources)).toThrow(message);
  });
});
