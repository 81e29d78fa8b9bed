/**
 * kube-inject with custom Go templates from each place they can come from: --injectConfigFile
 * (a full injector config, or a bare template used as `sidecar`), --valuesFile
 * (sidecarInjectorWebhook.templates) and --operatorFileName. Errors: a text that does not parse
 * fails the run before any output; a render error names the document.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './command.js';
import { takeWrites } from './testing/stdio.js';

let dir: string;
let out: string;
let err: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sk-kube-inject-tpl-'));
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(takeWrites((s) => (out += s)));
  vi.spyOn(process.stderr, 'write').mockImplementation(takeWrites((s) => (err += s)));
});
afterEach(() => vi.restoreAllMocks());

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const deployment = (templates?: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}${templates ? `\n      annotations: {inject.istio.io/templates: "${templates}"}` : ''}
    spec:
      containers: [{name: app, image: app:1}]
`;

const ENV_TEMPLATE = `spec:
  containers:
  {{- range .Spec.Containers }}
  - name: {{ .Name }}
    env:
    - name: OWNER
      value: {{ $.DeploymentMeta.Namespace }}/{{ $.DeploymentMeta.Name }}
  {{- end }}
`;
const LABEL_TEMPLATE = 'metadata:\n  labels:\n    tier: {{ .Values.global.tier | default "none" }}\n';

/** A YAML block scalar holding `text`, indented for a map entry at `indent` spaces. */
const block = (text: string, indent: number) => `|\n${text.replace(/^/gm, ' '.repeat(indent + 2))}`;

describe('kube-inject with custom templates', () => {
  it('--injectConfigFile with a full injector config: templates, aliases, defaultTemplates', async () => {
    const config = file('config.yaml', [
      'policy: enabled',
      'defaultTemplates: [sidecar, owner]',
      'aliases: {labelled: [owner, tier]}',
      'templates:',
      `  owner: ${block(ENV_TEMPLATE, 2)}`,
      `  tier: ${block(LABEL_TEMPLATE, 2)}`,
    ].join('\n'));
    expect(await run(['-f', file('in.yaml', `${deployment()}---\n${deployment('labelled')}`), '--injectConfigFile', config])).toBe(0);
    const [byDefault, byAlias] = out.split('---\n');
    expect(byDefault).toContain('name: istio-proxy'); // the built-in sidecar, then the custom one
    expect(byDefault).toContain('value: shop/web');
    expect(byAlias).not.toContain('name: istio-proxy');
    expect(byAlias).toContain('tier: none');
    expect(byAlias).toContain('sidecar.istio.io/status: \'{"initContainers":null,"containers":["app"],"volumes":null,"imagePullSecrets":null');
    expect(err).toBe('');
  });

  it('--injectConfigFile with a bare template: it replaces the sidecar template', async () => {
    expect(await run(['-f', file('in.yaml', deployment()), '--injectConfigFile', file('sidecar.tmpl', ENV_TEMPLATE)])).toBe(0);
    expect(out).toContain('value: shop/web');
    expect(out).not.toContain('istio-proxy');
  });

  it('templates from --valuesFile and --operatorFileName, reading .Values', async () => {
    const values = file('values.yaml', `global: {tier: gold}\nsidecarInjectorWebhook:\n  templates:\n    tier: ${block(LABEL_TEMPLATE, 4)}\n`);
    expect(await run(['-f', file('in.yaml', deployment('sidecar,tier')), '--valuesFile', values])).toBe(0);
    expect(out).toContain('tier: gold');
    expect(out).toContain('name: istio-proxy');

    out = '';
    const iop = file('iop.yaml', `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    sidecarInjectorWebhook:\n      templates:\n        owner: ${block(ENV_TEMPLATE, 8)}\n`);
    expect(await run(['-f', file('in.yaml', deployment('owner')), '--operatorFileName', iop])).toBe(0);
    expect(out).toContain('value: shop/web');
  });

  it('a template that does not parse fails the run before any output, naming the template', async () => {
    const target = file('out.yaml', 'previous\n');
    const config = file('config.yaml', `templates:\n  unused: "{{ if .X }}"\n`);
    expect(await run(['-f', file('in.yaml', deployment()), '--injectConfigFile', config, '-o', target])).toBe(1);
    expect(err).toBe('error: custom template "unused": template: inject:1: unexpected EOF\n');
    expect(readFileSync(target, 'utf8')).toBe('previous\n');
  });

  it('a render error names the document, the Go position and the template', async () => {
    const config = file('config.yaml', `templates:\n  bad: "spec:\\n  x: {{ .Spec.Nope }}\\n"\n`);
    expect(await run(['-f', file('in.yaml', `${deployment()}---\n${deployment('bad')}`), '--injectConfigFile', config])).toBe(1);
    expect(err).toBe(
      'error: Deployment "shop/web" (document 2): failed to run injection template: template: inject:2:13: executing "inject" at <.Spec.Nope>: can\'t evaluate field Nope in type v1.PodSpec (template "bad")\n',
    );
    expect(out).toBe('');
  });

  it('an unknown template name is rejected with the known names', async () => {
    const config = file('config.yaml', `templates:\n  extra: "metadata: {}"\n`);
    expect(await run(['-f', file('in.yaml', deployment('sidecar,missing')), '--injectConfigFile', config])).toBe(1);
    expect(err).toContain('failed to run injection template: requested template "missing" not found; have extra, gateway,');
  });
});
