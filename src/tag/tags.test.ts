import { describe, expect, it } from 'vitest';
import { evaluateInjection } from '../core/selection/evaluate.js';
import { istioWebhook, skWebhook } from '../cluster/fixtures.test-support.js';
import { fakeCluster } from '../cluster/test-double.js';
import { tagCommand } from './command.js';
import { listTags, planRemoveTag, planSetTag, tagWebhookName } from './tags.js';

const skDefault = skWebhook({ name: 'sk-sidecar-kit-sidecar-injector', revision: 'default', helm: true });
const skCanary = skWebhook({ name: 'sk-sidecar-kit-sidecar-injector-canary', revision: 'canary', helm: true, cm: 'sk-sidecar-kit-sidecar-injector-canary' });
const helmTag = skWebhook({ name: 'sk-sidecar-kit-revision-tag-stable', revision: 'canary', tag: 'stable', helm: true, cm: 'sk-sidecar-kit-sidecar-injector-canary' });
const istioBlue = istioWebhook({ name: 'istio-sidecar-injector-blue', revision: 'blue' });
const istioTag = istioWebhook({ name: 'istio-revision-tag-gold', revision: 'blue', tag: 'gold' });
const pod = { metadata: { labels: {} }, spec: { containers: [] } };

describe('tag set: the configuration of a tag', () => {
  it("is named like the chart's, selects istio.io/rev=<tag>, calls the revision's webhook and names its ConfigMaps", () => {
    const { object, replaces } = planSetTag({ tag: 'prod', revision: 'canary', overwrite: false, mwcs: [skDefault, skCanary] });
    expect(replaces).toBeUndefined();
    expect(object.metadata?.name).toBe('sk-sidecar-kit-revision-tag-prod');
    expect(object.metadata?.labels).toMatchObject({ 'sidecar-kit.io/rev': 'canary', 'sidecar-kit.io/tag': 'prod', 'app.kubernetes.io/managed-by': 'sidecar-kit-tag' });
    expect(object.metadata?.labels?.['helm.sh/chart']).toBeUndefined();
    expect(object.metadata?.annotations).toEqual({ 'sidecar-kit.io/injector-configmap': 'sidecar-kit/sk-sidecar-kit-sidecar-injector-canary', 'sidecar-kit.io/mesh-configmap': 'sidecar-kit/sk-sidecar-kit-mesh-canary' });
    // The same entries the chart renders for a tag (fixture built from the shared entry table).
    const chartTag = skWebhook({ name: 'x', revision: 'canary', tag: 'prod' });
    expect(object.webhooks).toEqual(chartTag.webhooks);
    const by = (labels: Record<string, string>, podLabels: Record<string, string> = {}) =>
      evaluateInjection({ webhooks: [skDefault, skCanary, object], namespace: { name: 'shop', labels }, pod: { ...pod, metadata: { labels: podLabels } } }).injectedBy;
    expect(by({ 'istio.io/rev': 'prod' })).toEqual(['sk-sidecar-kit-revision-tag-prod']);
    expect(by({}, { 'istio.io/rev': 'prod' })).toEqual(['sk-sidecar-kit-revision-tag-prod']);
    expect(by({ 'istio-injection': 'enabled' })).toEqual(['sk-sidecar-kit-sidecar-injector']);
  });

  it('the tag default carries the default entries (istio-injection=enabled) and is refused where the default revision already injects', () => {
    const { object } = planSetTag({ tag: 'default', revision: 'canary', overwrite: false, mwcs: [skCanary] });
    expect(object.webhooks?.map((w) => w.name)).toEqual(['rev.namespace.sidecar-injector.sidecar-kit.io', 'rev.object.sidecar-injector.sidecar-kit.io', 'namespace.sidecar-injector.sidecar-kit.io', 'object.sidecar-injector.sidecar-kit.io']);
    // An Istio revision whose configuration also carries the default entries (no tag label).
    const blueServesDefault = { ...istioWebhook({ name: 'istio-sidecar-injector-blue', revision: 'blue', tag: 'default' }), metadata: { name: 'istio-sidecar-injector-blue', labels: { 'istio.io/rev': 'blue' } } };
    expect(() => planSetTag({ tag: 'default', revision: 'canary', overwrite: false, mwcs: [skCanary, blueServesDefault] })).toThrow(
      /a namespace labelled istio.io\/rev=default would be injected twice \(istio-sidecar-injector-blue, sk-sidecar-kit-revision-tag-default\)/,
    );
    expect(() => planSetTag({ tag: 'default', revision: 'canary', overwrite: false, mwcs: [skCanary, istioWebhook({ name: 'istio-sidecar-injector', revision: '' })] })).toThrow(/a revision of that name exists/);
  });

  it.each([
    ['a bad name', { tag: 'Prod_1', revision: 'canary' }, /must be a DNS label/],
    ['a tag named like a revision', { tag: 'canary', revision: 'default' }, /a revision of that name exists/],
    ['an unknown revision', { tag: 'prod', revision: 'nope' }, /--revision nope: no sidecar-kit webhook configuration of that revision .*revisions: default, canary, blue/],
    ["an Istio revision", { tag: 'prod', revision: 'blue' }, /an Istio revision; manage its tags with istioctl tag set/],
    ["a tag Istio owns", { tag: 'gold', revision: 'canary' }, /is Istio's \(istio-revision-tag-gold\)/],
    ['a tag Helm renders', { tag: 'stable', revision: 'canary' }, /rendered by Helm release sk .*change its revisionTags value/],
  ])('refuses %s', (_n, i, message) => {
    expect(() => planSetTag({ ...i, overwrite: true, mwcs: [skDefault, skCanary, helmTag, istioBlue, istioTag] })).toThrow(message);
  });

  it("keeps the revision's selection that cannot deadlock: its namespace exclusion on every entry and its matchConditions", () => {
    const excluded = ['kube-system', 'sidecar-kit'];
    const conditions = [{ name: 'not-host-network', expression: '!has(object.spec.hostNetwork) || object.spec.hostNetwork != true' }];
    const guarded = structuredClone(skCanary);
    for (const w of (guarded.webhooks ?? []) as unknown as { namespaceSelector?: { matchExpressions?: readonly unknown[] } }[]) {
      w.namespaceSelector = { matchExpressions: [...(w.namespaceSelector?.matchExpressions ?? []), { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded }] };
      (w as { matchConditions?: unknown }).matchConditions = conditions;
    }
    const { object } = planSetTag({ tag: 'prod', revision: 'canary', overwrite: false, mwcs: [skDefault, guarded] });
    expect(object.webhooks?.length).toBeGreaterThan(0);
    for (const w of object.webhooks ?? []) {
      expect(w.namespaceSelector?.matchExpressions).toContainEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded });
      expect((w as { matchConditions?: unknown }).matchConditions).toEqual(conditions);
    }
    const inSystem = evaluateInjection({ webhooks: [object], namespace: { name: 'kube-system', labels: { 'istio.io/rev': 'prod' } }, pod });
    expect(inSystem.injected).toBe(false);
    const plain = planSetTag({ tag: 'prod', revision: 'canary', overwrite: false, mwcs: [skDefault, skCanary] }).object;
    for (const w of plain.webhooks ?? []) expect((w as { matchConditions?: unknown }).matchConditions).toBeUndefined();
  });

  it('moves an existing tag only with --overwrite, keeping its name and resourceVersion', () => {
    const first = planSetTag({ tag: 'prod', revision: 'canary', overwrite: false, mwcs: [skDefault, skCanary] }).object;
    const stored = { ...first, metadata: { ...first.metadata, resourceVersion: '42' } };
    expect(() => planSetTag({ tag: 'prod', revision: 'default', overwrite: false, mwcs: [skDefault, skCanary, stored] })).toThrow(/exists \(sk-sidecar-kit-revision-tag-prod → revision canary\); give --overwrite/);
    const moved = planSetTag({ tag: 'prod', revision: 'default', overwrite: true, mwcs: [skDefault, skCanary, stored] });
    expect(moved.replaces).toBe(stored);
    expect(moved.object.metadata).toMatchObject({ name: 'sk-sidecar-kit-revision-tag-prod', resourceVersion: '42', labels: { 'sidecar-kit.io/rev': 'default' } });
    expect(moved.object.metadata?.annotations?.['sidecar-kit.io/injector-configmap']).toBe('sidecar-kit/sk-sidecar-kit-sidecar-injector');
  });

  it('names: the release prefix of the revision configuration', () => {
    expect(tagWebhookName('sk-sidecar-kit-sidecar-injector-canary', 'canary', 'prod')).toBe('sk-sidecar-kit-revision-tag-prod');
    expect(tagWebhookName('sk-sidecar-kit-sidecar-injector', 'default', 'prod')).toBe('sk-sidecar-kit-revision-tag-prod');
    expect(tagWebhookName('custom', 'x', 'prod')).toBe('custom-revision-tag-prod');
  });
});

