/**
 * The chart through a real `helm`: lint and render for the default values and every
 * ci/*-values.yaml, every rendered object validated against the Kubernetes schemas, and the
 * rules the chart promises (names, replicas, RBAC per mode, certificates, selection semantics).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matchSelector, type LabelSelector } from '../../../src/core/k8s/selector.js';
import { selectionEntries } from '../../../src/core/selection/entries.js';
import { evaluateInjection } from '../../../src/core/selection/evaluate.js';
import type { MutatingWebhookConfiguration } from '../../../src/core/selection/webhooks.js';
import { webhookConfigNames } from '../../../src/webhook/self-signed-mode.js';
import { CHART_DIR, find, helm, helmSkipReason, NAMESPACE, render, VARIANTS, valuesArgs, type K8sObject } from './helm.js';
import { validateObject } from './validate.js';

const skip = helmSkipReason !== undefined;
const title = (s: string) => `${s}${skip ? ` (skipped: ${helmSkipReason})` : ''}`;

interface Webhook {
  name: string;
  clientConfig: { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
  failurePolicy: string;
  reinvocationPolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  rules: unknown[];
}
const webhooksOf = (objects: readonly K8sObject[]) => find(objects, 'MutatingWebhookConfiguration').webhooks as Webhook[];
const podSpecOf = (o: K8sObject) => (o.spec as { template: { spec: Record<string, unknown> } }).template.spec;

describe.skipIf(skip)(title('helm lint and template'), () => {
  it.each(VARIANTS)('$name: helm lint --strict passes', (v) => {
    const r = helm(['lint', '--strict', CHART_DIR, '--namespace', NAMESPACE, ...valuesArgs(v)]);
    expect(r.stderr + r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.code).toBe(0);
  });

  it.each(VARIANTS)('$name: every rendered object validates against its Kubernetes schema', (v) => {
    const objects = render(valuesArgs(v));
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) validateObject(o);
  });

  it.each(VARIANTS)('$name: names never collide with an Istio install; namespaced objects live in the release namespace', (v) => {
    for (const o of render(valuesArgs(v))) {
      expect(o.metadata.name).not.toMatch(/^istio/);
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      const clusterScoped = ['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration'].includes(o.kind);
      expect(o.metadata.namespace).toBe(clusterScoped ? undefined : NAMESPACE);
    }
  });

  it.each(VARIANTS)('$name: every webhook entry has Istio\'s fixed fields', (v) => {
    for (const w of webhooksOf(render(valuesArgs(v)))) {
      expect(w.name).toMatch(/sidecar-injector\.sidecar-kit\.io$/);
      expect(w).toMatchObject({ sideEffects: 'None', admissionReviewVersions: ['v1'] });
      expect(w.rules).toEqual([{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }]);
      expect(w.timeoutSeconds).toBeGreaterThanOrEqual(1);
    }
  });

  it('the webhook runs non-root on a read-only root filesystem with probes, and the pod is never injected itself', () => {
    const spec = podSpecOf(find(render(), 'Deployment'));
    const c = (spec.containers as Record<string, unknown>[])[0] as Record<string, Record<string, unknown>>;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready' } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    expect(c.resources).toMatchObject({ requests: { cpu: '100m', memory: '128Mi' } });
    expect((find(render(), 'Deployment').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });

  it.each([
    ['selfSigned (default)', [], 2, true],
    ['selfSigned, 3 replicas', ['--set', 'webhook.replicaCount=3'], 3, true],
    ['selfSigned, 1 replica', ['--set', 'webhook.replicaCount=1'], 1, false],
    ['helm', ['--set', 'certificates.mode=helm'], 2, true],
    ['certManager', ['--set', 'certificates.mode=certManager'], 2, true],
    ['secret', ['--set', 'certificates.mode=secret', '--set', 'certificates.secret.name=t', '--set', 'certificates.secret.caBundle=Q0E='], 2, true],
    ['helm, 3 replicas, PDB off', ['--set', 'certificates.mode=helm', '--set', 'webhook.replicaCount=3', '--set', 'webhook.podDisruptionBudget.enabled=false'], 3, false],
  ] as const)('replicas, PDB and anti-affinity in every certificate mode: %s', (_n, args, replicas, pdb) => {
    const objects = render(args);
    const deployment = find(objects, 'Deployment');
    expect((deployment.spec as { replicas: number }).replicas).toBe(replicas);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(pdb);
    if (pdb) {
      const selector = (find(objects, 'PodDisruptionBudget').spec as { selector: LabelSelector }).selector;
      const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      expect(matchSelector(selector, labels)).toBe('match');
    }
    const anti = (podSpecOf(deployment).affinity as { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: { topologyKey: string } }[] } }).podAntiAffinity;
    expect(anti?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  });

  it.each([
    ['selfSigned, native auto', [], ['nodes:list,watch', 'mutatingwebhookconfigurations:list,watch,patch'], ['secrets:get,list,watch', 'secrets:create']],
    ['helm, native auto', ['--set', 'certificates.mode=helm'], ['nodes:list,watch'], []],
    ['helm, native off, openshift', ['--set', 'certificates.mode=helm', '--set', 'webhook.nativeSidecars=false', '--set', 'webhook.platform=openshift'], ['namespaces:list,watch'], []],
    ['helm, native off', ['--set', 'certificates.mode=helm', '--set', 'webhook.nativeSidecars=false'], [], []],
    ['helm, native off, decision events', ['--set', 'certificates.mode=helm', '--set', 'webhook.nativeSidecars=false', '--set', 'webhook.decisionEvents=true'], ['events:create'], []],
    ['helm, native off, coverage controller', ['--set', 'certificates.mode=helm', '--set', 'webhook.nativeSidecars=false', '--set', 'webhook.coverage.enabled=true'], ['events:create', 'pods,namespaces,nodes,events:list', 'replicasets:list', 'mutatingwebhookconfigurations:list'], ['leases:get,patch', 'leases:create']],
    ['helm, native off, coverage controller recreating', ['--set', 'certificates.mode=helm', '--set', 'webhook.nativeSidecars=false', '--set', 'webhook.coverage.enabled=true', '--set', 'webhook.coverage.recreate.enabled=true'], ['events:create', 'pods,namespaces,nodes,events:list', 'replicasets:list', 'mutatingwebhookconfigurations:list', 'deployments,statefulsets,daemonsets:patch', 'pods:delete'], ['leases:get,patch', 'leases:create']],
  ] as const)('webhook RBAC is exactly what it calls: %s', (_n, args, expected, namespaced) => {
    type Rule = { resources: string[]; verbs: string[]; resourceNames?: string[] };
    const objects = render(args);
    const ruleText = (r: Rule) => `${r.resources.join(',')}:${r.verbs.join(',')}`;
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-webhook'));
    const rules = (role?.rules ?? []) as Rule[];
    expect(rules.map(ruleText)).toEqual(expected);
    const mwc = rules.find((r) => r.resources.includes('mutatingwebhookconfigurations') && r.verbs.includes('patch'));
    if (mwc) expect(mwc.resourceNames).toEqual([find(objects, 'MutatingWebhookConfiguration').metadata.name]);
    const spec = podSpecOf(find(objects, 'Deployment'));
    expect(spec.automountServiceAccountToken).toBe(expected.length > 0);
    const env = ((spec.containers as { env?: { name: string; value?: string }[] }[])[0]?.env ?? []).map((e) => e.name);
    const set = args as readonly string[];
    expect(env.includes('DECISION_EVENTS')).toBe(set.includes('webhook.decisionEvents=true'));
    const cmd = ((spec.containers as { args?: string[] }[])[0]?.args ?? []).filter((a) => a.startsWith('--coverage'));
    expect(cmd).toEqual(set.includes('webhook.coverage.enabled=true') ? ['--coverageInterval=300', ...(set.includes('webhook.coverage.recreate.enabled=true') ? ['--coverageRecreate', '--coverageMaxRecreations=1'] : [])] : []);
    expect(objects.some((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name.endsWith('-webhook'))).toBe(expected.length > 0);
    // Secrets only in the release namespace (a Role), read access only to the CA Secret by name.
    const nsRole = objects.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-webhook'));
    const nsRules = (nsRole?.rules ?? []) as Rule[];
    expect(nsRules.map(ruleText)).toEqual(namespaced);
    for (const r of nsRules) {
      if (r.verbs.includes('create')) expect(r.resourceNames).toBeUndefined(); // create cannot be limited by name
      else expect(r.resourceNames).toEqual([`${find(objects, 'Deployment').metadata.name}-${r.resources[0] === 'leases' ? 'coverage' : 'ca'}`]);
    }
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('-webhook'));
    expect(binding !== undefined).toBe(namespaced.length > 0);
    if (binding) {
      expect(binding.metadata.namespace).toBe(NAMESPACE);
      expect((binding as unknown as { subjects: unknown[] }).subjects).toEqual([{ kind: 'ServiceAccount', name: spec.serviceAccountName, namespace: NAMESPACE }]);
    }
  });

  it.each([
    ['defaults (repair by deleting, plugin kept across restarts)', [], [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    ], true],
    ['repair by labelling, readiness taint', ['cni.repair.deletePods=false', 'cni.repair.labelPods=true', 'cni.readinessTaint.enabled=true'], [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
    ], true],
    ['no repair, plugin removed on every shutdown: the plugin only gets pods', ['cni.repair.enabled=false', 'cni.keepPluginOnRestart=false'], [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], false],
  ] as const)('the CNI installer gets only what it uses: %s', (_n, sets, rules, dsRole) => {
    const objects = render(['--set', 'cni.enabled=true', ...sets.flatMap((v) => ['--set', v])]);
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.includes('-cni-node'));
    expect(role?.rules).toEqual(rules);
    const nsRole = objects.find((o) => o.kind === 'Role' && o.metadata.name.includes('-cni-node'));
    const ds = objects.find((o) => o.kind === 'DaemonSet');
    expect(nsRole?.rules ?? []).toEqual(dsRole ? [{ apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: [ds?.metadata.name], verbs: ['get'] }] : []);
    expect(objects.some((o) => o.kind === 'RoleBinding' && o.metadata.name.includes('-cni-node'))).toBe(dsRole);
  });

  it('cni.repair: deleting and labelling are exclusive', () => {
    expect(() => render(['--set', 'cni.enabled=true', '--set', 'cni.repair.labelPods=true'])).toThrow(/deletePods and cni.repair.labelPods are exclusive/);
  });

  it('helm mode: one generated CA signs the serving certificate for the Service names, and it is the caBundle', () => {
    const objects = render(['--set', 'certificates.mode=helm']);
    const data = find(objects, 'Secret').data as Record<string, string>;
    const b64 = (k: string) => Buffer.from(data[k] ?? '', 'base64');
    const ca = new X509Certificate(b64('ca.crt'));
    const cert = new X509Certificate(b64('tls.crt'));
    const svc = find(objects, 'Service');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost(`${svc.metadata.name}.${NAMESPACE}.svc`)).toBeDefined();
    expect(cert.checkPrivateKey(createPrivateKey(b64('tls.key')))).toBe(true);
    for (const w of webhooksOf(objects)) expect(w.clientConfig.caBundle).toBe(data['ca.crt']);
  });

  it.each([
    ['certManager', ['--set', 'certificates.mode=certManager'], 'cert-manager.io/inject-ca-from'],
    ['secret', ['--set', 'certificates.mode=secret', '--set', 'certificates.secret.name=t', '--set', 'certificates.secret.caBundle=Q0E='], undefined],
    ['selfSigned', [], undefined],
  ] as const)('%s: where the caBundle comes from', (mode, args, annotation) => {
    const objects = render(args);
    const mwc = find(objects, 'MutatingWebhookConfiguration');
    if (annotation) expect(mwc.metadata.annotations?.[annotation]).toBe(`${NAMESPACE}/${find(objects, 'Service').metadata.name}`);
    for (const w of webhooksOf(objects)) expect(w.clientConfig.caBundle).toBe(mode === 'secret' ? 'Q0E=' : undefined);
  });

  it.each([
    ['an unknown top-level key', ['--set', 'webook.port=1'], /webook/],
    ['an unknown certificate mode', ['--set', 'certificates.mode=acme'], /certificates[./]mode/],
    ['a port out of range', ['--set', 'webhook.port=70000'], /webhook[./]port/],
    ['a wrongly typed Istio value', ['--set-string', 'global.proxy.privileged=yes'], /global[./]proxy[./]privileged/],
    ['secret mode without a secret', ['--set', 'certificates.mode=secret'], /certificates\.secret\.name is required/],
    ['a revision that is no DNS label', ['--set', 'revision=Canary_1'], /revision/],
    ['a CA Secret name that is no Secret name', ['--set', 'certificates.selfSigned.caSecretName=My_CA'], /certificates[./]selfSigned[./]caSecretName/],
    ['a ProxyConfig duration not in Go syntax', ['--set-string', 'meshConfig.defaultConfig.drainDuration=45 seconds'], /drainDuration/],
    ['a ProxyConfig duration given as a number', ['--set', 'meshConfig.defaultConfig.terminationDrainDuration=5'], /terminationDrainDuration/],
    ['a ProxyConfig port that is no integer', ['--set-string', 'meshConfig.defaultConfig.statusPort=x'], /statusPort/],
  ] as const)('bad values fail rendering naming the value: %s', (_n, args, message) => {
    const r = helm(['template', 'sk', CHART_DIR, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it.each([
    ['Go durations', ['--set-string', 'meshConfig.defaultConfig.drainDuration=1m30s,meshConfig.defaultConfig.terminationDrainDuration=.5s']],
    ['a port as a number or a quoted one', ['--set', 'meshConfig.defaultConfig.statusPort=15021', '--set-string', 'meshConfig.defaultConfig.proxyAdminPort=15000']],
  ] as const)('ProxyConfig values in the forms Istio reads render: %s', (_n, args) => {
    const r = helm(['template', 'sk', CHART_DIR, ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

/**
 * Which pods the rendered MutatingWebhookConfiguration sends to the webhook: any entry whose
 * namespace and object selectors both match (the API server's rule), checked against Istio's
 * table (reference §b.4).
 */
