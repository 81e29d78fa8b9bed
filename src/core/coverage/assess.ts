/**
 * The coverage report (issue 17 §1): for every pod, whether it is inside the mesh as the current
 * webhook configuration and injector would have it, and if not, why and how it can be repaired.
 * Pure: the caller lists the cluster's objects and supplies the injector per webhook
 * configuration (decision and fresh injection), so the CLI and the in-webhook controller share it.
 *
 * Findings, by typed state (the same codes are the table's STATE column, the Prometheus gauge's
 * `state` label and the Event reason):
 *  - missingSidecar: selected by a webhook entry, the injector would inject it, yet no sidecar
 *    (admitted while the webhook was unreachable under failurePolicy Ignore, or created before
 *    its namespace or itself was labelled for injection);
 *  - captureFailed: injected in CNI mode but istio-validation failed (the CNI plugin never
 *    programmed the pod: the CNI race); held back fail-closed, the CNI repair controller's job;
 *  - stale: injected, but not as injection would inject it now (another revision, proxy image,
 *    arguments, environment, native/classic: an older configuration);
 *  - refused: a controller could not create pods because our webhook refused or could not be
 *    called (FailedCreate events naming it), and has not created one since;
 *  - covered, skipped (selected, but the injector skips it: hostNetwork, policy…) and
 *    notSelected (no entry selects it) are not problems.
 */
import type { Pod } from '../k8s/pod.js';
import { evaluateInjection, type InjectorView } from '../selection/evaluate.js';
import { injectorWebhook, type MutatingWebhookConfiguration } from '../selection/webhooks.js';
import { describeDrift, sidecarDrift, type Drift } from './drift.js';
import { controllerOf, podSidecarState } from './pod-state.js';

export const CoverageState = {
  covered: 'covered',
  missingSidecar: 'missingSidecar',
  captureFailed: 'captureFailed',
  stale: 'stale',
  refused: 'refused',
  skipped: 'skipped',
  notSelected: 'notSelected',
  /** The injector failed on the pod (it would be rejected now): reported with the injector's message. */
  injectionError: 'injectionError',
} as const;
export type CoverageState = (typeof CoverageState)[keyof typeof CoverageState];

/** States that are problems (counted by the exit code, the gauge's alert and the Events). */
export const PROBLEM_STATES: readonly CoverageState[] = ['missingSidecar', 'captureFailed', 'stale', 'refused', 'injectionError'];

export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
}

/** How a finding can be repaired by recreating pods; `none` says why not. */
export type Repair =
  | { readonly kind: 'rolloutRestart'; readonly owner: OwnerRef }
  | { readonly kind: 'deletePod'; readonly owner: OwnerRef }
  | { readonly kind: 'none'; readonly why: string };

export interface Finding {
  readonly state: CoverageState;
  readonly namespace: string;
  /** The pod; absent for `refused` (the pods do not exist). */
  readonly pod?: string;
  /** The workload: Deployment, StatefulSet, DaemonSet, Job, CronJob, a bare ReplicaSet… */
  readonly owner?: OwnerRef;
  /** The webhook entry that selects the pod. */
  readonly webhook?: string;
  readonly configuration?: string;
  readonly message: string;
  readonly drift?: readonly Drift[];
  readonly repair: Repair;
}

export interface Injector {
  /** What the injector decides with (policy, selectors, templates), for the selection. */
  readonly view: InjectorView;
  /** The pod as injection would produce it now; throws the injector's error. */
  inject(pod: Pod, namespace: string): Pod;
}

export interface CoverageEvent {
  readonly namespace: string;
  readonly involved: OwnerRef;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  /** RFC 3339 time of the last occurrence. */
  readonly last: string;
}

export interface CoverageInput {
  readonly pods: readonly Pod[];
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The cluster's injector MutatingWebhookConfigurations (ours are judged; Istio's explain the rest). */
  readonly configurations: readonly MutatingWebhookConfiguration[];
  /** The injector behind each configuration (by configuration name); missing: cannot judge staleness. */
  readonly injectors: ReadonlyMap<string, Injector>;
  /** The controller of each ReplicaSet (`ns/name` → Deployment), undefined for a bare one. */
  readonly replicaSetOwners: ReadonlyMap<string, OwnerRef | undefined>;
  /** FailedCreate and SuccessfulCreate events of workload controllers. */
  readonly events: readonly CoverageEvent[];
}

