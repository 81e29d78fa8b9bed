/**
 * Property: re-injecting an injected pod, three times over, with the shapes whose re-injection
 * Istio does not leave alone (webhook URL cluster/network overrides, the
 * `topology.istio.io/network` label, probes and Prometheus annotations whose variables are
 * appended to the proxy env, user-declared istio-proxy/istio-init) and plain ones.
 *
 * For every injection: the patch applies to the pod as given and reproduces the result; the
 * application probers handed to the agent on the first injection are still there, unchanged.
 * Re-injection changes only what Istio's changes (reinjection-expectations.ts): without
 * user-declared injected containers, nothing but the order of the proxy's env; with them,
 * nothing outside the injected containers. The third injection's result is a fixed point.
 */
import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../config/merge.js';
import { resolveSettings } from '../config/settings.js';
import { normalizeAs } from '../k8s/normalize.js';
import { findSidecar, type Container, type Pod } from '../k8s/pod.js';
import { injectPod } from './inject.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const INJECTED = new Set(['istio-proxy', 'istio-init', 'istio-validation']);

const SETTINGS = {
  plain: resolveSettings(),
  cni: resolveSettings({ values: { pilot: { cni: { enabled: true } } } }),
  valuesNetwork: resolveSettings({ values: { global: { network: 'net-values', multiCluster: { clusterName: 'east' } } } }),
};

const port = fc.constantFrom(80, 8080, 9090, 15020);
const probe = fc.oneof(
  fc.record({ httpGet: fc.record({ path: fc.constantFrom('/ready', '/healthz'), port: fc.oneof(port, fc.constantFrom('http', 'nope')) }), timeoutSeconds: fc.constantFrom(0, 3) }),
  fc.record({ tcpSocket: fc.record({ port }) }),
  fc.record({ grpc: fc.record({ port }) }),
  fc.record({ exec: fc.record({ command: fc.constant(['true']) }) }),
);
const appContainer = (name: string) =>
  fc.record(
    {
      name: fc.constant(name),
      image: fc.constant(`example/${name}:1`),
      ports: fc.constantFrom([], [{ name: 'http', containerPort: 8080 }], [{ containerPort: 9090 }]),
      readinessProbe: probe,
      livenessProbe: probe,
      lifecycle: fc.record({ preStop: fc.record({ httpGet: fc.record({ path: fc.constant('/drain'), port }) }) }),
    },
    { requiredKeys: ['name', 'image'] },
  );
const userProxy = fc.record(
  {
    name: fc.constant('istio-proxy'),
    image: fc.constantFrom('auto', 'example/my-proxy:1'),
    args: fc.constant(['proxy', 'sidecar', '--concurrency', '4']),
    ports: fc.constant([{ name: 'debug', containerPort: 15099 }]),
    resources: fc.constantFrom({ limits: { cpu: '1' } }, {}),
    securityContext: fc.record({ runAsUser: fc.constantFrom(0, 2000), runAsGroup: fc.constant(3000) }, { requiredKeys: [] }),
    env: fc.constant([{ name: 'USER_FLAG', value: '1' }]),
  },
  { requiredKeys: ['name'] },
);
const userInit = fc.record(
  { name: fc.constant('istio-init'), image: fc.constant('auto'), resources: fc.constant({ requests: { memory: '64Mi' } }) },
  { requiredKeys: ['name'] },
);

