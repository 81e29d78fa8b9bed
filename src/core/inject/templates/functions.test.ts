import { describe, expect, it } from 'vitest';
import { annotation, appendMultusNetwork, excludeInboundPort, isset, otelResourceAttributes, valueOrDefault } from './functions.js';

// The Go-template FuncMap calls these through adapters: see src/core/inject/go-template/istio-funcs.test.ts.

describe('isset / annotation / valueOrDefault', () => {
  const ann = { a: 'x', empty: '' };
  it.each<[string, boolean]>([
    ['a', true],
    ['empty', true],
    ['nope', false],
  ])('isset %j', (key, expected) => {
    expect(isset(ann, key)).toBe(expected);
  });
  it('isset of a nil map is false', () => {
    expect(isset(undefined, 'a')).toBe(false);
    expect(isset(null, 'a')).toBe(false);
  });
  it.each<[string, unknown, string]>([
    ['a', 'd', 'x'],
    ['empty', 'd', ''],
    ['nope', 'd', 'sprint:d'],
    ['nope', 15020, 'sprint:15020'],
  ])('annotation %j with default %j', (name, fallback, expected) => {
    expect(annotation(ann, name, fallback, (v) => `sprint:${String(v)}`)).toBe(expected);
  });
  it.each<[unknown, unknown, unknown]>([
    ['', 'd', 'd'],
    [null, 'd', 'd'],
    [undefined, 'd', 'd'],
    ['v', 'd', 'v'],
    [0, 'd', 0],
    [false, 'd', false],
  ])('valueOrDefault(%j, %j)', (v, d, expected) => {
    expect(valueOrDefault(v, d)).toBe(expected);
  });
});

describe('excludeInboundPort', () => {
  it.each([
    ['15020', '', '15020'],
    ['15020', '4,5,6', '4,5,6,15020'],
    ['15020', ' 4, ,5', '4,5,15020'],
    ['15020', '80,15020', '80,15020'],
    ['15020', '80, 15020', '80,15020,15020'],
    [' 15020 ', '80', '80,15020'],
    ['0', '4,5', '4,5'],
    ['', 'x', 'x'],
    ['', '80', '80'],
  ])('port %j, excluded %j', (port, list, expected) => {
    expect(excludeInboundPort(port, list)).toBe(expected);
  });
});

describe('appendMultusNetwork', () => {
  it.each([
    ['', 'default/istio-cni'],
    ['alt', 'alt, default/istio-cni'],
    ['alt_cni', 'alt_cni, default/istio-cni'],
    ['alt, default/istio-cni', 'alt, default/istio-cni'],
    ['alt_cni, default/istio-cni', 'alt_cni, default/istio-cni'],
    ['[{"name": "alt"}]', '[{"name": "alt"}, {"name": "istio-cni", "namespace": "default"}]'],
    ['[{"name": "alt_cni"}]', '[{"name": "alt_cni"}, {"name": "istio-cni", "namespace": "default"}]'],
    ['[{"name": "istio-cni", "namespace": "default"}]', '[{"name": "istio-cni", "namespace": "default"}]'],
    ['[{"name": "default/istio-cni"}]', '[{"name": "default/istio-cni"}]'],
    ['[{"name": "istio-cni"}]', '[{"name": "istio-cni"}, {"name": "istio-cni", "namespace": "default"}]'],
    ['[{"name": "istio-cni", "namespace": "kube-system"}]', '[{"name": "istio-cni", "namespace": "kube-system"}, {"name": "istio-cni", "namespace": "default"}]'],
    ['[not json]', '[not json]'],
  ])('%j', (existing, expected) => {
    expect(appendMultusNetwork(existing, 'default/istio-cni')).toBe(expected);
  });
  it('a network without namespace is added by name alone', () => {
    expect(appendMultusNetwork('[{"name": "alt"}]', 'istio-cni')).toBe('[{"name": "alt"}, {"name": "istio-cni"}]');
    expect(appendMultusNetwork('[{"name": "istio-cni"}]', 'istio-cni')).toBe('[{"name": "istio-cni"}]');
  });
});

describe('otelResourceAttributes', () => {
  const providers = [{ name: 'otel', opentelemetry: { serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS' } }];
  it('is empty unless a provider asks for semantic conventions', () => {
    expect(otelResourceAttributes(undefined, {}, {}, 'ns', [{ name: 'a' }])).toBe('');
    expect(otelResourceAttributes([{ name: 'o', opentelemetry: { service: 's' } }], {}, {}, 'ns', [{ name: 'a' }])).toBe('');
  });
  it('derives namespace, version and instance id, annotations winning', () => {
    expect(otelResourceAttributes(providers, {}, { 'app.kubernetes.io/version': '2' }, 'shop', [{ name: 'istio-proxy' }, { name: 'web' }])).toBe(
      'service.namespace=shop,service.version=2,service.instance.id=shop.$(POD_NAME).web',
    );
    expect(otelResourceAttributes(providers, { 'resource.opentelemetry.io/service.namespace': 'team' }, {}, 'shop', [{ name: 'web' }])).toBe(
      'service.namespace=team,service.instance.id=team.$(POD_NAME).web',
    );
  });
  it('takes the version from app.kubernetes.io/version only, and $(POD_NAMESPACE) when no namespace is known', () => {
    expect(otelResourceAttributes(providers, {}, { version: 'v1' }, '', [{ name: 'web' }])).toBe('service.instance.id=$(POD_NAMESPACE).$(POD_NAME).web');
  });
});
