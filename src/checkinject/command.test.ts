import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { istioWebhook, skWebhook } from '../cluster/fixtures.test-support.js';
import { fakeCluster, type FakeClusterState } from '../cluster/test-double.js';
import { checkInject, parseLabels, parseTarget } from './command.js';
import { renderTable } from './report.js';

const skDefault = skWebhook({ name: 'sk-sidecar-kit-sidecar-injector', revision: 'default' });
const skCanary = skWebhook({ name: 'sk-sidecar-kit-sidecar-injector-canary', revision: 'canary', cm: 'sk-sidecar-kit-sidecar-injector-canary' });

function state(over: Partial<FakeClusterState> = {}): FakeClusterState {
  return {
    mwcs: [skDefault, skCanary],
    configMaps: {
      'sidecar-kit/sk-sidecar-kit-sidecar-injector': { config: 'policy: enabled\ntemplates: {}\n', values: '{}' },
      'sidecar-kit/sk-sidecar-kit-sidecar-injector-canary': { config: 'policy: disabled\ndefaultTemplates: [sidecar]\n', values: '{}' },
    },
    namespaces: [
      { name: 'shop', labels: { 'istio-injection': 'enabled' } },
      { name: 'canary', labels: { 'istio.io/rev': 'canary' } },
      { name: 'plain', labels: {} },
    ],
    objects: {
      'Deployment/shop/web': { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x' }] } } } },
      'Pod/shop/web-1': { kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web', 'sidecar.istio.io/inject': 'false' } }, spec: { containers: [{ name: 'web', image: 'x' }] } },
    },
    nodes: [],
    ...over,
  };
}

let out = '';
let err = '';
const deps = (s: FakeClusterState = state()) => ({ connect: async () => fakeCluster(s, 'plain'), stdout: (t: string) => void (out += t), readStdin: async () => '', color: false });

beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((err += String(t)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('check-inject arguments', () => {
  it('[<type>/]<name>[.<namespace>] as istioctl takes it; -n wins over the dot', () => {
    expect(parseTarget('web-1.shop', undefined)).toEqual({ kind: 'Pod', name: 'web-1', namespace: 'shop' });
    expect(parseTarget('deploy/web', 'shop')).toEqual({ kind: 'Deployment', name: 'web', namespace: 'shop' });
    expect(parseTarget('deployment.apps/web.shop', undefined)).toEqual({ kind: 'Deployment', name: 'web', namespace: 'shop' });
    expect(parseTarget('sts/db.v1', 'x')).toEqual({ kind: 'StatefulSet', name: 'db.v1', namespace: 'x' });
    expect(() => parseTarget('svc/web', undefined)).toThrow(/unknown resource type "svc"/);
    expect(parseLabels('app=web, version=v1', '-l')).toEqual({ app: 'web', version: 'v1' });
    expect(() => parseLabels('app in (a)', '-l')).toThrow('-l: "app in (a)": expected key=value');
  });

  it.each([
    [[], 'give exactly one of'],
    [['a', '-l', 'x=y'], 'give exactly one of'],
    [['-l', 'x=y', '-o', 'xml'], '-o: "xml": expected table, json or yaml'],
    [['svc/x'], 'unknown resource type'],
  ])('usage errors exit 2: %j', async (args, message) => {
    expect(await checkInject(args, deps())).toBe(2);
    expect(err).toContain(message);
    expect(out).toBe('');
  });
});

describe('check-inject verdicts (test double of the API)', () => {
  it("a Deployment's pod template in a namespace labelled istio-injection=enabled: istioctl's table with the entry and templates", async () => {
    expect(await checkInject(['deploy/web', '-n', 'shop'], deps())).toBe(0);
    expect(out).toBe(
      renderTable([
        ['WEBHOOK', 'REVISION', 'INJECTED', 'ENTRY', 'TEMPLATES', 'REASON'],
        ['sk-sidecar-kit-sidecar-injector', 'default', '✔', 'namespace.sidecar-injector.sidecar-kit.io', 'sidecar', 'Namespace label istio-injection=enabled matches'],
        ['sk-sidecar-kit-sidecar-injector-canary', 'canary', '✘', '-', '-', 'No matching namespace labels (istio.io/rev=canary) or pod labels (istio.io/rev=canary)'],
      ]),
    );
  });

  it('a pod that opted out; an existing pod says whether it runs injected', async () => {
    expect(await checkInject(['web-1.shop'], deps())).toBe(0);
    expect(out).toContain('Pod has sidecar.istio.io/inject=false label, preventing injection');
    expect(out).toContain('note: the pod as it runs now was not injected');
  });

  it("the injector's own decision: policy disabled in the canary revision's ConfigMap is a typed skip", async () => {
    expect(await checkInject(['-n', 'canary', '-l', 'app=web', '-o', 'json'], deps())).toBe(0);
    const r = JSON.parse(out) as { injected: boolean; webhooks: { name: string; outcome: string; reason: { code: string }; injectorConfigKnown: boolean }[] };
    expect(r.injected).toBe(false);
    expect(r.webhooks.find((w) => w.name === 'sk-sidecar-kit-sidecar-injector-canary')).toMatchObject({ outcome: 'skipped', reason: { code: 'policyDisabled' }, injectorConfigKnown: true });
  });

  it('two injectors for one namespace: the multiple-injectors error line', async () => {
    const s = state({ mwcs: [skDefault, istioWebhook({ name: 'istio-sidecar-injector', revision: 'default' })] });
    expect(await checkInject(['-n', 'shop', '-l', 'app=web'], deps(s))).toBe(0);
    expect(out).toContain('ERROR: multiple webhooks will inject, which can lead to errors (istio-sidecar-injector, sk-sidecar-kit-sidecar-injector)');
    expect(out).toMatch(/note: istio-sidecar-injector: its injector ConfigMap istio-system\/istio-sidecar-injector was not found; Istio's defaults stand in/);
  });

  it('no injector on the cluster; a missing object fails with exit 1 naming it', async () => {
    expect(await checkInject(['-l', 'a=b'], deps(state({ mwcs: [] })))).toBe(0);
    expect(out).toBe('ERROR: no Istio injection hooks present.\n');
    expect(await checkInject(['deploy/gone.shop'], deps())).toBe(1);
    expect(err).toContain('error: Deployment shop/gone not found (test double)');
  });

  it('a manifest: every pod and workload, in its own namespace (else -n, else the context\'s), as YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-inject-'));
    const file = join(dir, 'app.yaml');
    writeFileSync(file, [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: shop}\nspec: {template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: x}]}}}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: {metadata: {labels: {"istio.io/rev": canary}}, spec: {containers: [{name: c, image: x}]}}}}}',
    ].join('\n---\n'));
    expect(await checkInject(['-f', file, '-o', 'yaml'], deps())).toBe(0);
    expect(out).toMatch(/- subject: Deployment shop\/a\n {2}namespace: shop\n {2}injected: true/);
    expect(out).toMatch(/- subject: CronJob c\n {2}namespace: plain\n {2}injected: false/);
    expect(out).toContain('code: policyDisabled');
    expect(await checkInject(['-f', join(dir, 'none.yaml')], deps())).toBe(1);
    expect(err).toMatch(/error: -f: .*none\.yaml: .*no such file/);
  });
});
