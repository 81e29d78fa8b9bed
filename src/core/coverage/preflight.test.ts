import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import type { Pod } from '../k8s/pod.js';
import type { MutatingWebhookConfiguration } from '../selection/webhooks.js';
import { coverageInjector } from './injector.js';
import { containerViolations, highestPassingLevel, injectionViolations, restrictedSamplePod, violationsAt } from './pod-security.js';
import { dryRunNamespace, judgePreflight, selectedNamespaces, type ConfigurationFacts, type NodeFacts, type PreflightFacts } from './preflight.js';
import { preflightData, renderPreflight } from './preflight-render.js';

const initSettings = resolveSettings();
const cniSettings = resolveSettings({ values: { pilot: { cni: { enabled: true } } } });
const env = { enableNativeSidecars: 'false' } as const;
const initInjector = coverageInjector(initSettings, env, {});
const cniInjector = coverageInjector(cniSettings, env, {});
const sample = restrictedSamplePod('default', 'sidecar-kit-preflight');

const MWC: MutatingWebhookConfiguration = {
  metadata: { name: 'sk-sidecar-injector', labels: { 'app.kubernetes.io/instance': 'sk' } },
  webhooks: [
    {
      name: 'namespace.sidecar-injector.sidecar-kit.io',
      clientConfig: { service: { name: 'sk-webhook', namespace: 'sidecar-kit', path: '/inject' }, caBundle: 'Q0E=' },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }, { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'sidecar-kit'] }] },
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    },
  ],
};

