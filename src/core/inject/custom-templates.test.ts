import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.js';
import { resolveSettings } from '../../config/settings.js';
import type { Pod } from '../k8s/pod.js';
import { compileCustomTemplates, createGoTemplateCompiler } from './custom-templates.js';
import { InjectionError, InjectionErrorCode } from './errors.js';
import { injectPod } from './inject.js';

// Our own small custom templates (the kind operators add), Go text/template with sprig/Istio functions.
const TEMPLATES: Record<string, string> = {
  perContainer: `metadata:
  labels:
    owner: {{ .DeploymentMeta.Name }}
spec:
  containers:
  {{- range $i, $c := .Spec.Containers }}
  - name: {{ $c.Name }}
    env:
    - name: INDEX
      value: {{ $i | quote }}
    - name: PORTS
      value: {{ applicationPorts $.Spec.Containers | quote }}
    volumeMounts:
    - name: extra
      mountPath: /etc/extra
  {{- end }}
  volumes:
  - name: extra
    emptyDir: {}
`,
  label: 'metadata:\n  labels:\n    layer: {{ annotation .ObjectMeta "example.com/layer" "none" }}\n',
  relabel: 'metadata:\n  labels:\n    layer: second\n',
  helpers: '{{ define "lbl" }}{{ . | lower | trunc 5 }}{{ end }}metadata:\n  labels:\n    short: {{ template "lbl" .DeploymentMeta.Name }}\n    mode: {{ .ProxyConfig.InterceptionMode }}\n    pc: {{ protoToJSON .ProxyConfig | squote }}\n    region: {{ env "SK_TEST_REGION" "unset" }}\n',
  empty: '{{/* renders nothing */}}',
  marker: '{{ $_ := set .Values "seenBy" (printf "%s%s" (.Values.seenBy | default "") "x") }}metadata:\n  labels:\n    seen: {{ .Values.seenBy | quote }}\n',
  readMarker: 'metadata:\n  annotations:\n    seen-later: {{ .Values.seenBy | default "none" | quote }}\n',
  badField: 'metadata:\n  labels:\n    a: b\n    x: {{ .Spec.Bogus }}\n',
  badCall: 'metadata:\n  labels:\n{{ if true }}\n    x: {{ index .ObjectMeta.Labels 3 }}{{ end }}\n',
  badYaml: 'spec:\n  a: b\n c: [\n',
  list: '- name: a\n',
  sidecar: 'metadata:\n  labels:\n    replaced: "true"\n',
};

const settings = resolveSettings({
  injectConfig: { templates: TEMPLATES, aliases: { layered: ['label', 'relabel'], twice: ['marker', 'readMarker'] } },
});
const compiler = createGoTemplateCompiler({ env: (k) => ({ SK_TEST_REGION: 'eu-1' })[k] });
compileCustomTemplates(compiler, settings.injector.customTemplates);

function pod(templates: string | undefined, extra: Record<string, string> = {}): Pod {
  const annotations = { ...(templates === undefined ? {} : { 'inject.istio.io/templates': templates }), ...extra };
  return {
    metadata: { name: 'Shop-Frontend', namespace: 'shop', labels: { app: 'web' }, annotations },
    spec: {
      containers: [
        { name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] },
        { name: 'side', image: 'side:1', ports: [{ containerPort: 9090 }] },
      ],
    },
  };
}

const inject = (templates: string | undefined, extra: Record<string, string> = {}) =>
  injectPod({ pod: pod(templates, extra) }, settings, { templateCompiler: compiler });

const statusOf = (p: Pod) => JSON.parse(p.metadata?.annotations?.['sidecar.istio.io/status'] ?? '{}') as Record<string, unknown>;

