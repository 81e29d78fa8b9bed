import { describe, expect, it } from 'vitest';
import { createIstioFuncs } from './istio-funcs.js';
import { sidecarTemplateData } from './istio-types.js';
import { goTypes } from './k8s-types.js';
import { parseTemplate } from '../../template/template.js';
import { TemplateExecError } from '../../template/errors.js';
import { wrap } from '../../template/values.js';

const funcs = createIstioFuncs({ protoToJSON: () => '{}', toYaml: () => '' });

/** Template data shaped like Istio's SidecarTemplateData (our own fixture). */
const data = sidecarTemplateData({
  typeMeta: { kind: 'Deployment', apiVersion: 'apps/v1' },
  deploymentMeta: { name: 'shop', namespace: 'web' },
  objectMeta: { name: 'shop-abc', labels: { app: 'shop' } },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'example.com/shop:1',
        ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090, protocol: 'TCP' }],
        resources: { limits: { cpu: '500m' } },
        readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
        securityContext: { runAsNonRoot: false },
      },
    ],
    volumes: [{ name: 'cfg', configMap: { name: 'shop-cfg' } }],
  },
  proxyConfig: { holdApplicationUntilProxyStarts: true, concurrency: 0, proxyMetadata: { A: '1' } },
  meshConfig: { trustDomain: 'example.org', defaultConfig: { discoveryAddress: 'istiod:15012' } },
  values: { global: { hub: 'docker.io/istio', proxy: { statusPort: 15020 } } },
  proxyUID: 1337,
});

const render = (text: string, d: unknown = data): string => parseTemplate('t', text, funcs).execute(d);

