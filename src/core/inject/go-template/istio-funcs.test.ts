import { describe, expect, it } from 'vitest';
import { createIstioFuncs, goDurationString } from './istio-funcs.js';
import { sidecarTemplateData } from './istio-types.js';
import { parseTemplate } from '../../template/template.js';

const seen: { proto: unknown[]; yaml: unknown[] } = { proto: [], yaml: [] };
const funcs = createIstioFuncs({
  protoToJSON: (pc) => {
    seen.proto.push(pc);
    return JSON.stringify(pc ?? {});
  },
  toYaml: (json) => {
    seen.yaml.push(json);
    return `yaml:${JSON.stringify(json)}`;
  },
  env: (k) => ({ CLUSTER: 'c1', EMPTY: '' })[k],
});

const data = sidecarTemplateData({
  typeMeta: { kind: 'Deployment', apiVersion: 'apps/v1' },
  deploymentMeta: { name: 'shop', namespace: 'web' },
  objectMeta: {
    annotations: { a: 'x', empty: '', 'k8s.v1.cni.cncf.io/networks': 'alt_cni' },
    labels: { app: 'shop', 'app.kubernetes.io/version': 'v2' },
  },
  spec: {
    containers: [
      { name: 'app', ports: [{ containerPort: 8080 }, { containerPort: 9090 }] },
      { name: 'istio-proxy', ports: [{ containerPort: 15090 }] },
    ],
  },
  proxyConfig: { drainDuration: '90s', terminationDrainDuration: '1.5s', interceptionMode: 'TPROXY' },
  meshConfig: {
    extensionProviders: [{ name: 'otel', opentelemetry: { service: 'collector', port: 4317, serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS' } }],
  },
  values: { port: 15020, res: { limits: { cpu: null, memory: '1Gi' } }, global: { hub: 'h' } },
});

const render = (text: string): string => parseTemplate('t', text, funcs).execute(data);

describe("Istio's template functions", () => {
  it.each<[string, string, string]>([
    ['annotation: present (even empty) wins, else fmt.Sprint of the default', '{{ annotation .ObjectMeta "a" "d" }}|{{ annotation .ObjectMeta "empty" "d" }}|{{ annotation .ObjectMeta "nope" .Values.port }}|{{ annotation .ObjectMeta "nope" .Values.nope }}', 'x||15020|<nil>'],
    ['annotation of an enum default prints its name', '{{ annotation .ObjectMeta "nope" .ProxyConfig.InterceptionMode }}', 'TPROXY'],
    ['isset', '{{ isset .ObjectMeta.Annotations "a" }} {{ isset .ObjectMeta.Annotations "zz" }} {{ isset .Spec.NodeSelector "x" }}', 'true false false'],
    ['valueOrDefault replaces only "" and nil', '{{ valueOrDefault "" "d" }} {{ valueOrDefault .Values.nope "d" }} {{ valueOrDefault "v" "d" }} {{ valueOrDefault 0 "d" }}', 'd d v 0'],
    ['excludeInboundPort', '{{ excludeInboundPort .Values.port "8080,,9090" }}|{{ excludeInboundPort "15020" "80,15020" }}|{{ excludeInboundPort "0" "80" }}', '8080,9090,15020|80,15020|80'],
    ['excludeInboundPort prints a numeric port as fmt.Sprint does', '{{ excludeInboundPort .Values.port "1" }}|{{ excludeInboundPort .Values.port ",," }}', '1,15020|15020'],
    ['includeInboundPorts / applicationPorts', '{{ includeInboundPorts .Spec.Containers }} {{ applicationPorts .Spec.Containers }}', '8080,9090,15090 8080,9090'],
    ['toJSON of a string map', '{{ toJSON .ObjectMeta.Labels }} {{ toJSON .Spec.NodeSelector }}', '{"app":"shop","app.kubernetes.io/version":"v2"} {}'],
    ['fromJSON, with "{}" on bad input', '{{ (fromJSON "{\\"a\\":1}").a }} {{ fromJSON "nope" }}', '1 {}'],
    ['Istio indent leaves the first line alone', '{{ indent 4 "a\\nb\\nc" }}', 'a\n    b\n    c'],
    ['nindent is still sprig (indents the first line too)', '{{ nindent 2 "a\\nb" }}', '\n  a\n  b'],
    ['directory', '{{ directory "/etc/certs/root.pem" }}|{{ directory "root.pem" }}', '/etc/certs/|'],
    ['contains takes the needle first; toLower', '{{ contains "/" "docker.io/x" }} {{ contains "/" "proxyv2" }} {{ toLower "AbC" }}', 'true false abc'],
    ['appendMultusNetwork on the annotation', '{{ appendMultusNetwork (index .ObjectMeta.Annotations `k8s.v1.cni.cncf.io/networks`) `default/istio-cni` }}', 'alt_cni, default/istio-cni'],
    ['env with default', '{{ env "CLUSTER" "d" }} {{ env "EMPTY" "d" }} {{ env "NOPE" "d" }}', 'c1 d d'],
    ['strdict / mergeMaps / toJsonMap / omit on string maps', '{{ mergeMaps (strdict "a" "1") (strdict "a" "2" "b" "3") }} {{ toJsonMap (strdict "b" "2" "a" "1") (omit .ObjectMeta.Labels "app") }}', 'map[a:2 b:3] {"a":"1","app.kubernetes.io/version":"v2","b":"2"}'],
    ['omitNil drops null values recursively', '{{ toJson (omitNil .Values.res) }}', '{"limits":{"memory":"1Gi"}}'],
    ['otelResourceAttributes with semantic conventions enabled', '{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}', 'service.namespace=web,service.version=v2,service.instance.id=web.$(POD_NAME).app'],
    ['formatDuration', '{{ formatDuration .ProxyConfig.DrainDuration }} {{ formatDuration .ProxyConfig.TerminationDrainDuration }} {{ formatDuration .ProxyConfig.ParentShutdownDuration }}', '1m30s 1.5s 0s'],
    ['structToJSON of nil', '{{ structToJSON .Values.nope }}', '{}'],
  ])('%s', (_name, text, expected) => {
    expect(render(text)).toBe(expected);
  });

  it('protoToJSON hands the raw protojson ProxyConfig to the injected serialiser', () => {
    seen.proto.length = 0;
    expect(render('{{ protoToJSON .ProxyConfig }}')).toBe('{"drainDuration":"90s","terminationDrainDuration":"1.5s","interceptionMode":"TPROXY"}');
    expect(seen.proto).toEqual([{ drainDuration: '90s', terminationDrainDuration: '1.5s', interceptionMode: 'TPROXY' }]);
  });

  it('toYaml hands plain JSON data (via Go JSON) to the injected marshaller', () => {
    seen.yaml.length = 0;
    expect(render('{{ toYaml (index .Spec.Containers 0).Ports }}')).toBe('yaml:[{"containerPort":8080},{"containerPort":9090}]');
    expect(seen.yaml).toEqual([[{ containerPort: 8080 }, { containerPort: 9090 }]]);
  });

  it("otelResourceAttributes: annotations win; the instance id is Istio's namespace.$(POD_NAME).<containers[0]>", () => {
    const d = sidecarTemplateData({
      deploymentMeta: { name: 'shop', namespace: 'web' },
      objectMeta: { annotations: { 'resource.opentelemetry.io/service.namespace': 'team' }, labels: { version: 'v1' } },
      spec: { containers: [{ name: 'istio-proxy' }, { name: 'app' }] },
      meshConfig: { extensionProviders: [{ name: 'otel', opentelemetry: { service: 'c', serviceAttributeEnrichment: 'OTEL_SEMANTIC_CONVENTIONS' } }] },
    });
    expect(parseTemplate('t', '{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}', funcs).execute(d)).toBe(
      'service.namespace=team,service.instance.id=web.$(POD_NAME).istio-proxy',
    );
  });

  it('an otel provider without semantic conventions adds nothing', () => {
    const d = sidecarTemplateData({ meshConfig: { extensionProviders: [{ name: 'o', opentelemetry: { service: 's' } }] } });
    expect(parseTemplate('t', '[{{ otelResourceAttributes .MeshConfig .ObjectMeta.Annotations .ObjectMeta.Labels .DeploymentMeta.Namespace .Spec.Containers }}]', funcs).execute(d)).toBe('[]');
  });
});

describe("Go's time.Duration.String", () => {
  it.each<[bigint, string]>([
    [0n, '0s'],
    [1_500_000_000n, '1.5s'],
    [90_000_000_000n, '1m30s'],
    [3n * 3_600_000_000_000n, '3h0m0s'],
    [500_000_000n, '500ms'],
    [1500n, '1.5µs'],
    [12n, '12ns'],
    [-2_000_000_000n, '-2s'],
  ])('%s ns', (ns, expected) => {
    expect(goDurationString(ns)).toBe(expected);
  });
});
