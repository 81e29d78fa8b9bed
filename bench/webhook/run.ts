/**
 * Webhook benchmark: HTTPS keep-alive load over loopback (autocannon) against the built webhook
 * (`sidecar-kit webhook`, a separate process) and, in the same run, against a bare Fastify HTTPS
 * route answering a fixed AdmissionReview (the same bytes ours answers, so only the work differs), for three payloads: a small pod, the pods of
 * examples/shop.yaml, a pod with 2000 env vars. For each: max throughput (autocannon, closed
 * loop), p50/p99 latency, peak RSS; then our p50/p99 at half of our max rate (paced.ts, open
 * loop). Ours runs twice: with the admission memo (identical replica pods, the default) and
 * with `--injectionCacheSize 0` (every request runs the whole injection). Run: `npm run build && npx tsx bench/webhook/run.ts`
 * (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS, SIDECAR_KIT_CLI override the defaults). Max
 * throughput alternates ours and bare in BENCH_ROUNDS short runs and reports the medians, so
 * that other load on the machine hits both alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSelfSignedBundle } from '../../src/webhook/certs/self-signed.js';
import { createCoreInjector, injectionEnvironment, settingsFromTexts } from '../../src/webhook/core-injector.js';
import { handleInjectRequest } from '../../src/webhook/handle.js';
import { closedLoad, median, payloads as allPayloads, peakRssMiB, startServer } from './load.js';
import { pacedLoad } from './paced.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cli = process.env.SIDECAR_KIT_CLI ?? path.join(root, 'dist', 'sidecar-kit.js');
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const payloads = allPayloads();

const startChild = (args: string[], env: NodeJS.ProcessEnv, ready: (line: string) => number | undefined) => startServer(process.execPath, args, { env, ready });

/** Closed-loop maximum throughput (autocannon) over `duration` seconds. */
const load = (port: number, bodies: string[], duration = seconds) => closedLoad({ port, bodies, connections, seconds: duration });

/** What our webhook answers for `body` (defaults, native sidecars), for the bare route to send. */
function ourAnswer(body: string): string {
  const injector = createCoreInjector(settingsFromTexts({}, ''), injectionEnvironment({ ENABLE_NATIVE_SIDECARS: 'true' }));
  const r = handleInjectRequest({ body: Buffer.from(body), contentType: 'application/json', path: '/inject' }, { injector, cluster: { nodes: undefined, namespaceAnnotations: undefined } });
  if (r.status !== 200) throw new Error(`payload rejected: ${r.message}`);
  return JSON.stringify(r.review);
}

const dir = mkdtempSync(path.join(tmpdir(), 'sk-bench-'));
const b = createSelfSignedBundle({ hosts: ['localhost', '127.0.0.1'], now: new Date() });
writeFileSync(path.join(dir, 'tls.crt'), b.certPem);
writeFileSync(path.join(dir, 'tls.key'), b.keyPem);
const tls = [path.join(dir, 'tls.crt'), path.join(dir, 'tls.key')] as const;

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${connections} keep-alive connections, ${rounds} alternating rounds over ${seconds}s per server and payload`);
const rows: string[] = [];
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const startOurs = (cache: string) =>
  startChild(
    [cli, 'webhook', '--tlsCertFile', tls[0], '--tlsKeyFile', tls[1], '--port', '0', '--monitoringPort', '0', '--listenAddress', '127.0.0.1', '--injectionCacheSize', cache],
    { ENABLE_NATIVE_SIDECARS: 'true' },
    (l) => (l.includes('"webhook serving"') ? (JSON.parse(l) as { port: number }).port : undefined),
  );
for (const p of payloads) {
  const answerFile = path.join(dir, 'answer.json');
  writeFileSync(answerFile, ourAnswer(p.bodies[0] as string));
  const bare = await startChild([path.join(here, 'bare-server.mjs'), ...tls, answerFile], {}, (l) => (l.startsWith('{"port"') ? (JSON.parse(l) as { port: number }).port : undefined));
  await load(bare.port, p.bodies, 1); // warm-up
  for (const cache of ['256', '0']) {
    const ours = await startOurs(cache);
    await load(ours.port, p.bodies, 1); // warm-up (JIT)
    // Other work on the machine comes and goes: alternate short runs and keep the medians.
    const oursRuns: Awaited<ReturnType<typeof load>>[] = [];
    const bareRuns: Awaited<ReturnType<typeof load>>[] = [];
    for (let r = 0; r < rounds; r++) {
      bareRuns.push(await load(bare.port, p.bodies, seconds / rounds));
      oursRuns.push(await load(ours.port, p.bodies, seconds / rounds));
    }
    const max = median(oursRuns, (x) => x.rps);
    const bareMax = median(bareRuns, (x) => x.rps);
    const rate = Math.max(1, Math.round(max.rps / 2));
    const half = await pacedLoad({ port: ours.port, bodies: p.bodies, rate, seconds, connections });
    const bareHalf = await pacedLoad({ port: bare.port, bodies: p.bodies, rate, seconds, connections });
    const rss = peakRssMiB(ours.child.pid as number);
    const bareRss = peakRssMiB(bare.child.pid as number);
    ours.child.kill('SIGTERM');
    const ratio = (100 * max.rps) / bareMax.rps;
    rows.push(
      `| ${p.name} | ${cache === '0' ? 'off' : 'on'} | ${max.rps.toFixed(0)} | ${bareMax.rps.toFixed(0)} | ${ratio.toFixed(0)}% | ${max.p50} / ${max.p99} | ${bareMax.p50} / ${bareMax.p99} | ${rate}: ${fmt(half.p50)} / ${fmt(half.p99)} (bare ${fmt(bareHalf.p50)} / ${fmt(bareHalf.p99)}) | ${rss.toFixed(0)} / ${bareRss.toFixed(0)} | ${oursRuns.reduce((n, x) => n + x.bad, 0) + half.failed} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  bare.child.kill('SIGTERM');
}
console.log('\n| payload | memo | ours req/s | bare req/s | ours/bare | ours p50/p99 ms at max | bare p50/p99 ms at max | at half our max (req/s): ours p50 / p99 ms (bare at that rate) | peak RSS MiB ours / bare | failed |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
rmSync(dir, { recursive: true, force: true });
