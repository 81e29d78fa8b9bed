import { describe, expect, it } from 'vitest';
import type { Pod } from '../k8s/pod.js';
import { selectionEntries } from './entries.js';
import { evaluateInjection, injectorViewOf, type InjectorView, type WebhookVerdict } from './evaluate.js';
import { NEVER_MATCH, type MutatingWebhookConfiguration } from './webhooks.js';

const RULES = [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];

/** A webhook configuration shaped like Istio's chart (product istio) or ours (sidecar-kit). */
function mwc(o: { name: string; revision?: string; tag?: string; product?: 'istio' | 'sidecar-kit'; auto?: boolean }): MutatingWebhookConfiguration {
  const product = o.product ?? 'istio';
  const rev = o.revision ?? '';
  const revLabel = o.tag ?? (rev || 'default');
  const suffix = product === 'istio' ? 'sidecar-injector.istio.io' : 'sidecar-injector.sidecar-kit.io';
  const labels: Record<string, string> =
    product === 'istio'
      ? { 'istio.io/rev': rev || 'default', ...(o.tag ? { 'istio.io/tag': o.tag } : {}) }
      : { 'sidecar-kit.io/rev': rev || 'default', ...(o.tag ? { 'sidecar-kit.io/tag': o.tag } : {}) };
  const entries = selectionEntries({ revLabel, defaultEntries: o.tag ? o.tag === 'default' : rev === '', enableNamespacesByDefault: o.auto ?? false });
  return {
    metadata: { name: o.name, labels },
    webhooks: entries.map((e) => ({ name: `${e.prefix}${suffix}`, rules: RULES, namespaceSelector: e.namespaceSelector, objectSelector: e.objectSelector })),
  };
}

function pod(labels: Record<string, string> = {}, annotations: Record<string, string> = {}, hostNetwork = false): Pod {
  return { metadata: { name: 'p', labels, annotations }, spec: { containers: [{ name: 'app' }], ...(hostNetwork ? { hostNetwork } : {}) } };
}

const DEFAULT = mwc({ name: 'istio-sidecar-injector' });
const CANARY = mwc({ name: 'istio-sidecar-injector-canary', revision: 'canary' });

function verdict(webhooks: MutatingWebhookConfiguration[], nsLabels: Record<string, string>, p: Pod, name = 'istio-sidecar-injector', injectors?: Map<string, InjectorView>): WebhookVerdict {
  const e = evaluateInjection({ webhooks, namespace: { name: 'test', labels: nsLabels }, pod: p, ...(injectors ? { injectors } : {}) });
  const v = e.verdicts.find((x) => x.webhook === name);
  if (!v) throw new Error(`no verdict for ${name}`);
  return v;
}

