/**
 * The pods a manifest document describes, as Kubernetes would create them: a Pod itself, or
 * the pod template of a workload (Deployment, DaemonSet, ReplicaSet, StatefulSet, Job,
 * ReplicationController, DeploymentConfig; CronJob's `jobTemplate.spec.template`), and the
 * items of a List. Pure; used where a manifest (e.g. kube-inject output) stands for a pod.
 */

export interface DescribedPod {
  /** `Deployment shop/web` (kind, namespace/name) for messages. */
  readonly subject: string;
  /** `{ metadata, spec }` of the pod (the document itself for a Pod). */
  readonly pod: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function subjectOf(o: Obj): string {
  const meta = isObj(o.metadata) ? o.metadata : {};
  const ns = typeof meta.namespace === 'string' && meta.namespace ? `${meta.namespace}/` : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  return `${typeof o.kind === 'string' ? o.kind : 'Pod'} ${ns}${name}`.trim();
}

/** Pods of one decoded document; none for objects without a pod (Service, ConfigMap, …). */
export function podsOfDocument(doc: unknown): DescribedPod[] {
  if (!isObj(doc)) return [];
  if (doc.kind === 'List') return (Array.isArray(doc.items) ? doc.items : []).flatMap(podsOfDocument);
  const spec = isObj(doc.spec) ? doc.spec : undefined;
  // A document without a kind counts as a Pod when it has containers.
  if (doc.kind === 'Pod' || (doc.kind === undefined && spec && Array.isArray(spec.containers))) return [{ subject: subjectOf(doc), pod: doc }];
  const holder = doc.kind === 'CronJob' && spec && isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : spec;
  const template = holder?.template;
  if (!isObj(template) || !isObj(template.spec)) return [];
  return [{ subject: subjectOf(doc), pod: { metadata: template.metadata ?? {}, spec: template.spec } }];
}
