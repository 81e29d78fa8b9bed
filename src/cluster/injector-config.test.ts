import { describe, expect, it } from 'vitest';
import { istioWebhook, skWebhook } from './fixtures.test-support.js';
import { configMapsOf, findRevisionWebhook, locateConfigMaps, readConfigTexts } from './injector-config.js';
import { fakeCluster } from './test-double.js';

const sk = skWebhook({ name: 'sk-sidecar-kit-sidecar-injector', revision: 'default' });
const skCanary = skWebhook({ name: 'sk2-sidecar-kit-sidecar-injector-canary', revision: 'canary', ns: 'mesh', cm: 'sk2-sidecar-kit-sidecar-injector-canary' });
const skTag = skWebhook({ name: 'sk2-sidecar-kit-revision-tag-prod', revision: 'canary', tag: 'prod', ns: 'mesh', cm: 'sk2-sidecar-kit-sidecar-injector-canary' });
const istio = istioWebhook({ name: 'istio-sidecar-injector-blue', revision: 'blue' });

describe('where an injector keeps its configuration', () => {
  it("ours: the ConfigMaps our configuration's annotations name; Istio's: istioctl's names for the revision", () => {
    expect(configMapsOf(skCanary, 'istio-system')).toMatchObject({ injector: { namespace: 'mesh', name: 'sk2-sidecar-kit-sidecar-injector-canary' }, mesh: { namespace: 'mesh', name: 'sk2-sidecar-kit-mesh-canary' } });
    expect(configMapsOf(istio, 'istio-control')).toMatchObject({ injector: { namespace: 'istio-control', name: 'istio-sidecar-injector-blue' }, mesh: { namespace: 'istio-control', name: 'istio-blue' } });
    expect(configMapsOf(istioWebhook({ name: 'istio-sidecar-injector', revision: 'default' }), 'istio-system')).toMatchObject({ injector: { name: 'istio-sidecar-injector' }, mesh: { name: 'istio' } });
    expect(configMapsOf({ metadata: { name: 'other' }, webhooks: [{ name: 'x.example.com' }] }, 'istio-system')).toBeUndefined();
  });

  it("a revision's own configuration wins over a tag of it; a tag name finds the tag; ours before Istio's", () => {
    const all = [skTag, istio, skCanary, sk];
    expect(findRevisionWebhook(all, 'canary')?.metadata?.name).toBe('sk2-sidecar-kit-sidecar-injector-canary');
    expect(findRevisionWebhook(all, '')?.metadata?.name).toBe('sk-sidecar-kit-sidecar-injector');
    expect(findRevisionWebhook(all, 'prod')?.metadata?.name).toBe('sk2-sidecar-kit-revision-tag-prod');
    expect(findRevisionWebhook(all, 'blue')?.metadata?.name).toBe('istio-sidecar-injector-blue');
    expect(findRevisionWebhook([istioWebhook({ name: 'istio-sidecar-injector', revision: 'default' }), sk], 'default')?.metadata?.name).toBe('sk-sidecar-kit-sidecar-injector');
    expect(findRevisionWebhook(all, 'nope')).toBeUndefined();
  });

  it('explicit ConfigMap names (in -i) win; an unknown revision falls back to Istio\'s names', () => {
    expect(locateConfigMaps([sk], { revision: '', istioNamespace: 'istio-system', injectConfigMapName: 'inj' })).toMatchObject({ injector: { namespace: 'istio-system', name: 'inj' }, mesh: { namespace: 'sidecar-kit', name: 'sk-sidecar-kit-mesh' } });
    expect(locateConfigMaps([sk], { revision: 'green', istioNamespace: 'x' })).toEqual({ injector: { namespace: 'x', name: 'istio-sidecar-injector-green' }, mesh: { namespace: 'x', name: 'istio-green' } });
    expect(locateConfigMaps([], { revision: 'default', istioNamespace: 'x', meshConfigMapName: 'm' })).toEqual({ injector: { namespace: 'x', name: 'istio-sidecar-injector' }, mesh: { namespace: 'x', name: 'm' } });
  });

  it('reads only the keys asked for, and names the ConfigMap, its namespace and the flags when it is missing', async () => {
    const client = fakeCluster({ mwcs: [], configMaps: { 'a/inj': { config: 'policy: enabled\n', values: '{}' }, 'a/mesh': { mesh: 'x: 1' } }, namespaces: [], objects: {}, nodes: [] });
    const refs = { injector: { namespace: 'a', name: 'inj' }, mesh: { namespace: 'a', name: 'mesh' } };
    expect((await readConfigTexts(client, refs, new Set(['config', 'mesh']))).texts).toEqual({ config: 'policy: enabled\n', mesh: 'x: 1' });
    await expect(readConfigTexts(client, { ...refs, mesh: { namespace: 'a', name: 'gone' } }, new Set(['mesh']))).rejects.toThrow(/ConfigMap "gone" from namespace "a" \(test double\): not found; give --meshConfigMapName/);
    await expect(readConfigTexts(fakeCluster({ mwcs: [], configMaps: { 'a/inj': { config: '' } }, namespaces: [], objects: {}, nodes: [] }), refs, new Set(['values']))).rejects.toThrow('ConfigMap a/inj has no key "values"');
  });
});