describe('evaluateInjection: what the API server selects (istioctl x check-inject cases)', () => {
  it.each([
    {
      what: 'an unlabelled namespace and pod: no entry matches, with the labels that would',
      ns: {},
      pod: pod(),
      want: {
        'istio-sidecar-injector': ['notSelected', 'noMatchingEntry', 'No matching namespace labels (istio.io/rev=default, istio-injection=enabled) or pod labels (istio.io/rev=default, sidecar.istio.io/inject=true)'],
        'istio-sidecar-injector-canary': ['notSelected', 'noMatchingEntry', 'No matching namespace labels (istio.io/rev=canary) or pod labels (istio.io/rev=canary)'],
      },
    },
    {
      what: 'namespace istio-injection=enabled',
      ns: { 'istio-injection': 'enabled' },
      pod: pod(),
      want: { 'istio-sidecar-injector': ['injected', 'namespaceLabel', 'Namespace label istio-injection=enabled matches'] },
    },
    {
      what: 'namespace istio.io/rev=canary',
      ns: { 'istio.io/rev': 'canary' },
      pod: pod(),
      want: {
        'istio-sidecar-injector': ['notSelected', 'noMatchingEntry', expect.stringMatching(/^No matching namespace labels/)],
        'istio-sidecar-injector-canary': ['injected', 'namespaceRevision', 'Namespace label istio.io/rev=canary matches'],
      },
    },
    {
      what: 'pod istio.io/rev=canary in an unlabelled namespace',
      ns: {},
      pod: pod({ 'istio.io/rev': 'canary' }),
      want: {
        'istio-sidecar-injector': ['notSelected', 'podLabelExcludes', 'Pod has istio.io/rev=canary label, preventing injection'],
        'istio-sidecar-injector-canary': ['injected', 'podRevision', 'Pod label istio.io/rev=canary matches'],
      },
    },
    {
      what: 'pod sidecar.istio.io/inject=false in an enabled namespace',
      ns: { 'istio-injection': 'enabled' },
      pod: pod({ 'sidecar.istio.io/inject': 'false' }),
      want: { 'istio-sidecar-injector': ['notSelected', 'podLabelExcludes', 'Pod has sidecar.istio.io/inject=false label, preventing injection'] },
    },
    {
      what: 'namespace istio-injection=disabled with a pod asking for injection',
      ns: { 'istio-injection': 'disabled' },
      pod: pod({ 'sidecar.istio.io/inject': 'true' }),
      want: { 'istio-sidecar-injector': ['notSelected', 'namespaceLabelExcludes', 'Namespace has istio-injection=disabled label, preventing injection'] },
    },
    {
      what: 'pod sidecar.istio.io/inject=true in an unlabelled namespace (the object. entry)',
      ns: {},
      pod: pod({ 'sidecar.istio.io/inject': 'true' }),
      want: { 'istio-sidecar-injector': ['injected', 'podLabel', 'Pod label sidecar.istio.io/inject=true matches'] },
    },
    {
      what: 'namespace enabled and pod opting in: both labels named',
      ns: { 'istio-injection': 'enabled' },
      pod: pod({ 'sidecar.istio.io/inject': 'true' }),
      want: { 'istio-sidecar-injector': ['injected', 'namespaceLabel', 'Namespace label istio-injection=enabled matches, and pod label sidecar.istio.io/inject=true matches'] },
    },
    {
      what: 'istio-injection=enabled beats istio.io/rev on the namespace',
      ns: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
      pod: pod(),
      want: {
        'istio-sidecar-injector': ['injected', 'namespaceLabel', 'Namespace label istio-injection=enabled matches'],
        'istio-sidecar-injector-canary': ['notSelected', 'noMatchingEntry', 'No matching namespace labels (istio.io/rev=canary) or pod labels (istio.io/rev=canary)'],
      },
    },
  ])('$what', ({ ns, pod: p, want }) => {
    for (const [name, [outcome, code, message]] of Object.entries(want)) {
      const v = verdict([DEFAULT, CANARY], ns as Record<string, string>, p, name);
      expect({ outcome: v.outcome, code: v.reason.code, message: v.reason.message }, name).toEqual({ outcome, code, message });
    }
  });

  it('names the entry and the labels that selected, and the templates', () => {
    const v = verdict([DEFAULT], { 'istio-injection': 'enabled' }, pod());
    expect(v.matches).toEqual([{ entry: 'namespace.sidecar-injector.istio.io', namespaceLabel: 'istio-injection=enabled' }]);
    expect(v.templates).toEqual(['sidecar']);
    expect(v.revision).toBe('default');
    expect(v.injectorConfigKnown).toBe(false);
  });

  it('a deactivated configuration never matches, and says so', () => {
    const off: MutatingWebhookConfiguration = {
      metadata: { name: 'istio-sidecar-injector', labels: { 'istio.io/rev': 'default' } },
      webhooks: (DEFAULT.webhooks ?? []).map((w) => ({ ...w, namespaceSelector: NEVER_MATCH, objectSelector: NEVER_MATCH })),
    };
    const v = verdict([off], { 'istio-injection': 'enabled' }, pod());
    expect([v.outcome, v.reason.code, v.reason.message]).toEqual(['notSelected', 'webhookDeactivated', 'The injection webhook is deactivated, and will never match labels.']);
  });

  it('rules that do not cover pod creation select nothing', () => {
    const other = { ...DEFAULT, webhooks: (DEFAULT.webhooks ?? []).map((w) => ({ ...w, rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] })) };
    const v = verdict([other], { 'istio-injection': 'enabled' }, pod());
    expect([v.outcome, v.reason.code]).toEqual(['notSelected', 'rulesExclude']);
    const star = { ...DEFAULT, webhooks: (DEFAULT.webhooks ?? []).map((w) => ({ ...w, rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] })) };
    expect(verdict([star], { 'istio-injection': 'enabled' }, pod()).outcome).toBe('injected');
  });

  it('the auto. entry injects every unlabelled namespace but the ignored ones', () => {
    const auto = mwc({ name: 'istio-sidecar-injector', auto: true });
    const v = verdict([auto], {}, pod());
    expect([v.outcome, v.reason.code, v.reason.message]).toEqual(['injected', 'allNamespaces', 'Namespace label kubernetes.io/metadata.name=test matches (Automatic injection is enabled in all namespaces).']);
    const e = evaluateInjection({ webhooks: [auto], namespace: { name: 'kube-system' }, pod: pod() });
    expect(e.verdicts[0]?.outcome).toBe('notSelected');
  });

  it('revision tags: the tag configuration injects for istio.io/rev=<tag>, naming the revision it points at', () => {
    const prod = mwc({ name: 'istio-revision-tag-prod', revision: 'canary', tag: 'prod' });
    const ns = verdict([DEFAULT, CANARY, prod], { 'istio.io/rev': 'prod' }, pod(), 'istio-revision-tag-prod');
    expect([ns.outcome, ns.reason.code, ns.revision, ns.tag]).toEqual(['injected', 'namespaceTag', 'canary', 'prod']);
    const p = verdict([DEFAULT, CANARY, prod], {}, pod({ 'istio.io/rev': 'prod' }), 'istio-revision-tag-prod');
    expect([p.outcome, p.reason.code]).toEqual(['injected', 'podTag']);
    // The tag `default` also carries the default entries.
    const def = mwc({ name: 'istio-revision-tag-default', revision: 'canary', tag: 'default' });
    expect(verdict([def], { 'istio-injection': 'enabled' }, pod(), 'istio-revision-tag-default').reason.code).toBe('namespaceLabel');
  });

  it('sidecar-kit configurations are recognised by their entry names and labels', () => {
    const ours = mwc({ name: 'sk-sidecar-kit-sidecar-injector-canary', revision: 'canary', product: 'sidecar-kit' });
    const v = verdict([ours], { 'istio.io/rev': 'canary' }, pod(), 'sk-sidecar-kit-sidecar-injector-canary');
    expect([v.product, v.revision, v.outcome, v.matches[0]?.entry]).toEqual(['sidecar-kit', 'canary', 'injected', 'rev.namespace.sidecar-injector.sidecar-kit.io']);
  });

  it('ignores configurations that are not injectors, and reports when there is none', () => {
    const other: MutatingWebhookConfiguration = { metadata: { name: 'cert-manager' }, webhooks: [{ name: 'webhook.cert-manager.io', rules: RULES }] };
    const e = evaluateInjection({ webhooks: [other], namespace: { name: 'x' }, pod: pod() });
    expect(e).toEqual({ injected: false, injectedBy: [], rejectedBy: [], problem: 'noInjectorWebhooks', verdicts: [] });
  });

  it('two configurations injecting the same pod are a problem', () => {
    const ours = mwc({ name: 'sidecar-kit-sidecar-injector', product: 'sidecar-kit' });
    const e = evaluateInjection({ webhooks: [ours, DEFAULT], namespace: { name: 'x', labels: { 'istio-injection': 'enabled' } }, pod: pod() });
    expect(e.injectedBy).toEqual(['istio-sidecar-injector', 'sidecar-kit-sidecar-injector']);
    expect(e.problem).toBe('multipleInjectors');
  });

  it('verdicts are sorted by configuration name', () => {
    const e = evaluateInjection({ webhooks: [CANARY, DEFAULT], namespace: { name: 'x' }, pod: pod() });
    expect(e.verdicts.map((v) => v.webhook)).toEqual(['istio-sidecar-injector', 'istio-sidecar-injector-canary']);
  });
});

