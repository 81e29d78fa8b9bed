/**
 * IntoObject (§h.3): one recognised Kubernetes object in, the same object out with its pod
 * template injected, re-serialised through the typed structs. Pure.
 */
import type { InjectionSettings } from '../core/config/settings.js';
import { decideInjection, OFFLINE_POLICY, SkipReason } from '../core/inject/decide.js';
import type { ClusterFacts, InjectionEnvironment } from '../core/inject/environment.js';
import { injectPod } from '../core/inject/inject.js';
import { parseProxyConfigText } from '../core/inject/proxy-config-annotation.js';
import { normalizeAs } from '../core/k8s/normalize.js';
import { deploymentMetaFromPod } from '../core/k8s/owner.js';
import type { DeploymentMeta, ObjectMeta, Pod, PodSpec, TypeMeta } from '../core/k8s/pod.js';
import { RECOGNISED_KINDS } from './decode.js';

export { RECOGNISED_KINDS };

type Obj = Record<string, unknown>;


export class WorkloadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkloadError';
  }
}

export interface InjectContext {
  readonly settings: InjectionSettings;
  readonly env: InjectionEnvironment;
  readonly facts: ClusterFacts;
  readonly warn: (message: string) => void;
}

export interface PodTemplateRef {
  readonly metadata: ObjectMeta;
  readonly spec: PodSpec;
  readonly put: (metadata: ObjectMeta, spec: PodSpec) => void;
  readonly typeMeta: TypeMeta;
  readonly deploymentMeta: DeploymentMeta;
}

/** Where each kind keeps its pod metadata and spec. */
export function podTemplateOf(kind: string, obj: Obj): PodTemplateRef {
  const meta = (obj.metadata ?? {}) as ObjectMeta;
  const own = {
    typeMeta: { apiVersion: (obj.apiVersion as string | undefined) ?? '', kind: (obj.kind as string | undefined) ?? '' },
    deploymentMeta: { name: meta.name ?? '', namespace: meta.namespace ?? '' },
  };
  const spec = (obj.spec ?? {}) as Obj;
  const at = (holder: Obj, owner: Omit<PodTemplateRef, 'metadata' | 'spec' | 'put'>): PodTemplateRef => ({
    metadata: (holder.metadata ?? {}) as ObjectMeta,
    spec: (holder.spec ?? {}) as PodSpec,
    put: (m, s) => {
      holder.metadata = m;
      holder.spec = s;
    },
    ...owner,
  });
  if (kind === 'Pod') return at(obj, deploymentMetaFromPod(obj as Pod));
  if (kind === 'CronJob') {
    // As in Istio, the pod metadata comes from (and goes to) the JobTemplate's metadata.
    const jobTemplate = spec.jobTemplate as Obj;
    const template = (jobTemplate.spec as Obj).template as Obj;
    return {
      metadata: (jobTemplate.metadata ?? {}) as ObjectMeta,
      spec: (template.spec ?? {}) as PodSpec,
      put: (m, s) => {
        jobTemplate.metadata = m;
        template.spec = s;
      },
      ...own,
    };
  }
  const template = spec.template as Obj | null | undefined;
  if (template === null || template === undefined) throw new WorkloadError('spec.template is required value');
  return at(template, own);
}

/** Processes one decoded object of a recognised kind; returns the object to serialise. */
export function intoObject(raw: Obj, ctx: InjectContext): Obj {
  const kind = raw.kind as string;
  if (kind === 'List') return intoList(raw, ctx);
  // A modifiable copy of the decoded object (decoded objects are frozen).
  const obj = structuredClone(normalizeAs(kind, raw));
  const ref = podTemplateOf(kind, obj);
  const { metadata, spec } = ref;
  const name = metadata.name || ref.deploymentMeta.name;
  const fullName = ref.deploymentMeta.namespace ? `${ref.deploymentMeta.namespace}/${name}` : name;
  const subject = ref.typeMeta.kind ? `${ref.typeMeta.kind} ${JSON.stringify(fullName)}` : JSON.stringify(fullName);
  const pod: Pod = { metadata, spec };
  // istioctl skips a host-network workload first, then applies proxy.istio.io/config before the
  // rest of the decision: a config it cannot read fails the manifest even for a workload whose
  // annotations turn injection off, but not for a host-network one.
  if (spec.hostNetwork === true) {
    ctx.warn(`===> Skipping injection because ${subject} has host networking enabled\n`);
    return obj;
  }
  const proxyConfigText = metadata.annotations?.['proxy.istio.io/config'];
  if (proxyConfigText !== undefined) {
    try {
      parseProxyConfigText(proxyConfigText);
    } catch (e) {
      throw new WorkloadError(`could not parse proxy config: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const decision = decideInjection(pod, metadata.namespace ?? '', OFFLINE_POLICY);
  if (!decision.inject) {
    const why = decision.reason === SkipReason.hostNetwork ? 'has host networking enabled' : 'has sidecar injection disabled';
    ctx.warn(`===> Skipping injection because ${subject} ${why}\n`);
    return obj;
  }
  const result = injectPod({ pod, typeMeta: ref.typeMeta, deploymentMeta: ref.deploymentMeta }, ctx.settings, ctx.env, ctx.facts);
  ref.put(result.pod.metadata ?? {}, result.pod.spec ?? {});
  return normalizeAs(kind, obj);
}

function intoList(raw: Obj, ctx: InjectContext): Obj {
  const list = normalizeAs('List', raw);
  const items = (list.items as unknown[] | null) ?? [];
  return {
    ...list,
    items: items.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
      const k = (item as Obj).kind;
      return typeof k === 'string' && RECOGNISED_KINDS.has(k) ? intoObject(item as Obj, ctx) : item;
    }),
  };
}
