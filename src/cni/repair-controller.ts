/**
 * The CNI race repair controller (Istio's `cni/pkg/repair`), run by the node agent: it is fed
 * this node's pods (a list/watch filtered by `spec.nodeName`), judges each changed pod with the
 * pure `planRepair`, and queues the broken ones; a rate-limited worker re-judges a pod from the
 * latest copy and deletes it (preconditions: the same UID and resourceVersion, so only the pod
 * judged is deleted) or labels it, writes an Event on the pod and counts the outcome. Failures
 * (a conflict because the pod changed, an API error) are retried with backoff, 5 attempts as
 * Istio's queue. Nothing is repaired while the plugin is not in place on the node: a pod
 * replaced then would start without capture again.
 */
import { planRepair, podKey, type RepairAction, type RepairPodView, type RepairPolicy } from '../core/cni/repair.js';
import type { AgentMetrics } from './agent-metrics.js';
import type { Logger } from './log.js';
import { KeyedWorkQueue, type Timers } from './work-queue.js';

/** The API calls a repair makes. */
export interface RepairApi {
  /** Deletes the pod if it still has this UID and resourceVersion; false when it is gone already. */
  deletePod(namespace: string, name: string, preconditions: { uid: string; resourceVersion: string }): Promise<boolean>;
  /** A JSON merge patch through `pods/status` (labels can be set there with less privilege). */
  patchPodStatus(namespace: string, name: string, patch: object): Promise<void>;
  /** A Warning Event on the pod; never throws. */
  recordEvent(pod: RepairPodView, reason: string, message: string): Promise<void>;
}

export interface RepairControllerOptions {
  readonly policy: RepairPolicy;
  readonly qps: number;
  readonly burst: number;
  readonly api: RepairApi;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  readonly timers?: Timers;
  readonly maxAttempts?: number;
}

export const EventReason = { delete: 'DeleteBrokenPod', label: 'LabelBrokenPod' } as const;

type Broken = Exclude<RepairAction, { kind: 'healthy' }>;

function describeFailure(a: Broken): string {
  const v = a.verdict;
  return `${v.container} exited ${v.exitCode}${v.message ? ` (${v.message})` : ''}: the pod started without traffic capture`;
}

export class RepairController {
  private readonly queue: KeyedWorkQueue;
  private pods = new Map<string, RepairPodView>();
  /** resourceVersion last judged, per pod key: only changed pods are judged again. */
  private readonly judged = new Map<string, string>();
  /** `uid/reason` of skipped pods already reported (log, Event, metric once each). */
  private readonly reported = new Set<string>();

  constructor(private readonly o: RepairControllerOptions) {
    this.queue = new KeyedWorkQueue({
      process: (key) => this.repair(key),
      qps: o.qps,
      burst: o.burst,
      maxAttempts: o.maxAttempts ?? 5,
      backoffMs: { initial: 1000, max: 30_000 },
      ...(o.timers ? { timers: o.timers } : {}),
      onGiveUp: (key, err) => o.logger.error('giving up repairing the pod for now (it is tried again when it changes)', { pod: key, error: (err as Error).message }),
    });
    this.queue.pause();
  }

  /** The node's pods as the watch now has them. */
  update(pods: readonly RepairPodView[]): void {
    const next = new Map(pods.map((p) => [podKey(p), p]));
    for (const key of this.pods.keys()) {
      if (!next.has(key)) {
        this.queue.forget(key);
        this.judged.delete(key);
      }
    }
    this.pods = next;
    let broken = 0;
    for (const [key, pod] of next) {
      const action = planRepair(pod, this.o.policy);
      if (action.kind !== 'healthy') broken++;
      const rv = pod.metadata?.resourceVersion ?? '';
      if (this.judged.get(key) === rv) continue;
      this.judged.set(key, rv);
      if (action.kind === 'delete' || action.kind === 'label') this.queue.add(key);
      // A label already there (ours, most likely) needs no word.
      else if (action.kind === 'skip' && action.reason !== 'already-labelled') this.reportSkip(pod, action);
    }
    this.o.metrics.brokenPods.set(broken);
  }

  /** Repairs run only while the plugin is in place on the node. */
  setPluginInstalled(installed: boolean): void {
    if (installed) this.queue.resume();
    else this.queue.pause();
  }

  /** Pods queued, waiting for a retry or being repaired. */
  get pending(): number {
    return this.queue.size;
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }

  private reportSkip(pod: RepairPodView, a: Extract<RepairAction, { kind: 'skip' }>): void {
    const id = `${pod.metadata?.uid ?? podKey(pod)}/${a.reason}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    if (this.reported.size > 10_000) this.reported.delete(this.reported.values().next().value as string);
    const type = this.o.policy.mode === 'label' ? 'label' : 'delete';
    this.o.metrics.repaired.inc({ type, result: 'skip' });
    const why = { unowned: 'no controller owns it (set cni.repair.deleteUnownedPods to delete such pods)', 'already-labelled': `it has the label ${this.o.policy.labelKey}`, 'report-only': 'repair is set to report only', 'excluded-namespace': "its namespace is one the plugin excludes (a new pod would start without capture too)" }[a.reason];
    this.o.logger.warn('pod started without capture; not repaired', { pod: podKey(pod), reason: a.reason, container: a.verdict.container, exitCode: a.verdict.exitCode });
    void this.o.api.recordEvent(pod, type === 'label' ? EventReason.label : EventReason.delete, `pod detected as broken (${describeFailure(a)}), not repaired: ${why}`);
  }

  private async repair(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod) return;
    const action = planRepair(pod, this.o.policy);
    if (action.kind !== 'delete' && action.kind !== 'label') return;
    const [ns, name] = [pod.metadata?.namespace ?? '', pod.metadata?.name ?? ''];
    const reason = action.kind === 'delete' ? EventReason.delete : EventReason.label;
    try {
      if (action.kind === 'delete') {
        const deleted = await this.o.api.deletePod(ns, name, { uid: action.uid, resourceVersion: action.resourceVersion });
        if (!deleted) return;
      } else {
        await this.o.api.patchPodStatus(ns, name, action.patch);
      }
    } catch (err) {
      const message = (err as Error).message;
      this.o.metrics.repaired.inc({ type: action.kind, result: 'fail' });
      this.o.logger.warn(`pod started without capture; ${action.kind} failed`, { pod: key, error: message });
      void this.o.api.recordEvent(pod, reason, `pod detected as broken (${describeFailure(action)}), but failed to ${action.kind}: ${message}`);
      throw err;
    }
    this.o.metrics.repaired.inc({ type: action.kind, result: 'success' });
    const done = action.kind === 'delete' ? 'deleted (its controller makes a new one, which the plugin captures)' : `labelled ${this.o.policy.labelKey}=${this.o.policy.labelValue}`;
    this.o.logger.info(`pod started without capture; ${action.kind === 'delete' ? 'deleted' : 'labelled'}`, { pod: key, container: action.verdict.container, exitCode: action.verdict.exitCode });
    void this.o.api.recordEvent(pod, reason, `pod detected as broken (${describeFailure(action)}), ${done}`);
  }
}
