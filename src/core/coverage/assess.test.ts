import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import { injectPod } from '../inject/inject.js';
import type { Pod } from '../k8s/pod.js';
import { assessCoverage, type CoverageEvent, type CoverageInput, type OwnerRef } from './assess.js';
import { coverageInjector } from './injector.js';
import { renderReport } from './render.js';
import type { MutatingWebhookConfiguration as WebhookConfiguration } from '../selection/webhooks.js';

const settings = resolveSettings();
const injector = coverageInjector(settings, { enableNativeSidecars: 'false' }, {});
const MWC: WebhookConfiguration = {
  metadata: { name: 'sk-sidecar-injector' },
  webhooks: [
    {
      name: 'namespace.sidecar-injector.sidecar-kit.io',
      failurePolicy: 'Fail',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }, { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'sidecar-kit'] }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    },
  ],
};

function pod(name: string, opts: { ns?: string; owner?: OwnerRef; labels?: Record<string, string>; hostNetwork?: boolean; status?: Record<string, unknown> } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: opts.ns ?? 'shop',
      ...(opts.owner ? { generateName: `${opts.owner.name}-`, ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, controller: true }] } : {}),
      labels: { app: name, ...(opts.labels ?? {}) },
    },
    spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }], ...(opts.hostNetwork ? { hostNetwork: true } : {}) },
    status: opts.status ?? { phase: 'Running' },
  };
}
const injected = (p: Pod, s = settings): Pod => ({ ...injectPod({ pod: p, namespace: p.metadata?.namespace }, s, { enableNativeSidecars: 'false' }).pod, status: p.status });