describe.skipIf(skip)(title('selection semantics of the rendered MutatingWebhookConfiguration'), () => {
  const selected = (objects: readonly K8sObject[], ns: Record<string, string>, pod: Record<string, string>) =>
    webhooksOf(objects)
      .filter((w) => matchSelector(w.namespaceSelector, ns) === 'match' && matchSelector(w.objectSelector, pod) === 'match')
      .map((w) => w.name.split('sidecar-injector')[0]);
  const INJ = { 'istio-injection': 'enabled' };

  it.each([
    ['istio-injection=enabled', INJ, {}, ['namespace.']],
    ['istio-injection=enabled, pod opts out', INJ, { 'sidecar.istio.io/inject': 'false' }, []],
    ['istio-injection=enabled beats istio.io/rev', { ...INJ, 'istio.io/rev': 'default' }, {}, ['namespace.']],
    ['istio-injection=disabled', { 'istio-injection': 'disabled' }, {}, []],
    ['unlabelled namespace', {}, {}, []],
    ['unlabelled namespace, pod opts in', {}, { 'sidecar.istio.io/inject': 'true' }, ['object.']],
    ['istio.io/rev=default', { 'istio.io/rev': 'default' }, {}, ['rev.namespace.']],
    ['istio.io/rev=default, pod opts out', { 'istio.io/rev': 'default' }, { 'sidecar.istio.io/inject': 'false' }, []],
    ['another revision', { 'istio.io/rev': 'canary' }, {}, []],
    ['pod label istio.io/rev=default', {}, { 'istio.io/rev': 'default' }, ['rev.object.']],
  ])('default revision: %s', (_n, ns, pod, expected) => {
    expect(selected(render(), ns, pod)).toEqual(expected);
  });

  it.each([
    ['istio.io/rev=sk', { 'istio.io/rev': 'sk' }, {}, ['rev.namespace.']],
    ['istio-injection=enabled (Istio\'s default revision)', INJ, {}, []],
    ['istio.io/rev=default', { 'istio.io/rev': 'default' }, {}, []],
    ['pod label istio.io/rev=sk', {}, { 'istio.io/rev': 'sk' }, ['rev.object.']],
    ['pod opt-in without a revision', {}, { 'sidecar.istio.io/inject': 'true' }, []],
  ])('revision sk: %s', (_n, ns, pod, expected) => {
    expect(selected(render(['--set', 'revision=sk']), ns, pod)).toEqual(expected);
  });

  it.each([
    ['unlabelled namespace', { 'kubernetes.io/metadata.name': 'shop' }, {}, ['auto.']],
    ['kube-system', { 'kubernetes.io/metadata.name': 'kube-system' }, {}, []],
    ['pod opts out', { 'kubernetes.io/metadata.name': 'shop' }, { 'sidecar.istio.io/inject': 'false' }, []],
  ])('enableNamespacesByDefault: %s', (_n, ns, pod, expected) => {
    expect(selected(render(['--set', 'sidecarInjectorWebhook.enableNamespacesByDefault=true']), ns, pod)).toEqual(expected);
  });

  it.each([
    ['default revision', [], { revLabel: 'default', defaultEntries: true, enableNamespacesByDefault: false }],
    ['enableNamespacesByDefault', ['--set', 'sidecarInjectorWebhook.enableNamespacesByDefault=true'], { revLabel: 'default', defaultEntries: true, enableNamespacesByDefault: true }],
    ['revision sk', ['--set', 'revision=sk'], { revLabel: 'sk', defaultEntries: false, enableNamespacesByDefault: false }],
  ] as const)('%s: the entries are the core\'s selectionEntries (what check-inject and tag set build on)', (_n, args, options) => {
    const rendered = webhooksOf(render([...args])).map((w) => ({ name: w.name, namespaceSelector: w.namespaceSelector, objectSelector: w.objectSelector }));
    const excludedNamespaces = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', NAMESPACE];
    const core = selectionEntries({ ...options, excludedNamespaces }).map((e) => ({ name: `${e.prefix}sidecar-injector.sidecar-kit.io`, namespaceSelector: e.namespaceSelector, objectSelector: e.objectSelector }));
    expect(rendered).toEqual(core);
  });
});