describe('evaluateInjection: the injector decides once called', () => {
  const enabled = { 'istio-injection': 'enabled' };
  const view = (over: Partial<{ policy: string; never: object[]; always: object[]; templates: Record<string, string>; defaultTemplates: string[]; aliases: Record<string, string[]> }> = {}) =>
    new Map([
      [
        'istio-sidecar-injector',
        injectorViewOf(
          {
            policy: over.policy ?? 'enabled',
            defaultTemplates: over.defaultTemplates ?? ['sidecar'],
            aliases: over.aliases ?? {},
            neverInjectSelector: (over.never ?? []) as never,
            alwaysInjectSelector: (over.always ?? []) as never,
            injectedAnnotations: {},
            customTemplates: over.templates ?? {},
          },
          ['gateway', 'grpc-agent', 'grpc-simple', 'sidecar', ...Object.keys(over.templates ?? {})],
        ),
      ],
    ]);

  it.each([
    { what: 'hostNetwork', p: pod({}, {}, true), v: view(), want: ['skipped', 'hostNetwork', 'the pod uses hostNetwork'] },
    { what: 'the opt-out annotation (labels are the API server’s, annotations the injector’s)', p: pod({}, { 'sidecar.istio.io/inject': 'false' }), v: view(), want: ['skipped', 'podOptOut', 'the pod sets sidecar.istio.io/inject="false"'] },
    { what: 'policy disabled', p: pod(), v: view({ policy: 'disabled' }), want: ['skipped', 'policyDisabled', 'the injection policy is "disabled" and the pod does not set sidecar.istio.io/inject="true"'] },
    { what: 'policy disabled, the pod opts in by annotation', p: pod({}, { 'sidecar.istio.io/inject': 'true' }), v: view({ policy: 'disabled' }), want: ['injected', 'namespaceLabel', 'Namespace label istio-injection=enabled matches'] },
    { what: 'neverInjectSelector', p: pod({ app: 'legacy' }), v: view({ never: [{ matchLabels: { app: 'legacy' } }] }), want: ['skipped', 'neverSelector', "the pod's labels match the injector's neverInjectSelector"] },
    { what: 'an invalid policy', p: pod(), v: view({ policy: 'sometimes' }), want: ['skipped', 'invalidPolicy', 'the injection policy "sometimes" is invalid (must be enabled or disabled), so injection is off'] },
    {
      what: 'an unknown template is a rejection with the injector’s message',
      p: pod({}, { 'inject.istio.io/templates': 'sidecar,nope' }),
      v: view(),
      want: ['rejected', 'templateNotFound', 'requested template "nope" not found; have gateway, grpc-agent, grpc-simple, sidecar'],
    },
  ])('$what', ({ p, v, want }) => {
    const got = verdict([DEFAULT], enabled, p, 'istio-sidecar-injector', v);
    expect([got.outcome, got.reason.code, got.reason.message]).toEqual(want);
    expect(got.injectorConfigKnown).toBe(true);
  });

  it('templates: the annotation or the defaults, aliases expanded', () => {
    const v = view({ templates: { extra: '{}' }, defaultTemplates: ['sidecar', 'extra'], aliases: { both: ['sidecar', 'grpc-agent'] } });
    expect(verdict([DEFAULT], enabled, pod(), 'istio-sidecar-injector', v).templates).toEqual(['sidecar', 'extra']);
    expect(verdict([DEFAULT], enabled, pod({}, { 'inject.istio.io/templates': 'both' }), 'istio-sidecar-injector', v).templates).toEqual(['sidecar', 'grpc-agent']);
  });

  it('the injector’s warnings become notes; a rejection is counted', () => {
    const got = verdict([DEFAULT], enabled, pod({}, { 'sidecar.istio.io/inject': 'yes' }), 'istio-sidecar-injector', view());
    expect(got.outcome).toBe('injected');
    expect(got.notes).toEqual([`Invalid value for sidecar.istio.io/inject: "yes". Only 'true' and 'false' are accepted. Falling back to default injection policy.`]);
    const e = evaluateInjection({ webhooks: [DEFAULT], namespace: { name: 't', labels: enabled }, pod: pod({}, { 'inject.istio.io/templates': 'nope' }), injectors: view() });
    expect([e.injected, e.rejectedBy]).toEqual([false, ['istio-sidecar-injector']]);
  });

  it('the pod’s own namespace is the one the ignored list is checked against', () => {
    const e = evaluateInjection({ webhooks: [DEFAULT], namespace: { name: 'kube-system', labels: enabled }, pod: pod() });
    expect([e.verdicts[0]?.outcome, e.verdicts[0]?.reason.code]).toEqual(['skipped', 'ignoredNamespace']);
  });
});

