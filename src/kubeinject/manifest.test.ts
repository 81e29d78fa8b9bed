import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../core/config/settings.js';
import { parseYamlDocument } from '../core/yaml/parse.js';
import { injectManifest, ManifestError } from './manifest.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test navigation of decoded YAML
type Doc = any;

const ctx = { settings: resolveSettings(), env: { enableNativeSidecars: 'false' }, facts: {} };

const deployment = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${extra}      containers:
      - name: ${name}
        image: example/${name}:1
`;

describe('injectManifest', () => {
  it('copies other kinds byte for byte and ends every document with ---', () => {
    const service = '# a comment\nkind: Service\napiVersion: v1\nmetadata: {name: s}   # trailing\n';
    const { output, warnings } = injectManifest(`---\n${service}---\n${deployment('web')}`, ctx);
    expect(output.startsWith(`${service}---\napiVersion: apps/v1\nkind: Deployment\n`)).toBe(true);
    expect(output.endsWith('status: {}\n---\n')).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('re-serialises recognised kinds with typed defaults and injects them', () => {
    const { output } = injectManifest(deployment('web'), ctx);
    const doc = parseYamlDocument(output.split('---\n')[0] as string) as Doc;
    expect(doc.spec.strategy).toEqual({});
    expect(doc.status).toEqual({});
    expect(doc.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['web', 'istio-proxy']);
    expect(doc.spec.template.metadata.annotations['sidecar.istio.io/status']).toContain('"revision":"default"');
  });

  it.each([
    ['host networking', '      hostNetwork: true\n', 'has host networking enabled'],
    ['an opt-out label', '', 'has sidecar injection disabled'],
  ])('skips %s with istioctl\'s warning, still normalising the object', (_name, extra, why) => {
    const text = extra ? deployment('agent', extra) : deployment('agent').replace('labels: {app: agent}\n    spec', 'labels: {app: agent, sidecar.istio.io/inject: "false"}\n    spec');
    const { output, warnings } = injectManifest(text, ctx);
    expect(warnings).toEqual([`===> Skipping injection because Deployment "shop/agent" ${why}\n`]);
    expect(output).toContain('strategy: {}');
    expect(output).not.toContain('istio-proxy');
  });

  it('fails on a proxy.istio.io/config it cannot read even when the pod is not injected, as istioctl (oracle: kube-inject)', () => {
    const pod = (ann: string) => `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    sidecar.istio.io/inject: "false"
    proxy.istio.io/config: '${ann}'
spec:
  containers:
  - name: app
    image: nginx
`;
    expect(() => injectManifest(pod('concurrency: "x"'), ctx)).toThrow(/could not parse proxy config/);
    expect(() => injectManifest(pod('concurrency: 2'), ctx)).not.toThrow();
  });

  it('skips a host-network workload before reading its proxy.istio.io/config, as istioctl (oracle: kube-inject)', () => {
    const withConfig = deployment('agent', '      hostNetwork: true\n').replace('      labels: {app: agent}\n', "      labels: {app: agent}\n      annotations:\n        proxy.istio.io/config: ': nope'\n");
    expect(withConfig).toContain("proxy.istio.io/config: ': nope'");
    const { output, warnings } = injectManifest(withConfig, ctx);
    expect(warnings).toEqual(['===> Skipping injection because Deployment "shop/agent" has host networking enabled\n']);
    expect(output).not.toContain('istio-proxy');
  });

  it('does not add injectedAnnotations (istioctl leaves them to the webhook)', () => {
    const settings = resolveSettings({ values: { sidecarInjectorWebhook: { injectedAnnotations: { 'team.example/owner': 'shop' } } } });
    expect(injectManifest(deployment('web'), { ...ctx, settings }).output).not.toContain('team.example/owner');
  });

  it('injects the items of a List and leaves unrecognised items alone', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { b: '1', a: '2' } }, parseYamlDocument(deployment('web'))] };
    const { output } = injectManifest(JSON.stringify(list), ctx);
    const doc = parseYamlDocument(output.replace(/---\n$/, '')) as Doc;
    expect(doc.metadata).toEqual({});
    expect(doc.items[0]).toEqual(list.items[0]);
    expect(doc.items[1].spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['web', 'istio-proxy']);
  });

  it('injects CronJob pod templates with the metadata on the job template, as Istio does', () => {
    const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: "0 1 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: job, image: j}]\n';
    const doc = parseYamlDocument(injectManifest(cron, ctx).output.replace(/---\n$/, '')) as Doc;
    expect(doc.spec.jobTemplate.metadata.labels['service.istio.io/canonical-name']).toBe('nightly');
    expect(doc.spec.jobTemplate.spec.template.metadata).toEqual({});
    expect(doc.spec.jobTemplate.spec.template.spec.containers).toHaveLength(2);
  });

  it.each([
    [deployment('web') + '---\n' + deployment('bad').replace('shop', 'shop\n  labels: {a: [1]}'), 'Deployment "shop/bad" (document 2): metadata.labels.a: expected string, got array'],
    ['apiVersion: v1\nkind: [Pod]\n', 'document 1: json: cannot unmarshal array into Go struct field TypeMeta.kind of type string'],
    ['kind: ReplicationController\napiVersion: v1\nmetadata: {name: rc}\nspec: {}\n', 'ReplicationController "rc" (document 1): spec.template is required value'],
    [deployment('web').replace('labels: {app: web}\n    spec', 'labels: {app: web}\n      annotations: {sidecar.istio.io/interceptionMode: bogus}\n    spec'), 'Deployment "shop/web" (document 1): failed to run injection template: 1 error occurred'],
    ['a: [unclosed\n', 'document 1: yaml: line'],
    ['- just\n- a list\n', 'document 1: expected a Kubernetes object'],
  ])('fails naming the document: %#', (text, message) => {
    expect(() => injectManifest(text, ctx)).toThrow(ManifestError);
    expect(() => injectManifest(text, ctx)).toThrow(message);
  });
});
