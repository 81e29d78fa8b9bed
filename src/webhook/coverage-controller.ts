/**
 * The coverage controller in the webhook Deployment (issue 17 §1, opt-in: `--coverageInterval`):
 * every interval, the replica holding the Lease `<serviceName>-coverage` judges the cluster with
 * src/core/coverage, using the injector configuration this webhook serves, and
 *  - exports the findings of its own configurations as `sidecar_kit_coverage_pods{namespace,state}`;
 *  - posts a Warning Event `Coverage<State>` on each problem pod (or refused controller), at most
 *    one per pod and state per hour and 1/s overall (burst 25: core/events' limiter);
 *  - with `--coverageRecreate`, recreates missingSidecar and stale pods through their owners
 *    (rollout restart, delete a bare ReplicaSet's pod; never a pod without an owner), at most
 *    `--coverageMaxRecreations` per pass.
 * One replica at a time (the Lease), so two replicas never restart the same workload twice.
 * A pass is bounded: each API call has a timeout, and a pass never overlaps the next.
 */
import type { Logger } from 'pino';
import { assessCoverage, type Injector } from '../core/coverage/assess.js';
import { findingEvent, findingKey, findingsOf, gaugeRows } from '../core/coverage/controller.js';
import { EventLimiter } from '../core/events/decision-events.js';
import type { NodeFact } from '../core/inject/environment.js';
import { readCoverageObjects } from '../kube/coverage-objects.js';
import { applyRepairs } from '../kube/coverage-repair.js';
import type { KubeJson } from '../kube/json-client.js';
import { holdLease } from '../kube/lease.js';
import type { WebhookMetrics } from './metrics.js';

export interface CoverageControllerOptions {
  readonly intervalMs: number;
  /** Our MutatingWebhookConfigurations (--webhookConfigName). */
  readonly configurations: readonly string[];
  /** Where the Lease lives and its name. */
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly recreate: { readonly enabled: boolean; readonly maxPerPass: number };
}

export interface CoverageControllerDeps {
  readonly api: KubeJson;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  /** The injector this webhook serves with, for the nodes read in the pass. */
  readonly injector: (nodes: readonly NodeFact[]) => Injector;
  readonly now: () => Date;
}

export interface CoverageController {
  /** One pass now (tests; the timer calls it too). Never throws. */
  pass(): Promise<void>;
  stop(): Promise<void>;
}

export const COVERAGE_EVENT_LIMITS = { perObjectIntervalMs: 60 * 60_000, burst: 25, perSecond: 1, maxKeys: 8192 };

export function startCoverageController(o: CoverageControllerOptions, d: CoverageControllerDeps, timers = true): CoverageController {
  const limiter = new EventLimiter(COVERAGE_EVENT_LIMITS);
  let running: Promise<void> | undefined;
  let stopped = false;

  async function once(): Promise<void> {
    const now = d.now();
    const leader = await holdLease(d.api, { namespace: o.leaseNamespace, name: o.leaseName, identity: o.identity, durationSeconds: Math.max(30, Math.ceil((3 * o.intervalMs) / 1000)), now });
    d.metrics.coverageLeader.set(leader ? 1 : 0);
    if (!leader) {
      d.metrics.coveragePods.reset();
      d.metrics.coveragePasses.inc({ result: 'notLeader' });
      return;
    }
    const { ours, nodes, ...objects } = await readCoverageObjects(d.api, { warn: (m) => d.logger.warn(`coverage: ${m}`) });
    const injector = d.injector(nodes);
    const names = ours.map((c) => c.metadata?.name ?? '').filter((n) => o.configurations.includes(n));
    const report = assessCoverage({ ...objects, injectors: new Map(names.map((n) => [n, injector])) });
    const mine = findingsOf(report, objects.configurations, o.configurations);
    d.metrics.coveragePods.reset();
    for (const r of gaugeRows(mine)) d.metrics.coveragePods.set({ namespace: r.namespace, state: r.state }, r.count);
    const uids = new Map(objects.pods.map((p) => [`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`, (p.metadata as { uid?: string } | undefined)?.uid]));
    for (const f of mine) {
      const event = findingEvent(f, now, o.identity, f.pod !== undefined ? uids.get(`${f.namespace}/${f.pod}`) : undefined);
      if (!event) continue;
      const verdict = limiter.admit(findingKey(f), now.getTime());
      if (verdict !== 'send') {
        d.metrics.coverageEvents.inc({ result: verdict });
        continue;
      }
      try {
        await d.api.post(`/api/v1/namespaces/${encodeURIComponent(f.namespace)}/events`, event);
        d.metrics.coverageEvents.inc({ result: 'sent' });
      } catch (err) {
        d.metrics.coverageEvents.inc({ result: 'failed' });
        d.logger.warn({ finding: findingKey(f) }, `coverage event not sent: ${(err as Error).message}`);
      }
    }
    if (o.recreate.enabled) {
      const actions = await applyRepairs(d.api, mine, { max: o.recreate.maxPerPass, gapMs: 0, now: d.now, sleep: async () => undefined });
      for (const a of actions) {
        d.metrics.coverageRecreations.inc({ result: a.result });
        d.logger.info({ namespace: a.namespace, action: a.action, result: a.result, detail: a.detail }, 'coverage: recreate');
      }
    }
    const problems = mine.filter((f) => ['missingSidecar', 'captureFailed', 'stale', 'refused', 'injectionError'].includes(f.state)).length;
    d.logger.info({ findings: mine.length, problems }, 'coverage pass');
    d.metrics.coveragePasses.inc({ result: 'done' });
  }

  const pass = async () => {
    if (running || stopped) return running;
    running = once()
      .catch((err: unknown) => {
        d.metrics.coveragePasses.inc({ result: 'failed' });
        d.logger.warn(`coverage pass failed: ${(err as Error).message}`);
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = timers ? setInterval(() => void pass(), o.intervalMs) : undefined;
  timer?.unref();
  // The first pass shortly after start (the watches settle first).
  const first = timers ? setTimeout(() => void pass(), Math.min(o.intervalMs, 15_000)) : undefined;
  first?.unref();
  return {
    pass,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (first) clearTimeout(first);
      await running;
    },
  };
}
