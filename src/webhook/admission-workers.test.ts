/**
 * Admission worker threads (admission-workers.ts): real worker threads running the real injection
 * core. The same requests answered on the event loop and on a thread give byte-identical HTTP
 * answers; a hot reload reaches the threads; the time, queue and memory bounds refuse clearly and
 * the pool lives on; `close()` drains.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE, pod as hostilePod, range, review as hostileReview } from '../../bench/webhook/hostile-requests.js';
import { createAdmissionWorkerPool, DEFAULT_WORKER_LIMITS, type AdmissionWorkerLimits, type AdmissionWorkerPool } from './admission-workers.js';
import { buildWebhookApp } from './app.js';
import { startReloadingInjector, type ConfigSnapshot } from './config-source.js';
import { coreInjectorBuilder, injectionEnvironment } from './core-injector.js';
import { createWebhookMetrics } from './metrics.js';
import { NO_CLUSTER, review, simplePod } from './testing/harness.js';
import { bundleAdmissionWorker } from './testing/worker-bundle.js';
import type { ClusterSnapshot, PodInjector } from './types.js';

const silent = pino({ level: 'silent' });
const env = { ENABLE_NATIVE_SIDECARS: 'false' };
const pools: AdmissionWorkerPool[] = [];
let worker: { url: URL; remove(): void };
beforeAll(async () => {
  worker = await bundleAdmissionWorker();
}, 60_000);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  worker.remove();
});

function pool(limits: Partial<AdmissionWorkerLimits> = {}): AdmissionWorkerPool {
  const p = createAdmissionWorkerPool({ ...DEFAULT_WORKER_LIMITS, workers: 1, ...limits }, { revision: '', env, logger: silent, worker });
  pools.push(p);
  return p;
}

/** An app over the real core, optionally with every admission of at least `minBytes` on threads. */
function app(opts: { pool?: AdmissionWorkerPool; injector?: () => PodInjector; config?: () => ConfigSnapshot; cluster?: ClusterSnapshot } = {}) {
  const injector = coreInjectorBuilder('', injectionEnvironment(env))({}, {});
  const metrics = createWebhookMetrics();
  const built = buildWebhookApp({
    injector: { current: opts.injector ?? (() => injector) },
    cluster: { snapshot: () => opts.cluster ?? NO_CLUSTER },
    logger: silent,
    metrics,
    clock: { now: () => 0 },
    ...(opts.pool ? { offload: { pool: opts.pool, config: opts.config ?? (() => ({ version: 0, texts: {}, files: {} })) } } : {}),
  });
  return { app: built, metrics };
}

const send = (a: ReturnType<typeof app>['app'], payload: string, url = '/inject', type = 'application/json') =>
  a.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });

const answer = (r: { statusCode: number; headers: Record<string, unknown>; body: string }) => ({ status: r.statusCode, type: r.headers['content-type'], body: r.body });

