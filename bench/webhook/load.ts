/**
 * What the webhook benchmarks share: the AdmissionReview payloads (a small pod, the pods of
 * examples/shop.yaml as a controller builds them, a pod with 2000 env vars), the closed-loop
 * maximum-throughput load (autocannon over HTTPS keep-alive), starting a server process and
 * reading its peak RSS. Used by bench/webhook/run.ts (ours vs a bare route) and
 * bench/istio/webhook.ts (ours vs Istio's webhook); the open-loop load is paced.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

type Obj = Record<string, unknown>;

export const review = (pod: Obj, i: number): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: `bench-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: ((pod.metadata as Obj).namespace as string) ?? 'default', operation: 'CREATE', object: pod },
  });

/** Pods of the example manifest, built the way a controller would (template + owner). */
export function examplePods(): Obj[] {
  const docs = parseAllDocuments(readFileSync(path.join(root, 'examples', 'shop.yaml'), 'utf8')).map((d) => d.toJSON() as Obj);
  return docs.flatMap((d) => {
    const tpl = ((d.spec as Obj | undefined)?.template as Obj | undefined) ?? undefined;
    if (!tpl) return d.kind === 'Pod' ? [d] : [];
    const meta = (d.metadata ?? {}) as Obj;
    return [{ apiVersion: 'v1', kind: 'Pod', metadata: { ...((tpl.metadata ?? {}) as Obj), namespace: meta.namespace, generateName: `${meta.name}-`, ownerReferences: [{ apiVersion: 'apps/v1', kind: d.kind, name: meta.name, uid: 'u', controller: true }] }, spec: tpl.spec }];
  });
}

const small: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'small', namespace: 'default', labels: { app: 'small' } }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080 }] }] } };
const env2000: Obj = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big-env', namespace: 'default', labels: { app: 'big' } },
  spec: { containers: [{ name: 'app', image: 'nginx', env: Array.from({ length: 2000 }, (_, i) => ({ name: `ENV_VAR_${i}`, value: `value-${i}-${'x'.repeat(16)}` })) }] },
};

/** The payloads every webhook benchmark sends; a payload's bodies are cycled. */
export const payloads = (): { name: string; bodies: string[] }[] => [
  { name: 'small pod', bodies: [review(small, 0)] },
  { name: 'examples/shop.yaml pods', bodies: examplePods().map(review) },
  { name: '2000-env pod', bodies: [review(env2000, 0)] },
];

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Errors, timeouts and non-2xx answers. */
  readonly bad: number;
}

/** Closed-loop maximum throughput: autocannon, `connections` keep-alive HTTPS connections, POST /inject. */
export async function closedLoad(opts: { port: number; bodies: readonly string[]; connections: number; seconds: number }): Promise<LoadResult> {
  const r = await autocannon({
    url: `https://127.0.0.1:${opts.port}`, connections: opts.connections, duration: opts.seconds,
    requests: opts.bodies.map((body) => ({ method: 'POST' as const, path: '/inject', headers: { 'content-type': 'application/json' }, body })),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.errors + r.timeouts + r.non2xx };
}

/**
 * Starts `command args` and resolves once `ready` recognises a stdout line (returning the port);
 * rejects when the process exits first or does not get ready within `timeoutMs`.
 */
export async function startServer(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; ready: (line: string) => number | undefined; timeoutMs?: number }): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(command, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not get ready within ${opts.timeoutMs ?? 60_000} ms`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const p = opts.ready(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (p !== undefined) {
          clearTimeout(timer);
          resolve(p);
        }
      }
    });
    child.on('exit', (c, s) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${c ?? s}) before it was ready`));
    });
  });
  child.stdout?.resume();
  return { child, port };
}

/** The process's peak resident set (VmHWM), MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export const median = <T>(xs: readonly T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)] as T;
