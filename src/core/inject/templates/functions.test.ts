import { describe, expect, it } from 'vitest';
import { appendMultusNetwork, excludeInboundPort, otelResourceAttributes } from './functions.js';

describe('excludeInboundPort', () => {
  it.each([
    ['15020', '', '15020'],
    ['15020', '4,5,6', '4,5,6,15020'],
    ['15020', ' 4, ,5', '4,5,15020'],
    ['15020', '80,15020', '80,15020'],
    ['0', '4,5', '4,5'],
    ['', 'x', 'x'],
    [15020, '1', '1,15020'],
  ])('port %j, excluded %j', (port, list, expected) => {
    expect(excludeInboundPort(port, list)).toBe(expected);
  });
});

describe('appendMultusNetwork', () => {
  it.each([
    ['', 'default/istio-cni'],
    ['alt', 'alt, default/istio-cni'],
    ['alt, default/istio-cni', 'alt, default/istio-cni'],
    ['[{"name": "alt"}]', '[{"name": "alt"}, {"name": "istio-cni", "namespace": "default"}]'],
    ['[{"name": "istio-cni", "namespace": "default"}]', '[{"name": "istio-cni", "namespace": "default"}]'],
    ['[not json]', '[not json]'],
  ])('%j', (existing, expected) => {
    expect(appendMultusNetwork(existing, 'default/istio-cni')).toBe(expected);
  });
});

describe('otelResourceAttributes', () => {
  const mesh = { extensionProviders: [{ name: 'otel', opentelemetry: { serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS' } }] };
  it('is empty unless a provider asks for semantic conventions', () => {
    expect(otelResourceAttributes({}, {}, {}, 'ns', [{ name: 'a' }])).toBe('');
  });
  it('derives namespace, version and instance id, annotations winning', () => {
    expect(otelResourceAttributes(mesh, {}, { 'app.kubernetes.io/version': '2' }, 'shop', [{ name: 'istio-proxy' }, { name: 'web' }])).toBe(
      'service.namespace=shop,service.version=2,service.instance.id=shop.$(POD_NAME).web',
    );
    expect(otelResourceAttributes(mesh, { 'resource.opentelemetry.io/service.namespace': 'team' }, {}, 'shop', [{ name: 'web' }])).toBe(
      'service.namespace=team,service.instance.id=team.$(POD_NAME).web',
    );
  });
});