export interface CoverageReport {
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<CoverageState, number>>;
}

/** The workload behind a pod, and how recreating its pods would go. */
export function workloadOf(pod: Pod, replicaSetOwners: ReadonlyMap<string, OwnerRef | undefined>): { owner: OwnerRef | undefined; repair: Repair } {
  const ns = pod.metadata?.namespace ?? '';
  const c = controllerOf(pod);
  if (!c) return { owner: undefined, repair: { kind: 'none', why: 'the pod has no owner: never deleted' } };
  if (c.kind === 'ReplicaSet') {
    const d = replicaSetOwners.get(`${ns}/${c.name}`);
    if (d?.kind === 'Deployment') return { owner: d, repair: { kind: 'rolloutRestart', owner: d } };
    if (d) return { owner: d, repair: { kind: 'none', why: `owned by ${d.kind} ${d.name}` } };
    const rs = { kind: 'ReplicaSet', name: c.name };
    return { owner: rs, repair: { kind: 'deletePod', owner: rs } };
  }
  const owner = { kind: c.kind, name: c.name };
  if (c.kind === 'StatefulSet' || c.kind === 'DaemonSet') return { owner, repair: { kind: 'rolloutRestart', owner } };
  return { owner, repair: { kind: 'none', why: `${c.kind} pods are not recreated (a Job's run would start over)` } };
}

