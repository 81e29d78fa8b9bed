import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA, type RepairPodView, type RepairPolicy } from '../core/cni/repair.js';
import { createAgentMetrics } from './agent-metrics.js';
import { memoryLogger } from './log.js';
import { RepairController, type RepairApi } from './repair-controller.js';
import { ManualTimers } from './testing/manual-timers.js';

/** A recording test double of the API calls (the real ones run in e2e/cluster). */
class RecordingApi implements RepairApi {
  readonly calls: string[] = [];
  readonly events: string[] = [];
  failures = 0;
  gone = false;
  async deletePod(ns: string, name: string, pre: { uid: string; resourceVersion: string }): Promise<boolean> {
    this.calls.push(`delete ${ns}/${name} uid=${pre.uid} rv=${pre.resourceVersion}`);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('HTTP 409: the object has been modified');
    }
    return !this.gone;
  }
  async patchPodStatus(ns: string, name: string, patch: object): Promise<void> {
    this.calls.push(`patch ${ns}/${name} ${JSON.stringify(patch)}`);
  }
  async recordEvent(pod: RepairPodView, reason: string, message: string): Promise<void> {
    this.events.push(`${pod.metadata?.name} ${reason}: ${message}`);
  }
}

function brokenPod(name: string, rv = '1', owned = true): RepairPodView {
  return {
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: rv, annotations: { 'sidecar.istio.io/status': '{}' }, ownerReferences: owned ? [{ controller: true, kind: 'ReplicaSet', name: 'rs' }] : [] },
    status: { phase: 'Pending', initContainerStatuses: [{ name: 'istio-validation', state: { terminated: { exitCode: 126, message: 'iptables validation failed' } } }] },
  };
}
const healthyPod = (name: string): RepairPodView => ({ metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '1', annotations: { 'sidecar.istio.io/status': '{}' } }, status: { phase: 'Running' } });

function setUp(over: Partial<RepairPolicy> = {}, rate = { qps: 1000, burst: 1000 }) {
  const api = new RecordingApi();
  const metrics = createAgentMetrics();
  const logger = memoryLogger();
  const timers = new ManualTimers();
  const policy: RepairPolicy = { ...DEFAULT_CRITERIA, mode: 'delete', labelKey: 'cni.istio.io/uninitialized', labelValue: 'true', deleteUnownedPods: false, ...over };
  const c = new RepairController({ policy, ...rate, api, logger, metrics, timers });
  const counter = async (type: string, result: string) => (await metrics.repaired.get()).values.find((v) => v.labels.type === type && v.labels.result === result)?.value ?? 0;
  return { api, metrics, logger, timers, c, counter };
}

describe('RepairController', () => {
  it('deletes the broken pods of the node (exactly those judged), once the plugin is in place', async () => {
    const { api, c, timers, counter, metrics } = setUp();
    c.update([brokenPod('a'), healthyPod('b'), brokenPod('c', '7')]);
    await timers.advance(1000);
    expect(api.calls).toEqual([]); // the plugin is not installed yet
    expect((await metrics.brokenPods.get()).values[0]?.value).toBe(2);
    c.setPluginInstalled(true);
    await timers.advance(0);
    expect(api.calls).toEqual(['delete shop/a uid=uid-a rv=1', 'delete shop/c uid=uid-c rv=7']);
    expect(await counter('delete', 'success')).toBe(2);
    expect(api.events[0]).toMatch(/^a DeleteBrokenPod: pod detected as broken \(istio-validation exited 126 \(iptables validation failed\): the pod started without traffic capture\), deleted/);
  });

  it('an unchanged pod is judged once; a gone pod is forgotten', async () => {
    const { api, c, timers } = setUp();
    c.setPluginInstalled(true);
    c.update([brokenPod('a')]);
    c.update([brokenPod('a')]);
    await timers.advance(0);
    expect(api.calls).toHaveLength(1);
    api.gone = true;
    c.update([brokenPod('a', '2')]);
    await timers.advance(0);
    expect(api.calls).toHaveLength(2);
    c.update([]);
    expect(c.pending).toBe(0);
  });

  it('a conflict (the pod changed) is retried with backoff from the latest copy, and counted', async () => {
    const { api, c, timers, counter } = setUp();
    api.failures = 1;
    c.setPluginInstalled(true);
    c.update([brokenPod('a', '1')]);
    await timers.advance(0);
    c.update([brokenPod('a', '2')]);
    await timers.advance(1000);
    expect(api.calls).toEqual(['delete shop/a uid=uid-a rv=1', 'delete shop/a uid=uid-a rv=2']);
    expect([await counter('delete', 'fail'), await counter('delete', 'success')]).toEqual([1, 1]);
    expect(api.events[0]).toMatch(/but failed to delete: HTTP 409/);
  });

  it('rate-limited: a burst, then qps', async () => {
    const { api, c, timers } = setUp({}, { qps: 1, burst: 2 });
    c.setPluginInstalled(true);
    c.update(['a', 'b', 'c', 'd'].map((n) => brokenPod(n)));
    await timers.advance(0);
    expect(api.calls).toHaveLength(2);
    await timers.advance(1000);
    expect(api.calls).toHaveLength(3);
    await timers.advance(1000);
    expect(api.calls).toHaveLength(4);
  });

  it('a pod no controller owns is reported once (log, Event, skip), not deleted', async () => {
    const { api, c, timers, counter, logger } = setUp();
    c.setPluginInstalled(true);
    c.update([brokenPod('bare', '1', false)]);
    c.update([brokenPod('bare', '2', false)]);
    await timers.advance(0);
    expect(api.calls).toEqual([]);
    expect(await counter('delete', 'skip')).toBe(1);
    expect(api.events).toEqual([expect.stringMatching(/^bare DeleteBrokenPod: .*not repaired: no controller owns it/)]);
    expect(logger.lines.some((l) => l.startsWith('warn pod started without capture; not repaired'))).toBe(true);
  });

  it('label mode: patches pods/status with the label', async () => {
    const { api, c, timers, counter } = setUp({ mode: 'label' });
    c.setPluginInstalled(true);
    c.update([brokenPod('a')]);
    await timers.advance(0);
    expect(api.calls).toEqual(['patch shop/a {"metadata":{"labels":{"cni.istio.io/uninitialized":"true"}}}']);
    expect(await counter('label', 'success')).toBe(1);
    // Our label is on it now: nothing more to do or say.
    c.update([{ ...brokenPod('a', '2'), metadata: { ...brokenPod('a', '2').metadata, labels: { 'cni.istio.io/uninitialized': 'true' } } }]);
    await timers.advance(0);
    expect([api.calls.length, await counter('label', 'skip')]).toEqual([1, 0]);
  });

  it('pauses when the plugin goes away', async () => {
    const { api, c, timers } = setUp();
    c.setPluginInstalled(true);
    c.setPluginInstalled(false);
    c.update([brokenPod('a')]);
    await timers.advance(5000);
    expect(api.calls).toEqual([]);
  });
});
