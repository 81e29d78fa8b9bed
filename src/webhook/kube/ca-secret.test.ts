import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaInvalidError, createCa, type CertificateAuthority } from '../certs/self-signed.js';
import { FakeApiServer, secrets } from '../testing/fake-apiserver.js';
import { CaSecretError, caBundleFor, caSecretObject, loadOrCreateCaSecret, sharedCaFromSecret, watchCaSecret } from './ca-secret.js';
import { kubeAccessFromOptions } from './client.js';

const silent = pino({ level: 'silent' });
const NS = 'mesh';
const now = new Date();
const caA = createCa({ now });
const caB = createCa({ now });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const certsIn = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('caBundleFor / sharedCaFromSecret', () => {
  const ref = { namespace: NS, name: 'hook-ca' };
  const secret = (data: Record<string, string>) => ({ metadata: { name: 'hook-ca' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });

  it('puts the signing CA first, then the extra CAs of ca.crt, each once, in one normal form', () => {
    const crlf = caA.certPem.replace(/\n/g, '\r\n');
    const bundle = caBundleFor(caA, `${caB.certPem}\n${crlf}`);
    expect(certsIn(bundle)).toBe(2);
    expect(new X509Certificate(bundle).fingerprint256).toBe(new X509Certificate(caA.certPem).fingerprint256);
    expect(bundle).toBe(caBundleFor({ ...caA, certPem: crlf }, caB.certPem)); // same bytes whatever the input line endings
    expect(bundle).not.toContain('\r');
  });

  it.each([
    ['no tls.crt', { 'tls.key': caA.keyPem }, 'key tls.crt', /tls\.crt: missing/],
    ['no tls.key', { 'tls.crt': caA.certPem }, 'key tls.key', /tls\.key: missing/],
    ['a key that is not the CA\'s', { 'tls.crt': caA.certPem, 'tls.key': caB.keyPem }, 'key tls.key', /does not belong/],
    ['a broken ca.crt', { 'tls.crt': caA.certPem, 'tls.key': caA.keyPem, 'ca.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }, 'key ca.crt', /ca\.crt: a certificate does not parse/],
  ])('refuses a Secret with %s, naming the Secret and key', (_n, data, field, message) => {
    let error: unknown;
    try {
      sharedCaFromSecret(secret(data), ref, now);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CaInvalidError);
    expect((error as CaInvalidError).field).toBe(`Secret mesh/hook-ca ${field}`);
    expect((error as Error).message).toMatch(message);
  });

  it('reads back what caSecretObject writes', () => {
    const s = caSecretObject(ref, caA);
    expect(s).toMatchObject({ type: 'kubernetes.io/tls', metadata: { name: 'hook-ca', namespace: NS } });
    expect(sharedCaFromSecret(s, ref, now)).toEqual({ ca: caA, bundlePem: caBundleFor(caA) });
  });
});

describe('the shared CA Secret against a test double of the Kubernetes API', () => {
  let api: FakeApiServer;
  const access = () => kubeAccessFromOptions(api.kubeconfigOptions(), 'test double');
  beforeAll(async () => {
    api = await new FakeApiServer().start();
  }, 30_000);
  afterAll(() => api.stop());
  const load = (name: string, generate: () => CertificateAuthority, retry?: { totalMs: number; initialMs: number }) =>
    loadOrCreateCaSecret({ access: access(), ref: { namespace: NS, name }, now: () => new Date(), generate, logger: silent, ...(retry ? { retry } : {}) });
  const requestsFor = (name: string) => api.requests.filter((r) => r.path === `${secrets(NS)}/${name}` || (r.method === 'POST' && r.path === secrets(NS) && (r.body as { metadata: { name: string } }).metadata.name === name));

  it('creates the Secret when absent, and later starts read it instead of generating', async () => {
    const first = await load('single-ca', () => caA);
    expect(first.created).toBe(true);
    expect(first.shared.ca).toEqual(caA);
    const stored = api.get(secrets(NS), 'single-ca') as unknown as { type: string; data: Record<string, string> };
    expect(stored.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(stored.data['tls.crt'] ?? '', 'base64').toString()).toBe(caA.certPem);
    let generated = 0;
    const second = await load('single-ca', () => (generated++, caB));
    expect(second).toEqual({ created: false, shared: first.shared });
    expect(generated).toBe(0);
  });

  it('two replicas racing: both see 404, both create, the API server takes one (201) and refuses the other (409), both end with the winner\'s CA', async () => {
    // Line both GETs up so they are answered 404 together, the real race.
    api.hold = (r) => r.method === 'GET' && r.path === `${secrets(NS)}/race-ca`;
    const a = load('race-ca', () => caA);
    const b = load('race-ca', () => caB);
    await until(() => requestsFor('race-ca').filter((r) => r.method === 'GET').length === 2);
    api.release();
    const [ra, rb] = await Promise.all([a, b]);
    const posts = requestsFor('race-ca').filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status).sort()).toEqual([201, 409]);
    expect([ra.created, rb.created].sort()).toEqual([false, true]);
    expect(ra.shared).toEqual(rb.shared);
    const winner = ra.created ? caA : caB;
    expect(ra.shared.ca).toEqual(winner);
    expect(requestsFor('race-ca').filter((r) => r.method === 'GET').map((r) => r.status)).toEqual([404, 404, 200]);
  });

  it('fails at once, naming the Secret and verb, when RBAC refuses', async () => {
    api.failWith = 403;
    try {
      await expect(load('forbidden-ca', () => caA)).rejects.toThrow(CaSecretError);
      await expect(load('forbidden-ca', () => caA)).rejects.toThrow(/^Secret mesh\/forbidden-ca: get: HTTP 403: forced failure$/);
    } finally {
      api.failWith = undefined;
    }
  });

  it('retries while the API server fails transiently', async () => {
    api.failWith = 503;
    const p = load('flaky-ca', () => caA, { totalMs: 10_000, initialMs: 20 });
    await until(() => requestsFor('flaky-ca').length >= 3);
    api.failWith = undefined;
    expect((await p).created).toBe(true);
  });

  it('refuses an invalid existing Secret without overwriting it', async () => {
    api.put(secrets(NS), { metadata: { name: 'bad-ca' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(caA.certPem), 'tls.key': b64(caB.keyPem) } });
    await expect(load('bad-ca', () => caA)).rejects.toThrow(/Secret mesh\/bad-ca key tls\.key: does not belong/);
    expect(requestsFor('bad-ca').filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('the watch reports changes and the deletion of that one Secret only', async () => {
    const seen: (string | undefined)[] = [];
    const w = watchCaSecret({ access: access(), ref: { namespace: NS, name: 'watched-ca' }, logger: silent, onChange: (s) => seen.push(s?.data?.['tls.crt']) });
    try {
      await until(() => w.synced() && api.openWatches(secrets(NS), 'watched-ca') === 1);
      api.put(secrets(NS), caSecretObject({ namespace: NS, name: 'watched-ca' }, caA) as never);
      api.put(secrets(NS), caSecretObject({ namespace: NS, name: 'other' }, caA) as never);
      api.put(secrets(NS), caSecretObject({ namespace: NS, name: 'watched-ca' }, caB) as never);
      api.delete(secrets(NS), 'watched-ca');
      await until(() => seen.length >= 4);
      expect(seen).toEqual([undefined, b64(caA.certPem), b64(caB.certPem), undefined]);
    } finally {
      await w.stop();
    }
  });
});