describe('admission workers', () => {
  // Every kind of answer: injected (v1, v1beta1, with path overrides and their warning), skipped,
  // rejected by validation, rejected as invalid objects, undecodable, wrong type, the hostile ones.
  const cases: [string, string, string?, string?][] = [
    ['injected', JSON.stringify(review(simplePod()))],
    ['v1beta1', JSON.stringify(review(simplePod(), {}, 'admission.k8s.io/v1beta1'))],
    ['path overrides', JSON.stringify(review(simplePod())), '/inject/cluster/c1/net/n--slash--1/odd'],
    ['skipped', JSON.stringify(review(simplePod({ spec: { hostNetwork: true, containers: [{ name: 'a', image: 'a' }] } })))],
    ['invalid annotation', JSON.stringify(review(simplePod({ metadata: { name: 'p', annotations: { 'sidecar.istio.io/interceptionMode': 'BOGUS' } } })))],
    ['proxy config', JSON.stringify(review(simplePod({ metadata: { name: 'p', annotations: { 'proxy.istio.io/config': 'x: &x {concurrency: 3}\nconcurrency: 2\n' } } })))],
    ['not a pod', JSON.stringify(review({ kind: 'Service' }, { kind: { group: '', version: 'v1', kind: 'Service' } }))],
    ['no uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} })],
    ['bad JSON', '{"apiVersion":'],
    ['wrong content type', JSON.stringify(review(simplePod())), '/inject', 'text/plain'],
    ...HOSTILE.map(([name, body]) => [name, body] as [string, string]),
  ];

  it('answers every kind of request byte for byte as the event loop does (every admission forced onto a thread)', async () => {
    const loop = app();
    const threads = pool({ minBytes: 0 });
    const offloaded = app({ pool: threads });
    for (const [name, body, url, type] of cases) {
      const want = answer(await send(loop.app, body, url, type));
      const got = answer(await send(offloaded.app, body, url, type));
      expect({ name, ...got }).toEqual({ name, ...want });
    }
    expect(threads.load()).toEqual({ queued: 0, running: 0, threads: 1 });
  }, 60_000);

  it('sends small requests with YAML aliases in proxy.istio.io/config to a thread, others stay on the loop', async () => {
    const threads = pool({ minBytes: 1024 * 1024 });
    const answered: string[] = [];
    const p = { ...threads, run: (r: Parameters<AdmissionWorkerPool['run']>[0]) => (answered.push(r.body.toString().slice(0, 0) + 'x'), threads.run(r)) };
    const a = app({ pool: p });
    await send(a.app, JSON.stringify(review(simplePod())));
    expect(answered).toHaveLength(0);
    const aliased = HOSTILE.find(([n]) => n.startsWith('alias-heavy'))?.[1] as string;
    const r = await send(a.app, aliased);
    expect(r.statusCode).toBe(200);
    expect(answered).toHaveLength(1);
  }, 30_000);

  it('builds each configuration version the loop uses: a hot reload reaches the threads', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sk-hostile-workers-'));
    try {
      const values = path.join(dir, 'values');
      writeFileSync(values, JSON.stringify({ global: { proxy: { image: 'proxy-one' } } }));
      const source = startReloadingInjector({ paths: { valuesFile: values }, build: coreInjectorBuilder('', injectionEnvironment(env)), logger: silent, metrics: createWebhookMetrics(), watch: false });
      const threads = pool({ minBytes: 0 });
      const a = app({ pool: threads, injector: () => source.current(), config: () => source.config() });
      const loop = app({ injector: () => source.current() });
      const body = JSON.stringify(review(simplePod()));
      const first = (await send(a.app, body)).body;
      expect(first).toBe((await send(loop.app, body)).body);
      writeFileSync(values, JSON.stringify({ global: { proxy: { image: 'proxy-two' } } }));
      expect(source.reload()).toBe(true);
      const second = (await send(a.app, body)).body;
      expect(second).not.toBe(first);
      expect(second).toBe((await send(loop.app, body)).body);
      expect(Buffer.from(JSON.parse(second).response.patch, 'base64').toString()).toContain('proxy-two');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  /** The refusal's text, whether it came as an AdmissionReview (uid known) or as a 503. */
  const refusal = (r: { statusCode: number; body: string; json(): { response: { uid: string; allowed: boolean; status: { message: string } } } }, uid: string) => {
    if (r.statusCode === 503) return r.body;
    expect(r.statusCode).toBe(200);
    const { response } = r.json();
    expect(response).toMatchObject({ uid, allowed: false });
    return response.status.message;
  };

  /** The replacement thread answers (it may take a few seconds to start from the sources). */
  const answersAgain = async (a: ReturnType<typeof app>['app']) => {
    for (let i = 0; ; i++) {
      const ok = await send(a, JSON.stringify(review(simplePod())));
      // A refusal for time (a thread still warming up under a small budget) is asked again.
      const timedOut = ok.statusCode === 200 && /not answered within/.test(JSON.stringify(ok.json().response.status ?? ''));
      if (ok.statusCode === 200 && !timedOut) return expect(ok.json().response.allowed).toBe(true);
      expect(i).toBeLessThan(20);
      await new Promise((res) => setTimeout(res, 500));
    }
  };

  it('refuses an admission over its time budget (by uid once decoded), replaces the thread and answers the next one', async () => {
    // A budget far below the slow pod's cost (~0.7 s of injection here for 120 000 init
    // containers) so the refusal does not depend on how fast the machine is.
    const threads = pool({ minBytes: 0, timeoutMs: 150 });
    const a = app({ pool: threads });
    await answersAgain(a.app); // the thread has started
    const slow = hostileReview(hostilePod('slow', { initContainers: range(120_000).map((i) => ({ name: `c${i}`, image: 'b' })) }), 'slow-uid');
    const started = performance.now();
    const r = await send(a.app, slow);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(refusal(r, 'slow-uid')).toContain('not answered within 150 ms (--admissionWorkerTimeoutMs)');
    await answersAgain(a.app);
  }, 60_000);

  it('refuses at once when every thread is busy and the queue is full (HTTP 503 naming the flag)', async () => {
    const threads = pool({ minBytes: 0, maxQueue: 1 });
    const a = app({ pool: threads });
    const big = HOSTILE[0]?.[1] as string;
    const [first, second] = await Promise.all([send(a.app, big), send(a.app, big)]);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(503);
    expect(second.body).toMatch(/^admission workers busy: 0 running, 1 waiting \(--admissionWorkerQueue 1\)/);
  }, 30_000);

  it('refuses an admission that exhausts its thread heap, and the pool lives on', async () => {
    const threads = pool({ minBytes: 0, heapMb: 16, timeoutMs: 60_000 });
    const a = app({ pool: threads });
    const huge = hostileReview(hostilePod('huge', { initContainers: range(60_000).map((i) => ({ name: `c${i}`, image: 'b' })) }), 'huge-uid');
    const r = await send(a.app, huge);
    expect(refusal(r, 'huge-uid')).toContain('more memory than an admission worker may use (16 MiB, --admissionWorkerHeapMb)');
    await answersAgain(a.app);
  }, 60_000);

  it('close() lets a running admission finish, refuses new ones and ends the threads', async () => {
    const threads = createAdmissionWorkerPool({ ...DEFAULT_WORKER_LIMITS, workers: 1, minBytes: 0 }, { revision: '', env, logger: silent, worker });
    const a = app({ pool: threads });
    const pending = send(a.app, HOSTILE[0]?.[1] as string);
    await new Promise((r) => setTimeout(r, 20));
    const closed = threads.close();
    const late = await send(a.app, JSON.stringify(review(simplePod())));
    expect(late.statusCode).toBe(503);
    expect(late.body).toContain('shutting down');
    expect((await pending).json().response.allowed).toBe(true);
    await closed;
    expect(threads.load()).toEqual({ queued: 0, running: 0, threads: 0 });
  }, 30_000);
});
