import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../core/config/settings.js';
import { coverageInjector } from '../core/coverage/injector.js';
import type { Pod } from '../core/k8s/pod.js';
import type { MutatingWebhookConfiguration } from '../core/selection/webhooks.js';
import { KubeApiError, type KubeJson } from '../kube/json-client.js';
import { startCoverageController } from './coverage-controller.js';
import { createWebhookMetrics } from './metrics.js';

/**
 * The API server is a test double here (an in-memory store of the few paths the controller
 * calls, recording writes); the real one is exercised by the cluster journey.
 */
function testDoubleApi(objects: Record<string, unknown[]>, writes: { method: string; path: string; body?: unknown }[]): KubeJson {
  const leases = new Map<string, { metadata: { resourceVersion: string }; spec: Record<string, unknown> }>();
  let rv = 1;
  const listOf = (path: string) => objects[path.split('?')[0] ?? ''] ?? [];
  return {
    async get<T>(path: string): Promise<T> {
      const l = leases.get(path);
      if (path.includes('/leases/')) {
        if (!l) throw new KubeApiError(`GET ${path}: 404 not found`, 404, 'NotFound');
        return l as T;
      }
      throw new KubeApiError(`GET ${path}: 404`, 404, 'NotFound');
    },
    getText: async () => '',
    async list<T>(path: string): Promise<T[]> {
      if (path.includes('fieldSelector=reason%3D')) return [];
      return listOf(path) as T[];
    },
    async post<T>(path: string, body: unknown): Promise<T> {
      writes.push({ method: 'POST', path, body });
      if (path.endsWith('/leases')) {
        const b = body as { metadata: { name: string }; spec: Record<string, unknown> };
        leases.set(`${path}/${b.metadata.name}`, { metadata: { resourceVersion: String(rv++) }, spec: b.spec });
      }
      return body as T;
    },
    async patch<T>(path: string, body: unknown): Promise<T> {
      writes.push({ method: 'PATCH', path, body });
      const l = leases.get(path);
      if (l) {
        const b = body as { metadata: { resourceVersion: string }; spec: Record<string, unknown> };
        if (b.metadata.resourceVersion !== l.metadata.resourceVersion) throw new KubeApiError('409', 409, 'Conflict');
        leases.set(path, { metadata: { resourceVersion: String(rv++) }, spec: { ...l.spec, ...b.spec } });
      }
      return body as T;
    },
    async delete(path: string) {
      writes.push({ method: 'DELETE', path });
    },
  };
}

const MWC: MutatingWebhookConfiguration = {
  metadata: { name: 'sk-injector' },
  webhooks: [
    {
      name: 'namespace.sidecar-injector.sidecar-kit.io',
      clientConfig: { service: { name: 'sk', namespace: 'sidecar-kit' } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] },
    },
  ],
};
const pod = (name: string, owner?: { kind: string; name: string }): Pod => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, labels: { app: name }, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true }] } : {}) },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
  status: { phase: 'Running' },
});

function setup(recreate = false) {
  const writes: { method: string; path: string; body?: unknown }[] = [];
  const api = testDoubleApi(
    {
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': [MWC],
      '/api/v1/nodes': [],
      '/api/v1/namespaces': [{ metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } }, { metadata: { name: 'plain' } }],
      '/api/v1/pods': [pod('web-6d9f-a', { kind: 'ReplicaSet', name: 'web-6d9f' }), pod('lonely'), { ...pod('other'), metadata: { name: 'other', namespace: 'plain' } }],
      '/apis/apps/v1/replicasets': [{ metadata: { name: 'web-6d9f', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] } }],
    },
    writes,
  );
  const metrics = createWebhookMetrics();
  let now = new Date('2026-12-07T05:00:00Z');
  const opts = { intervalMs: 300_000, configurations: ['sk-injector'], leaseNamespace: 'sidecar-kit', leaseName: 'sk-coverage', recreate: { enabled: recreate, maxPerPass: 1 } };
  const deps = { api, logger: pino({ level: 'silent' }), metrics, injector: () => coverageInjector(resolveSettings(), { enableNativeSidecars: 'false' }, {}), now: () => now };
  const a = startCoverageController({ ...opts, identity: 'webhook-a' }, deps, false);
  const b = startCoverageController({ ...opts, identity: 'webhook-b' }, deps, false);
  return { a, b, writes, metrics, tick: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const metric = async (m: ReturnType<typeof createWebhookMetrics>, name: string) => (await m.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));

describe('the coverage controller in the webhook', () => {
  it('one replica holds the lease: gauges of its configuration, a Warning Event per problem pod, once per hour', async () => {
    const { a, b, writes, metrics, tick } = setup();
    await a.pass();
    const events = writes.filter((w) => w.path === '/api/v1/namespaces/shop/events');
    expect(events.map((e) => (e.body as { reason: string; involvedObject: { name: string; uid?: string } }).reason)).toEqual(['CoverageMissingSidecar', 'CoverageMissingSidecar']);
    const byPod = (n: string) => events.find((e) => (e.body as { involvedObject: { name: string } }).involvedObject.name === n)?.body as { message: string } | undefined;
    expect(byPod('web-6d9f-a')).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Pod', name: 'web-6d9f-a', uid: 'uid-web-6d9f-a', namespace: 'shop' }, reportingComponent: 'sidecar-kit-coverage', reportingInstance: 'webhook-a' });
    expect(byPod('web-6d9f-a')?.message).toMatch(/\(repair: rollout restart deployment\/web\)$/);
    expect(byPod('lonely')?.message).toMatch(/\(repair: - \(the pod has no owner: never deleted\)\)$/);
    expect(await metric(metrics, 'sidecar_kit_coverage_pods')).toEqual(['sidecar_kit_coverage_pods{namespace="shop",state="missingSidecar"} 2']);
    // The other replica does nothing while the lease is held.
    await b.pass();
    expect(await metric(metrics, 'sidecar_kit_coverage_passes_total')).toEqual(['sidecar_kit_coverage_passes_total{result="done"} 1', 'sidecar_kit_coverage_passes_total{result="notLeader"} 1']);
    // The next pass: the same problems are not reported again within the hour.
    tick(300_000);
    await a.pass();
    expect(writes.filter((w) => w.path.endsWith('/events'))).toHaveLength(2);
    expect(await metric(metrics, 'sidecar_kit_coverage_events_total')).toEqual(['sidecar_kit_coverage_events_total{result="sent"} 2', 'sidecar_kit_coverage_events_total{result="duplicate"} 2']);
    // No recreation unless asked.
    expect(writes.filter((w) => w.path.startsWith('/apis/apps/'))).toEqual([]);
    // Lease expiry (3 intervals without renewal): the other replica takes over.
    tick(3 * 300_000 + 1);
    await b.pass();
    expect(await metric(metrics, 'sidecar_kit_coverage_leader')).toEqual(['sidecar_kit_coverage_leader 1']);
  });

  it('with recreation on: a rollout restart of the Deployment, never the pod without an owner, at most the limit per pass', async () => {
    const { a, writes, metrics } = setup(true);
    await a.pass();
    const restarts = writes.filter((w) => w.method === 'PATCH' && w.path.startsWith('/apis/apps/'));
    expect(restarts.map((w) => w.path)).toEqual(['/apis/apps/v1/namespaces/shop/deployments/web']);
    expect(writes.filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(await metric(metrics, 'sidecar_kit_coverage_recreations_total')).toEqual(['sidecar_kit_coverage_recreations_total{result="done"} 1']);
  });
});
