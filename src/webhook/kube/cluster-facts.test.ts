import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, NAMESPACES, NODES } from '../testing/fake-apiserver.js';
import { kubeAccessFromOptions } from './client.js';
import { startClusterFacts } from './cluster-facts.js';

const node = (name: string, kubeletVersion: string) => ({ metadata: { name }, status: { nodeInfo: { kubeletVersion } } });
const silent = pino({ level: 'silent' });
const versions = (facts: { snapshot(): { nodes: readonly { name: string; kubeletVersion: string }[] | undefined } }) => {
  const nodes = facts.snapshot().nodes;
  return nodes && new Map(nodes.map((n) => [n.name, n.kubeletVersion]));
};

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cluster facts against a test double of the Kubernetes API', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await new FakeApiServer().start();
  }, 30_000);
  afterAll(() => api.stop());

  it('keeps node kubelet versions current from one list + watch, not per read', async () => {
    api.put(NODES, node('n1', 'v1.33.1'));
    api.put(NODES, node('n2', 'v1.32.0'));
    const facts = startClusterFacts({ access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), logger: silent, nodes: true, namespaces: false });
    try {
      await until(() => versions(facts)?.size === 2);
      expect(facts.settled()).toBe(true);
      expect([...(versions(facts) ?? [])]).toEqual([['n1', 'v1.33.1'], ['n2', 'v1.32.0']]);
      await until(() => api.openWatches(NODES) === 1);

      api.put(NODES, node('n2', 'v1.34.0'));
      api.put(NODES, node('n3', 'v1.35.0-eks-1'));
      api.delete(NODES, 'n1');
      await until(() => versions(facts)?.get('n2') === 'v1.34.0' && !versions(facts)?.has('n1'));
      expect(Object.fromEntries(versions(facts) ?? [])).toEqual({ n2: 'v1.34.0', n3: 'v1.35.0-eks-1' });

      // a heartbeat-like update that changes no kubelet version keeps the snapshot object
      const snap = facts.snapshot();
      api.put(NODES, { ...node('n3', 'v1.35.0-eks-1'), metadata: { name: 'n3', labels: { heartbeat: '1' } } });
      await until(() => api.openWatches(NODES) === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(facts.snapshot()).toBe(snap);

      const before = api.requests.length;
      for (let i = 0; i < 1000; i++) facts.snapshot();
      expect(api.requests.length).toBe(before);
      expect(api.requests.filter((r) => r.path === '/api/v1/nodes' && r.query.watch !== 'true')).toHaveLength(1);
    } finally {
      await facts.stop();
      api.delete(NODES, 'n2');
      api.delete(NODES, 'n3');
    }
  });

  it('reconnects a watch the server closed and sees later changes', async () => {
    api.put(NODES, node('r1', 'v1.30.0'));
    const facts = startClusterFacts({ access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), logger: silent, nodes: true, namespaces: false });
    try {
      await until(() => api.openWatches(NODES) === 1);
      api.closeWatches();
      await until(() => api.openWatches(NODES) === 1);
      api.put(NODES, node('r1', 'v1.33.0'));
      await until(() => versions(facts)?.get('r1') === 'v1.33.0');
    } finally {
      await facts.stop();
      api.delete(NODES, 'r1');
    }
  });

  it('reports no node information while the API refuses, logs that once, and recovers', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    api.failWith = 403;
    api.put(NODES, node('f1', 'v1.33.0'));
    const start = api.requests.length;
    const facts = startClusterFacts({
      access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), logger, nodes: true, namespaces: false, backoffMs: { initial: 20, max: 40 },
    });
    try {
      await until(() => api.requests.slice(start).filter((r) => r.path === '/api/v1/nodes').length >= 4);
      // a refused first list settles readiness too: the webhook then runs without node facts
      expect(facts.settled()).toBe(true);
      expect(versions(facts)).toBeUndefined();
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toContain('cannot list/watch nodes');
      api.failWith = undefined;
      await until(() => versions(facts)?.get('f1') === 'v1.33.0');
    } finally {
      api.failWith = undefined;
      await facts.stop();
      api.delete(NODES, 'f1');
    }
  });

  it('is not settled (readiness) while the first list is outstanding', async () => {
    api.hold = true;
    const facts = startClusterFacts({ access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), logger: silent, nodes: true, namespaces: false });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(facts.settled()).toBe(false);
      expect(facts.snapshot().nodes).toBeUndefined();
      api.release();
      await until(() => facts.settled());
      expect(facts.snapshot().nodes).toBeDefined();
    } finally {
      api.release();
      await facts.stop();
    }
  });

  it('watches namespace annotations when asked (OpenShift)', async () => {
    api.put(NAMESPACES, { metadata: { name: 'test-ns', annotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000' } } });
    const facts = startClusterFacts({ access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), logger: silent, nodes: false, namespaces: true });
    try {
      await until(() => facts.snapshot().namespaceAnnotations?.has('test-ns') === true);
      expect(facts.snapshot().namespaceAnnotations?.get('test-ns')).toEqual({ 'openshift.io/sa.scc.uid-range': '1000620000/10000' });
      expect(versions(facts)).toBeUndefined();
    } finally {
      await facts.stop();
    }
  });

  it('without API access answers "unknown" at once', async () => {
    const lines: string[] = [];
    const facts = startClusterFacts({ access: undefined, logger: pino({}, { write: (l: string) => void lines.push(l) }), nodes: true, namespaces: false });
    expect(facts.snapshot()).toEqual({ nodes: undefined, namespaceAnnotations: undefined });
    expect(facts.settled()).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ENABLE_NATIVE_SIDECARS=auto is treated as false');
    await facts.stop();
  });
});
