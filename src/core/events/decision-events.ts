/**
 * Decision events (issue 17 §2): when the injector skips a pod, an opt-in Kubernetes Event on the
 * pod's owner (its controller: the ReplicaSet, StatefulSet, DaemonSet or Job creating it; a pod
 * being created has no name to hang an Event on, and its owner is what users describe), carrying
 * the same typed reason as the admission warning and the `reason` label of
 * `sidecar_injection_skip_total`.
 *
 * Rate-limited twice, so a controller that creates thousands of skipped pods cannot flood the API
 * server: one Event per owner and reason per `perObjectIntervalMs` (the same decision again is
 * news to nobody), and a token bucket over all of them (`burst`, then `perSecond`). The memory of
 * recent owners is bounded (`maxKeys`, oldest forgotten first). Pure: the caller supplies the
 * clock and sends the Event.
 */
import type { Pod } from '../k8s/pod.js';

export interface EventLimits {
  readonly perObjectIntervalMs: number;
  readonly burst: number;
  readonly perSecond: number;
  readonly maxKeys: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = { perObjectIntervalMs: 5 * 60_000, burst: 25, perSecond: 1, maxKeys: 4096 };

/** What the limiter said: send it, the same owner+reason had one recently, or the bucket is empty. */
export type LimitVerdict = 'send' | 'duplicate' | 'throttled';

export class EventLimiter {
  private readonly last = new Map<string, number>();
  private tokens: number;
  private refilledAt: number | undefined;

  constructor(private readonly limits: EventLimits = DEFAULT_EVENT_LIMITS) {
    this.tokens = limits.burst;
  }

  admit(key: string, nowMs: number): LimitVerdict {
    const prev = this.last.get(key);
    if (prev !== undefined && nowMs - prev < this.limits.perObjectIntervalMs) return 'duplicate';
    if (this.refilledAt !== undefined) this.tokens = Math.min(this.limits.burst, this.tokens + ((nowMs - this.refilledAt) / 1000) * this.limits.perSecond);
    this.refilledAt = nowMs;
    if (this.tokens < 1) return 'throttled';
    this.tokens -= 1;
    // Re-inserting moves the key to the end: the map's order is least recently sent first.
    this.last.delete(key);
    this.last.set(key, nowMs);
    while (this.last.size > this.limits.maxKeys) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
    }
    return 'send';
  }
}

export interface EventOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string;
}

/** The pod's controlling owner, which the Event is about; undefined for a pod without one. */
export function eventOwner(pod: Pod): EventOwner | undefined {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref?.kind || !ref.name) return undefined;
  const uid = (ref as { uid?: unknown }).uid;
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(typeof uid === 'string' ? { uid } : {}) };
}

export const EVENT_REASON_PREFIX = 'InjectionSkipped';
export const REPORTING_COMPONENT = 'sidecar-kit-webhook';
const MAX_MESSAGE = 1024;

export interface SkipEventInput {
  readonly namespace: string;
  readonly owner: EventOwner;
  /** The typed skip reason (`podOptOut`, `hostNetwork`, …). */
  readonly reason: string;
  /** The admission warning's sentence. */
  readonly message: string;
  /** The pod's generateName or name, to say which pods. */
  readonly pod: string;
  /** The replica sending it (its pod name), for `source.host`-like attribution. */
  readonly instance: string;
  readonly now: Date;
}

/**
 * The core/v1 Event (what `kubectl describe` and `kubectl get events` show): reason
 * `InjectionSkipped` + the typed reason in upper camel case (`InjectionSkippedPodOptOut`), the
 * same sentence as the admission warning, type Normal.
 */
export function skipEvent(e: SkipEventInput): Record<string, unknown> {
  const time = e.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const message = `sidecar injection skipped for pod ${e.pod || '(unnamed)'}: ${e.message}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${e.owner.name}.`, namespace: e.namespace, labels: { 'app.kubernetes.io/managed-by': REPORTING_COMPONENT } },
    involvedObject: { apiVersion: e.owner.apiVersion, kind: e.owner.kind, name: e.owner.name, namespace: e.namespace, ...(e.owner.uid ? { uid: e.owner.uid } : {}) },
    reason: `${EVENT_REASON_PREFIX}${e.reason.charAt(0).toUpperCase()}${e.reason.slice(1)}`,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
    type: 'Normal',
    source: { component: REPORTING_COMPONENT, ...(e.instance ? { host: e.instance } : {}) },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: e.instance,
    action: 'Skip',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

/** The limiter's key: the same owner and reason within the interval is one Event. */
export function eventKey(namespace: string, owner: EventOwner, reason: string): string {
  return `${namespace}/${owner.kind}/${owner.name}/${reason}`;
}