const WEBHOOK_FAILURE = /failed calling webhook "([^"]+)"|admission webhook "([^"]+)" denied the request/;

function refusedFindings(input: CoverageInput, ourWebhooks: ReadonlySet<string>): Finding[] {
  const byOwner = new Map<string, { failed?: CoverageEvent; created?: string; webhook: string; count: number }>();
  const key = (e: CoverageEvent) => `${e.namespace}/${e.involved.kind}/${e.involved.name}`;
  for (const e of input.events) {
    if (e.reason !== 'FailedCreate') continue;
    const m = WEBHOOK_FAILURE.exec(e.message);
    const webhook = m?.[1] ?? m?.[2];
    if (!webhook || !ourWebhooks.has(webhook)) continue;
    const k = key(e);
    const cur = byOwner.get(k) ?? { webhook, count: 0 };
    cur.count += e.count;
    if (!cur.failed || e.last > cur.failed.last) cur.failed = e;
    byOwner.set(k, cur);
  }
  for (const e of input.events) {
    if (e.reason !== 'SuccessfulCreate') continue;
    const cur = byOwner.get(key(e));
    if (cur && (!cur.created || e.last > cur.created)) cur.created = e.last;
  }
  const out: Finding[] = [];
  for (const v of byOwner.values()) {
    const f = v.failed as CoverageEvent;
    if (v.created !== undefined && v.created >= f.last) continue; // created pods since: recovered
    const owner = f.involved.kind === 'ReplicaSet' ? (input.replicaSetOwners.get(`${f.namespace}/${f.involved.name}`) ?? f.involved) : f.involved;
    out.push({
      state: 'refused',
      namespace: f.namespace,
      owner,
      webhook: v.webhook,
      message: `${f.involved.kind} ${f.involved.name} could not create pods ${v.count} time(s), last at ${f.last}: ${f.message}`,
      repair: { kind: 'none', why: 'the controller retries by itself once the webhook answers' },
    });
  }
  return out;
}

function assessPod(pod: Pod, input: CoverageInput, views: ReadonlyMap<string, InjectorView>): Finding {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const { owner, repair } = workloadOf(pod, input.replicaSetOwners);
  const state = podSidecarState(pod);
  const base = { namespace, pod: name, ...(owner ? { owner } : {}) };
  const evaluation = evaluateInjection({ webhooks: input.configurations, namespace: { name: namespace, labels: input.namespaceLabels.get(namespace) ?? {} }, pod, injectors: views });
  const verdict = evaluation.verdicts.find((v) => v.product === 'sidecar-kit' && v.outcome !== 'notSelected');
  if (!verdict) {
    return { ...base, state: 'notSelected', message: state.hasSidecar ? 'no sidecar-kit webhook entry selects it (it carries a sidecar from elsewhere)' : 'no sidecar-kit webhook entry selects it', repair: { kind: 'none', why: 'not selected' } };
  }
  const entry = verdict.matches[0]?.entry ?? '';
  const failurePolicy = input.configurations.find((c) => c.metadata?.name === verdict.webhook)?.webhooks?.find((w) => w.name === entry)?.failurePolicy ?? 'Fail';
  const at = { ...base, webhook: entry, configuration: verdict.webhook };
  const also = evaluation.problem === 'multipleInjectors' ? ` (also injected by ${evaluation.injectedBy.filter((w) => w !== verdict.webhook).join(', ')}: two injectors)` : '';
  if (verdict.outcome === 'skipped') {
    return { ...at, state: 'skipped', message: `the injector skips it: ${verdict.reason.message}`, repair: { kind: 'none', why: 'skipped by the injector' } };
  }
  if (verdict.outcome === 'rejected') {
    return { ...at, state: 'injectionError', message: `injection would fail now: ${verdict.reason.message}`, repair: { kind: 'none', why: 'injection fails' } };
  }
  if (state.captureCheckFailed !== undefined) {
    return {
      ...at,
      state: 'captureFailed',
      message: `istio-validation exited ${state.captureCheckFailed}: the CNI plugin did not program the pod's network (the pod is held back, fail-closed)`,
      repair: { kind: 'none', why: "the CNI installer's repair controller recreates these pods" },
    };
  }
  if (!state.hasSidecar) {
    return {
      ...at,
      state: 'missingSidecar',
      message:
        (failurePolicy === 'Ignore'
          ? `selected by ${entry}, yet it has no sidecar: admitted while the webhook could not be called (failurePolicy Ignore), or created before it or its namespace was labelled for injection`
          : `selected by ${entry}, yet it has no sidecar: created before it or its namespace was labelled for injection, or while the webhook entry was absent or failed open (failurePolicy is Fail now)`) + also,
      repair: state.finished ? { kind: 'none', why: 'the pod has finished' } : repair,
    };
  }
  const injector = input.injectors.get(verdict.webhook);
  if (!injector) return { ...at, state: 'covered', message: `injected (the injector configuration of ${verdict.webhook} is unknown: staleness not judged)${also}`, repair: { kind: 'none', why: 'covered' } };
  let wanted: Pod;
  try {
    wanted = injector.inject(pod, namespace);
  } catch (err) {
    return { ...at, state: 'injectionError', message: `injection would fail now: ${err instanceof Error ? err.message : String(err)}`, repair: { kind: 'none', why: 'injection fails' } };
  }
  const drift = sidecarDrift(pod, wanted);
  if (drift.length > 0) {
    return { ...at, state: 'stale', message: `injected from another configuration: ${drift.map(describeDrift).join('; ')}${also}`, drift, repair: state.finished ? { kind: 'none', why: 'the pod has finished' } : repair };
  }
  return { ...at, state: 'covered', message: `injected and current${also}`, repair: { kind: 'none', why: 'covered' } };
}

export function assessCoverage(input: CoverageInput): CoverageReport {
  const ours = input.configurations.filter((c) => injectorWebhook(c)?.product === 'sidecar-kit');
  const ourWebhooks = new Set(ours.flatMap((c) => (c.webhooks ?? []).map((w) => w.name)));
  const views = new Map([...input.injectors].map(([k, v]) => [k, v.view]));
  // Pods being deleted (a rollout replacing them, say) are on their way out: not judged.
  const live = input.pods.filter((p) => p.metadata?.deletionTimestamp === undefined);
  const findings = [...live.map((p) => assessPod(p, input, views)), ...refusedFindings(input, ourWebhooks)];
  findings.sort((a, b) => a.namespace.localeCompare(b.namespace) || (a.owner?.name ?? '').localeCompare(b.owner?.name ?? '') || (a.pod ?? '').localeCompare(b.pod ?? ''));
  const counts = Object.fromEntries(Object.values(CoverageState).map((s) => [s, 0])) as Record<CoverageState, number>;
  for (const f of findings) counts[f.state]++;
  return { findings, counts };
}

export function isProblem(f: Finding): boolean {
  return PROBLEM_STATES.includes(f.state);
}
