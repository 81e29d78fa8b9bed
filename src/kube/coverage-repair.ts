/**
 * Recreating pods that are outside the mesh through their owners (issue 17 §1), off unless
 * asked: a rollout restart of the Deployment / StatefulSet / DaemonSet (the pod template's
 * `kubectl.kubernetes.io/restartedAt` annotation, as `kubectl rollout restart` writes it), or the
 * deletion of a pod of a ReplicaSet no Deployment owns (the ReplicaSet recreates it). Never a pod
 * without an owner, never a Job's pod. Only `missingSidecar` and `stale` pods: `captureFailed`
 * ones are the CNI installer's repair controller's. Each workload once per pass, and at most
 * `max` actions per pass, `gapMs` apart, so a wrong configuration cannot restart a cluster at once.
 */
import type { Finding } from '../core/coverage/assess.js';
import type { KubeJson } from './json-client.js';

export const REPAIRED_STATES = ['missingSidecar', 'stale'] as const;

export interface RepairAction {
  readonly namespace: string;
  readonly action: string;
  readonly result: 'done' | 'failed' | 'deferred';
  readonly detail?: string;
}

export interface RepairOptions {
  readonly max: number;
  readonly gapMs: number;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

const RESOURCES: Readonly<Record<string, string>> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

/** The actions a pass would take, one per workload, in report order. */
export function plannedRepairs(findings: readonly Finding[]): { namespace: string; key: string; finding: Finding }[] {
  const seen = new Set<string>();
  const out: { namespace: string; key: string; finding: Finding }[] = [];
  for (const f of findings) {
    if (!(REPAIRED_STATES as readonly string[]).includes(f.state) || f.repair.kind === 'none') continue;
    const key = f.repair.kind === 'rolloutRestart' ? `${f.namespace}/${f.repair.owner.kind}/${f.repair.owner.name}` : `${f.namespace}/pod/${f.pod ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ namespace: f.namespace, key, finding: f });
  }
  return out;
}

export async function applyRepairs(api: KubeJson, findings: readonly Finding[], opts: RepairOptions): Promise<RepairAction[]> {
  const out: RepairAction[] = [];
  let done = 0;
  for (const { namespace, finding: f } of plannedRepairs(findings)) {
    const r = f.repair;
    if (r.kind === 'none') continue;
    const action = r.kind === 'rolloutRestart' ? `rollout restart ${r.owner.kind.toLowerCase()}/${r.owner.name}` : `delete pod ${f.pod ?? ''} (${r.owner.kind} ${r.owner.name} recreates it)`;
    if (done >= opts.max) {
      out.push({ namespace, action, result: 'deferred', detail: `more than ${opts.max} actions in one pass` });
      continue;
    }
    if (done > 0) await opts.sleep(opts.gapMs);
    try {
      if (r.kind === 'rolloutRestart') {
        const resource = RESOURCES[r.owner.kind];
        if (!resource) throw new Error(`cannot restart a ${r.owner.kind}`);
        await api.patch(`/apis/apps/v1/namespaces/${namespace}/${resource}/${r.owner.name}`, {
          spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': opts.now().toISOString() } } } },
        });
      } else {
        await api.delete(`/api/v1/namespaces/${namespace}/pods/${f.pod ?? ''}`);
      }
      out.push({ namespace, action, result: 'done' });
    } catch (err) {
      out.push({ namespace, action, result: 'failed', detail: (err as Error).message });
    }
    done++;
  }
  return out;
}
