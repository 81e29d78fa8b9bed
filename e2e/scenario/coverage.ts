/**
 * Selection that cannot deadlock and the coverage report (issue 17 §3 and §1), on a real API
 * server, as part of the user journey (release `sk`, init mode, failurePolicy Fail):
 *
 * 1. A Deployment made in namespace `cov` before it was labelled for injection runs without a
 *    sidecar: `sidecar-kit coverage` reports it `missingSidecar`.
 * 2. With every webhook replica gone: pods in kube-system and in the release's namespace (both
 *    labelled `istio-injection=enabled` for the test, so only the chart's exclusion keeps them
 *    away) are created; in `cov` a pod opted out by the annotation only and a hostNetwork pod are
 *    created (only the chart's matchConditions, judged by the API server's CEL, keep them away);
 *    a new Deployment's pods are refused, and `coverage` reports that Deployment `refused`.
 * 3. With the webhook back, the refused Deployment's pods are created injected and leave the
 *    report; `coverage --recreate` restarts the Deployment that had no sidecar, and the report of
 *    `cov` is then empty (exit 0).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sh } from '../support/process.js';
import type { Kube } from './provider.js';
import { barePod, deployment, namespace, rootCertConfigMap } from './sample.js';

export const COVERAGE_NS = 'cov';
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'sidecar-kit.js');

export interface CoverageScenario {
  readonly kube: Kube;
  readonly kubeconfig: () => string;
  readonly image: () => string;
  readonly chartNamespace: string;
  readonly release: string;
  readonly webhookDeploy: (release: string) => string;
  readonly webhookPods: (release: string) => string[];
  readonly webhookRolledOut: (release: string) => Promise<void>;
}

interface Finding {
  state: string;
  namespace: string;
  pod?: string;
  owner?: { kind: string; name: string };
  message: string;
  repair: { kind: string };
}
interface Report {
  problems: number;
  findings: Finding[];
}

function coverage(s: CoverageScenario, args: readonly string[]): { code: number; report: Report; stderr: string } {
  const r = sh([process.execPath, CLI, 'coverage', '--kubeconfig', s.kubeconfig(), '-n', COVERAGE_NS, '-o', 'json', ...args], { timeoutMs: 120_000 });
  if (r.code !== 0 && r.code !== 3) throw new Error(`sidecar-kit coverage exited ${r.code}: ${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const log = (m: string) => process.stderr.write(`coverage scenario: ${m}\n`);

export function coverageScenario(s: CoverageScenario): void {
  const { kube } = s;
  const pod = (ns: string, name: string) => kube.tryKubectl(['get', 'pod', '-n', ns, name, '-o', 'json']);
  const hasProxy = (json: string) => /"name":\s*"istio-proxy"/.test(json);

  it('matchConditions are rendered for this API server (>= 1.30), with the namespaces left out by every entry', () => {
    const mwc = kube.getJson<{ items: { webhooks: { name: string; matchConditions?: { name: string }[]; namespaceSelector: { matchExpressions: { key: string; operator: string; values?: string[] }[] } }[] }[] }>([
      'mutatingwebhookconfigurations',
      '-l',
      `app.kubernetes.io/instance=${s.release}`,
    ]).items[0];
    expect(mwc?.webhooks.length).toBeGreaterThan(0);
    for (const w of mwc?.webhooks ?? []) {
      expect(w.matchConditions?.map((c) => c.name), w.name).toEqual(['not-opted-out', 'not-host-network', 'not-excluded-namespace']);
      const notIn = w.namespaceSelector.matchExpressions.find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn' && e.values?.includes(s.chartNamespace));
      expect(notIn?.values, w.name).toEqual(expect.arrayContaining(['kube-system', s.chartNamespace]));
    }
  });

  it('webhook down: kube-system, the release namespace, opted-out and hostNetwork pods are created; injected ones are refused and reported; once it is back they are created injected; --recreate repairs the rest', async () => {
    const image = s.image();
    // 1. A workload older than its namespace's label.
    kube.apply([namespace(COVERAGE_NS, {}), rootCertConfigMap(COVERAGE_NS), deployment(COVERAGE_NS, 'early', image)]);
    kube.kubectl(['rollout', 'status', '-n', COVERAGE_NS, 'deploy/early', '--timeout', '240s']);
    kube.kubectl(['label', 'namespace', COVERAGE_NS, 'istio-injection=enabled']);
    let r = coverage(s, []);
    expect(r.code).toBe(3);
    const early = r.report.findings.find((f) => f.owner?.name === 'early');
    expect(early).toMatchObject({ state: 'missingSidecar', owner: { kind: 'Deployment', name: 'early' }, repair: { kind: 'rolloutRestart' } });
    log('missingSidecar reported for deploy/early');

    // 2. Every webhook replica gone.
    const deploy = s.webhookDeploy(s.release);
    const labelled = ['kube-system', s.chartNamespace];
    const made: [string, string][] = [];
    try {
      for (const ns of labelled) kube.kubectl(['label', 'namespace', ns, 'istio-injection=enabled', '--overwrite']);
      kube.kubectl(['scale', '-n', s.chartNamespace, `deploy/${deploy}`, '--replicas=0']);
      await kube.until('no webhook pod left', () => s.webhookPods(s.release).length === 0, 180_000);
      log('webhook scaled to 0');
      for (const ns of labelled) {
        const name = 'cov-no-webhook';
        kube.apply([barePod(ns, name, image)]);
        made.push([ns, name]);
        expect(hasProxy(pod(ns, name).stdout), `${ns}/${name}`).toBe(false);
      }
      const optedOut = { ...barePod(COVERAGE_NS, 'annotation-opt-out', image), metadata: { name: 'annotation-opt-out', namespace: COVERAGE_NS, labels: { app: 'annotation-opt-out' }, annotations: { 'sidecar.istio.io/inject': 'false' } } };
      const host = barePod(COVERAGE_NS, 'host-network', image);
      kube.apply([optedOut, { ...host, spec: { ...host.spec, hostNetwork: true } }]);
      for (const name of ['annotation-opt-out', 'host-network']) expect(pod(COVERAGE_NS, name).code, name).toBe(0);
      // An opted-in pod is refused (failurePolicy Fail), and so are a new Deployment's pods.
      const refused = kube.tryKubectl(['apply', '-f', '-'], JSON.stringify(barePod(COVERAGE_NS, 'refused', image)));
      expect(refused.stderr).toMatch(/failed calling webhook "[^"]*sidecar-kit\.io"/);
      kube.apply([deployment(COVERAGE_NS, 'late', image)]);
      await kube.until(
        'a FailedCreate event for late',
        () => kube.kubectl(['get', 'events', '-n', COVERAGE_NS, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']).includes('failed calling webhook'),
        120_000,
      );
      r = coverage(s, []);
      expect(r.code).toBe(3);
      expect(r.report.findings.find((f) => f.state === 'refused')).toMatchObject({ owner: { kind: 'Deployment', name: 'late' } });
      expect(r.report.findings.find((f) => f.pod === 'annotation-opt-out')?.state).toBe('skipped');
      expect(r.report.findings.find((f) => f.pod === 'host-network')?.state).toBe('skipped');
      log('refused reported for deploy/late while the webhook is down');
    } finally {
      for (const ns of labelled) kube.tryKubectl(['label', 'namespace', ns, 'istio-injection-']);
      for (const [ns, name] of made) kube.tryKubectl(['delete', 'pod', '-n', ns, name, '--wait=false']);
      kube.kubectl(['scale', '-n', s.chartNamespace, `deploy/${deploy}`, '--replicas=2']);
      await s.webhookRolledOut(s.release);
    }

    // 3. The webhook is back: the ReplicaSet controller's retry creates the pod, injected.
    kube.kubectl(['rollout', 'status', '-n', COVERAGE_NS, 'deploy/late', '--timeout', '600s']);
    const late = kube.getJson<{ items: unknown[] }>(['pods', '-n', COVERAGE_NS, '-l', 'app=late']).items;
    expect(late.map((p) => hasProxy(JSON.stringify(p)))).toEqual([true]);
    r = coverage(s, ['--recreate', '--recreate-interval', '0']);
    expect(r.report.findings.filter((f) => f.state === 'refused')).toEqual([]);
    expect(r.report.findings.find((f) => f.owner?.name === 'late')?.state).toBe('covered');
    expect(r.stderr).toMatch(/recreate: cov: rollout restart deployment\/early: done/);
    kube.kubectl(['rollout', 'status', '-n', COVERAGE_NS, 'deploy/early', '--timeout', '300s']);
    await kube.until('the old pod of early to be gone', () => kube.getJson<{ items: unknown[] }>(['pods', '-n', COVERAGE_NS, '-l', 'app=early']).items.length === 1, 120_000);
    r = coverage(s, []);
    expect(r.report.findings.filter((f) => !['covered', 'skipped'].includes(f.state))).toEqual([]);
    expect(r.code).toBe(0);
    log('after --recreate: no problem left in cov');
  });
}

export const PSA_NAMESPACES = { cni: 'psa-cni', init: 'psa-init' } as const;

/** A pod that passes the `restricted` Pod Security Standard by itself. */
function restrictedPod(ns: string, name: string, image: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  };
}