describe.skipIf(skip)(title('revision tags (revisionTags)'), () => {
  const TAGGED = ['--set', 'revision=canary', '--set', 'revisionTags={prod,default}'];
  const mwcs = (objects: readonly K8sObject[]) => objects.filter((o) => o.kind === 'MutatingWebhookConfiguration');

  it('one configuration per tag, named after the release, labelled with the revision and the tag, calling this revision\'s webhook', () => {
    const objects = render(TAGGED);
    const all = mwcs(objects);
    expect(all.map((m) => m.metadata.name)).toEqual(['sk-sidecar-kit-sidecar-injector-canary', 'sk-sidecar-kit-revision-tag-prod', 'sk-sidecar-kit-revision-tag-default']);
    const [own, prod, def] = all as [K8sObject, K8sObject, K8sObject];
    expect(own.metadata.labels?.['sidecar-kit.io/tag']).toBeUndefined();
    expect([prod.metadata.labels?.['sidecar-kit.io/rev'], prod.metadata.labels?.['sidecar-kit.io/tag']]).toEqual(['canary', 'prod']);
    const service = find(objects, 'Service').metadata.name;
    for (const m of all) {
      for (const w of (m.webhooks as Webhook[])) expect(w.clientConfig.service.name).toBe(service);
      expect(m.metadata.annotations?.['sidecar-kit.io/injector-configmap']).toBe(`${NAMESPACE}/sk-sidecar-kit-sidecar-injector-canary`);
      expect(m.metadata.annotations?.['sidecar-kit.io/mesh-configmap']).toBe(`${NAMESPACE}/sk-sidecar-kit-mesh-canary`);
    }
    const entries = (m: K8sObject) => (m.webhooks as Webhook[]).map((w) => ({ name: w.name, namespaceSelector: w.namespaceSelector, objectSelector: w.objectSelector }));
    const core = (revLabel: string, defaultEntries: boolean) =>
      selectionEntries({ revLabel, defaultEntries, enableNamespacesByDefault: false, excludedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', NAMESPACE] }).map((e) => ({ name: `${e.prefix}sidecar-injector.sidecar-kit.io`, namespaceSelector: e.namespaceSelector, objectSelector: e.objectSelector }));
    expect(entries(prod)).toEqual(core('prod', false));
    expect(entries(def)).toEqual(core('default', true));
  });

  it('the ConfigMaps the annotations name are the ones the chart renders', () => {
    const objects = render(TAGGED);
    const cms = objects.filter((o) => o.kind === 'ConfigMap').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    for (const m of mwcs(objects)) {
      expect(cms).toContain(m.metadata.annotations?.['sidecar-kit.io/injector-configmap']);
      expect(cms).toContain(m.metadata.annotations?.['sidecar-kit.io/mesh-configmap']);
    }
  });

  it('the webhook keeps every configuration\'s caBundle (selfSigned): its --webhookConfigName and RBAC name them all', () => {
    const objects = render(TAGGED);
    const names = mwcs(objects).map((m) => m.metadata.name);
    const args = ((podSpecOf(find(objects, 'Deployment')).containers as { args: string[] }[])[0]?.args ?? []);
    const flag = args.find((a) => a.startsWith('--webhookConfigName='))?.slice('--webhookConfigName='.length) ?? '';
    expect(webhookConfigNames(flag)).toEqual(names);
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-webhook-canary'));
    const rule = ((role?.rules ?? []) as { resources: string[]; resourceNames?: string[] }[]).find((r) => r.resources.includes('mutatingwebhookconfigurations'));
    expect(rule?.resourceNames).toEqual(names);
  });

  it('what the rendered configurations select: a namespace labelled with a tag goes to the revision behind it', () => {
    const webhooks = mwcs(render(TAGGED)) as unknown as MutatingWebhookConfiguration[];
    const by = (labels: Record<string, string>, pod: Record<string, string> = {}) =>
      evaluateInjection({ webhooks, namespace: { name: 'shop', labels }, pod: { metadata: { labels: pod }, spec: { containers: [] } } }).verdicts.filter((v) => v.injected).map((v) => [v.webhook, v.revision, v.reason.code]);
    expect(by({ 'istio.io/rev': 'prod' })).toEqual([['sk-sidecar-kit-revision-tag-prod', 'canary', 'namespaceTag']]);
    expect(by({ 'istio.io/rev': 'canary' })).toEqual([['sk-sidecar-kit-sidecar-injector-canary', 'canary', 'namespaceRevision']]);
    expect(by({ 'istio-injection': 'enabled' })).toEqual([['sk-sidecar-kit-revision-tag-default', 'canary', 'namespaceLabel']]);
    expect(by({}, { 'istio.io/rev': 'prod' })).toEqual([['sk-sidecar-kit-revision-tag-prod', 'canary', 'podTag']]);
    expect(by({ 'istio.io/rev': 'other' })).toEqual([]);
  });

  it.each([
    ['the tag "default" on the default revision', ['--set', 'revisionTags={default}'], /the tag "default" needs a named revision/],
    ['a tag equal to the revision', ['--set', 'revision=canary', '--set', 'revisionTags={canary}'], /"canary" is this release's own revision/],
    ['a tag listed twice', ['--set', 'revision=canary', '--set', 'revisionTags={prod,prod}'], /"prod" is listed twice/],
    ['a tag that is no DNS label', ['--set', 'revisionTags={Prod_1}'], /revisionTags/],
  ] as const)('colliding or bad tags fail rendering: %s', (_n, args, message) => {
    const r = helm(['template', 'sk', CHART_DIR, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

/**
 * Selection that cannot deadlock (issue 17 §3): the namespaces the injector never injects and the
 * release's own namespace are left out by every entry's namespaceSelector on any server, and on
 * servers with matchConditions (>= 1.30) CEL conditions keep opted-out and hostNetwork pods away.
 * The CEL itself is judged by a real API server in e2e/scenario/coverage.ts.
 */
describe.skipIf(skip)(title('selection that cannot deadlock'), () => {
  const conditionsOf = (w: Webhook) => (w as unknown as { matchConditions?: { name: string; expression: string }[] }).matchConditions;

  it.each(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', NAMESPACE])('no entry selects namespace %s, even labelled for injection', (ns) => {
    for (const labels of [{ 'istio-injection': 'enabled' }, { 'istio.io/rev': 'default' }, {}] as Record<string, string>[]) {
      for (const w of webhooksOf(render(['--set', 'sidecarInjectorWebhook.enableNamespacesByDefault=true']))) {
        expect(matchSelector(w.namespaceSelector, { ...labels, 'kubernetes.io/metadata.name': ns }), `${w.name} ${JSON.stringify(labels)}`).toBe('noMatch');
      }
    }
  });

  it('webhook.excludeNamespaces adds to the release namespace, which is always left out', () => {
    const ws = webhooksOf(render(['--set', 'webhook.excludeNamespaces={batch}']));
    const shop = { 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': 'shop' };
    expect(ws.some((w) => matchSelector(w.namespaceSelector, shop) === 'match')).toBe(true);
    for (const ns of ['batch', NAMESPACE]) {
      expect(ws.some((w) => matchSelector(w.namespaceSelector, { ...shop, 'kubernetes.io/metadata.name': ns }) === 'match'), ns).toBe(false);
    }
    expect(conditionsOf(ws[0] as Webhook)?.find((c) => c.name === 'not-excluded-namespace')?.expression).toBe(`!(request.namespace in ['batch','${NAMESPACE}'])`);
  });

  it.each([
    ['a 1.30 server (matchConditions GA)', ['--kube-version', '1.30.0'], true],
    ['a 1.36 server', ['--kube-version', '1.36.3'], true],
    ['a 1.29 server (auto: none)', ['--kube-version', '1.29.4'], false],
    ['matchConditions=false on 1.36', ['--kube-version', '1.36.3', '--set', 'webhook.matchConditions=false'], false],
    ['matchConditions=true on 1.29 (beta, enabled by the operator)', ['--kube-version', '1.29.4', '--set', 'webhook.matchConditions=true'], true],
  ] as const)('%s', (_n, args, expected) => {
    for (const w of webhooksOf(render([...args]))) {
      const conditions = conditionsOf(w);
      if (!expected) {
        expect(conditions).toBeUndefined();
        continue;
      }
      expect(conditions?.map((c) => c.name)).toEqual(['not-opted-out', 'not-host-network', 'not-excluded-namespace']);
      for (const c of conditions ?? []) expect(c.expression).not.toMatch(/\n/);
    }
  });
});
