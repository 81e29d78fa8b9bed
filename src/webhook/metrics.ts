/**
 * The injector's Prometheus metrics, with Istio's names (reference §i), on a registry owned by
 * the caller (no prom-client default-registry singleton, so tests can build as many as they like).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Istio's buckets (0.1 … 60 s) preceded by sub-millisecond ones: a healthy injection takes well
 * under a millisecond, which Istio's own histogram cannot resolve.
 */
export const INJECTION_TIME_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 5, 10, 20, 30, 60,
] as const;

export interface WebhookMetrics {
  readonly registry: Registry;
  readonly requests: Counter;
  readonly success: Counter;
  readonly failure: Counter<'reason'>;
  readonly skip: Counter<'reason'>;
  readonly time: Histogram;
  readonly configReloadFailures: Counter<'source'>;
  readonly configReloads: Counter<'source'>;
  readonly configLastReloadSuccess: Gauge<'source'>;
  readonly certReloads: Counter<'result'>;
  readonly caBundlePatches: Counter<'result'>;
  readonly decisionEvents: Counter<'result'>;
  readonly workerAdmissions: Counter<'result'>;
  readonly workerQueue: Gauge;
  /** The coverage controller (--coverageInterval): the last pass's findings by namespace and state. */
  readonly coveragePods: Gauge<'namespace' | 'state'>;
  readonly coveragePasses: Counter<'result'>;
  readonly coverageLeader: Gauge;
  readonly coverageEvents: Counter<'result'>;
  readonly coverageRecreations: Counter<'result'>;
}

export function createWebhookMetrics(opts: { defaultMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'sidecar_injection_requests_total', help: 'Total number of injection requests.', registers }),
    success: new Counter({ name: 'sidecar_injection_success_total', help: 'Total number of successful injection requests (response written).', registers }),
    failure: new Counter({
      name: 'sidecar_injection_failure_total',
      help: 'Total number of failed injection requests, by reason (decode, inject, internal).',
      labelNames: ['reason'],
      registers,
    }),
    skip: new Counter({
      name: 'sidecar_injection_skip_total',
      help: 'Total number of skipped injection requests, by the typed skip reason.',
      labelNames: ['reason'],
      registers,
    }),
    time: new Histogram({
      name: 'sidecar_injection_time_seconds',
      help: 'Total time taken for injection in seconds.',
      buckets: [...INJECTION_TIME_BUCKETS],
      registers,
    }),
    configReloads: new Counter({
      name: 'sidecar_injection_config_reloads_total',
      help: 'Injector configuration reloads applied, by source (config, values, mesh).',
      labelNames: ['source'],
      registers,
    }),
    configReloadFailures: new Counter({
      name: 'sidecar_injection_config_reload_failures_total',
      help: 'Injector configuration reloads rejected (the last good configuration stays active).',
      labelNames: ['source'],
      registers,
    }),
    configLastReloadSuccess: new Gauge({
      name: 'sidecar_injection_config_last_reload_successful',
      help: '1 when the most recent configuration load succeeded, 0 when the last good configuration is in use.',
      labelNames: ['source'],
      registers,
    }),
    certReloads: new Counter({
      name: 'sidecar_injection_cert_reloads_total',
      help: 'Serving certificate reloads, by result (ok, error).',
      labelNames: ['result'],
      registers,
    }),
    caBundlePatches: new Counter({
      name: 'sidecar_injection_cabundle_patches_total',
      help: 'Writes of the CA bundle into the MutatingWebhookConfiguration, by result (ok, error).',
      labelNames: ['result'],
      registers,
    }),
    decisionEvents: new Counter({
      name: 'sidecar_injection_decision_events_total',
      help: 'Skip decisions considered for a Kubernetes Event on the pod owner (--decisionEvents), by result (sent, failed, duplicate, throttled, dropped, noOwner).',
      labelNames: ['result'],
      registers,
    }),
    workerAdmissions: new Counter({
      name: 'sidecar_injection_worker_admissions_total',
      help: 'Admissions answered on an admission worker thread, by result (answered; refused: timeout, memory, crashed, busy, closed).',
      labelNames: ['result'],
      registers,
    }),
    workerQueue: new Gauge({
      name: 'sidecar_injection_worker_queue',
      help: 'Admissions waiting for a free admission worker thread.',
      registers,
    }),
    coveragePods: new Gauge({
      name: 'sidecar_kit_coverage_pods',
      help: "Pods (and refused controllers) of this webhook's configurations at the coverage controller's last pass, by namespace and state (covered, missingSidecar, captureFailed, stale, refused, injectionError, skipped); only on the replica holding the lease.",
      labelNames: ['namespace', 'state'],
      registers,
    }),
    coveragePasses: new Counter({ name: 'sidecar_kit_coverage_passes_total', help: 'Coverage controller passes, by result (done, notLeader, failed).', labelNames: ['result'], registers }),
    coverageLeader: new Gauge({ name: 'sidecar_kit_coverage_leader', help: "1 on the replica that holds the coverage controller's lease.", registers }),
    coverageEvents: new Counter({ name: 'sidecar_kit_coverage_events_total', help: 'Kubernetes Events for coverage problems, by result (sent, failed, duplicate, throttled).', labelNames: ['result'], registers }),
    coverageRecreations: new Counter({ name: 'sidecar_kit_coverage_recreations_total', help: 'Recreations through owners by the coverage controller (--coverageRecreate), by result (done, failed, deferred).', labelNames: ['result'], registers }),
  };
}