describe('tag list / remove', () => {
  it('lists every tag (ours and Istio\'s) with its revision and manager; removes only ours made by tag set', () => {
    const mine = planSetTag({ tag: 'prod', revision: 'canary', overwrite: false, mwcs: [skCanary] }).object;
    const all = [skDefault, skCanary, helmTag, istioBlue, istioTag, mine];
    expect(listTags(all)).toEqual([
      { tag: 'gold', revision: 'blue', webhook: 'istio-revision-tag-gold', product: 'istio' },
      { tag: 'prod', revision: 'canary', webhook: 'sk-sidecar-kit-revision-tag-prod', product: 'sidecar-kit' },
      { tag: 'stable', revision: 'canary', webhook: 'sk-sidecar-kit-revision-tag-stable', product: 'sidecar-kit', helmRelease: 'sk' },
    ]);
    expect(planRemoveTag('prod', all)).toEqual({ names: ['sk-sidecar-kit-revision-tag-prod'] });
    expect(() => planRemoveTag('stable', all)).toThrow(/Helm release sk/);
    expect(() => planRemoveTag('gold', all)).toThrow(/istioctl tag remove/);
    expect(() => planRemoveTag('none', all)).toThrow('tag "none" not found (tags: gold, prod, stable)');
  });
});

describe('sidecar-kit tag (against a test double of the API)', () => {
  const setup = () => {
    const client = fakeCluster({ mwcs: [skDefault, skCanary], configMaps: {}, namespaces: [{ name: 'shop', labels: { 'istio.io/rev': 'prod' } }], objects: {}, nodes: [] });
    let out = '';
    const deps = { connect: async () => client, stdout: (t: string) => void (out += t) };
    return { client, deps, out: () => out };
  };

  it('set, list, move, remove (refused while a namespace uses the tag, unless -y)', async () => {
    const { client, deps, out } = setup();
    expect(await tagCommand(['set', 'prod', '-r', 'canary'], deps)).toBe(0);
    expect(out()).toBe('tag prod set → revision canary (MutatingWebhookConfiguration sk-sidecar-kit-revision-tag-prod)\n');
    expect(await tagCommand(['set', 'prod', '-r', 'default'], deps)).toBe(1);
    expect(await tagCommand(['set', 'prod', '-r', 'default', '--overwrite'], deps)).toBe(0);
    expect(client.state.mwcs.find((m) => m.metadata?.name === 'sk-sidecar-kit-revision-tag-prod')?.metadata?.labels?.['sidecar-kit.io/rev']).toBe('default');
    expect(await tagCommand(['list'], deps)).toBe(0);
    expect(out()).toContain('TAG   REVISION  NAMESPACES  WEBHOOK                           MANAGED BY\nprod  default   shop        sk-sidecar-kit-revision-tag-prod  sidecar-kit tag\n');
    expect(await tagCommand(['list', '-o', 'json'], deps)).toBe(0);
    expect(await tagCommand(['remove', 'prod'], deps)).toBe(1);
    expect(client.state.mwcs).toHaveLength(3);
    expect(await tagCommand(['remove', 'prod', '-y'], deps)).toBe(0);
    expect(client.state.mwcs).toHaveLength(2);
  });

  it.each([
    [['set', 'prod'], '-r/--revision is required'],
    [['set', '-r', 'canary'], 'a tag name is required'],
    [['list', 'x'], 'unexpected argument "x"'],
    [['list', '-o', 'xml'], '-o: "xml": expected table, json or yaml'],
    [['move'], 'unknown subcommand "move"'],
    [['remove', 'a', 'b'], 'one tag at a time'],
  ])('usage errors exit 2 naming the fault: %j', async (args, message) => {
    const { deps } = setup();
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((t: string) => (writes.push(t), true)) as typeof process.stderr.write;
    try {
      expect(await tagCommand(args, deps)).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    expect(writes.join('')).toContain(message);
  });
});
