/**
 * Keys named like Object.prototype's members (`constructor`, `toString`, `hasOwnProperty`,
 * `__proto__`, `__defineGetter__`…) are ordinary annotation, label, selector and configuration
 * keys. Every one of them goes through each place the core or an edge looks user-controlled keys
 * up or writes them: injection must treat them as data (no "internal error", no bogus "invalid
 * value", nothing dropped, no prototype replaced).
 */
import { describe, expect, it } from 'vitest';
import { deepMerge, dropNulls } from '../core/config/merge.js';
import { resolveSettings } from '../core/config/settings.js';
import { parsePathEnv } from '../core/inject/path-params.js';
import { injectManifest } from '../kubeinject/manifest.js';
import { matchSelector } from '../core/k8s/selector.js';
import type { Pod } from '../core/k8s/pod.js';
import { strategicMerge } from '../core/k8s/smp.js';
import { decideInjection } from '../core/inject/decide.js';
import { injectPod } from '../core/inject/inject.js';

/** Every own property name of Object.prototype (`__proto__` included), from the running engine. */
const NAMES = Object.getOwnPropertyNames(Object.prototype);
const settings = resolveSettings();
const env = { enableNativeSidecars: 'true' };

/** A JSON object with `key` as an own property, as the API server's JSON decoding gives it. */
const withKey = (key: string, value: unknown): Record<string, unknown> => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`);
const pod = (edit: (p: { metadata: Record<string, unknown>; spec: Record<string, unknown> }) => void): Pod => {
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' } as Record<string, unknown>, spec: { containers: [{ name: 'app', image: 'a' }] } as Record<string, unknown> };
  edit(p);
  return p as Pod;
};
const ownKeys = (o: unknown): string[] => Object.keys((o ?? {}) as object);

describe.each(NAMES)('the key %j', (name) => {
  it('as an annotation, a label, a nodeSelector and a resource name: injected, kept, no prototype touched', () => {
    const input = pod((p) => {
      p.metadata.annotations = withKey(name, 'v');
      p.metadata.labels = withKey(name, 'v');
      p.spec.nodeSelector = withKey(name, 'v');
      p.spec.containers = [{ name: 'app', image: 'a', resources: { limits: withKey(name, '1') } }];
    });
    const result = injectPod({ pod: input }, settings, env);
    const meta = result.pod.metadata ?? {};
    expect(ownKeys(meta.annotations)).toContain(name);
    expect(ownKeys(meta.labels)).toContain(name);
    expect(ownKeys(result.pod.spec?.nodeSelector)).toContain(name);
    expect(Object.getPrototypeOf(meta.annotations)).toBe(Object.prototype);
    expect(result.pod.spec?.initContainers?.map((c) => c.name)).toContain('istio-proxy');
    expect(result.patch.length).toBeGreaterThan(0);
  });

  // zod's record parsing drops a `__proto__` key (by design, so it can never reach a prototype):
  // an env var of that name in proxyMetadata is the one key not passed on (docs/inject.md).
  it.skipIf(name === '__proto__')('as a proxy.istio.io/config proxyMetadata key: becomes a proxy env var', () => {
    const input = pod((p) => {
      p.metadata.annotations = { 'proxy.istio.io/config': `proxyMetadata:\n  ${JSON.stringify(name)}: "v"\n` };
    });
    const proxy = injectPod({ pod: input }, settings, env).pod.spec?.initContainers?.find((c) => c.name === 'istio-proxy');
    expect(proxy?.env?.find((e) => e.name === name)?.value).toBe('v');
  });

  it('as a template name or alias in inject.istio.io/templates: "not found", like any unknown name', () => {
    const input = pod((p) => {
      p.metadata.annotations = { 'inject.istio.io/templates': name };
    });
    expect(() => injectPod({ pod: input }, settings, env)).toThrow(`requested template "${name}" not found`);
  });

  it('as a label key in neverInjectSelector (Exists) and in the pod: matched only when present', () => {
    const selector = { matchExpressions: [{ key: name, operator: 'Exists' }] };
    expect(matchSelector(selector, {})).toBe('noMatch');
    expect(matchSelector(selector, withKey(name, 'v') as Record<string, string>)).toBe('match');
    expect(matchSelector({ matchLabels: withKey(name, 'v') as Record<string, string> }, {})).toBe('noMatch');
    const policy = { policy: 'enabled', neverInjectSelector: [selector], alwaysInjectSelector: [] };
    expect(decideInjection(pod(() => undefined), 'shop', policy).inject).toBe(true);
  });

  it('as a key in a strategic merge and in a Helm values deep merge: merged as data', () => {
    const merged = strategicMerge({ metadata: { labels: { a: '1' } } }, { metadata: { labels: withKey(name, 'v') } }, 'Pod') as { metadata: { labels: object } };
    expect(ownKeys(merged.metadata.labels).sort()).toEqual(['a', name].sort());
    const values = deepMerge({ global: { hub: 'h' } }, { global: withKey(name, { x: 1 }) }) as { global: object };
    expect(ownKeys(values.global).sort()).toEqual(['hub', name].sort());
    expect(Object.getPrototypeOf(values.global)).toBe(Object.prototype);
    expect(ownKeys(dropNulls(withKey(name, { y: 2 })))).toEqual([name]);
  });

  it('as a webhook URL path key: an env override named after it', () => {
    expect(parsePathEnv(`/inject/${name}/v`).env).toEqual(withKey(name.toUpperCase(), 'v'));
  });

  it('as a label and annotation in a kube-inject manifest: kept in the output', () => {
    const yaml = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    ${JSON.stringify(name)}: v1\n  annotations:\n    ${JSON.stringify(name)}: v2\nspec:\n  containers:\n  - name: app\n    image: a\n`;
    const out = injectManifest(yaml, { settings, env: {}, facts: {} }).output;
    expect(out.match(new RegExp(`^    "?${name.replaceAll('$', '\\$')}"?: v[12]$`, 'gm'))).toHaveLength(2);
  });
});
