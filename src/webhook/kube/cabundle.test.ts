import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, MWCS } from '../testing/fake-apiserver.js';
import { caBundlePatch, startCaBundlePatcher } from './cabundle.js';
import { kubeAccessFromOptions } from './client.js';

const silent = pino({ level: 'silent' });
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const CA64 = Buffer.from(CA).toString('base64');

function mwc(name: string, caBundles: (string | undefined)[]) {
  return {
    metadata: { name },
    webhooks: caBundles.map((caBundle, i) => ({
      name: `w${i}.sidecar-injector.istio.io`,
      clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/inject' }, ...(caBundle ? { caBundle } : {}) },
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    })),
  };
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const bundles = (api: FakeApiServer, name: string) =>
  ((api.get(MWCS, name)?.webhooks ?? []) as { clientConfig: { caBundle?: string } }[]).map((w) => w.clientConfig.caBundle);

describe('caBundlePatch', () => {
  it.each([
    ['all missing', [undefined, undefined], 4],
    ['one stale', [CA64, 'b2xk'], 2],
    ['all current', [CA64, CA64], 0],
  ])('%s', (_n, cas, ops) => {
    expect(caBundlePatch(mwc('x', cas), CA64)).toHaveLength(ops);
  });

  it('tests the webhook name before writing at its index', () => {
    expect(caBundlePatch(mwc('x', ['b2xk']), CA64)).toEqual([
      { op: 'test', path: '/webhooks/0/name', value: 'w0.sidecar-injector.istio.io' },
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: CA64 },
    ]);
  });
});

describe('caBundle patcher against a test double of the Kubernetes API', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await new FakeApiServer().start();
  }, 30_000);
  afterAll(() => api.stop());

  it('writes the CA into every webhook and puts it back when something overwrites it', async () => {
    api.put(MWCS, mwc('istio-sidecar-injector', [undefined, 'b2xk']));
    api.put(MWCS, mwc('someone-else', [undefined]));
    const results: string[] = [];
    const p = startCaBundlePatcher({
      access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), webhookConfigName: 'istio-sidecar-injector', caPem: CA, logger: silent, onPatch: (r) => results.push(r),
    });
    try {
      await until(() => bundles(api, 'istio-sidecar-injector').every((b) => b === CA64));
      await until(() => api.openWatches(MWCS, 'istio-sidecar-injector') === 1);
      // a Helm upgrade resets the bundle
      api.put(MWCS, mwc('istio-sidecar-injector', [undefined, undefined, 'b2xk']));
      // the test double stores the patch before the patcher has read the answer: wait for both
      await until(() => results.length >= 2 && bundles(api, 'istio-sidecar-injector').length === 3 && bundles(api, 'istio-sidecar-injector').every((b) => b === CA64));
      expect(bundles(api, 'someone-else')).toEqual([undefined]);
      expect(results).toEqual(['ok', 'ok']);
      const patches = api.requests.filter((r) => r.method === 'PATCH');
      expect(patches.every((r) => r.path.endsWith('/istio-sidecar-injector'))).toBe(true);
      // nothing to do once in place: the patcher's own MODIFIED event does not cause another write
      await new Promise((r) => setTimeout(r, 100));
      expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    } finally {
      await p.stop();
    }
  });

  it('waits for a missing configuration to appear', async () => {
    const p = startCaBundlePatcher({ access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), webhookConfigName: 'late', caPem: CA, logger: silent });
    try {
      await until(() => api.openWatches(MWCS, 'late') === 1);
      api.put(MWCS, mwc('late', [undefined]));
      await until(() => bundles(api, 'late')[0] === CA64);
    } finally {
      await p.stop();
    }
  });

  it('retries a refused patch with backoff', async () => {
    api.put(MWCS, mwc('flaky', [undefined]));
    const results: string[] = [];
    const p = startCaBundlePatcher({
      access: kubeAccessFromOptions(api.kubeconfigOptions(), 'test'), webhookConfigName: 'flaky', caPem: CA, logger: silent, onPatch: (r) => results.push(r), backoffMs: { initial: 30, max: 60 },
    });
    try {
      await until(() => api.openWatches(MWCS, 'flaky') === 1 && results.length === 1);
      api.failWith = 500;
      api.put(MWCS, mwc('flaky', ['b2xk']));
      await until(() => results.filter((r) => r === 'error').length >= 2);
      api.failWith = undefined;
      await until(() => bundles(api, 'flaky')[0] === CA64);
    } finally {
      api.failWith = undefined;
      await p.stop();
    }
  });
});
