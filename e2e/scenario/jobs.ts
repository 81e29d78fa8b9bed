/**
 * Jobs finish (issue 17 §6), on the real kubelet: with native sidecars (istio-proxy an init
 * container with restartPolicy Always, Kubernetes >= 1.29) a Job's pod and a CronJob's Job reach
 * Completed once the app exits, the kubelet stopping the proxy. With a classic sidecar
 * (`sidecar.istio.io/nativeSidecar: "false"`) the behaviour is Istio's: the app exits 0, the proxy
 * keeps running, so the pod stays Running and the Job does not complete until something stops the
 * proxy (the app calling pilot-agent's /quitquitquit, or deleting the pod) — docs/inject.md.
 */
import { expect, it } from 'vitest';
import type { Kube } from './provider.js';
import { namespace, rootCertConfigMap } from './sample.js';

export const JOBS_NS = 'jobs';

export interface JobsScenario {
  readonly kube: Kube;
  readonly image: () => string;
}

function podTemplate(image: string, annotations: Record<string, string> = {}) {
  return {
    metadata: { labels: { app: 'job' }, annotations },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'work', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'sleep 2; echo done'] }],
    },
  };
}

function job(name: string, image: string, annotations: Record<string, string> = {}) {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: JOBS_NS }, spec: { backoffLimit: 0, template: podTemplate(image, annotations) } };
}

interface PodJson {
  metadata: { name: string };
  spec: { initContainers?: { name: string; restartPolicy?: string }[]; containers: { name: string }[] };
  status: { phase?: string; containerStatuses?: { name: string; state: { terminated?: { exitCode: number }; running?: object } }[] };
}

export function jobsScenario(s: JobsScenario): void {
  const { kube } = s;
  const jobPods = (jobName: string) => kube.getJson<{ items: PodJson[] }>(['pods', '-n', JOBS_NS, '-l', `job-name=${jobName}`]).items;
  const complete = (jobName: string) => kube.kubectl(['get', 'job', '-n', JOBS_NS, jobName, '-o', 'jsonpath={.status.conditions[?(@.type=="Complete")].status}']).trim() === 'True';
  const nativeProxy = (p: PodJson) => (p.spec.initContainers ?? []).some((c) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');

  it('native sidecars: a Job reaches Completed', async () => {
    kube.apply([namespace(JOBS_NS, { 'istio-injection': 'enabled' }), rootCertConfigMap(JOBS_NS), job('native', s.image())]);
    await kube.until('job native to complete', () => complete('native'), 300_000);
    const [p] = jobPods('native');
    expect(p && nativeProxy(p)).toBe(true);
    expect(p?.status.phase).toBe('Succeeded');
  });

  it('native sidecars: a CronJob\'s Job reaches Completed', async () => {
    kube.apply([
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: JOBS_NS }, spec: { schedule: '* * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { backoffLimit: 0, template: podTemplate(s.image()) } } } },
    ]);
    const completed = () =>
      kube.getJson<{ items: { metadata: { ownerReferences?: { kind: string; name: string }[] }; status: { conditions?: { type: string; status: string }[] } }[] }>(['jobs', '-n', JOBS_NS]).items.some(
        (j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick') && (j.status.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True'),
      );
    try {
      await kube.until("a Job of CronJob tick to complete", completed, 300_000, 5000);
    } finally {
      kube.tryKubectl(['patch', 'cronjob', '-n', JOBS_NS, 'tick', '-p', '{"spec":{"suspend":true}}']);
    }
  });

  it("classic sidecar: as in Istio, the app exits 0 but istio-proxy keeps the pod Running and the Job incomplete", async () => {
    kube.apply([job('classic', s.image(), { 'sidecar.istio.io/nativeSidecar': 'false' })]);
    const app = () => jobPods('classic')[0]?.status.containerStatuses?.find((c) => c.name === 'work')?.state.terminated;
    await kube.until('the app container of job classic to exit', () => app() !== undefined, 300_000);
    expect(app()?.exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 15_000));
    const [p] = jobPods('classic');
    expect(p?.spec.containers.map((c) => c.name)).toContain('istio-proxy');
    expect(p?.status.phase).toBe('Running');
    expect(p?.status.containerStatuses?.find((c) => c.name === 'istio-proxy')?.state.running).toBeDefined();
    expect(complete('classic')).toBe(false);
    kube.tryKubectl(['delete', 'job', '-n', JOBS_NS, 'classic', '--wait=false']);
  });
}
