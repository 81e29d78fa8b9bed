import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../core/config/settings.js';
import { buildWebhookApp } from './app.js';
import { createCoreInjector } from './core-injector.js';
import { createDecisionEvents } from './decision-events.js';
import { createWebhookMetrics } from './metrics.js';
import { NO_CLUSTER, review } from './testing/harness.js';

/** The API server is a test double here (a recorded POST); e2e/scenario covers the real one. */
function setup(fail = false) {
  const metrics = createWebhookMetrics();
  const posted: { namespace: string; event: Record<string, unknown> }[] = [];
  const decisionEvents = createDecisionEvents({
    post: async (namespace, event) => {
      if (fail) throw new Error('events is forbidden');
      posted.push({ namespace, event });
    },
    logger: pino({ level: 'silent' }),
    metrics,
    now: () => new Date('2026-12-07T00:00:00Z'),
    instance: 'webhook-0',
  });
  const injector = createCoreInjector(resolveSettings(), { enableNativeSidecars: 'false', compliancePolicy: '', platform: '' });
  const app = buildWebhookApp({ injector: { current: () => injector }, cluster: { snapshot: () => NO_CLUSTER }, logger: pino({ level: 'silent' }), metrics, clock: { now: () => 0 }, decisionEvents });
  const send = async (pod: unknown) => {
    const res = await app.inject({ method: 'POST', url: '/inject', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review(pod)) });
    await decisionEvents.drain();
    return res.json().response as { allowed: boolean; warnings?: string[] };
  };
  const results = async () => Object.fromEntries((await metrics.decisionEvents.get()).values.map((v) => [v.labels.result, v.value]));
  return { send, posted, results };
}

const owned = (labels: Record<string, string>, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'web-6d9f-', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d9f', uid: 'u-1', controller: true }] },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
});

describe('decision events (--decisionEvents)', () => {
  it('a skipped pod gives one Event on its owner with the reason of the warning and the metric', async () => {
    const { send, posted, results } = setup();
    const answer = await send(owned({ 'sidecar.istio.io/inject': 'false' }));
    expect(answer.allowed).toBe(true);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.namespace).toBe('default');
    expect(posted[0]?.event).toMatchObject({ involvedObject: { kind: 'ReplicaSet', name: 'web-6d9f' }, reason: 'InjectionSkippedPodOptOut', reportingInstance: 'webhook-0' });
    expect(posted[0]?.event.message).toBe(`sidecar injection skipped for pod web-6d9f-: ${answer.warnings?.[0]?.replace('sidecar injection skipped: ', '')}`);
    // The same owner and reason again: no second Event; another reason: one more.
    await send(owned({ 'sidecar.istio.io/inject': 'false' }));
    await send(owned({}, { hostNetwork: true }));
    expect(posted.map((p) => p.event.reason)).toEqual(['InjectionSkippedPodOptOut', 'InjectionSkippedHostNetwork']);
    expect(await results()).toEqual({ sent: 2, duplicate: 1 });
  });

  it('no Event for injected pods or pods without an owner; a failed POST is counted, the answer unchanged', async () => {
    const { send, posted, results } = setup(true);
    expect((await send(owned({}))).allowed).toBe(true);
    await send({ ...owned({ 'sidecar.istio.io/inject': 'false' }), metadata: { name: 'bare', labels: { 'sidecar.istio.io/inject': 'false' } } });
    const answer = await send(owned({ 'sidecar.istio.io/inject': 'false' }));
    expect(answer.allowed).toBe(true);
    expect(posted).toEqual([]);
    expect(await results()).toEqual({ noOwner: 1, failed: 1 });
  });
});
