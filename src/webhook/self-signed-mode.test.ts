/**
 * Highly available `--self-signed`: whole webhook processes (startWebhook, real HTTPS on
 * loopback, real certificates) sharing their CA through a Secret. The Kubernetes API is a LOCAL
 * TEST DOUBLE (testing/fake-apiserver.ts): no real API server can run on our build machines.
 */
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from './certs/self-signed.js';
import { caSecretObject } from './kube/ca-secret.js';
import { kubeAccessFromOptions } from './kube/client.js';
import { parseWebhookOptions } from './options.js';
import { startWebhook, type RunningWebhook } from './serve.js';
import { FakeApiServer, MWCS, secrets } from './testing/fake-apiserver.js';
import { FakeClock } from './testing/fake-clock.js';
import { createStubInjector } from './testing/stub-injector.js';
import type { WallClock } from './wall-clock.js';

const silent = pino({ level: 'silent' });
const NS = 'istio-system';
const SECRET = 'istiod-ca';
const HOST = 'istiod.istio-system.svc';
const DAY = 86_400_000;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A real TLS handshake as the API server makes it: trust only `ca`, check the Service name. */
function handshake(port: number, ca: string): Promise<{ authorized: boolean; error: string | undefined; serial: string; issuer: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: HOST, rejectUnauthorized: false }, () => {
      const peer = s.getPeerCertificate();
      const identity = tls.checkServerIdentity(HOST, peer);
      resolve({ authorized: s.authorized && !identity, error: s.authorizationError?.message ?? identity?.message, serial: peer.serialNumber, issuer: String(peer.issuer.CN ?? '') });
      s.end();
    });
    s.on('error', reject);
  });
}

/** POST /inject through `agent` (keep-alive): the answer status and whether the socket was reused. */
function admit(port: number, ca: string, agent: https.Agent): Promise<{ status: number; reused: boolean }> {
  const body = Buffer.from(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', kind: { kind: 'Pod' }, namespace: 'default', object: { metadata: { name: 'p' }, spec: { containers: [] } } } }));
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', ca, servername: HOST, agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function metric(port: number, name: string, labels: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)));
    }).on('error', reject);
  });
}

