/**
 * The fault run: a rollout of `pods` pods (half in an `istio-injection=enabled` namespace served
 * by release `sk`, half in an `istio.io/rev=cni` namespace served by release `skcni`), and while
 * it runs: one webhook replica of each release deleted, the self-signed CA of `sk` rotated (new
 * CA in the Secret, the old one kept in `ca.crt` meanwhile, as docs/webhook.md says to), and the
 * CNI installer pods deleted (the DaemonSet restarts them). Reports what happened: pods wanted,
 * created, Ready, admitted without a sidecar (must be none), held back by a failed capture check
 * (must be none: the installer keeps the plugin in place across its restart, and repairs any pod
 * that started without capture), repaired, failed creations and their messages, and the time
 * until every pod was Ready. Progress goes to stderr as it runs (`fault run: …` lines).
 *
 * Bounded as a whole (`deadlineMs`, below the caller's hook timeout): a run that outlived its
 * hook would go on polling the fleet namespaces in the background while the suite tears them
 * down (what an earlier 200-pod run showed), so every wait takes its share of one deadline and
 * no kubectl call blocks the event loop for long.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must } from '../support/process.js';
import type { Kube } from './provider.js';
import { deployment, namespace, rootCertConfigMap } from './sample.js';

export interface FaultReport {
  readonly podsWanted: number;
  /**
   * Distinct pods seen while waiting (UIDs; replacements made after a repair count too). The
   * ReplicaSets' SuccessfulCreate Events undercount: the event recorder folds similar events.
   */
  readonly podsCreated: number;
  readonly podsReady: number;
  /**
   * Pods held back, fail closed, by a failed capture check (istio-validation, exit 126) when the
   * run stopped waiting: CNI-mode pods whose sandbox was made while no plugin was chained and that
   * the installer's repair has not replaced (yet).
   */
  readonly podsFailedClosed: string[];
  /** Pods the CNI installer's repair deleted (DeleteBrokenPod Events): their controllers made new ones. */
  readonly podsRepaired: number;
  /** Pods neither Ready nor failed closed when the run stopped waiting. */
  readonly podsPending: string[];
  /** Pods that exist without istio-proxy: must be none. */
  readonly podsWithoutSidecar: string[];
  /** Pod creations the API server refused (FailedCreate events), with their distinct messages. */
  readonly failedCreations: number;
  readonly failureMessages: string[];
  readonly settled: boolean;
  readonly secondsToSettle: number;
  readonly faults: string[];
  readonly caBundleRotated: boolean;
}

interface Opts {
  readonly kube: Kube;
  readonly image: string;
  readonly chartNamespace: string;
  readonly pods: number;
  readonly webhookSelector: (release: string) => string;
  readonly byLabel: (kind: string, selector: string) => string[];
  readonly caBundles: (release: string) => string[];
  /** Waiting for every pod to be Ready (default SK_FLEET_TIMEOUT_MS or 25 min). */
  readonly timeoutMs?: number;
  /** The whole run, clean-up included, ends by then (epoch ms). */
  readonly deadline: number;
  readonly log?: (line: string) => void;
}

interface PodItem {
  metadata: { name: string; uid: string };
  spec: { initContainers?: { name: string; restartPolicy?: string }[]; containers: { name: string }[] };
  status: {
    conditions?: { type: string; status: string }[];
    initContainerStatuses?: { name: string; state: { terminated?: { exitCode: number } }; lastState?: { terminated?: { exitCode: number } } }[];
    containerStatuses?: { name: string; state: { running?: unknown } }[];
  };
}

type PodState = 'ready' | 'failed-closed' | 'pending';

/** istio-validation's exit code when it finds no capture (Istio's ValidationErrorCode). */
const NO_CAPTURE_EXIT = 126;

/**
 * Ready; or held back by a failed capture check (istio-validation exited 126: no capture rules)
 * with its app never started; or neither yet. Other failures (128 StartError: the runtime could
 * not start the container under load) are retried by the kubelet: still starting.
 */
