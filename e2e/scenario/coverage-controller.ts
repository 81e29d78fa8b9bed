/**
 * The coverage controller in the webhook Deployment (issue 17 §1) on a real API server: the
 * CNI-mode release runs it (`webhook.coverage.enabled=true`, a pass every 10 s). A Deployment
 * made in a namespace before the namespace was labelled for injection has no sidecar: the
 * replica holding the Lease reports it in `sidecar_kit_coverage_pods{state="missingSidecar"}`
 * and posts a `CoverageMissingSidecar` Warning Event on the pod; the other replica exports
 * nothing (one leader).
 */
import { expect, it } from 'vitest';
import type { Kube } from './provider.js';
import { deployment, namespace } from './sample.js';

export const COVERAGE_CONTROLLER_VALUES = ['webhook.coverage.enabled=true', 'webhook.coverage.intervalSeconds=10'];

export interface CoverageControllerScenario {
  readonly kube: Kube;
  readonly image: () => string;
  readonly chartNamespace: string;
  readonly webhookPods: () => string[];
  /** The namespace label that selects the release (`istio.io/rev=cni`). */
  readonly selectLabel: Record<string, string>;
}

const log = (m: string) => process.stderr.write(`coverage controller: ${m}\n`);

export function coverageControllerScenario(s: CoverageControllerScenario): void {
  const { kube } = s;
  const metrics = (pod: string) => {
    const port = kube.kubectl(['get', 'pod', '-n', s.chartNamespace, pod, '-o', "jsonpath={.spec.containers[0].ports[?(@.name=='http-monitoring')].containerPort}"]).trim();
    return kube.kubectl(['get', '--raw', `/api/v1/namespaces/${s.chartNamespace}/pods/${pod}:${port}/proxy/metrics`]);
  };

  it('a pod created before its namespace was labelled: the lease holder exports it as missingSidecar and posts CoverageMissingSidecar on the pod', async () => {
    const ns = 'cov-ctl';
    kube.apply([namespace(ns, {}), deployment(ns, 'early', s.image())]);
    try {
      kube.kubectl(['rollout', 'status', '-n', ns, 'deploy/early', '--timeout', '300s']);
      kube.kubectl(['label', 'namespace', ns, ...Object.entries(s.selectLabel).map(([k, v]) => `${k}=${v}`)]);
      const pod = kube.kubectl(['get', 'pods', '-n', ns, '-l', 'app=early', '-o', 'jsonpath={.items[0].metadata.name}']).trim();
      const line = new RegExp(`^sidecar_kit_coverage_pods\\{namespace="${ns}",state="missingSidecar"\\} 1$`, 'm');
      await kube.until('a replica to export the missingSidecar pod', () => s.webhookPods().some((p) => line.test(metrics(p))), 120_000);
      const leaders = s.webhookPods().filter((p) => /^sidecar_kit_coverage_leader 1$/m.test(metrics(p)));
      expect(leaders).toHaveLength(1);
      for (const p of s.webhookPods()) if (!leaders.includes(p)) expect(metrics(p)).not.toMatch(line);
      const events = () => kube.getJson<{ items: { reason: string; type: string; message: string; reportingComponent?: string }[] }>(['events', '-n', ns, '--field-selector', `involvedObject.kind=Pod,involvedObject.name=${pod}`]).items.filter((e) => e.reason.startsWith('Coverage'));
      await kube.until(`a CoverageMissingSidecar event on ${pod}`, () => events().length > 0, 60_000);
      const got = events();
      log(`leader ${leaders[0]}; events on ${pod}: ${got.map((e) => `${e.reason}: ${e.message}`).join(' | ')}`);
      expect(got).toEqual([expect.objectContaining({ reason: 'CoverageMissingSidecar', type: 'Warning', reportingComponent: 'sidecar-kit-coverage' })]);
      expect(got[0]?.message).toMatch(/\(repair: rollout restart deployment\/early\)$/);
    } finally {
      kube.tryKubectl(['delete', 'namespace', ns, '--wait=false']);
    }
  });
}
