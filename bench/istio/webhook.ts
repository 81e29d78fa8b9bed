/**
 * The webhook side by side with Istio's (issue 11 §4), called by bench/istio/bench.ts.
 *
 * Servers, each a process of its own on loopback, all on the same certificate and the same
 * settings (Istio's chart defaults: the values, injector config and mesh config files the caller
 * renders with the oracle; native sidecars off; no cluster):
 * - Istio: the oracle's `serve-webhook` — Istio's own injection webhook (`inject.NewWebhook`'s
 *   /inject handler, as istiod registers it) served by Go's net/http over TLS;
 * - ours: the built webhook (`sidecar-kit webhook`, as bench/webhook/run.ts starts it) with the
 *   admission memo (the default; every request of a payload is identical, as replicas are) and
 *   with `--injectionCacheSize 0` (every request runs the whole injection, as Istio's does).
 *   Its injector config is Istio's without the `templates` texts, as our chart renders it
 *   (our-config.ts); the sanity check below shows both patch every pod alike.
 * Load: bench/webhook/load.ts's closed loop (autocannon, keep-alive HTTPS) for req/s at
 * saturation, alternating the servers in short rounds (medians, so that other load on the
 * machine hits all alike), then bench/webhook/paced.ts's open loop at half of each server's own
 * saturation rate for p50/p99; peak RSS (VmHWM) of each server process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import fjp, { type Operation } from 'fast-json-patch';
import { isDeepStrictEqual } from 'node:util';
import { createSelfSignedBundle } from '../../src/webhook/certs/self-signed.js';
import { closedLoad, median, payloads, peakRssMiB, startServer, type LoadResult } from '../webhook/load.js';
import { pacedLoad, type PacedResult } from '../webhook/paced.js';
import { writeOurInjectorConfig } from './our-config.js';

export interface WebhookVsIstioOptions {
  /** The oracle binary (scripts/istio-oracle.mjs ensureOracle()). */
  readonly oracle: string;
  /** Istio's settings as files: the injector ConfigMap's `values` and `config`, the mesh config. */
  readonly files: { readonly values: string; readonly config: string; readonly mesh: string };
  /** The built CLI (dist/sidecar-kit.js). */
  readonly cli: string;
  /** Closed-loop seconds per server and payload (split into `rounds`), and open-loop seconds. */
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly log?: (line: string) => void;
}

export interface WebhookVsIstio {
  /** Markdown table lines, one row per payload and memo setting. */
  readonly table: string[];
  /** Geometric mean over the payloads of our req/s ÷ Istio's, without the memo / with it. */
  readonly throughput: { readonly off: number; readonly on: number };
  /** Geometric mean of our p99 ÷ Istio's (each at half its own saturation rate), without / with the memo. */
  readonly p99: { readonly off: number; readonly on: number };
}

type Server = { name: 'istio' | 'memo' | 'off'; child: import('node:child_process').ChildProcess; port: number };

