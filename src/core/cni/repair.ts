/**
 * The CNI race repair's decisions (Istio's `cni/pkg/repair`): which pods on a node started
 * without capture, and what to do about each.
 *
 * A pod in CNI mode carries `istio-validation`, an init container that exits 126 when the
 * pod's network namespace lacks the capture rules: its sandbox was made while our plugin was
 * not in the node's CNI configuration (a new node before the installer ran, or the installer
 * restarting). The pod is then held back, fail-closed (its app never starts uncaptured), and
 * stays so until repaired: deleted, so that its owner makes a new pod that the plugin
 * captures, or labelled for someone else to act on.
 *
 * Broken, as Istio decides (`matchesFilter`): the pod has the sidecar annotation; an init
 * container of the configured name has not just succeeded, and its current or previous
 * termination matches the configured exit code (0: any) and message (empty: any). Beyond
 * Istio: a failure counts from its first occurrence (Istio waits for the restart that moves it
 * into `lastState`), and pods being deleted or already finished are left alone (deleting or
 * labelling them repairs nothing).
 */
import { STATUS_ANNOTATION } from '../istio-keys.js';

/** Istio's defaults: `istio-validation` exits 126 (`ValidationErrorCode`) without capture. */
export const VALIDATION_CONTAINER = 'istio-validation';
export const VALIDATION_EXIT_CODE = 126;
/** Istio's `cni.repair.brokenPodLabelKey` / `brokenPodLabelValue` defaults. */
export const BROKEN_POD_LABEL_KEY = 'cni.istio.io/uninitialized';
export const BROKEN_POD_LABEL_VALUE = 'true';

export interface BrokenPodCriteria {
  /** Only pods with this annotation are considered; empty: every pod. */
  readonly sidecarAnnotation: string;
  /** The capture check's init container; empty: any init container. */
  readonly initContainerName: string;
  /** Its exit code without capture; 0: any non-zero code. */
  readonly initExitCode: number;
  /** Its termination message without capture (compared trimmed); empty: any. */
  readonly initTerminationMessage: string;
}

export const DEFAULT_CRITERIA: BrokenPodCriteria = {
  sidecarAnnotation: STATUS_ANNOTATION,
  initContainerName: VALIDATION_CONTAINER,
  initExitCode: VALIDATION_EXIT_CODE,
  initTerminationMessage: '',
};

export const RepairModes = ['delete', 'label', 'none'] as const;
/** `none`: broken pods are only reported (log, metric, event). */
export type RepairMode = (typeof RepairModes)[number];

export interface RepairPolicy extends BrokenPodCriteria {
  readonly mode: RepairMode;
  readonly labelKey: string;
  readonly labelValue: string;
  /** Delete pods no controller owns (nothing would make them again); off by default. */
  readonly deleteUnownedPods: boolean;
  /**
   * The plugin's excluded namespaces: a pod there gets no capture whatever is done, so a new pod
   * would fail the same way; it is reported, never deleted or labelled.
   */
  readonly excludedNamespaces?: readonly string[];
}

interface Terminated {
  readonly exitCode: number;
  readonly reason?: string;
  readonly message?: string;
}
interface ContainerStatusLike {
  readonly name: string;
  readonly state?: { readonly terminated?: Terminated | null } | null;
  readonly lastState?: { readonly terminated?: Terminated | null } | null;
}

/** The parts of a Pod read here (an API object fits as it is). */
export interface RepairPodView {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly labels?: Readonly<Record<string, string>> | null;
    readonly annotations?: Readonly<Record<string, string>> | null;
    readonly ownerReferences?: readonly { readonly controller?: boolean | null; readonly kind?: string; readonly name?: string }[] | null;
    readonly deletionTimestamp?: unknown;
  } | null;
  readonly status?: {
    readonly phase?: string;
    readonly initContainerStatuses?: readonly ContainerStatusLike[] | null;
  } | null;
}

export const HealthyReason = {
  noSidecarAnnotation: 'no-sidecar-annotation',
  terminating: 'terminating',
  finished: 'finished',
  noFailedCheck: 'no-failed-capture-check',
} as const;
export type HealthyReason = (typeof HealthyReason)[keyof typeof HealthyReason];

