/**
 * Issue 12: no admission holds the event loop. For each hostile request of the benchmark
 * (bench/webhook/hostile-requests.ts) the test measures the CPU time the event loop's thread spends
 * on it, from the request's first byte to its answer — the time small pods sent meanwhile would
 * wait behind it. CPU time of that one thread (Linux schedstat), not wall time: on a loaded 2-core
 * CI machine wall time measures the other processes as much as the webhook, CPU time does not.
 * The client runs in a thread of its own so that its work is not counted.
 *
 * With admission workers every kind stays under LOOP_BUDGET_MS; the same requests answered on
 * the loop (workers off, as before) cost the loop 50–300 ms for the heaviest kinds, which the test
 * also checks so that it is known to be able to fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { isMainThread, Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE, pod, review } from '../../bench/webhook/hostile-requests.js';
import { createAdmissionWorkerPool, DEFAULT_WORKER_LIMITS, type AdmissionWorkerPool } from './admission-workers.js';
import { buildWebhookApp } from './app.js';
import { coreInjectorBuilder, injectionEnvironment } from './core-injector.js';
import { createWebhookMetrics } from './metrics.js';
import { NO_CLUSTER } from './testing/harness.js';
import { bundleAdmissionWorker } from './testing/worker-bundle.js';

/** The most loop CPU one request may take on the worker path (reading and handing over its bytes). */
const LOOP_BUDGET_MS = 20;

const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const skipReason = !existsSync(schedstat) ? 'no per-thread CPU time (/proc/self/task/<tid>/schedstat): Linux only' : !isMainThread ? 'the test must run on the main thread (vitest pool forks)' : undefined;
/** CPU time of this process's main thread (the event loop), in ms. */
const loopCpuMs = () => Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6;

const silent = pino({ level: 'silent' });
const env = { ENABLE_NATIVE_SIDECARS: 'false' };
const REQUESTS: [string, string][] = [['a small pod', review(pod('web'), 's')], ...HOSTILE];

// The client: a thread that holds the bodies and sends the one it is told to, keep-alive.
const CLIENT = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let bodies = [];
parentPort.on('message', (m) => {
  if (m.bodies) { bodies = m.bodies; return parentPort.postMessage({ ready: true }); }
  const body = bodies[m.index];
  const req = http.request({ host: '127.0.0.1', port: m.port, path: '/inject', method: 'POST', agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on('end', () => parentPort.postMessage({ status: res.statusCode }));
  });
  req.on('error', (e) => parentPort.postMessage({ status: 0, error: e.message }));
  req.end(body);
});`;

describe.skipIf(skipReason !== undefined)(`the event loop beside hostile requests${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let client: Worker;
  let worker: { url: URL; remove(): void };
  const pools: AdmissionWorkerPool[] = [];
  const apps: ReturnType<typeof buildWebhookApp>[] = [];
  beforeAll(async () => {
    worker = await bundleAdmissionWorker();
    client = new Worker(CLIENT, { eval: true });
    client.postMessage({ bodies: REQUESTS.map(([, body]) => body) });
    await new Promise((res) => client.once('message', res));
  }, 60_000);
  afterAll(async () => {
    await client?.terminate();
    await Promise.all(apps.map((a) => a.close()));
    await Promise.all(pools.map((p) => p.close()));
    worker?.remove();
  });

  async function serve(withWorkers: boolean): Promise<number> {
    const injector = coreInjectorBuilder('', injectionEnvironment(env))({}, {});
    const pool = withWorkers ? createAdmissionWorkerPool({ ...DEFAULT_WORKER_LIMITS, timeoutMs: 30_000 }, { revision: '', env, logger: silent, worker }) : undefined;
    if (pool) pools.push(pool);
    const app = buildWebhookApp({
      injector: { current: () => injector },
      cluster: { snapshot: () => NO_CLUSTER },
      logger: silent,
      metrics: createWebhookMetrics(),
      clock: performance,
      ...(pool ? { offload: { pool, config: () => ({ version: 0, texts: {}, files: {} }) } } : {}),
    });
    apps.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as AddressInfo).port;
  }

  /** Loop CPU per request kind: the least of `rounds` sends (the first round warms up). */
  async function loopCost(port: number, rounds: number): Promise<Map<string, { ms: number; status: number }>> {
    const out = new Map<string, { ms: number; status: number }>();
    for (let round = 0; round <= rounds; round++) {
      for (let index = 0; index < REQUESTS.length; index++) {
        const name = (REQUESTS[index] as [string, string])[0];
        const before = loopCpuMs();
        client.postMessage({ port, index });
        const { status } = await new Promise<{ status: number }>((res) => client.once('message', res));
        const ms = loopCpuMs() - before;
        if (round === 0) continue;
        const prev = out.get(name);
        if (!prev || ms < prev.ms) out.set(name, { ms, status });
      }
    }
    return out;
  }

  const table = (costs: Map<string, { ms: number; status: number }>) => Object.fromEntries([...costs].map(([k, v]) => [k, `${v.ms.toFixed(1)} ms (HTTP ${v.status})`]));

  it(`with admission workers, no request costs the loop more than ${LOOP_BUDGET_MS} ms of CPU`, async () => {
    const costs = await loopCost(await serve(true), 3);
    console.log('loop CPU per request, admission workers on:', table(costs));
    for (const [name, { ms, status }] of costs) {
      expect(status, name).toBeGreaterThanOrEqual(200);
      expect(status, name).toBeLessThan(500);
      expect(ms, name).toBeLessThan(LOOP_BUDGET_MS);
    }
  }, 120_000);

  it('answered on the loop (workers off), the heaviest requests cost it far more (the measure can fail)', async () => {
    const costs = await loopCost(await serve(false), 1);
    console.log('loop CPU per request, admission workers off:', table(costs));
    expect(Math.max(...[...costs.values()].map((c) => c.ms))).toBeGreaterThan(2 * LOOP_BUDGET_MS);
  }, 120_000);
});
