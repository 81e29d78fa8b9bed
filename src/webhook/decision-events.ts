/**
 * Sends the decision events of src/core/events (opt-in: `--decisionEvents`): each skipped pod
 * with a controlling owner becomes, rate-limited, a core/v1 Event on that owner. Sending never
 * delays or changes the admission answer: the Event is posted after the answer is computed, at
 * most `maxInFlight` at a time (more are dropped and counted), each call bounded in time.
 */
import type { Logger } from 'pino';
import { EventLimiter, eventKey, eventOwner, skipEvent, type EventLimits } from '../core/events/decision-events.js';
import type { Pod } from '../core/k8s/pod.js';
import type { AdmissionSubject } from './admission.js';
import type { WebhookMetrics } from './metrics.js';

/** Posts one Event object to `/api/v1/namespaces/<ns>/events`. */
export type EventPoster = (namespace: string, event: Record<string, unknown>) => Promise<void>;

export interface DecisionEvents {
  /** A skip decision: maybe an Event on the pod's owner. Never throws, never waits. */
  skipped(subject: AdmissionSubject, reason: string, message: string): void;
  /** Resolves when the Events in flight are sent (shutdown, tests). */
  drain(): Promise<void>;
}

export interface DecisionEventsDeps {
  readonly post: EventPoster;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  readonly now: () => Date;
  /** This replica (its pod name). */
  readonly instance: string;
  readonly limits?: EventLimits;
  readonly maxInFlight?: number;
}

export function createDecisionEvents(deps: DecisionEventsDeps): DecisionEvents {
  const limiter = new EventLimiter(deps.limits);
  const maxInFlight = deps.maxInFlight ?? 16;
  const inFlight = new Set<Promise<void>>();
  const count = (result: string) => deps.metrics.decisionEvents.inc({ result });
  return {
    skipped(subject, reason, message) {
      const pod = subject.pod as Pod;
      const owner = eventOwner(pod);
      if (!owner) {
        count('noOwner');
        return;
      }
      const now = deps.now();
      const verdict = limiter.admit(eventKey(subject.namespace, owner, reason), now.getTime());
      if (verdict !== 'send') {
        count(verdict);
        return;
      }
      if (inFlight.size >= maxInFlight) {
        count('dropped');
        return;
      }
      const name = pod.metadata?.name || pod.metadata?.generateName || '';
      const event = skipEvent({ namespace: subject.namespace, owner, reason, message, pod: name, instance: deps.instance, now });
      const p = deps.post(subject.namespace, event).then(
        () => count('sent'),
        (err: unknown) => {
          count('failed');
          deps.logger.warn({ owner: `${owner.kind}/${owner.name}`, namespace: subject.namespace, reason }, `decision event not sent: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}