describe('custom templates through injectPod', () => {
  it('renders over the stripped pod, merges by name like built-ins and records the status', () => {
    const { pod: out, templatePod } = inject('perContainer');
    expect(out.metadata?.labels).toMatchObject({ app: 'web', owner: 'Shop-Frontend' });
    const [web, side] = out.spec?.containers ?? [];
    expect(web).toMatchObject({ name: 'web', image: 'web:1', env: [{ name: 'INDEX', value: '0' }, { name: 'PORTS', value: '8080,9090' }] });
    expect(side?.env?.[0]).toEqual({ name: 'INDEX', value: '1' });
    expect(side?.volumeMounts).toEqual([{ name: 'extra', mountPath: '/etc/extra' }]);
    expect(out.spec?.volumes).toEqual([{ name: 'extra', emptyDir: {} }]);
    expect(templatePod.spec?.volumes?.map((v) => v.name)).toEqual(['extra']);
    expect(statusOf(out)).toMatchObject({ containers: ['web', 'side'], volumes: ['extra'], initContainers: null });
  });

  it.each([
    ['one template', 'label', { layer: 'none' }],
    ['an annotation read by the template', 'label', { layer: 'gold' }, { 'example.com/layer': 'gold' }],
    ['several templates: later ones win', 'label,relabel', { layer: 'second' }],
    ['an alias expands in place', 'layered', { layer: 'second' }],
    ['alias and names mixed, trimmed', ' relabel , label', { layer: 'none' }],
    ['define/template, typed ProxyConfig, protoToJSON, env', 'helpers', { short: 'shop-', mode: 'REDIRECT', pc: '{}', region: 'eu-1' }],
    ['a template that renders nothing', 'empty', { app: 'web' }],
    ['a custom "sidecar" replaces the built-in one', 'sidecar', { replaced: 'true' }],
  ] as const)('%s', (_name, templates, labels, extra: Record<string, string> = {}) => {
    const out = inject(templates, extra).pod;
    expect(out.metadata?.labels).toMatchObject(labels);
    expect(out.spec?.containers?.map((c) => c.name)).toEqual(['web', 'side']);
  });

  it('keeps the other built-ins next to custom templates', () => {
    const out = inject('grpc-agent,label').pod;
    expect(out.metadata?.labels?.layer).toBe('none');
    expect(out.spec?.containers?.map((c) => c.name)).toEqual(['web', 'side', 'istio-proxy']);
  });

  it("rejects an unknown name with Istio's message listing the known templates", () => {
    expect(() => inject('label,nope')).toThrowError(
      /^failed to run injection template: requested template "nope" not found; have badCall, .*, relabel, sidecar$/,
    );
  });

  // Go's column: 0-based byte offset in the line; a field chain is reported at its last field.
  it.each([
    ['badField', InjectionErrorCode.templateFailed,
      'failed to run injection template: template: inject:4:15: executing "inject" at <.Spec.Bogus>: can\'t evaluate field Bogus in type v1.PodSpec (template "badField")'],
    ['badCall', InjectionErrorCode.templateFailed,
      'failed to run injection template: template: inject:4:10: executing "inject" at <index .ObjectMeta.Labels 3>: error calling index: value has type int; should be string (template "badCall")'],
    ['badYaml', InjectionErrorCode.mergeFailed,
      'failed to run injection template: failed parsing generated injected YAML (check Istio version): strategic merge: invalid JSON document (template "badYaml"): yaml: line 3:'],
    ['list', InjectionErrorCode.mergeFailed,
      'failed to run injection template: failed parsing generated injected YAML (check Istio version): strategic merge: invalid JSON document (template "list"): the output is a list, not a map'],
  ] as const)('%s fails the pod with Go\'s position and the template name', (name, code, message) => {
    let err: unknown;
    try {
      inject(name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InjectionError);
    expect((err as InjectionError).code).toBe(code);
    expect((err as InjectionError).message.slice(0, message.length)).toBe(message);
  });

  it('gives each pod its own .Values: a template that modifies it affects that pod only', () => {
    // settings are deep-frozen; `set` must neither throw nor leak into the next pod.
    const first = inject('twice').pod;
    const second = inject('twice').pod;
    for (const out of [first, second]) {
      expect(out.metadata?.labels?.seen).toBe('x');
      // the pod's later template sees what the earlier one set (one map per pod, as in istiod)
      expect(out.metadata?.annotations?.['seen-later']).toBe('x');
    }
    expect((settings.values as Record<string, unknown>).seenBy).toBeUndefined();
  });

  it('is deterministic and idempotent on its own output', () => {
    const once = inject('perContainer,label');
    expect(inject('perContainer,label').pod).toEqual(once.pod);
    const again = injectPod({ pod: once.pod }, settings, { templateCompiler: compiler });
    expect(again.pod.spec).toEqual(once.pod.spec);
  });
});

describe('createGoTemplateCompiler', () => {
  it('parses each (name, text) once and reuses it', () => {
    const c = createGoTemplateCompiler();
    const text = 'metadata: {}\n';
    const a = c('a', text);
    expect(c('a', text)).toBe(a);
    expect(c('b', text)).not.toBe(a);
    expect(c('b', text)).toBe(c('b', text));
  });

  it('drops the oldest texts beyond maxCached and parses them again when used', () => {
    const c = createGoTemplateCompiler({ maxCached: 2 });
    const first = c('t', '{{/* 1 */}}');
    c('t', '{{/* 2 */}}');
    expect(c('t', '{{/* 1 */}}')).toBe(first);
    c('t', '{{/* 3 */}}');
    expect(c('t', '{{/* 1 */}}')).not.toBe(first);
  });

  it.each([
    ['unclosed action', 'metadata: {{ .X', 'custom template "broken": template: inject:1: unclosed action'],
    ['unknown function', 'a\n{{ nosuch 1 }}', 'custom template "broken": template: inject:2: function "nosuch" not defined'],
    ['missing end', '{{ if true }}\nx', 'custom template "broken": template: inject:2: unexpected EOF'],
  ])('rejects a text that does not parse (%s) as a ConfigError naming the template', (_n, text, message) => {
    const c = createGoTemplateCompiler();
    let err: unknown;
    try {
      compileCustomTemplates(c, { fine: 'a: b', broken: text });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(message);
    expect((err as ConfigError).path).toBe('templates.broken');
  });

  it('a text that does not parse and was not checked beforehand fails the pod that selects it', () => {
    const s = resolveSettings({ injectConfig: { templates: { broken: '{{ end }}' } } });
    expect(() => injectPod({ pod: pod('broken') }, s, { templateCompiler: createGoTemplateCompiler() })).toThrowError(
      'failed to run injection template: custom template "broken": template: inject:1: unexpected {{end}}',
    );
    // other pods are unaffected
    expect(injectPod({ pod: pod(undefined) }, s, { templateCompiler: createGoTemplateCompiler() }).pod.spec?.containers).toHaveLength(3);
  });
});
