/**
 * What a pod carries and how its capture went, read from the pod as the API server returns it:
 * the sidecar (classic or native), the injection status annotation, and the fail-closed capture
 * check (`istio-validation`, CNI mode) that failed because the CNI plugin never programmed the
 * pod's network namespace (the CNI race: a sandbox made before the plugin was chained).
 */
import { STATUS_ANNOTATION } from '../istio-keys.js';
import { findSidecar, VALIDATION_CONTAINER, type Pod } from '../k8s/pod.js';

interface ContainerStatus {
  readonly name: string;
  readonly restartCount?: number;
  readonly state?: { readonly terminated?: { readonly exitCode?: number }; readonly waiting?: { readonly reason?: string } };
  readonly lastState?: { readonly terminated?: { readonly exitCode?: number } };
}

export interface PodSidecarState {
  readonly hasSidecar: boolean;
  readonly injected: boolean;
  /** The failed exit code of istio-validation (126: "traffic is not redirected"), if it failed. */
  readonly captureCheckFailed: number | undefined;
  /** The pod has finished (Succeeded/Failed): nothing to repair. */
  readonly finished: boolean;
}

export function podSidecarState(pod: Pod): PodSidecarState {
  const status = (pod.status ?? {}) as { phase?: string; initContainerStatuses?: readonly ContainerStatus[] };
  const v = status.initContainerStatuses?.find((s) => s.name === VALIDATION_CONTAINER);
  const codes = [v?.state?.terminated?.exitCode, v?.lastState?.terminated?.exitCode].filter((c): c is number => c !== undefined && c !== 0);
  // A validation that passed later (a rerun after repair) is not a failure any more.
  const passed = v?.state?.terminated?.exitCode === 0;
  return {
    hasSidecar: findSidecar(pod) !== undefined,
    injected: pod.metadata?.annotations?.[STATUS_ANNOTATION] !== undefined,
    captureCheckFailed: passed ? undefined : codes[0],
    finished: status.phase === 'Succeeded' || status.phase === 'Failed',
  };
}

/** The controlling owner reference (`kind/name`), if any. */
export function controllerOf(pod: Pod): { readonly kind: string; readonly name: string; readonly apiVersion: string } | undefined {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? { kind: ref.kind, name: ref.name, apiVersion: ref.apiVersion } : undefined;
}