const NAMESPACES: { name: string; labels: Record<string, string> }[] = [
  { name: 'shop', labels: { 'istio-injection': 'enabled' } },
  { name: 'locked', labels: { 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' } },
  { name: 'base', labels: { 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' } },
  { name: 'plain', labels: {} },
  { name: 'kube-system', labels: { 'istio-injection': 'enabled' } },
];

function config(mode: 'init' | 'cni', extra: Partial<ConfigurationFacts> = {}): ConfigurationFacts {
  const injector = mode === 'init' ? initInjector : cniInjector;
  return {
    name: 'sk-sidecar-injector',
    release: 'sk',
    revision: '',
    service: { namespace: 'sidecar-kit', name: 'sk-webhook' },
    deployment: 'sk-webhook',
    certificates: 'selfSigned',
    mode,
    entriesWithoutCaBundle: [],
    view: injector.view,
    sampleViolations: injectionViolations(sample, injector.inject(sample, 'shop')),
    serving: [{ pod: 'sk-webhook-1', outcome: { kind: 'verified', notAfter: '2027-01-01T00:00:00.000Z', subject: 'CN=sk-webhook.sidecar-kit.svc' } }],
    ...extra,
  };
}

const injectedPod = (mode: 'init' | 'cni'): Pod => (mode === 'init' ? initInjector : cniInjector).inject(sample, 'shop');

function facts(c: ConfigurationFacts, nodes: NodeFacts[] = [{ name: 'n1', ipv6Address: false, unschedulable: false }]): PreflightFacts {
  return { webhooks: [MWC], configurations: [c], namespaces: NAMESPACES, nodes, now: '2026-12-07T00:00:00.000Z' };
}
const find = (f: PreflightFacts, check: string, subject: string) => judgePreflight(f, sample).checks.find((c) => c.check === check && c.subject.startsWith(subject));

describe('Pod Security of what injection adds', () => {
  it('init mode: istio-init adds NET_ADMIN and NET_RAW, which baseline forbids: only privileged admits it', () => {
    const v = injectionViolations(sample, injectedPod('init'));
    expect(v).toContainEqual({ level: 'baseline', subject: 'container istio-init', rule: 'capabilities', detail: 'adds NET_ADMIN, NET_RAW' });
    expect(highestPassingLevel(v)).toBe('privileged');
    expect(violationsAt(v, 'privileged')).toEqual([]);
  });

  it('CNI mode: every injected container passes restricted', () => {
    expect(injectionViolations(sample, injectedPod('cni'))).toEqual([]);
  });

  it('judges each rule, inheriting runAsNonRoot and seccomp from the pod', () => {
    const ok = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    expect(containerViolations([{ name: 'a', securityContext: ok }])).toEqual([]);
    const rules = (sc: object, pod = {}) => containerViolations([{ name: 'a', securityContext: { ...ok, ...sc } }], pod).map((v) => `${v.level}:${v.rule}`);
    expect(rules({ privileged: true })).toEqual(['baseline:privileged']);
    expect(rules({ capabilities: { add: ['CHOWN'], drop: ['ALL'] } })).toEqual(['restricted:capabilities']);
    expect(rules({ capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } })).toEqual([]);
    expect(rules({ capabilities: {} })).toEqual(['restricted:capabilities']);
    expect(rules({ allowPrivilegeEscalation: undefined })).toEqual(['restricted:allowPrivilegeEscalation']);
    expect(rules({ runAsNonRoot: undefined })).toEqual(['restricted:runAsNonRoot']);
    expect(rules({ runAsNonRoot: undefined }, { runAsNonRoot: true })).toEqual([]);
    expect(rules({ runAsUser: 0 })).toEqual(['restricted:runAsUser']);
    expect(rules({ runAsNonRoot: false, runAsUser: 0 })).toEqual(['restricted:runAsNonRoot', 'restricted:runAsUser']);
    expect(rules({ runAsNonRoot: undefined, runAsUser: 1000 })).toEqual(['restricted:runAsNonRoot']);
    expect(rules({ seccompProfile: undefined })).toEqual(['restricted:seccompProfile']);
    expect(rules({ seccompProfile: undefined }, { seccompProfile: { type: 'Localhost' } })).toEqual([]);
    expect(rules({ procMount: 'Unmasked' })).toEqual(['baseline:procMount']);
    expect(containerViolations([{ name: 'a', securityContext: ok, ports: [{ hostPort: 80 }] }]).map((v) => v.rule)).toEqual(['hostPorts']);
  });

  it('judges added volumes, not the pod\'s own', () => {
    const withHost: Pod = { ...sample, spec: { ...sample.spec, volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'n', nfs: {} }] } };
    expect(injectionViolations(sample, withHost).map((v) => `${v.level}:${v.subject}`)).toEqual(['baseline:volume h', 'restricted:volume n']);
    expect(injectionViolations(withHost, withHost)).toEqual([]);
  });
});

describe('preflight checks', () => {
  it('selects the namespaces the webhook would inject, and tries the webhook where the level admits the pod', () => {
    const f = facts(config('init'));
    expect(selectedNamespaces(f, sample).get('sk-sidecar-injector')).toEqual(['base', 'locked', 'shop']);
    expect(dryRunNamespace(['base', 'locked', 'shop'], NAMESPACES, f.configurations[0]?.sampleViolations)).toBe('shop');
    expect(dryRunNamespace(['base', 'locked'], NAMESPACES, f.configurations[0]?.sampleViolations)).toBe('base');
    expect(dryRunNamespace(['base', 'locked'], NAMESPACES, [])).toBe('base');
  });

  it('passes when everything is in place (CNI mode), exit-worthy counts', () => {
    const agent = { pod: 'cni-x', ready: true, installReady: true, host: { legacyTables: false, nfTables: true, ipTables: true, ipv6Disabled: true, nativeNftables: false } };
    const f = facts(config('cni', { cniDaemonSet: 'sidecar-kit/sk-cni', dryRun: { namespace: 'shop', outcome: { kind: 'created', pod: injectedPod('cni') } } }), [{ name: 'n1', ipv6Address: false, unschedulable: false, agent }]);
    const r = judgePreflight(f, sample);
    expect(r.counts.fail).toBe(0);
    expect(r.checks.map((c) => `${c.check} ${c.subject} ${c.status}`)).toEqual([
      'webhookReachable sk-sidecar-injector (namespace shop) pass',
      'caBundle pod sidecar-kit/sk-webhook-1 pass',
      'nodeNetfilter node n1 pass',
      'cniPlugin node n1 pass',
      'podSecurity namespace base pass',
      'podSecurity namespace locked pass',
      'podSecurity namespace shop pass',
    ]);
    expect(find(f, 'nodeNetfilter', 'node n1')?.message).toBe('legacy tables unused, nf_tables available, ip_tables available; IPv6 disabled; the plugin programs iptables');
    expect(renderPreflight(r, 'table')).toMatch(/\nready: 7 passed, 0 warning\(s\), 0 failed, 0 skipped\n$/);
    expect(preflightData(r)).toMatchObject({ ok: true, counts: { pass: 7 } });
  });

  it('init mode: a namespace enforcing restricted or baseline fails, naming istio-init, NET_ADMIN and NET_RAW, with the fix', () => {
    const f = facts(config('init'));
    const locked = find(f, 'podSecurity', 'namespace locked');
    expect(locked?.status).toBe('fail');
    expect(locked?.message).toMatch(/enforces restricted, but init mode adds what restricted forbids: container istio-init adds NET_ADMIN, NET_RAW/);
    expect(locked?.fix).toMatch(/^kubectl label namespace locked pod-security.kubernetes.io\/enforce=privileged --overwrite\n.*--set cni.enabled=true/);
    expect(find(f, 'podSecurity', 'namespace base')?.status).toBe('fail');
    expect(find(f, 'podSecurity', 'namespace shop')).toMatchObject({ status: 'pass' });
    expect(find(f, 'podSecurity', 'namespace shop')?.message).toMatch(/no enforce label/);
    expect(find(f, 'nodeNetfilter', 'node n1')?.status).toBe('skip');
  });

  it('CNI mode: warn and audit levels that would report are warnings', () => {
    const c = config('cni', { sampleViolations: [{ level: 'restricted', subject: 'container istio-proxy', rule: 'seccompProfile', detail: 'no seccomp' }] });
    const base = find(facts(c), 'podSecurity', 'namespace base');
    expect(base).toMatchObject({ status: 'warn', fix: 'kubectl label namespace base pod-security.kubernetes.io/warn=baseline --overwrite' });
  });

  it('the dry-run: injected passes; each refusal is explained with its fix', () => {
    const dr = (outcome: NonNullable<ConfigurationFacts['dryRun']>['outcome']) => find(facts(config('init', { dryRun: { namespace: 'shop', outcome } })), 'webhookReachable', 'sk-sidecar-injector');
    expect(dr({ kind: 'created', pod: injectedPod('init') })?.status).toBe('pass');
    expect(dr({ kind: 'created', pod: sample })).toMatchObject({ status: 'fail', message: expect.stringMatching(/without istio-proxy \(app\)/) });
    const x509 = dr({ kind: 'refused', status: 500, message: 'Internal error occurred: failed calling webhook "namespace.sidecar-injector.sidecar-kit.io": failed to call webhook: Post "https://sk-webhook.sidecar-kit.svc:443/inject?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority' });
    expect(x509).toMatchObject({ status: 'fail', fix: expect.stringMatching(/^kubectl -n sidecar-kit rollout restart deployment\/sk-webhook/) });
    expect(x509?.message).toMatch(/does not trust the webhook's certificate/);
    const down = dr({ kind: 'refused', status: 500, message: 'Internal error occurred: failed calling webhook "x": failed to call webhook: Post "https://sk-webhook.sidecar-kit.svc:443/inject": no endpoints available for service "sk-webhook"' });
    expect(down).toMatchObject({ status: 'fail', fix: expect.stringMatching(/rollout status deployment\/sk-webhook\nkubectl -n sidecar-kit get endpoints sk-webhook/) });
    expect(dr({ kind: 'refused', status: 403, message: 'pods "x" is forbidden: violates PodSecurity "restricted:latest": ...' })?.message).toMatch(/Pod Security level/);
  });

  it('no selected namespace: a warning with the label to set', () => {
    const f: PreflightFacts = { ...facts(config('init')), namespaces: [{ name: 'plain', labels: {} }] };
    expect(find(f, 'webhookReachable', 'sk-sidecar-injector')).toMatchObject({ status: 'warn', fix: 'kubectl label namespace <namespace> istio-injection=enabled' });
  });

  it('the caBundle: an untrusted, expiring or expired certificate, a missing caBundle, no replica', () => {
    const serving = (outcome: ConfigurationFacts['serving'][number]['outcome']) => find(facts(config('init', { certificates: 'files', serving: [{ pod: 'w1', outcome }] })), 'caBundle', 'pod');
    const bad = serving({ kind: 'untrusted', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', error: 'the certificate is not signed by the caBundle', subject: 'CN=x', issuer: 'CN=other-ca' });
    expect(bad?.status).toBe('fail');
    expect(bad?.message).toMatch(/issuer CN=other-ca\) does not verify against the caBundle for sk-webhook.sidecar-kit.svc: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(bad?.fix).toMatch(/^helm upgrade sk <chart> -n sidecar-kit --reuse-values/);
    expect(serving({ kind: 'verified', notAfter: '2026-12-10T00:00:00.000Z', subject: '' })?.status).toBe('warn');
    expect(serving({ kind: 'verified', notAfter: '2026-12-01T00:00:00.000Z', subject: '' })?.status).toBe('fail');
    expect(serving({ kind: 'unreachable', error: 'port-forward refused' })?.status).toBe('warn');
    const none = judgePreflight(facts(config('init', { serving: [], entriesWithoutCaBundle: ['a.sidecar-kit.io'] })), sample).checks.filter((c) => c.check === 'caBundle');
    expect(none.map((c) => c.status)).toEqual(['fail', 'fail']);
  });

  it('CNI mode nodes: no agent, an agent not Ready, native nftables without nf_tables, IPv6 disabled on an IPv6 node', () => {
    const host = { legacyTables: true, nfTables: false, ipTables: true, ipv6Disabled: true, nativeNftables: true };
    const f = facts(config('cni', { cniDaemonSet: 'sidecar-kit/sk-cni' }), [
      { name: 'n1', ipv6Address: false, unschedulable: true },
      { name: 'n2', ipv6Address: false, unschedulable: false, agent: { pod: 'cni-2', ready: false, installReady: false, host } },
      { name: 'n3', ipv6Address: true, unschedulable: false, agent: { pod: 'cni-3', ready: true, installReady: true, host: { ...host, nfTables: true } } },
      { name: 'n4', ipv6Address: false, unschedulable: false, agent: { pod: 'cni-4', ready: true, metricsError: '403 forbidden' } },
    ]);
    const r = judgePreflight(f, sample).checks.filter((c) => c.check === 'nodeNetfilter' || c.check === 'cniPlugin');
    expect(r.map((c) => `${c.check} ${c.subject} ${c.status}`)).toEqual([
      'nodeNetfilter node n1 fail',
      'nodeNetfilter node n2 fail',
      'nodeNetfilter node n3 warn',
      'nodeNetfilter node n4 warn',
      'cniPlugin node n1 fail',
      'cniPlugin node n2 fail',
      'cniPlugin node n3 pass',
      'cniPlugin node n4 pass',
    ]);
    expect(r[0]?.message).toMatch(/cordoned and no CNI node agent runs on it/);
    expect(r[0]?.fix).toMatch(/--field-selector spec.nodeName=n1/);
    expect(r[1]?.message).toMatch(/native nftables needs nf_tables/);
    expect(r[5]?.message).toMatch(/istio_cni_install_ready 0/);
    expect(r[7]?.message).toMatch(/readiness only/);
    const unknown = facts(config('cni'), [{ name: 'n5', ipv6Address: false, unschedulable: false, agent: { pod: 'cni-5', ready: true, installReady: true, host: { ...host, nfTables: undefined, ipTables: undefined } } }]);
    expect(find(unknown, 'nodeNetfilter', 'node n5')).toMatchObject({ status: 'pass', message: expect.stringMatching(/nf_tables unknown \(the host does not list its modules\)/) });
  });

  it('no sidecar-kit configuration: one failure naming what to install', () => {
    const r = judgePreflight({ webhooks: [], configurations: [], namespaces: NAMESPACES, nodes: [], now: '2026-12-07T00:00:00Z' }, sample);
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([expect.objectContaining({ check: 'webhookReachable', subject: 'cluster' })]);
  });

  it('the table lists every check and the fixes of failures and warnings', () => {
    const text = renderPreflight(judgePreflight(facts(config('init')), sample), 'table');
    expect(text.split('\n')[0]).toMatch(/^CHECK {2,}SUBJECT {2,}STATUS {2,}DETAIL$/);
    expect(text).toMatch(/\nto fix podSecurity namespace locked:\n {2}kubectl label namespace locked pod-security.kubernetes.io\/enforce=privileged --overwrite\n/);
    expect(text).toMatch(/\nNOT ready: \d+ passed, \d+ warning\(s\), 2 failed, \d+ skipped\n$/);
  });
});