function podState(p: PodItem): PodState {
  if (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return 'ready';
  const v = p.status.initContainerStatuses?.find((s) => s.name === 'istio-validation');
  const failed = [v?.state.terminated?.exitCode, v?.lastState?.terminated?.exitCode].some((c) => c === NO_CAPTURE_EXIT);
  const appStarted = (p.status.containerStatuses ?? []).some((c) => c.name !== 'istio-proxy' && c.state.running !== undefined);
  return failed && !appStarted ? 'failed-closed' : 'pending';
}

const FLEETS = [
  { ns: 'fleet', labels: { 'istio-injection': 'enabled' } },
  { ns: 'fleet-cni', labels: { 'istio.io/rev': 'cni' } },
] as const;
const DEPLOYMENTS_PER_FLEET = 2;
/**
 * Istio's per-pod proxy resource annotations: its default request (100m CPU) would let a
 * two-core node schedule 20 pods; a dense fleet asks for little, as such fleets do.
 */
const DENSE_PROXY = { 'sidecar.istio.io/proxyCPU': '2m', 'sidecar.istio.io/proxyMemory': '16Mi' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh RSA CA (the self-signed mode issues with RSA CAs). */
function newCa(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-ca-'));
  try {
    must(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=sk-e2e-rotated-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
    return { cert: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Whether a base64 PEM bundle holds `certPem`. */
function bundleHolds(bundleB64: string, certPem: string): boolean {
  const want = new X509Certificate(certPem).fingerprint256;
  const pems = Buffer.from(bundleB64, 'base64').toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return pems.some((p) => new X509Certificate(p).fingerprint256 === want);
}

/** Deletes the fleet namespaces without blocking, then waits (bounded) until they are gone. */
async function removeFleets(kube: Kube, until: number, log: (line: string) => void): Promise<boolean> {
  const gone = async () => (await Promise.all(FLEETS.map((f) => kube.tryKubectlAsync(['get', 'namespace', f.ns, '-o', 'name'])))).every((r) => r.code !== 0);
  if (await gone()) return true;
  await kube.tryKubectlAsync(['delete', 'namespace', ...FLEETS.map((f) => f.ns), '--wait=false', '--ignore-not-found']);
  const t0 = Date.now();
  let next = t0 + 30_000;
  while (Date.now() < until) {
    if (await gone()) {
      log(`fleet namespaces deleted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return true;
    }
    if (Date.now() > next) {
      const left = await kube.tryKubectlAsync(['get', 'pods', '-n', FLEETS[0].ns, '-o', 'name']);
      const left2 = await kube.tryKubectlAsync(['get', 'pods', '-n', FLEETS[1].ns, '-o', 'name']);
      const n = (r: { stdout: string }) => r.stdout.split('\n').filter((l) => l !== '').length;
      log(`waiting for the fleet namespaces to go: ${n(left) + n(left2)} pods left, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      next = Date.now() + 30_000;
    }
    await sleep(3000);
  }
  log('the fleet namespaces were still terminating at the deadline; left to the next run');
  return false;
}

export async function runFaults(o: Opts): Promise<FaultReport> {
  const { kube } = o;
  const log = o.log ?? ((line: string) => process.stderr.write(`fault run: ${line}\n`));
  const perDeployment = Math.ceil(o.pods / (FLEETS.length * DEPLOYMENTS_PER_FLEET));
  const wanted = perDeployment * FLEETS.length * DEPLOYMENTS_PER_FLEET;
  const faults: string[] = [];
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  // Clean-up gets its share of the deadline: at least a fifth, at most 10 min.
  const cleanupMs = Math.min(600_000, Math.max(120_000, (o.deadline - t0) / 5));

  // A fleet namespace of an earlier (interrupted) run: deleted and waited for, bounded.
  if (!(await removeFleets(kube, Math.min(o.deadline - cleanupMs, Date.now() + 600_000), log))) throw new Error('fleet namespaces of an earlier run are still terminating');
  kube.apply(FLEETS.flatMap((f) => [namespace(f.ns, f.labels), rootCertConfigMap(f.ns)]));
  kube.apply(FLEETS.flatMap((f) => Array.from({ length: DEPLOYMENTS_PER_FLEET }, (_, i) => deployment(f.ns, `fleet-${i}`, o.image, {}, perDeployment, DENSE_PROXY))));
  const started = Date.now();
  log(`${wanted} pods wanted (${perDeployment} per Deployment, ${FLEETS.length * DEPLOYMENTS_PER_FLEET} Deployments)`);

  await sleep(3000);
  for (const release of ['sk', 'skcni']) {
    const victim = o.byLabel('pods', o.webhookSelector(release))[0];
    if (victim) {
      kube.kubectl(['delete', 'pod', '-n', o.chartNamespace, victim, '--wait=false']);
      faults.push(`${at()}: deleted webhook replica ${victim} (${release})`);
      log(faults.at(-1) as string);
    }
  }

  await sleep(5000);
  const secretName = o.byLabel('secrets', 'app.kubernetes.io/managed-by=sidecar-kit-webhook')[0];
  if (!secretName) throw new Error('no CA Secret of the self-signed release');
  const oldCa = Buffer.from(kube.kubectl(['get', 'secret', '-n', o.chartNamespace, secretName, '-o', 'jsonpath={.data.tls\\.crt}']).trim(), 'base64').toString('utf8');
  const ca = newCa();
  kube.kubectl(['patch', 'secret', '-n', o.chartNamespace, secretName, '--type=merge', '-p', JSON.stringify({ data: { 'tls.crt': b64(ca.cert), 'tls.key': b64(ca.key), 'ca.crt': b64(oldCa) } })]);
  faults.push(`${at()}: rotated the CA in Secret ${secretName} (old CA kept in ca.crt)`);
  log(faults.at(-1) as string);

  await sleep(5000);
  const installers = o.byLabel('pods', 'app.kubernetes.io/instance=skcni,app.kubernetes.io/component=cni');
  if (installers.length > 0) {
    kube.kubectl(['delete', 'pod', '-n', o.chartNamespace, ...installers, '--wait=false']);
    faults.push(`${at()}: deleted the CNI installer pod(s) ${installers.join(', ')}`);
    log(faults.at(-1) as string);
  }

  const timeoutMs = o.timeoutMs ?? Number(process.env.SK_FLEET_TIMEOUT_MS ?? 25 * 60_000);
  const settleUntil = Math.min(started + timeoutMs, o.deadline - cleanupMs - 150_000);
  const fleetPods = async () => {
    const out: { ns: string; p: PodItem }[] = [];
    for (const f of FLEETS) {
      const r = await kube.tryKubectlAsync(['get', 'pods', '-n', f.ns, '-o', 'json']);
      if (r.code !== 0) throw new Error(`kubectl get pods -n ${f.ns}: ${r.stderr.trim()}`);
      out.push(...(JSON.parse(r.stdout) as { items: PodItem[] }).items.map((p) => ({ ns: f.ns, p })));
    }
    return out;
  };
  // Settled: every wanted pod exists and is Ready (pods held back are repaired, i.e. replaced).
  let settled = false;
  let nextLog = 0;
  const seen = new Set<string>();
  while (Date.now() < settleUntil) {
    const now = await fleetPods();
    for (const { p } of now) seen.add(p.metadata.uid);
    const states = now.map(({ p }) => podState(p));
    const count = (s: PodState) => states.filter((x) => x === s).length;
    if (now.length >= wanted && count('ready') === now.length) {
      settled = true;
      break;
    }
    if (Date.now() >= nextLog) {
      log(`${at()}: ${now.length} pods, ${count('ready')} Ready, ${count('failed-closed')} held back by a failed capture check, ${count('pending')} starting`);
      nextLog = Date.now() + 30_000;
    }
    await sleep(3000);
  }
  const secondsToSettle = Math.round((Date.now() - started) / 100) / 10;
  log(`${settled ? 'settled' : 'NOT settled'} after ${secondsToSettle} s`);

  const podsWithoutSidecar: string[] = [];
  const podsFailedClosed: string[] = [];
  const podsPending: string[] = [];
  let podsReady = 0;
  for (const { ns, p } of await fleetPods()) {
    seen.add(p.metadata.uid);
    const proxy = p.spec.containers.some((c) => c.name === 'istio-proxy') || (p.spec.initContainers ?? []).some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');
    if (!proxy) podsWithoutSidecar.push(`${ns}/${p.metadata.name}`);
    const state = podState(p);
    if (state === 'ready') podsReady++;
    else (state === 'failed-closed' ? podsFailedClosed : podsPending).push(`${ns}/${p.metadata.name}`);
  }
  const podsCreated = seen.size;
  let failedCreations = 0;
  let podsRepaired = 0;
  const messages = new Set<string>();
  for (const f of FLEETS) {
    const events = kube.getJson<{ items: { reason: string; count?: number; message: string; involvedObject: { kind: string } }[] }>(['events', '-n', f.ns]).items;
    for (const e of events) {
      if (e.involvedObject.kind === 'Pod' && e.reason === 'DeleteBrokenPod' && /, deleted/.test(e.message)) podsRepaired += e.count ?? 1;
      if (e.involvedObject.kind !== 'ReplicaSet') continue;
      if (e.reason === 'FailedCreate') {
        failedCreations += e.count ?? 1;
        messages.add(e.message);
      }
    }
  }
  let caBundleRotated = false;
  const end = Math.min(Date.now() + 120_000, o.deadline - cleanupMs);
  while (!caBundleRotated && Date.now() < end) {
    const bundles = o.caBundles('sk');
    caBundleRotated = bundles.length > 0 && bundles.every((b) => bundleHolds(b, ca.cert));
    if (!caBundleRotated) await sleep(2000);
  }
  const report: FaultReport = { podsWanted: wanted, podsCreated, podsReady, podsFailedClosed, podsPending, podsWithoutSidecar, podsRepaired, failedCreations, failureMessages: [...messages], settled, secondsToSettle, faults, caBundleRotated };
  log(`report: ${JSON.stringify(report)}`);
  // Removed before the journey goes on (helm uninstall must not race 200 pods' CNI DEL).
  await removeFleets(kube, o.deadline, log);
  return report;
}
