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
    expect(otelResourceAttributes(providers, {}, { 'app.kubernetes.io/version': '2' }, 'shop', [{ name: 'web' }, { name: 'istio-proxy' }])).toBe(
      'service.namespace=shop,service.version=2,service.instance.id=shop.$(POD_NAME).web',
    );
    // The namespace annotation names service.namespace only; the instance id keeps the namespace.
    expect(otelResourceAttributes(providers, { 'resource.opentelemetry.io/service.namespace': 'team' }, {}, 'shop', [{ name: 'web' }, { name: 'b' }])).toBe(
      'service.namespace=team,service.instance.id=shop.$(POD_NAME).web',
    );
    expect(otelResourceAttributes(providers, { 'resource.opentelemetry.io/service.instance.id': 'i-1', 'resource.opentelemetry.io/service.version': '9' }, {}, 'shop', [{ name: 'web' }])).toBe(
      'service.namespace=shop,service.version=9,service.instance.id=i-1',
    );
  });
  it('takes the first container, whatever its name (Istio: containers[0])', () => {
    expect(otelResourceAttributes(providers, {}, {}, 'shop', [{ name: 'istio-proxy' }, { name: 'web' }])).toBe('service.namespace=shop,service.instance.id=shop.$(POD_NAME).istio-proxy');
  });
  it('writes the empty namespace of a manifest without one, as Istio (oracle: kube-inject of a Deployment without metadata.namespace)', () => {
    expect(otelResourceAttributes(providers, {}, { version: 'v1' }, '', [{ name: 'web' }, { name: 'b' }])).toBe('service.instance.id=.$(POD_NAME).web');
    expect(otelResourceAttributes(providers, {}, {}, '', [])).toBe('');
  });
  it("falls back to the single container's image tag and digest for the version", () => {
    const one = (image: string): string => otelResourceAttributes(providers, {}, {}, 'n', [{ name: 'a', image }]);
    expect(one('busybox:1.36')).toBe('service.namespace=n,service.version=1.36,service.instance.id=n.$(POD_NAME).a');
    expect(one('registry:5000/app@sha256:ab')).toBe('service.namespace=n,service.version=sha256:ab,service.instance.id=n.$(POD_NAME).a');
    expect(one('registry:5000/app:2@sha256:ab')).toBe('service.namespace=n,service.version=2@sha256:ab,service.instance.id=n.$(POD_NAME).a');
    expect(one('registry:5000/app')).toBe('service.namespace=n,service.instance.id=n.$(POD_NAME).a');
    expect(otelResourceAttributes(providers, {}, {}, 'n', [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }])).toBe('service.namespace=n,service.instance.id=n.$(POD_NAME).a');
  });
});
