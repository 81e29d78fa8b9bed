import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { buildTestApp, review, simplePod } from './testing/harness.js';

const json = { 'content-type': 'application/json' };

async function post(body: unknown, url = '/inject') {
  const { app, metrics } = buildTestApp();
  const res = await app.inject({ method: 'POST', url, headers: json, payload: JSON.stringify(body) });
  return { res, metrics, body: res.statusCode === 200 ? res.json() : undefined };
}

function decodePatch(b64: string) {
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
}

describe('webhook route', () => {
  it.each(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'])('answers %s in kind, echoes the uid, base64 JSONPatch', async (v) => {
    const { body } = await post(review(simplePod(), {}, v));
    expect(body.apiVersion).toBe(v);
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe('7f0b2891-916f-4ed6-b7cd-27bff1815a8c');
    expect(body.response.allowed).toBe(true);
    expect(body.response.patchType).toBe('JSONPatch');
    const patched = fjp.applyPatch(simplePod(), decodePatch(body.response.patch), true, false).newDocument;
    expect(patched.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'stub-proxy']);
  });

  it('turns path parameters into proxy env overrides', async () => {
    const { body } = await post(review(simplePod()), '/inject/cluster/c1/net/n--slash--1?x=y');
    const op = decodePatch(body.response.patch)[0];
    expect(op.value.env).toEqual([
      { name: 'ISTIO_META_CLUSTER_ID', value: 'c1' },
      { name: 'ISTIO_META_NETWORK', value: 'n/1' },
    ]);
  });

  it('passes the odd-key path warning on to the API server', async () => {
    const { body } = await post(review(simplePod()), '/inject/cluster/c1/net');
    expect(body.response.warnings).toEqual(['odd number of inject env entries in the path, ignoring the last key "net"']);
  });

  it('answers a skipped pod allowed, without a patch, with a warning saying why', async () => {
    const { body, metrics } = await post(review(simplePod({ spec: { hostNetwork: true, containers: [] } })));
    expect(body.response).toEqual({
      uid: '7f0b2891-916f-4ed6-b7cd-27bff1815a8c',
      allowed: true,
      warnings: ['sidecar injection skipped: pod uses hostNetwork'],
    });
    expect((await metrics.skip.get()).values).toEqual([{ value: 1, labels: { reason: 'HostNetwork' } }]);
  });

  it("rejects the pod with the injector's message when injection fails", async () => {
    const pod = simplePod({ metadata: { name: 'x', annotations: { 'test.sidecar-kit.io/reject': 'bad annotation "a": nope' } } });
    const { body, metrics } = await post(review(pod));
    expect(body.response).toEqual({
      uid: '7f0b2891-916f-4ed6-b7cd-27bff1815a8c',
      allowed: false,
      status: { message: 'bad annotation "a": nope' },
    });
    expect((await metrics.failure.get()).values).toEqual([{ value: 1, labels: { reason: 'inject' } }]);
  });

  it('drops managedFields and fills in the namespace before the injector sees the pod', async () => {
    let seen: Record<string, unknown> | undefined;
    const { app } = buildTestApp({
      injector: { admit: (input) => ((seen = input.pod), { kind: 'skipped', reason: 'X', message: 'x' }) },
    });
    const pod = simplePod({ metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }] } });
    await app.inject({ method: 'POST', url: '/inject', headers: json, payload: JSON.stringify(review(pod, { namespace: 'shop' })) });
    expect(seen?.metadata).toEqual({ name: 'p', namespace: 'shop' });
    expect(pod.metadata).toEqual({ name: 'p', managedFields: [{ manager: 'kubectl' }] });
  });

  it('keeps the pod namespace when it has one', async () => {
    let ns: unknown;
    const { app } = buildTestApp({
      injector: { admit: (input) => ((ns = (input.pod.metadata as { namespace?: string }).namespace), { kind: 'skipped', reason: 'X', message: 'x' }) },
    });
    const pod = simplePod({ metadata: { name: 'p', namespace: 'own' } });
    await app.inject({ method: 'POST', url: '/inject', headers: json, payload: JSON.stringify(review(pod, { namespace: 'other' })) });
    expect(ns).toBe('own');
  });

  it('turns an injector exception into a rejection, never a 5xx', async () => {
    const { app, metrics } = buildTestApp({
      injector: {
        admit: () => {
          throw new TypeError('boom');
        },
      },
    });
    const res = await app.inject({ method: 'POST', url: '/inject', headers: json, payload: JSON.stringify(review(simplePod())) });
    expect(res.statusCode).toBe(200);
    expect(res.json().response).toMatchObject({ allowed: false, status: { message: 'internal error: boom' } });
    expect((await metrics.failure.get()).values).toEqual([{ value: 1, labels: { reason: 'internal' } }]);
  });

  it('counts requests, successes and time as Istio does', async () => {
    const { app, metrics } = buildTestApp();
    for (let i = 0; i < 3; i++) {
      await app.inject({ method: 'POST', url: '/inject', headers: json, payload: JSON.stringify(review(simplePod())) });
    }
    await app.inject({ method: 'POST', url: '/inject', headers: json, payload: '' });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^sidecar_injection_requests_total 4$/m);
    expect(text).toMatch(/^sidecar_injection_success_total 3$/m);
    expect(text).toMatch(/^sidecar_injection_failure_total\{reason="decode"\} 1$/m);
    expect(text).toMatch(/^sidecar_injection_time_seconds_count 4$/m);
    // the fake clock advances 0.25 ms per reading: every request lands in the 0.00025 s bucket
    expect(text).toMatch(/^sidecar_injection_time_seconds_bucket\{le="0.00025"\} 4$/m);
  });
});