describe('Go struct views over JSON data', () => {
  it.each<[string, string, string]>([
    ['field by Go name', '{{ .ObjectMeta.Name }}', 'shop-abc'],
    ['absent string field is the empty string, not <no value>', '[{{ .ObjectMeta.Namespace }}]', '[]'],
    ['absent map field is a nil map', '{{ .ObjectMeta.Annotations }} {{ len .ObjectMeta.Annotations }}', 'map[] 0'],
    ['index of a missing key of map[string]string is the zero string', '[{{ index .ObjectMeta.Annotations "x" }}]', '[]'],
    ['field access of a missing map key still prints <no value>', '{{ .ObjectMeta.Labels.nope }}', '<no value>'],
    ['absent bool is false', '{{ .Spec.HostNetwork }}', 'false'],
    ['absent slice is empty', '{{ .Spec.InitContainers }} {{ len .Spec.InitContainers }}', '[] 0'],
    ['absent pointer is nil and false', '{{ .Spec.SecurityContext }} {{ if .Spec.SecurityContext }}set{{ else }}unset{{ end }}', '<nil> unset'],
    ['a pointer to false is set (non-nil pointers are true)', '{{ with (index .Spec.Containers 0).SecurityContext }}{{ if .RunAsNonRoot }}set:{{ .RunAsNonRoot }}{{ end }}{{ end }}', 'set:false'],
    ['struct values are always true', '{{ if .TypeMeta }}yes{{ end }}', 'yes'],
    ['typed ints compare with int constants', '{{ range (index .Spec.Containers 0).Ports }}{{ if eq .ContainerPort 8080 }}{{ .Name }}{{ end }}{{ end }}', 'http'],
    ['absent int field is 0', '{{ (index (index .Spec.Containers 0).Ports 0).HostPort }}', '0'],
    ['embedded struct fields are promoted', '{{ (index .Spec.Volumes 0).ConfigMap.Name }} {{ (index .Spec.Volumes 0).EmptyDir }}', 'shop-cfg <nil>'],
    ['probe handler fields are promoted, IntOrString prints its value', '{{ with (index .Spec.Containers 0).ReadinessProbe }}{{ .HTTPGet.Port }} {{ .PeriodSeconds }}{{ end }}', 'http 5'],
    ['quantities print as text', '{{ index (index .Spec.Containers 0).Resources.Limits "cpu" }}', '500m'],
    ['initialisms in Go names', '{{ .TypeMeta.APIVersion }}', 'apps/v1'],
    ['int64 field', '{{ .ProxyUID }} {{ .ProxyGID }}', '1337 0'],
    ['untyped values map', '{{ .Values.global.hub }} {{ .Values.global.proxy.statusPort }}', 'docker.io/istio 15020'],
    ['protobuf enum defaults to its zero name', '{{ .ProxyConfig.InterceptionMode }} {{ .ProxyConfig.InterceptionMode.String }}', 'REDIRECT REDIRECT'],
    ['protobuf wrapper GetValue', '{{ .ProxyConfig.HoldApplicationUntilProxyStarts.GetValue }}', 'true'],
    ['nil wrapper GetValue is the zero value', '{{ .MeshConfig.EnablePrometheusMerge.GetValue }}', 'false'],
    ['a set wrapper holding 0 is still a non-nil pointer', '{{ if .ProxyConfig.Concurrency }}set {{ .ProxyConfig.Concurrency.Value }}{{ end }}', 'set 0'],
    ['nil-safe protobuf getters chain through nil messages', '{{ .ProxyConfig.GetTracing.GetTlsSettings }}|{{ .ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates }}|', '<nil>||'],
    ['mesh config fields', '{{ .MeshConfig.TrustDomain }} {{ .MeshConfig.DefaultConfig.DiscoveryAddress }} {{ .MeshConfig.ProxyListenPort | default "15001" }}', 'example.org istiod:15012 15001'],
    ['proxy metadata range', '{{ range $k, $v := .ProxyConfig.ProxyMetadata }}{{ $k }}={{ $v }}{{ end }}', 'A=1'],
    ['structToJSON follows Go field order and omitempty', '{{ range (index .Spec.Containers 0).Ports }}{{ structToJSON . }}{{ end }}', '{"name":"http","containerPort":8080}{"containerPort":9090,"protocol":"TCP"}'],
  ])('%s', (_name, text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['unknown field on a typed struct', '{{ .Spec.Bogus }}', 'can\'t evaluate field Bogus in type v1.PodSpec'],
    ['JSON-cased field name on a typed struct', '{{ .Spec.containers }}', 'can\'t evaluate field containers in type v1.PodSpec'],
    ['field through a nil pointer', '{{ .Spec.SecurityContext.RunAsUser }}', 'nil pointer evaluating *v1.PodSecurityContext.RunAsUser'],
    ['field through a nil protobuf message', '{{ .ProxyConfig.Tracing.TlsSettings }}', 'nil pointer evaluating *v1alpha1.Tracing.TlsSettings'],
    ['enums do not compare with strings', '{{ eq .ProxyConfig.InterceptionMode "REDIRECT" }}', 'error calling eq: incompatible types for comparison'],
    ['typed map where map[string]interface{} is wanted', '{{ hasKey .ObjectMeta.Labels "app" }}', 'wrong type for value; expected map[string]interface {}; got map[string]string'],
    ['arguments to a getter method', '{{ .ProxyConfig.GetTracing 1 }}', 'wrong number of args for GetTracing: want 0 got 1'],
    ['arguments to a field', '{{ .ObjectMeta.Name 1 }}', 'Name has arguments but cannot be invoked as function'],
    ['untyped map where map[string]string is wanted', '{{ isset .Values.global "hub" }}', 'wrong type for value; expected map[string]string; got map[string]interface {}'],
  ])('%s fails like Go', (_name, text, reason) => {
    let err: unknown;
    try {
      render(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateExecError);
    expect((err as Error).message).toMatch(new RegExp(`: ${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('a Pod has ObjectMeta and TypeMeta fields promoted', () => {
    const pod = wrap(goTypes.type('v1.Pod'), { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } });
    expect(render('{{ .Kind }}/{{ .Name }}/{{ .ObjectMeta.Namespace }}/{{ .Spec.Containers }}', pod)).toBe('Pod/p/ns/[]');
  });

  it('does not mutate the data it reads', () => {
    const raw = { objectMeta: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } };
    const before = JSON.stringify(raw);
    render('{{ .ObjectMeta.Annotations }}{{ range .Spec.Containers }}{{ .Ports }}{{ .Resources }}{{ end }}', sidecarTemplateData(raw));
    expect(JSON.stringify(raw)).toBe(before);
  });
});