const podArbitrary = fc
  .record({
    apps: fc.subarray(['app', 'worker'], { minLength: 1 }).chain((names) => fc.tuple(...names.map(appContainer))),
    initApps: fc.subarray(['migrate']).chain((names) => fc.tuple(...names.map(appContainer))),
    proxy: fc.option(userProxy, { nil: undefined }),
    init: fc.option(userInit, { nil: undefined }),
    networkLabel: fc.option(fc.constantFrom('net-label', ''), { nil: undefined }),
    prometheus: fc.boolean(),
    interceptionMode: fc.constantFrom(undefined, 'REDIRECT', 'TPROXY'),
    rewrite: fc.constantFrom(undefined, 'true', 'false'),
  })
  .map(({ apps, initApps, proxy, init, networkLabel, prometheus, interceptionMode, rewrite }): Pod => {
    const annotations: Record<string, string> = {};
    if (prometheus) Object.assign(annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' });
    if (interceptionMode) annotations['sidecar.istio.io/interceptionMode'] = interceptionMode;
    if (rewrite) annotations['sidecar.istio.io/rewriteAppHTTPProbers'] = rewrite;
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p',
        namespace: 'shop',
        labels: { app: 'web', ...(networkLabel === undefined ? {} : { 'topology.istio.io/network': networkLabel }) },
        annotations,
      },
      spec: {
        containers: [...(apps as Container[]), ...(proxy ? [proxy as Container] : [])],
        initContainers: [...(initApps as Container[]), ...(init ? [init as Container] : [])],
      },
    };
  });

const urlOverrides = fc.constantFrom<Record<string, string>>({}, { ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n1' }, { ISTIO_META_NETWORK: 'n2' });

function probersOf(pod: Pod): Record<string, unknown> {
  const value = findSidecar(pod)?.env?.find((e) => e.name === 'ISTIO_KUBE_APP_PROBERS')?.value;
  return value === undefined ? {} : (JSON.parse(value) as Record<string, unknown>);
}

/** The pod without the injected containers (what re-injection must never touch). */
function withoutInjected(pod: Pod): Pod {
  const keep = (list: Container[] | null | undefined) => (list ?? []).filter((c) => !INJECTED.has(c.name));
  return { ...pod, spec: { ...pod.spec, containers: keep(pod.spec?.containers), initContainers: keep(pod.spec?.initContainers) } };
}

/** The pod with the proxy env sorted (order is the one thing plain re-injection may change). */
function proxyEnvSorted(pod: Pod): Pod {
  const sortEnv = (c: Container): Container =>
    c.name === 'istio-proxy' ? { ...c, env: [...(c.env ?? [])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) } : c;
  return { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers?.map(sortEnv), initContainers: pod.spec?.initContainers?.map(sortEnv) } };
}

describe('re-injection (property)', () => {
  it(`converges within three injections and changes only what Istio changes (${RUNS} pods)`, { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(podArbitrary, urlOverrides, fc.constantFrom('true', 'false'), fc.constantFrom(...(Object.keys(SETTINGS) as (keyof typeof SETTINGS)[])), (input, envOverrides, native, which) => {
        const userDeclared = [...(input.spec?.containers ?? []), ...(input.spec?.initContainers ?? [])].some((c) => INJECTED.has(c.name));
        const rounds: Pod[] = [];
        let current: Pod = input;
        for (let i = 0; i < 4; i++) {
          const result = injectPod({ pod: deepFreeze(structuredClone(current)), envOverrides }, SETTINGS[which], { enableNativeSidecars: native });
          const patched = fastJsonPatch.applyPatch(structuredClone(current), structuredClone(result.patch) as never, true, false).newDocument as Pod;
          expect(normalizeAs('Pod', patched), `patch of injection ${i + 1}`).toEqual(result.pod);
          rounds.push(result.pod);
          current = patched;
        }
        const [first, ...later] = rounds as [Pod, ...Pod[]];
        for (const [i, pod] of later.entries()) {
          const previous = rounds[i] as Pod;
          expect(probersOf(pod), `probers after injection ${i + 2}`).toEqual(probersOf(first));
          if (userDeclared) expect(withoutInjected(pod)).toEqual(withoutInjected(previous));
          else expect(proxyEnvSorted(pod)).toEqual(proxyEnvSorted(previous));
        }
        expect(rounds[3], 'the third injection is a fixed point').toEqual(rounds[2]);
      }),
      { numRuns: RUNS },
    );
  });
});
