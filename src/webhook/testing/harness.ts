/** Builds the webhook app with test dependencies: silent logger, fresh metrics, a fake clock. */
import { pino } from 'pino';
import { buildWebhookApp, type WebhookAppOptions } from '../app.js';
import { createWebhookMetrics, type WebhookMetrics } from '../metrics.js';
import type { ClusterSnapshot, PodInjector } from '../types.js';
import { createStubInjector } from './stub-injector.js';

export const NO_CLUSTER: ClusterSnapshot = { nodes: undefined, namespaceAnnotations: undefined };

export function buildTestApp(opts: { injector?: PodInjector; cluster?: ClusterSnapshot; app?: WebhookAppOptions } = {}) {
  const metrics: WebhookMetrics = createWebhookMetrics();
  const injector = opts.injector ?? createStubInjector();
  let t = 0;
  const app = buildWebhookApp(
    {
      injector: { current: () => injector },
      cluster: { snapshot: () => opts.cluster ?? NO_CLUSTER },
      logger: pino({ level: 'silent' }),
      metrics,
      clock: { now: () => (t += 0.25) },
    },
    opts.app,
  );
  return { app, metrics };
}

export function review(object: unknown, extra: Record<string, unknown> = {}, apiVersion = 'admission.k8s.io/v1') {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: '7f0b2891-916f-4ed6-b7cd-27bff1815a8c',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      object,
      ...extra,
    },
  };
}

export function simplePod(extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
    ...extra,
  };
}