function input(pods: Pod[], extra: Partial<CoverageInput> = {}): CoverageInput {
  return {
    pods,
    namespaceLabels: new Map<string, Record<string, string>>([
      ['shop', { 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': 'shop' }],
      ['plain', { 'kubernetes.io/metadata.name': 'plain' }],
      ['kube-system', { 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': 'kube-system' }],
    ]),
    configurations: [MWC],
    injectors: new Map([['sk-sidecar-injector', injector]]),
    replicaSetOwners: new Map([
      ['shop/web-6d9f', { kind: 'Deployment', name: 'web' }],
      ['shop/bare-rs', undefined],
    ]),
    events: [],
    ...extra,
  };
}
const only = (i: CoverageInput) => {
  const r = assessCoverage(i);
  expect(r.findings).toHaveLength(1);
  return r.findings[0] as NonNullable<(typeof r.findings)[0]>;
};

describe('assessCoverage', () => {
  it('a freshly injected pod is covered: re-injecting what runs gives the same sidecar', () => {
    const f = only(input([injected(pod('a', { owner: { kind: 'ReplicaSet', name: 'web-6d9f' } }))]));
    expect(f).toMatchObject({ state: 'covered', webhook: 'namespace.sidecar-injector.sidecar-kit.io', owner: { kind: 'Deployment', name: 'web' } });
  });

  it.each([
    ['a Deployment pod is repaired by a rollout restart', { kind: 'ReplicaSet', name: 'web-6d9f' }, { kind: 'rolloutRestart', owner: { kind: 'Deployment', name: 'web' } }],
    ['a bare ReplicaSet pod is deleted (its ReplicaSet recreates it)', { kind: 'ReplicaSet', name: 'bare-rs' }, { kind: 'deletePod', owner: { kind: 'ReplicaSet', name: 'bare-rs' } }],
    ['a StatefulSet pod is repaired by a rollout restart', { kind: 'StatefulSet', name: 'db' }, { kind: 'rolloutRestart', owner: { kind: 'StatefulSet', name: 'db' } }],
    ['a Job pod is never recreated', { kind: 'Job', name: 'once' }, { kind: 'none' }],
    ['a pod without an owner is never touched', undefined, { kind: 'none', why: 'the pod has no owner: never deleted' }],
  ] as const)('selected, would be injected, no sidecar: missingSidecar; %s', (_n, owner, repair) => {
    const f = only(input([pod('a', owner ? { owner } : {})]));
    expect(f.state).toBe('missingSidecar');
    expect(f.message).toMatch(/created before it or its namespace was labelled for injection, or while the webhook entry was absent or failed open \(failurePolicy is Fail now\)/);
    expect(f.repair).toMatchObject(repair);
  });

  it('a pod being deleted is not judged', () => {
    const p = pod('a');
    expect(assessCoverage(input([{ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }])).findings).toEqual([]);
  });

  it.each([
    ['an unlabelled namespace', pod('a', { ns: 'plain' }), 'notSelected'],
    ['kube-system, even labelled', pod('a', { ns: 'kube-system' }), 'notSelected'],
    ['an opted-out pod', pod('a', { labels: { 'sidecar.istio.io/inject': 'false' } }), 'notSelected'],
    ['a hostNetwork pod (the injector skips it)', pod('a', { hostNetwork: true }), 'skipped'],
  ] as const)('not a problem: %s', (_n, p, state) => {
    expect(only(input([p])).state).toBe(state);
  });

  it('a pod injected from another proxy image is stale, naming the difference', () => {
    const old = resolveSettings({ values: { global: { tag: '1.30.2' } } });
    const f = only(input([injected(pod('a', { owner: { kind: 'ReplicaSet', name: 'web-6d9f' } }), old)]));
    expect(f.state).toBe('stale');
    expect(f.drift?.map((d) => `${d.container} ${d.field}`)).toContain('istio-proxy image');
    expect(f.message).toContain('docker.io/istio/proxyv2:1.30.2 -> docker.io/istio/proxyv2:1.31.0');
    expect(f.repair).toEqual({ kind: 'rolloutRestart', owner: { kind: 'Deployment', name: 'web' } });
  });

  it('a classic sidecar where injection now gives a native one is stale', () => {
    const native = coverageInjector(settings, { enableNativeSidecars: 'true' }, {});
    const f = only(input([injected(pod('a'))], { injectors: new Map([['sk-sidecar-injector', native]]) }));
    expect(f.state).toBe('stale');
    expect(f.message).toContain('istio-proxy kind: classic sidecar -> native sidecar');
  });

  it('a CNI-mode pod whose istio-validation failed is captureFailed (repair left to the CNI installer)', () => {
    const cni = resolveSettings({ values: { pilot: { cni: { enabled: true } } } });
    const p = injected(pod('a', { owner: { kind: 'ReplicaSet', name: 'web-6d9f' } }), cni);
    const failed = { ...p, status: { phase: 'Pending', initContainerStatuses: [{ name: 'istio-validation', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 126 } } }] } };
    const f = only(input([failed]));
    expect(f.state).toBe('captureFailed');
    expect(f.message).toMatch(/exited 126/);
    expect(f.repair.kind).toBe('none');
    const passed = { ...p, status: { phase: 'Running', initContainerStatuses: [{ name: 'istio-validation', state: { terminated: { exitCode: 0 } }, lastState: { terminated: { exitCode: 126 } } }] } };
    expect(only(input([passed], { injectors: new Map([['sk-sidecar-injector', coverageInjector(cni, { enableNativeSidecars: 'false' }, {})]]) })).state).toBe('covered');
  });

  const ev = (reason: string, last: string, message = '', kind = 'ReplicaSet', name = 'web-6d9f'): CoverageEvent => ({ namespace: 'shop', involved: { kind, name }, reason, message, count: 1, last });
  const refusal = 'Internal error occurred: failed calling webhook "namespace.sidecar-injector.sidecar-kit.io": failed to call webhook: Post "https://sk-sidecar-kit-webhook.sidecar-kit.svc:443/inject?timeout=10s": no endpoints available for service "sk-sidecar-kit-webhook"';

  it('a controller our webhook refused, with no pod created since, is refused (on its Deployment)', () => {
    const f = only(input([], { events: [ev('FailedCreate', '2026-01-01T10:00:00Z', refusal), ev('SuccessfulCreate', '2026-01-01T09:00:00Z')] }));
    expect(f).toMatchObject({ state: 'refused', owner: { kind: 'Deployment', name: 'web' }, webhook: 'namespace.sidecar-injector.sidecar-kit.io' });
    expect(f.message).toMatch(/no endpoints available/);
  });

  it('refusals followed by a created pod, or by other webhooks, are not reported', () => {
    expect(assessCoverage(input([], { events: [ev('FailedCreate', '2026-01-01T10:00:00Z', refusal), ev('SuccessfulCreate', '2026-01-01T10:00:05Z')] })).findings).toEqual([]);
    expect(assessCoverage(input([], { events: [ev('FailedCreate', '2026-01-01T10:00:00Z', refusal.replace('sidecar-kit.io', 'example.com'))] })).findings).toEqual([]);
  });

  it('renders a table of the problems, and JSON/YAML of everything', () => {
    const r = assessCoverage(input([pod('a'), injected(pod('b'))]));
    const text = renderReport(r, 'table');
    expect(text.split('\n')[0]).toMatch(/^NAMESPACE\s+WORKLOAD\s+POD\s+STATE\s+WHY\s+REPAIR$/);
    expect(text).toMatch(/shop\s+-\s+a\s+missingSidecar/);
    expect(text).not.toMatch(/\bb\s+covered/);
    expect(text).toMatch(/covered 1, missingSidecar 1/);
    expect(renderReport(r, 'table', true)).toMatch(/\bb\s+covered/);
    const data = JSON.parse(renderReport(r, 'json')) as { problems: number; findings: { state: string }[] };
    expect(data.problems).toBe(1);
    expect(data.findings.map((f) => f.state)).toEqual(['missingSidecar', 'covered']);
    expect(renderReport(r, 'yaml')).toMatch(/^counts:\n/);
    expect(renderReport(assessCoverage(input([])), 'table')).toBe('no pod outside the mesh (no pods)\n');
  });
});
