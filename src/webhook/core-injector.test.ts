/**
 * The adapter over the injection core, through the route: typed skip reasons with their
 * warnings, URL env overrides, decision warnings, and the cluster snapshot's facts (native
 * sidecars in `auto` mode, OpenShift UIDs) reaching the core.
 */
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { createCoreInjector, injectionEnvironment, settingsFromTexts } from './core-injector.js';
import { buildTestApp, NO_CLUSTER, review, simplePod } from './testing/harness.js';
import type { ClusterSnapshot } from './types.js';

type Pod = ReturnType<typeof simplePod>;
type Container = { name: string; env?: { name: string; value?: string }[]; restartPolicy?: string; securityContext?: { runAsUser?: number } };

async function admit(opts: { pod: unknown; url?: string; namespace?: string; values?: object; env?: Record<string, string>; cluster?: ClusterSnapshot }) {
  const settings = settingsFromTexts(opts.values ? { values: JSON.stringify(opts.values) } : {}, '');
  const injector = createCoreInjector(settings, injectionEnvironment(opts.env ?? { ENABLE_NATIVE_SIDECARS: 'false' }));
  const { app, metrics } = buildTestApp({ injector, cluster: opts.cluster ?? NO_CLUSTER });
  const res = await app.inject({ method: 'POST', url: opts.url ?? '/inject', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review(opts.pod, { namespace: opts.namespace ?? 'default' })) });
  const response = res.json().response as { allowed: boolean; patch?: string; warnings?: string[]; status?: { message: string } };
  const patched = response.patch ? (fjp.applyPatch(structuredClone(opts.pod), JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')), true, false).newDocument as Pod) : undefined;
  const spec = (patched?.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const proxy = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c) => c.name === 'istio-proxy');
  return { response, patched, proxy, metrics };
}

describe('skips: allowed, no patch, a warning that says why, counted by reason', () => {
  it.each([
    ['hostNetwork', { pod: simplePod({ spec: { hostNetwork: true, containers: [{ name: 'a', image: 'b' }] } }) }, 'the pod uses hostNetwork'],
    ['ignoredNamespace', { pod: simplePod({ metadata: { name: 'x' } }), namespace: 'kube-system' }, 'namespace "kube-system" is never injected'],
    ['podOptOut', { pod: simplePod({ metadata: { name: 'x', labels: { 'sidecar.istio.io/inject': 'false' } } }) }, 'the pod sets sidecar.istio.io/inject="false"'],
    ['neverSelector', { pod: simplePod({ metadata: { name: 'x', labels: { batch: 'yes' } } }), values: { sidecarInjectorWebhook: { neverInjectSelector: [{ matchLabels: { batch: 'yes' } }] } } }, "the pod's labels match the injector's neverInjectSelector"],
    ['policyDisabled', { pod: simplePod(), values: { global: { proxy: { autoInject: 'disabled' } } } }, 'the injection policy is "disabled"'],
    ['invalidPolicy', { pod: simplePod(), values: { global: { proxy: { autoInject: 'sometimes' } } } }, 'the injection policy "sometimes" is invalid'],
  ])('%s', async (reason, opts, text) => {
    const { response, metrics } = await admit(opts);
    expect(response.allowed).toBe(true);
    expect(response.patch).toBeUndefined();
    expect(response.warnings?.[0]).toContain(`sidecar injection skipped: ${text}`);
    expect((await metrics.skip.get()).values).toEqual([{ value: 1, labels: { reason } }]);
  });
});

describe('injection inputs', () => {
  it('applies URL path overrides to the proxy env', async () => {
    const { proxy } = await admit({ pod: simplePod(), url: '/inject/cluster/east/net/n--slash--1' });
    const env = Object.fromEntries((proxy?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.ISTIO_META_CLUSTER_ID).toBe('east');
    expect(env.ISTIO_META_NETWORK).toBe('n/1');
  });

  it('passes the decision warnings on (an invalid inject value still injects)', async () => {
    const { response, proxy } = await admit({ pod: simplePod({ metadata: { name: 'x', annotations: { 'sidecar.istio.io/inject': 'yes' } } }) });
    expect(proxy).toBeDefined();
    expect(response.warnings).toEqual([`Invalid value for sidecar.istio.io/inject: "yes". Only 'true' and 'false' are accepted. Falling back to default injection policy.`]);
  });

  it.each([
    ['all nodes >= 1.33', [{ name: 'a', kubeletVersion: 'v1.33.0' }, { name: 'b', kubeletVersion: 'v1.34.1' }], true],
    ['one node older', [{ name: 'a', kubeletVersion: 'v1.33.0' }, { name: 'b', kubeletVersion: 'v1.29.3' }], false],
    ['no node information', undefined, false],
  ])('native sidecars in auto mode: %s', async (_n, nodes, native) => {
    const { proxy } = await admit({ pod: simplePod(), env: { ENABLE_NATIVE_SIDECARS: 'auto' }, cluster: { nodes, namespaceAnnotations: undefined } });
    expect(proxy?.restartPolicy === 'Always').toBe(native);
  });

  it("takes the proxy UID from the pod's namespace on OpenShift", async () => {
    const namespaceAnnotations = new Map([['team', { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' }]]);
    const { proxy } = await admit({ pod: simplePod(), namespace: 'team', env: { ENABLE_NATIVE_SIDECARS: 'false', PLATFORM: 'openshift' }, cluster: { nodes: undefined, namespaceAnnotations } });
    expect(proxy?.securityContext?.runAsUser).toBe(1000629999);
  });

  // istiod reads nodes and namespaces through the client of the pod's cluster (URL override, else
  // values.global.multiCluster.clusterName, else Kubernetes) and has none but its own CLUSTER_ID's.
  // Each row checked against Istio's webhook handler (oracle/, op webhook with localCluster).
  const NODES = [{ name: 'a', kubeletVersion: 'v1.34.1' }];
  const TEAM = new Map([['team', { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' }]]);
  it.each([
    ['no override, default CLUSTER_ID', '/inject', undefined, {}, true],
    ['URL override naming another cluster', '/inject/:ENV:cluster=c2:ENV:net=n3', undefined, {}, false],
    ['URL override (slash form) naming another cluster', '/inject/cluster/c1/net/n1', undefined, {}, false],
    ['URL override naming CLUSTER_ID', '/inject/cluster/c2', 'c2', {}, true],
    ['values clusterName differing from CLUSTER_ID', '/inject', undefined, { global: { multiCluster: { clusterName: 'c1' } } }, false],
    ['values clusterName equal to CLUSTER_ID', '/inject', 'c1', { global: { multiCluster: { clusterName: 'c1' } } }, true],
    ['URL override over values clusterName', '/inject/cluster/Kubernetes', undefined, { global: { multiCluster: { clusterName: 'c1' } } }, true],
  ])('cluster facts apply only to pods of the own cluster: %s', async (_n, url, clusterId, values, own) => {
    const env = { ENABLE_NATIVE_SIDECARS: 'auto', PLATFORM: 'openshift', ...(clusterId ? { CLUSTER_ID: clusterId } : {}) };
    const { proxy } = await admit({ pod: simplePod(), url, namespace: 'team', values, env, cluster: { nodes: NODES, namespaceAnnotations: TEAM } });
    expect(proxy?.restartPolicy === 'Always').toBe(own);
    expect(proxy?.securityContext?.runAsUser).toBe(own ? 1000629999 : 1337);
  });
});
