import { describe, expect, it } from 'vitest';
import { brokenPod, DEFAULT_CRITERIA, planRepair, type RepairPodView, type RepairPolicy } from './repair.js';

type Status = NonNullable<NonNullable<RepairPodView['status']>['initContainerStatuses']>[number];

function pod(over: { statuses?: Status[]; annotations?: Record<string, string> | null; labels?: Record<string, string>; owner?: boolean; deleting?: boolean; phase?: string } = {}): RepairPodView {
  return {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u-1',
      resourceVersion: '42',
      annotations: over.annotations === undefined ? { 'sidecar.istio.io/status': '{}' } : over.annotations,
      labels: over.labels ?? { app: 'a' },
      ownerReferences: over.owner === false ? [] : [{ controller: true, kind: 'ReplicaSet', name: 'rs' }],
      ...(over.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    status: { phase: over.phase ?? 'Pending', initContainerStatuses: over.statuses ?? [] },
  };
}

const failedNow: Status = { name: 'istio-validation', state: { terminated: { exitCode: 126, reason: 'Error', message: 'iptables validation failed' } } };
const crashLooping: Status = { name: 'istio-validation', state: {}, lastState: { terminated: { exitCode: 126 } } };
const passedAfterFailing: Status = { name: 'istio-validation', state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: { terminated: { exitCode: 126 } } };
const running: Status = { name: 'istio-validation', state: {} };
const otherFailure: Status = { name: 'istio-validation', state: { terminated: { exitCode: 1 } } };
const otherContainer: Status = { name: 'migrate', state: { terminated: { exitCode: 126 } } };

describe('brokenPod (Istio matchesFilter, plus first failures, terminating and finished pods)', () => {
  it.each([
    ['istio-validation failed with 126 just now', [failedNow], true],
    ['istio-validation crash-looping, last exit 126', [crashLooping], true],
    ['istio-validation passed after an earlier failure (Istio: never broken)', [passedAfterFailing], false],
    ['istio-validation still running for the first time', [running], false],
    ['istio-validation failed with another code', [otherFailure], false],
    ['another init container exited 126', [otherContainer], false],
    ['no init container status yet', [], false],
  ] as const)('%s → broken %s', (_name, statuses, broken) => {
    expect(brokenPod(pod({ statuses: [...statuses] }), DEFAULT_CRITERIA).broken).toBe(broken);
  });

  it('names the container, code and message of the failure', () => {
    expect(brokenPod(pod({ statuses: [failedNow] }), DEFAULT_CRITERIA)).toEqual({ broken: true, container: 'istio-validation', exitCode: 126, message: 'iptables validation failed' });
  });

  it.each([
    ['a pod without the sidecar annotation', pod({ statuses: [failedNow], annotations: {} }), 'no-sidecar-annotation'],
    ['a pod without any annotation', pod({ statuses: [failedNow], annotations: null }), 'no-sidecar-annotation'],
    ['a pod being deleted', pod({ statuses: [failedNow], deleting: true }), 'terminating'],
    ['a finished pod (restartPolicy Never)', pod({ statuses: [failedNow], phase: 'Failed' }), 'finished'],
  ])('%s is left alone', (_n, p, reason) => {
    expect(brokenPod(p, DEFAULT_CRITERIA)).toEqual({ broken: false, reason });
  });

  it.each([
    ['exit code 0 matches any non-zero code', { initExitCode: 0 }, [otherFailure], true],
    ['an empty container name matches any init container', { initContainerName: '' }, [otherContainer], true],
    ['a termination message must match when configured (trimmed)', { initTerminationMessage: ' iptables validation failed\n' }, [failedNow], true],
    ['a different termination message does not match', { initTerminationMessage: 'something else' }, [failedNow], false],
    ['an empty sidecar annotation matches every pod', { sidecarAnnotation: '' }, [failedNow], true],
  ] as const)('criteria: %s', (_n, over, statuses, broken) => {
    const p = 'sidecarAnnotation' in over ? pod({ statuses: [...statuses], annotations: {} }) : pod({ statuses: [...statuses] });
    expect(brokenPod(p, { ...DEFAULT_CRITERIA, ...over }).broken).toBe(broken);
  });
});

describe('planRepair', () => {
  const policy = (over: Partial<RepairPolicy> = {}): RepairPolicy => ({ ...DEFAULT_CRITERIA, mode: 'delete', labelKey: 'cni.istio.io/uninitialized', labelValue: 'true', deleteUnownedPods: false, ...over });

  it('delete: exactly the pod judged (uid and resourceVersion preconditions)', () => {
    expect(planRepair(pod({ statuses: [failedNow] }), policy())).toMatchObject({ kind: 'delete', uid: 'u-1', resourceVersion: '42' });
  });

  it('delete: a pod no controller owns is left alone unless configured', () => {
    expect(planRepair(pod({ statuses: [failedNow], owner: false }), policy())).toMatchObject({ kind: 'skip', reason: 'unowned' });
    expect(planRepair(pod({ statuses: [failedNow], owner: false }), policy({ deleteUnownedPods: true }))).toMatchObject({ kind: 'delete' });
  });

  it('label: a merge patch of the broken-pod label, once', () => {
    expect(planRepair(pod({ statuses: [crashLooping] }), policy({ mode: 'label' }))).toMatchObject({ kind: 'label', patch: { metadata: { labels: { 'cni.istio.io/uninitialized': 'true' } } } });
    expect(planRepair(pod({ statuses: [crashLooping], labels: { 'cni.istio.io/uninitialized': 'x' } }), policy({ mode: 'label' }))).toMatchObject({ kind: 'skip', reason: 'already-labelled' });
  });

  it("a pod in the plugin's excluded namespaces is reported, never repaired (a new one would fail the same way)", () => {
    for (const mode of ['delete', 'label'] as const) {
      expect(planRepair(pod({ statuses: [failedNow] }), policy({ mode, excludedNamespaces: ['kube-system', 'ns'] }))).toMatchObject({ kind: 'skip', reason: 'excluded-namespace' });
    }
    expect(planRepair(pod({ statuses: [failedNow] }), policy({ excludedNamespaces: ['kube-system'] }))).toMatchObject({ kind: 'delete' });
  });

  it('none: reported only', () => {
    expect(planRepair(pod({ statuses: [failedNow] }), policy({ mode: 'none' }))).toMatchObject({ kind: 'skip', reason: 'report-only' });
  });

  it('a healthy pod: nothing, with the reason', () => {
    expect(planRepair(pod({ statuses: [passedAfterFailing] }), policy())).toEqual({ kind: 'healthy', reason: 'no-failed-capture-check' });
  });

  it('never mutates the pod', () => {
    const p = pod({ statuses: [failedNow] });
    const before = JSON.stringify(p);
    planRepair(p, policy({ mode: 'label' }));
    expect(JSON.stringify(p)).toBe(before);
  });
});