export type BrokenVerdict =
  | { readonly broken: false; readonly reason: HealthyReason }
  | { readonly broken: true; readonly container: string; readonly exitCode: number; readonly message: string };

const FINISHED_PHASES = new Set(['Succeeded', 'Failed']);

function matches(t: Terminated, c: BrokenPodCriteria): boolean {
  const msg = c.initTerminationMessage.trim();
  return (c.initExitCode === 0 || c.initExitCode === t.exitCode) && (msg === '' || msg === (t.message ?? '').trim());
}

/** Whether `pod` is held back by a failed capture check, and by which container. */
export function brokenPod(pod: RepairPodView, c: BrokenPodCriteria): BrokenVerdict {
  const meta = pod.metadata ?? {};
  if (c.sidecarAnnotation !== '' && meta.annotations?.[c.sidecarAnnotation] === undefined) return { broken: false, reason: HealthyReason.noSidecarAnnotation };
  if (meta.deletionTimestamp != null) return { broken: false, reason: HealthyReason.terminating };
  if (FINISHED_PHASES.has(pod.status?.phase ?? '')) return { broken: false, reason: HealthyReason.finished };
  for (const s of pod.status?.initContainerStatuses ?? []) {
    if (c.initContainerName !== '' && s.name !== c.initContainerName) continue;
    const now = s.state?.terminated ?? undefined;
    // It has just passed: never broken, whatever happened before (Istio's safety check).
    if (now && (now.exitCode === 0 || now.reason === 'Completed')) continue;
    for (const t of [now, s.lastState?.terminated ?? undefined]) {
      if (t && t.exitCode !== 0 && matches(t, c)) return { broken: true, container: s.name, exitCode: t.exitCode, message: (t.message ?? '').trim() };
    }
  }
  return { broken: false, reason: HealthyReason.noFailedCheck };
}

/** Whether a controller (ReplicaSet, StatefulSet, Job, …) owns the pod and would make it again. */
export function controllerOf(pod: RepairPodView): { kind: string; name: string } | undefined {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? { kind: ref.kind ?? '', name: ref.name ?? '' } : undefined;
}

export const SkipReason = {
  unowned: 'unowned',
  alreadyLabelled: 'already-labelled',
  reportOnly: 'report-only',
  excludedNamespace: 'excluded-namespace',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export type RepairAction =
  | { readonly kind: 'healthy'; readonly reason: HealthyReason }
  /** Delete exactly the pod that was judged: same UID, same resourceVersion. */
  | { readonly kind: 'delete'; readonly uid: string; readonly resourceVersion: string; readonly verdict: BrokenVerdict & { broken: true } }
  /** A JSON merge patch of the pod's labels (sent to `pods/status`, the lesser privilege). */
  | { readonly kind: 'label'; readonly patch: { metadata: { labels: Record<string, string> } }; readonly verdict: BrokenVerdict & { broken: true } }
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly verdict: BrokenVerdict & { broken: true } };

/** What the repair does about `pod` under `policy`. */
export function planRepair(pod: RepairPodView, policy: RepairPolicy): RepairAction {
  const verdict = brokenPod(pod, policy);
  if (!verdict.broken) return { kind: 'healthy', reason: verdict.reason };
  if (policy.excludedNamespaces?.includes(pod.metadata?.namespace ?? '')) return { kind: 'skip', reason: SkipReason.excludedNamespace, verdict };
  switch (policy.mode) {
    case 'none':
      return { kind: 'skip', reason: SkipReason.reportOnly, verdict };
    case 'label':
      if (pod.metadata?.labels?.[policy.labelKey] !== undefined) return { kind: 'skip', reason: SkipReason.alreadyLabelled, verdict };
      return { kind: 'label', patch: { metadata: { labels: { [policy.labelKey]: policy.labelValue } } }, verdict };
    case 'delete':
      if (!policy.deleteUnownedPods && controllerOf(pod) === undefined) return { kind: 'skip', reason: SkipReason.unowned, verdict };
      return { kind: 'delete', uid: pod.metadata?.uid ?? '', resourceVersion: pod.metadata?.resourceVersion ?? '', verdict };
  }
}

/** `namespace/name`, the work-queue key and log name of a pod. */
export const podKey = (pod: RepairPodView): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
