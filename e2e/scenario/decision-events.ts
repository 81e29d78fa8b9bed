/**
 * Decision events (issue 17 §2) on a real API server: the CNI-mode release is installed with
 * `webhook.decisionEvents=true` and a never-inject selector (`era=legacy`), a skip that reaches
 * the webhook (the chart's matchConditions keep the `sidecar.istio.io/inject: "false"` and
 * hostNetwork pods away from it). A Deployment of such pods is created: its ReplicaSet (the
 * owner of the pods being admitted) gets an Event `InjectionSkippedNeverSelector` with the
 * admission warning's sentence; the other pods' decisions within the 5-minute interval add no
 * Event (per replica of the webhook: each keeps its own limiter), and the replicas' metrics count
 * them as `duplicate`: sent + duplicate = the pods, sent = the Events.
 */
import { expect, it } from 'vitest';
import type { Kube } from './provider.js';
import { deployment } from './sample.js';

export const DECISION_VALUES = ['webhook.decisionEvents=true', 'sidecarInjectorWebhook.neverInjectSelector[0].matchLabels.era=legacy'];

export interface DecisionEventsScenario {
  readonly kube: Kube;
  readonly image: () => string;
  /** A namespace the release selects. */
  readonly namespace: string;
  readonly chartNamespace: string;
  readonly webhookPods: () => string[];
}

const log = (m: string) => process.stderr.write(`decision events: ${m}\n`);

interface EventJson {
  reason: string;
  message: string;
  count?: number;
  type: string;
  involvedObject: { kind: string; name: string };
  reportingComponent?: string;
}

export function decisionEventsScenario(s: DecisionEventsScenario): void {
  const { kube } = s;
  const counters = () => {
    const totals: Record<string, number> = {};
    for (const pod of s.webhookPods()) {
      const port = kube.kubectl(['get', 'pod', '-n', s.chartNamespace, pod, '-o', "jsonpath={.spec.containers[0].ports[?(@.name=='http-monitoring')].containerPort}"]).trim();
      const text = kube.kubectl(['get', '--raw', `/api/v1/namespaces/${s.chartNamespace}/pods/${pod}:${port}/proxy/metrics`]);
      for (const m of text.matchAll(/^sidecar_injection_decision_events_total\{result="(\w+)"\} (\d+)$/gm)) totals[m[1] as string] = (totals[m[1] as string] ?? 0) + Number(m[2]);
    }
    return totals;
  };

  it("an opted-out Deployment's ReplicaSet gets one InjectionSkippedNeverSelector Event per webhook replica at most; the other decisions are counted as duplicates", async () => {
    const pods = 4;
    const name = 'legacy';
    const before = counters();
    kube.apply([deployment(s.namespace, name, s.image(), { era: 'legacy' }, pods)]);
    try {
      kube.kubectl(['rollout', 'status', '-n', s.namespace, `deploy/${name}`, '--timeout', '300s']);
      type PodItem = { metadata: { name: string; deletionTimestamp?: string; ownerReferences?: { name: string }[] }; spec: { containers: { name: string }[]; initContainers?: { name: string }[] } };
      const all = kube.getJson<{ items: PodItem[] }>(['pods', '-n', s.namespace, '-l', `app=${name}`]).items;
      log(`pods: ${all.map((p) => `${p.metadata.name}${p.metadata.deletionTimestamp ? ' (deleting)' : ''}`).join(', ')}`);
      // Pods of an earlier run's Deployment may still be terminating: only the live ones count.
      const list = all.filter((p) => !p.metadata.deletionTimestamp);
      expect(list.length).toBe(pods);
      for (const p of list) expect([...(p.spec.initContainers ?? []), ...p.spec.containers].map((c) => c.name)).toEqual([name]);
      const owners = [...new Set(list.map((p) => p.metadata.ownerReferences?.[0]?.name ?? ''))];
      const events = (rs: string) =>
        kube.getJson<{ items: EventJson[] }>(['events', '-n', s.namespace, '--field-selector', `involvedObject.kind=ReplicaSet,involvedObject.name=${rs}`]).items.filter((e) => e.reason.startsWith('InjectionSkipped'));
      await kube.until(`an InjectionSkipped event on ReplicaSet ${owners.join(', ')}`, () => owners.every((rs) => events(rs).length > 0), 120_000);
      // Every decision has been made once the pods exist; the last Events may still be in flight.
      await kube.until('the webhook replicas to count every decision', () => {
        const now = counters();
        const delta = (k: string) => (now[k] ?? 0) - (before[k] ?? 0);
        return delta('sent') + delta('duplicate') + delta('throttled') >= list.length;
      }, 60_000);
      const after = counters();
      const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
      const replicas = s.webhookPods().length;
      let sent = 0;
      for (const rs of owners) {
        const got = events(rs);
        sent += got.length;
        log(`ReplicaSet ${rs}: ${got.length} event(s)`);
        expect(got.length).toBeGreaterThanOrEqual(1);
        expect(got.length).toBeLessThanOrEqual(replicas);
        for (const e of got) {
          expect(e).toMatchObject({ reason: 'InjectionSkippedNeverSelector', type: 'Normal', reportingComponent: 'sidecar-kit-webhook', involvedObject: { kind: 'ReplicaSet', name: rs } });
          expect(e.message).toMatch(new RegExp(`^sidecar injection skipped for pod ${rs}-: .*neverInjectSelector`));
          expect(e.count ?? 1).toBe(1);
        }
      }
      log(`${sent} event(s) for ${list.length} skipped pods; counters ${JSON.stringify(Object.fromEntries(['sent', 'duplicate', 'throttled', 'failed', 'dropped', 'noOwner'].map((k) => [k, delta(k)])))}`);
      // The rate limit: one Event per owner and reason per replica; every other decision is a duplicate.
      expect(sent).toBeLessThan(list.length);
      expect(delta('sent')).toBe(sent);
      expect(delta('duplicate')).toBeGreaterThanOrEqual(list.length - replicas * owners.length);
      expect(delta('sent') + delta('duplicate')).toBeGreaterThanOrEqual(list.length);
      expect(delta('failed')).toBe(0);
    } finally {
      kube.tryKubectl(['delete', 'deployment', '-n', s.namespace, name, '--wait=false']);
    }
  });
}
