/**
 * Idempotent re-injection (§b.2): the template sees the pod without what a previous injection
 * added (containers and init containers named in `sidecar.istio.io/status`, Prometheus
 * annotations pointing at the status port, the status annotation itself), with any containers
 * saved in `proxy.istio.io/overrides` put back.
 */
import { jsonSyntaxError } from '../format/go-json-syntax.js';
import { STATUS_ANNOTATION } from '../istio-keys.js';
import { K8sDecodeError } from '../k8s/errors.js';
import { normalizeAs } from '../k8s/normalize.js';
import type { Container, Pod } from '../k8s/pod.js';
import { InjectionError, InjectionErrorCode } from './errors.js';
import { clearPrometheusAnnotations, prometheusPort } from './prometheus.js';

export const OVERRIDES_ANNOTATION = 'proxy.istio.io/overrides';

export interface InjectionStatus {
  readonly initContainers: readonly string[];
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
  readonly imagePullSecrets: readonly string[];
  readonly revision: string;
}

/** The parsed status annotation, or undefined when absent or not valid JSON. */
export function parseInjectionStatus(pod: Pod): InjectionStatus | undefined {
  const raw = pod.metadata?.annotations?.[STATUS_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) return undefined;
    const names = (x: unknown): string[] => (Array.isArray(x) ? x.filter((n): n is string => typeof n === 'string') : []);
    return {
      initContainers: names(v.initContainers),
      containers: names(v.containers),
      volumes: names(v.volumes),
      imagePullSecrets: names(v.imagePullSecrets),
      revision: typeof v.revision === 'string' ? v.revision : '',
    };
  } catch {
    return undefined;
  }
}

/** Returns a stripped copy of `pod` (or `pod` itself when it was never injected). */
export function stripPod(pod: Pod, statusPort: number): Pod {
  const status = parseInjectionStatus(pod);
  if (!status) return pod;
  const copy = structuredClone(pod);
  const spec = copy.spec ?? {};
  if (spec.containers) spec.containers = spec.containers.filter((c) => !status.containers.includes(c.name));
  if (spec.initContainers) spec.initContainers = spec.initContainers.filter((c) => !status.initContainers.includes(c.name));
  const annotations = copy.metadata?.annotations;
  if (annotations) {
    if (prometheusPort(annotations) === String(statusPort)) clearPrometheusAnnotations(annotations);
    delete annotations[STATUS_ANNOTATION];
  }
  return copy;
}

export interface ParsedOverrides {
  readonly containers: readonly Container[];
  readonly initContainers: readonly Container[];
}

/** `proxy.istio.io/overrides` as stored by a previous injection. */
export function parseOverrides(pod: Pod): ParsedOverrides {
  const raw = pod.metadata?.annotations?.[OVERRIDES_ANNOTATION];
  if (raw === undefined) return { containers: [], initContainers: [] };
  // Go's words for the error (Istio's whole message: json.Unmarshal into its podOverrides struct
  // of []corev1.Container), with the annotation named.
  const refuse = (goWords: string, cause?: unknown): never => {
    throw new InjectionError(InjectionErrorCode.invalidOverrides, `invalid ${OVERRIDES_ANNOTATION} annotation: ${goWords}`, { cause });
  };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    refuse(jsonSyntaxError(raw), e);
  }
  if (v === null) return { containers: [], initContainers: [] };
  const kind = (x: unknown): string => (Array.isArray(x) ? 'array' : typeof x === 'boolean' ? 'bool' : typeof x);
  if (typeof v !== 'object' || Array.isArray(v)) refuse(`json: cannot unmarshal ${kind(v)} into Go value of type inject.podOverrides`);
  const lists: Record<'containers' | 'initContainers', Container[]> = { containers: [], initContainers: [] };
  // encoding/json matches field names case-insensitively; a later member overwrites an earlier one.
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    const field = key.toLowerCase() === 'containers' ? 'containers' : key.toLowerCase() === 'initcontainers' ? 'initContainers' : undefined;
    if (field === undefined) continue;
    if (value === null) {
      lists[field] = [];
      continue;
    }
    if (!Array.isArray(value)) refuse(`json: cannot unmarshal ${kind(value)} into Go struct field podOverrides.${field} of type []v1.Container`);
    // Decoded as Go decodes them: typed (unknown fields dropped, a null item a zero Container).
    lists[field] = (value as unknown[]).map((c, i) => {
      if (c !== null && (typeof c !== 'object' || Array.isArray(c))) refuse(`json: cannot unmarshal ${kind(c)} into Go struct field podOverrides.${field} of type v1.Container`);
      try {
        return normalizeAs('Container', c ?? {}, `${field}[${i}]`) as Container;
      } catch (e) {
        if (e instanceof K8sDecodeError) refuse(e.goText, e);
        throw e;
      }
    });
  }
  return lists;
}

/** reinsertOverrides: stored override containers missing from the pod are appended back. */
export function reinsertOverrides(pod: Pod): Pod {
  const o = parseOverrides(pod);
  if (o.containers.length === 0 && o.initContainers.length === 0) return pod;
  const copy = structuredClone(pod);
  const spec = (copy.spec ??= {});
  for (const c of o.containers) {
    if (!(spec.containers ?? []).some((x) => x.name === c.name)) (spec.containers ??= []).push(structuredClone(c));
  }
  for (const c of o.initContainers) {
    if (!(spec.initContainers ?? []).some((x) => x.name === c.name)) (spec.initContainers ??= []).push(structuredClone(c));
  }
  return copy;
}
