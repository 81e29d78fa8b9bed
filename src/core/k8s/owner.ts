import type { DeploymentMeta, Pod, TypeMeta } from './pod.js';

/** A Job created by a CronJob is named `<cronjob>-<8..10 digit schedule timestamp>`. */
const CRON_JOB_NAME = /^(.+)-\d{8,10}$/;

/**
 * Derives the owning workload of a pod the way Istio's webhook does (`GetDeployMetaFromPod`):
 * only a pod with `generateName` is investigated; its controller owner reference gives the
 * kind; a ReplicaSet whose name ends with the pod's `pod-template-hash` label means the
 * Deployment named by the RS name minus `-<hash>`; an RC with a `deploymentconfig` label means
 * that OpenShift DeploymentConfig; a Job named `<name>-<timestamp>` means CronJob `<name>`.
 * Otherwise the pod itself (`v1`/`Pod`).
 */
export function deploymentMetaFromPod(pod: Pod): { deploymentMeta: DeploymentMeta; typeMeta: TypeMeta } {
  const meta = pod.metadata ?? {};
  let name = meta.name ?? '';
  const namespace = meta.namespace ?? '';
  let apiVersion = 'v1';
  let kind = 'Pod';
  if (meta.generateName) {
    const controller = (meta.ownerReferences ?? []).find((r) => r.controller === true);
    if (controller) {
      apiVersion = controller.apiVersion ?? '';
      kind = controller.kind ?? '';
      name = controller.name ?? '';
      const labels = meta.labels ?? {};
      const hash = labels['pod-template-hash'];
      if (kind === 'ReplicaSet' && hash && name.endsWith(hash)) {
        name = name.endsWith(`-${hash}`) ? name.slice(0, -(hash.length + 1)) : name;
        kind = 'Deployment';
      } else if (kind === 'ReplicationController' && labels.deploymentconfig) {
        name = labels.deploymentconfig;
        kind = 'DeploymentConfig';
      } else if (kind === 'Job') {
        const m = CRON_JOB_NAME.exec(name);
        if (m?.[1]) {
          name = m[1];
          kind = 'CronJob';
          apiVersion = 'batch/v1';
        }
      }
    }
  }
  if (name === '') name = meta.name ?? '';
  return { deploymentMeta: { name, namespace }, typeMeta: { apiVersion, kind } };
}