export interface PodSecurityScenario {
  readonly kube: Kube;
  readonly image: () => string;
  readonly chartNamespace: string;
  /** The revision of the CNI-mode release (its namespaces are labelled `istio.io/rev=<it>`). */
  readonly cniRevision: string;
}

/**
 * Pod Security (issue 17 §5) on the real API server's PodSecurity admission, which judges the pod
 * after the mutating webhooks: in CNI mode the injected pod passes `restricted`; in init mode
 * `istio-init` needs NET_ADMIN/NET_RAW and the pod is refused, naming it; the chart's webhook pods
 * pass `restricted` (the CNI node agent needs the host and is privileged by design).
 */
export function podSecurityScenario(s: PodSecurityScenario): void {
  const { kube } = s;
  const enforce = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };

  it('CNI mode: an injected pod is admitted and runs in a namespace enforcing restricted', async () => {
    const ns = PSA_NAMESPACES.cni;
    kube.apply([namespace(ns, { ...enforce, 'istio.io/rev': s.cniRevision }), rootCertConfigMap(ns), restrictedPod(ns, 'app', s.image())]);
    const json = kube.kubectl(['get', 'pod', '-n', ns, 'app', '-o', 'json']);
    const p = JSON.parse(json) as { spec: { initContainers?: { name: string }[]; containers: { name: string }[] } };
    const names = [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['istio-validation', 'istio-proxy', 'app']));
    expect(names).not.toContain('istio-init');
    const ready = () => (kube.getJson<{ status: { conditions?: { type: string; status: string }[] } }>(['pod', '-n', ns, 'app']).status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    await kube.until(`${ns}/app to be Ready`, ready, 240_000);
  });

  it('init mode: the same pod is refused by restricted, naming istio-init and NET_ADMIN/NET_RAW', () => {
    const ns = PSA_NAMESPACES.init;
    kube.apply([namespace(ns, { ...enforce, 'istio-injection': 'enabled' }), rootCertConfigMap(ns)]);
    const r = kube.tryKubectl(['apply', '-f', '-'], JSON.stringify(restrictedPod(ns, 'app', s.image())));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
    expect(r.stderr).toMatch(/istio-init/);
    expect(r.stderr).toMatch(/NET_ADMIN/);
    expect(r.stderr).toMatch(/NET_RAW/);
  });

  it("the chart's webhook pods pass restricted (server-side dry-run of enforcing it on the release namespace)", () => {
    const r = kube.tryKubectl(['label', 'namespace', s.chartNamespace, 'pod-security.kubernetes.io/enforce=restricted', '--dry-run=server', '--overwrite']);
    expect(r.code).toBe(0);
    const webhookPods = kube.kubectl(['get', 'pods', '-n', s.chartNamespace, '-l', 'app.kubernetes.io/component=webhook', '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(/\s+/).filter((n) => n !== '');
    expect(webhookPods.length).toBeGreaterThan(0);
    for (const name of webhookPods) expect(r.stderr, name).not.toContain(name);
    process.stderr.write(`pod security: enforcing restricted on ${s.chartNamespace} would warn: ${r.stderr.trim() || '(nothing)'}\n`);
  });
}