describe('highly available --self-signed against a test double of the Kubernetes API', () => {
  let api: FakeApiServer;
  const hooks: RunningWebhook[] = [];
  const start = async (clock?: WallClock) => {
    const opts = parseWebhookOptions(['--self-signed', '--port', '0', '--monitoringPort', '0', '--listenAddress', '127.0.0.1'], { POD_NAMESPACE: NS });
    const env = { ENABLE_NATIVE_SIDECARS: 'true' };
    const hook = await startWebhook(opts, { logger: silent, env, build: () => createStubInjector(), kubeAccess: kubeAccessFromOptions(api.kubeconfigOptions(), 'test double'), ...(clock ? { wallClock: clock } : {}) });
    hooks.push(hook);
    return hook;
  };
  const mwcBundles = () => ((api.get(MWCS, 'istio-sidecar-injector')?.webhooks ?? []) as { clientConfig: { caBundle?: string } }[]).map((w) => w.clientConfig.caBundle);
  const mwcPatches = () => api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/istio-sidecar-injector')).length;
  const resetMwc = () =>
    api.put(MWCS, {
      metadata: { name: 'istio-sidecar-injector' },
      webhooks: ['rev.namespace', 'namespace'].map((n) => ({ name: `${n}.sidecar-injector.istio.io`, clientConfig: { service: { name: 'istiod', namespace: NS, path: '/inject' } } })),
    });

  beforeAll(async () => {
    api = await new FakeApiServer().start();
  }, 30_000);
  afterEach(async () => {
    await Promise.all(hooks.splice(0).map((h) => h.close()));
    api.delete(secrets(NS), SECRET);
    api.requests.length = 0;
  });
  afterAll(() => api?.stop());

  it('two replicas started concurrently end up with one CA, both serve TLS the caBundle verifies, and the caBundle stops changing', async () => {
    resetMwc();
    // Both replicas ask for the Secret before either creates it: the create race is real.
    api.hold = (r) => r.method === 'GET' && r.path === `${secrets(NS)}/${SECRET}`;
    const starting = [start(), start()];
    await until(() => api.requests.filter((r) => r.method === 'GET' && r.path === `${secrets(NS)}/${SECRET}`).length === 2);
    api.release();
    const [a, b] = (await Promise.all(starting)) as [RunningWebhook, RunningWebhook];
    expect(api.requests.filter((r) => r.method === 'POST' && r.path === secrets(NS)).map((r) => r.status).sort()).toEqual([201, 409]);
    const secretCa = unb64((api.get(secrets(NS), SECRET)?.data as Record<string, string>)['tls.crt'] ?? '');
    expect(a.caPem).toBe(b.caPem);
    expect(new X509Certificate(a.caPem ?? '').fingerprint256).toBe(new X509Certificate(secretCa).fingerprint256);

    await until(() => mwcBundles().every((x) => x === b64(a.caPem ?? '')));
    const caBundle = unb64(mwcBundles()[0] ?? '');
    const [ha, hb] = [await handshake(a.port, caBundle), await handshake(b.port, caBundle)];
    expect(ha).toMatchObject({ authorized: true });
    expect(hb).toMatchObject({ authorized: true });
    expect(ha.serial).not.toBe(hb.serial); // each replica has its own serving key and certificate

    // No flapping: each patcher sees the other's write as already right.
    await new Promise((r) => setTimeout(r, 500));
    const settled = mwcPatches();
    expect(settled).toBeGreaterThanOrEqual(1);
    expect(settled).toBeLessThanOrEqual(2);
    // A Helm upgrade resets the caBundle: it is put back, again without a fight.
    resetMwc();
    await until(() => mwcBundles().every((x) => x === b64(caBundle)));
    await new Promise((r) => setTimeout(r, 500));
    expect(mwcPatches() - settled).toBeGreaterThanOrEqual(1);
    expect(mwcPatches() - settled).toBeLessThanOrEqual(2);
    const later = mwcPatches();
    await new Promise((r) => setTimeout(r, 500));
    expect(mwcPatches()).toBe(later);
  }, 60_000);

  it('follows a CA rotation in the Secret: serving certificates re-issued in place, kept-alive connections survive, caBundle moves', async () => {
    resetMwc();
    const [a, b] = (await Promise.all([start(), start()])) as [RunningWebhook, RunningWebhook];
    const oldCa = a.caPem ?? '';
    const agents = [a, b].map(() => new https.Agent({ keepAlive: true, maxSockets: 1 }));
    const next = createCa({ now: new Date() });
    // The client trusts both CAs (an https.Agent reuses a socket only for identical TLS options).
    const trustBoth = `${oldCa}${next.certPem}`;
    try {
      for (const [i, h] of [a, b].entries()) expect(await admit(h.port, trustBoth, agents[i] as https.Agent)).toMatchObject({ status: 200, reused: false });
      // Step 1 (overlap): sign with the new CA, keep trusting the old one through ca.crt.
      const rotated = caSecretObject({ namespace: NS, name: SECRET }, next);
      api.put(secrets(NS), { ...rotated, metadata: { name: SECRET }, data: { ...rotated.data, 'ca.crt': b64(oldCa) } } as never);
      await until(() => [a, b].every((h) => (h.caPem?.match(/BEGIN CERTIFICATE/g) ?? []).length === 2));
      await until(() => mwcBundles().every((x) => x === b64(a.caPem ?? '')));
      const bundle = unb64(mwcBundles()[0] ?? '');
      for (const [i, h] of [a, b].entries()) {
        // the connection opened before the rotation carries on
        expect(await admit(h.port, trustBoth, agents[i] as https.Agent)).toMatchObject({ status: 200, reused: true });
        // new handshakes get a certificate from the new CA
        expect(await handshake(h.port, next.certPem)).toMatchObject({ authorized: true });
        expect(await handshake(h.port, bundle)).toMatchObject({ authorized: true });
        expect((await handshake(h.port, oldCa)).authorized).toBe(false);
      }
      // Step 2: drop the old CA from the trust list.
      api.put(secrets(NS), { ...rotated, metadata: { name: SECRET } } as never);
      await until(() => mwcBundles().every((x) => x !== undefined && (unb64(x).match(/BEGIN CERTIFICATE/g) ?? []).length === 1));
      expect(new X509Certificate(unb64(mwcBundles()[0] ?? '')).fingerprint256).toBe(new X509Certificate(next.certPem).fingerprint256);
      // The replicas agree again: no more writes.
      await new Promise((r) => setTimeout(r, 300));
      const patches = mwcPatches();
      await new Promise((r) => setTimeout(r, 500));
      expect(mwcPatches()).toBe(patches);

      // Garbage in the Secret is refused: the current CA stays, the refusal is counted.
      const before = await metric(a.monitoringPort, 'sidecar_injection_cert_reloads_total', 'result="error"');
      api.put(secrets(NS), { metadata: { name: SECRET }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(next.certPem), 'tls.key': b64(createCa({ now: new Date() }).keyPem) } });
      await until(async () => (await metric(a.monitoringPort, 'sidecar_injection_cert_reloads_total', 'result="error"')) === before + 1);
      expect(await handshake(a.port, next.certPem)).toMatchObject({ authorized: true });
      expect(unb64(mwcBundles()[0] ?? '')).toBe(a.caPem);

      // Deleted: re-created with the CA in use.
      api.delete(secrets(NS), SECRET);
      await until(() => api.get(secrets(NS), SECRET) !== undefined);
      expect(unb64((api.get(secrets(NS), SECRET)?.data as Record<string, string>)['tls.crt'] ?? '')).toBe(next.certPem);
    } finally {
      for (const ag of agents) ag.destroy();
    }
  }, 60_000);

  it('keeps the caBundle of every named configuration: the revision\'s and its revision tags\' (--webhookConfigName a,b)', async () => {
    resetMwc();
    const tag = 'istio-revision-tag-prod';
    api.put(MWCS, { metadata: { name: tag }, webhooks: [{ name: 'rev.namespace.sidecar-injector.istio.io', clientConfig: { service: { name: 'istiod', namespace: NS, path: '/inject' } } }] });
    const opts = parseWebhookOptions(['--self-signed', '--port', '0', '--monitoringPort', '0', '--listenAddress', '127.0.0.1', '--webhookConfigName', `istio-sidecar-injector,${tag}`], { POD_NAMESPACE: NS });
    const hook = await startWebhook(opts, { logger: silent, env: { ENABLE_NATIVE_SIDECARS: 'true' }, build: () => createStubInjector(), kubeAccess: kubeAccessFromOptions(api.kubeconfigOptions(), 'test double') });
    hooks.push(hook);
    const tagBundles = () => ((api.get(MWCS, tag)?.webhooks ?? []) as { clientConfig: { caBundle?: string } }[]).map((w) => w.clientConfig.caBundle);
    await until(() => mwcBundles().every((x) => x === b64(hook.caPem ?? '')) && tagBundles().every((x) => x === b64(hook.caPem ?? '')));
    api.delete(MWCS, tag);
  }, 60_000);

  it('renews its serving certificate before expiry while running (fake clock), without dropping connections', async () => {
    resetMwc();
    // The clock starts 300 days in the past, so certificates issued after advancing it are
    // still valid for the real TLS handshakes below.
    const clock = new FakeClock(new Date(Date.now() - 300 * DAY));
    const hook = await start(clock);
    const ca = hook.caPem ?? '';
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await handshake(hook.port, ca);
      expect(first.authorized).toBe(true);
      expect(await admit(hook.port, ca, agent)).toMatchObject({ status: 200, reused: false });
      const renewAt = hook.selfSigned?.certs.renewAt().getTime() ?? 0;
      expect(renewAt - clock.now().getTime()).toBeGreaterThan(240 * DAY); // two thirds of 365 days
      clock.advance(240 * DAY);
      expect((await handshake(hook.port, ca)).serial).toBe(first.serial);
      clock.advance(5 * DAY);
      const renewed = await handshake(hook.port, ca);
      expect(renewed).toMatchObject({ authorized: true });
      expect(renewed.serial).not.toBe(first.serial);
      expect(new Date(new X509Certificate(hook.selfSigned?.certs.current().cert ?? '').validTo).getTime()).toBeGreaterThan(Date.now() + 300 * DAY);
      expect(await admit(hook.port, ca, agent)).toMatchObject({ status: 200, reused: true });
      expect(await metric(hook.monitoringPort, 'sidecar_injection_cert_reloads_total', 'result="ok"')).toBe(1);
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