/** POSTs one AdmissionReview and returns the decoded answer. */
function post(port: number, body: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
        } catch {
          reject(new Error(`answer is not JSON (HTTP ${res.statusCode}): ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The pod after the server's patch (undefined: allowed without a patch, i.e. not injected);
 * throws unless the answer is an allowed AdmissionReview.
 */
async function patchedPod(server: Server, body: string): Promise<unknown> {
  const r = await post(server.port, body);
  const resp = (r.json as { response?: { allowed?: boolean; patch?: string; patchType?: string; status?: { message?: string } } }).response;
  if (r.status !== 200 || !resp?.allowed) {
    throw new Error(`${server.name}: not allowed (HTTP ${r.status}${resp?.status?.message ? `: ${resp.status.message}` : ''})`);
  }
  if (resp.patch === undefined) return undefined;
  if (resp.patchType !== 'JSONPatch') throw new Error(`${server.name}: patchType ${resp.patchType}`);
  const ops = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8')) as Operation[];
  const pod = fjp.deepClone((JSON.parse(body) as { request: { object: unknown } }).request.object) as object;
  return fjp.applyPatch(pod, ops, false, true).newDocument;
}

export async function benchWebhookVsIstio(opts: WebhookVsIstioOptions): Promise<WebhookVsIstio> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(path.join(tmpdir(), 'sk-bench-istio-webhook-'));
  const bundle = createSelfSignedBundle({ hosts: ['localhost', '127.0.0.1'], now: new Date() });
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  writeFileSync(cert, bundle.certPem);
  writeFileSync(key, bundle.keyPem);
  const { values, config, mesh } = opts.files;
  const ourConfig = writeOurInjectorConfig(config, path.join(dir, 'config-without-templates.yaml'));

  const startIstio = async (): Promise<Server> => ({
    name: 'istio',
    ...(await startServer(opts.oracle, ['serve-webhook', '--values', values, '--config', config, '--mesh', mesh, '--cert', cert, '--key', key, '--native', 'false'], {
      ready: (l) => (/^listening .*:(\d+)$/.exec(l.trim()) ? Number(/:(\d+)$/.exec(l.trim())?.[1]) : undefined),
    })),
  });
  const startOurs = async (name: 'memo' | 'off'): Promise<Server> => ({
    name,
    ...(await startServer(process.execPath, [opts.cli, 'webhook', '--tlsCertFile', cert, '--tlsKeyFile', key, '--port', '0', '--monitoringPort', '0', '--listenAddress', '127.0.0.1',
      '--valuesFile', values, '--injectConfigFile', ourConfig, '--meshConfigFile', mesh, ...(name === 'off' ? ['--injectionCacheSize', '0'] : [])], {
      env: { ENABLE_NATIVE_SIDECARS: 'false' },
      ready: (l) => {
        try {
          const rec = JSON.parse(l) as { msg?: string; port?: number };
          return rec.msg === 'webhook serving' ? rec.port : undefined;
        } catch {
          return undefined;
        }
      },
    })),
  });

  log(`webhook vs Istio: load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${opts.connections} keep-alive connections; ${opts.rounds} alternating rounds over ${opts.seconds} s per server and payload, closed loop then paced`);
  const table: string[] = [];
  const ratios = { off: [] as number[], on: [] as number[], p99off: [] as number[], p99on: [] as number[] };
  const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  try {
    for (const p of payloads()) {
      const servers: Server[] = [];
      try {
        servers.push(await startIstio(), await startOurs('memo'), await startOurs('off'));
        const [istio, memo, off] = servers as [Server, Server, Server];
        // Sanity, once: every body gets an allowed patch from each server; say whether the
        // patched pods agree (the differential fuzzing is where disagreements are judged).
        let same = 0;
        let unchanged = 0;
        for (const body of p.bodies) {
          const theirs = await patchedPod(istio, body);
          const ours = await patchedPod(off, body);
          if (!isDeepStrictEqual(ours, await patchedPod(memo, body))) throw new Error(`${p.name}: our webhook answers differently with the memo`);
          if ((theirs === undefined) !== (ours === undefined)) throw new Error(`${p.name}: ${theirs === undefined ? 'Istio' : 'ours'} left a pod unchanged that the other injected`);
          if (theirs === undefined) unchanged++;
          if (isDeepStrictEqual(theirs, ours)) same++;
        }
        log(`${p.name}: ${p.bodies.length} bodies, all allowed by both, ${p.bodies.length - unchanged} with a JSONPatch, ${unchanged} left unchanged by both (not injected); patched pods identical for ${same}/${p.bodies.length}`);
        for (const s of servers) await closedLoad({ port: s.port, bodies: p.bodies, connections: opts.connections, seconds: 1 }); // warm-up (JIT, handshakes)

        const closed = new Map<string, LoadResult[]>(servers.map((s) => [s.name, []]));
        for (let r = 0; r < opts.rounds; r++) {
          // Rotate the order each round so that none always runs first or last.
          for (let k = 0; k < servers.length; k++) {
            const s = servers[(r + k) % servers.length] as Server;
            closed.get(s.name)?.push(await closedLoad({ port: s.port, bodies: p.bodies, connections: opts.connections, seconds: opts.seconds / opts.rounds }));
          }
        }
        const max = new Map(servers.map((s) => [s.name, median(closed.get(s.name) ?? [], (x) => x.rps)]));
        const paced = new Map<string, PacedResult[]>(servers.map((s) => [s.name, []]));
        for (let r = 0; r < opts.rounds; r++) {
          for (let k = 0; k < servers.length; k++) {
            const s = servers[(r + k) % servers.length] as Server;
            const rate = Math.max(1, Math.round((max.get(s.name)?.rps ?? 2) / 2));
            paced.get(s.name)?.push(await pacedLoad({ port: s.port, bodies: p.bodies, rate, seconds: opts.seconds / opts.rounds, connections: opts.connections, warmupSeconds: 0.5 }));
          }
        }
        const half = (name: string) => {
          const runs = paced.get(name) ?? [];
          return { p50: median(runs, (x) => x.p50).p50, p99: median(runs, (x) => x.p99).p99, failed: runs.reduce((n, x) => n + x.failed, 0) };
        };
        const it = { max: max.get('istio') as LoadResult, half: half('istio'), rss: peakRssMiB(istio.child.pid as number) };
        const bad = (name: string) => (closed.get(name) ?? []).reduce((n, x) => n + x.bad, 0) + half(name).failed;
        for (const s of [off, memo]) {
          const m = max.get(s.name) as LoadResult;
          const h = half(s.name);
          const rss = peakRssMiB(s.child.pid as number);
          const tr = m.rps / it.max.rps;
          const pr = h.p99 / it.half.p99;
          ratios[s.name === 'off' ? 'off' : 'on'].push(tr);
          ratios[s.name === 'off' ? 'p99off' : 'p99on'].push(pr);
          table.push(
            `| ${p.name} | ${s.name === 'off' ? 'off' : 'on'} | ${m.rps.toFixed(0)} | ${it.max.rps.toFixed(0)} | **${fmt(tr)}×** | ${fmt(h.p50)} / ${fmt(h.p99)} | ${fmt(it.half.p50)} / ${fmt(it.half.p99)} | ${fmt(h.p50 / it.half.p50)} / ${fmt(pr)} | ${rss.toFixed(0)} / ${it.rss.toFixed(0)} (${fmt(rss / it.rss)}) | ${bad(s.name)} / ${bad('istio')} |`,
          );
        }
      } finally {
        for (const s of servers) s.child.kill('SIGTERM');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const geo = (xs: number[]) => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length);
  log(`webhook vs Istio: load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  return {
    table: [
      '| payload | our memo | ours req/s | Istio req/s | throughput ours ÷ Istio | ours p50 / p99 ms at half our max | Istio p50 / p99 ms at half its max | p50 / p99 ours ÷ Istio | peak RSS MiB ours / Istio (÷) | failed ours / Istio |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...table,
    ],
    throughput: { off: geo(ratios.off), on: geo(ratios.on) },
    p99: { off: geo(ratios.p99off), on: geo(ratios.p99on) },
  };
}
