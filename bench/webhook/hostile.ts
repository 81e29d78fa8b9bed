/**
 * Hostile pods beside a stream of small ones (issue 12): the webhook runs as a process of its own
 * (one event loop, as in production) with the admission memo off, so every small pod is a full
 * injection. Small pods arrive at a fixed rate (open loop, paced.ts: a latency counts from the
 * scheduled start, so time queued behind a hostile admission counts). First the small pods alone
 * (the baseline, same run), then the same stream while a client sends a hostile request every
 * BENCH_HOSTILE_INTERVAL_MS (default 1000), in turn: a pod with 10 000 init containers, a "billion laughs"
 * proxy.istio.io/config (refused by the alias budget), an alias-heavy config go-yaml still
 * accepts, a 5 MiB body of nested JSON arrays (refused before parsing), a pod with 2 MB of
 * labels and annotations, 4000 excluded outbound ranges. Reported: the small pods' p50/p99 in
 * both phases and each hostile kind's slowest answer, with the admission workers off (every
 * admission on the event loop) and on (the defaults), in the same run.
 *
 * Run: `npx tsx bench/webhook/hostile.ts` (BENCH_SECONDS per phase, default 10; BENCH_RATE small
 * pods per second, default 50; SIDECAR_KIT_CLI: a built CLI, default the sources through tsx).
 */
import https from 'node:https';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebhookProcess } from '../../e2e/webhook/server-process.mjs';
import { HOSTILE, pod, range, review } from './hostile-requests.js';
import { pacedLoad } from './paced.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rate = Number(process.env.BENCH_RATE ?? 50);
const hostileIntervalMs = Number(process.env.BENCH_HOSTILE_INTERVAL_MS ?? 1000);

function post(port: number, agent: https.Agent, body: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - start }));
    req.end(body);
  });
}

/**
 * Sends the hostile requests in turn, one every `intervalMs` (or right after the previous answer
 * when that took longer), until `stop()`; the slowest answer per kind.
 */
function hostileClient(port: number, offset: number, intervalMs: number) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  const slowest = new Map<string, { ms: number; status: number; count: number }>();
  let running = true;
  const done = (async () => {
    for (let i = offset; running; i++) {
      const [name, body] = HOSTILE[i % HOSTILE.length] as [string, string];
      const started = performance.now();
      const r = await post(port, agent, body);
      await new Promise((res) => setTimeout(res, Math.max(0, intervalMs - (performance.now() - started))));
      const prev = slowest.get(name);
      slowest.set(name, { ms: Math.max(prev?.ms ?? 0, r.ms), status: r.status, count: (prev?.count ?? 0) + 1 });
    }
    agent.destroy();
  })();
  return {
    async stop() {
      running = false;
      await done;
      return slowest;
    },
  };
}

const cli = process.env.SIDECAR_KIT_CLI ?? path.join(root, 'src', 'cli', 'main.ts');
const env: Record<string, string> = cli.endsWith('.ts') ? { NODE_OPTIONS: '--import tsx' } : {};
const ms = (n: number) => `${n.toFixed(1)} ms`;
// The same run with the admission workers off (every admission on the event loop, as before
// issue 12's worker pool) and on (the defaults).
const modes: [string, string[]][] = [
  ['admission workers off (--admissionWorkers 0)', ['--admissionWorkers', '0']],
  ['admission workers on (defaults: 2 threads, bodies >= 32 KiB or YAML aliases)', []],
];
const summary: string[] = [];
console.log(`load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${rate} small pods/s for ${seconds} s per phase; a hostile request every ${hostileIntervalMs} ms`);
for (const [mode, args] of modes) {
  const server = await startWebhookProcess({ cli, env, args: ['--injectionCacheSize', '0', ...args], timeoutMs: 120_000 });
  try {
    const smalls = range(16).map((i) => review(pod(`web-${i}`), `s${i}`));
    // Warm up both paths (JIT, worker threads) before measuring.
    await pacedLoad({ port: server.port, bodies: smalls, rate, seconds: 1, connections: 4, warmupSeconds: 1 });
    const warm = hostileClient(server.port, 0, 0);
    await new Promise((res) => setTimeout(res, 3000));
    await warm.stop();
    const baseline = await pacedLoad({ port: server.port, bodies: smalls, rate, seconds, connections: 4, warmupSeconds: 2 });
    const clients = [hostileClient(server.port, 0, hostileIntervalMs)];
    const loaded = await pacedLoad({ port: server.port, bodies: smalls, rate, seconds, connections: 4, warmupSeconds: 1 });
    const results = await Promise.all(clients.map((c) => c.stop()));
    console.log(`\n### ${mode}\n\nload average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log('| phase | small pods sent | failed | p50 | p99 |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(`| small pods alone | ${baseline.sent} | ${baseline.failed} | ${ms(baseline.p50)} | ${ms(baseline.p99)} |`);
    console.log(`| beside the hostile stream | ${loaded.sent} | ${loaded.failed} | ${ms(loaded.p50)} | ${ms(loaded.p99)} |`);
    console.log('\n| hostile request | answer | sent | slowest answer |');
    console.log('| --- | --- | --- | --- |');
    for (const [name, body] of HOSTILE) {
      const all = results.map((r) => r.get(name)).filter((x) => x !== undefined);
      const worst = all.length ? Math.max(...all.map((x) => x.ms)) : NaN;
      console.log(`| ${name} (${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB) | ${all[0]?.status ?? '-'} | ${all.reduce((s, x) => s + x.count, 0)} | ${ms(worst)} |`);
    }
    summary.push(`${mode}: small pods' p99 beside hostile pods ${ms(loaded.p99)} (goal < 50 ms); alone ${ms(baseline.p99)}`);
  } finally {
    await server.stop();
  }
}
console.log(`\n${summary.join('\n')}`);