describe('evaluateInjection: matchConditions', () => {
  const withConditions: MutatingWebhookConfiguration = {
    ...DEFAULT,
    webhooks: (DEFAULT.webhooks ?? []).map((w) => ({ ...w, matchConditions: [{ name: 'not-opted-out', expression: "!('sidecar.istio.io/inject' in object.metadata.labels)" }] })),
  };

  it('without an evaluator an entry with conditions counts as matching, with a note', () => {
    const v = verdict([withConditions], { 'istio-injection': 'enabled' }, pod(), 'istio-sidecar-injector');
    expect(v.outcome).toBe('injected');
    expect(v.notes[0]).toMatch(/^namespace\.sidecar-injector\.istio\.io: matchConditions not evaluated \(not-opted-out\)/);
  });

  it('an evaluator that says no excludes the entry, naming the condition', () => {
    const e = evaluateInjection({
      webhooks: [withConditions],
      namespace: { name: 't', labels: { 'istio-injection': 'enabled' } },
      pod: pod(),
      matchConditions: (conditions) => ({ matched: false, failed: conditions[0]?.name }),
    });
    expect([e.verdicts[0]?.outcome, e.verdicts[0]?.reason.code, e.verdicts[0]?.reason.message]).toEqual([
      'notSelected',
      'matchConditionExcludes',
      'Match condition not-opted-out of namespace.sidecar-injector.istio.io excludes the pod',
    ]);
  });
});
