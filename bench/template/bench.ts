/**
 * Template engine benchmark (not a test). Parses each template text once, then renders it per
 * pod many times: mean and p99 per render, plus the YAML parse of the rendered text (the next
 * step of injection, with the project's Go-compatible parser). Templates: Istio's own texts from ../shared/reference/istio-templates
 * (read at run time, skipped when absent) and a small custom template of our own (the kind
 * operators add: per-container env and a volume). Baseline measured in the same run: the
 * built-in typed injection of the same pod (`injectPod`: render + merge + post-process).
 * Then end to end: `injectPod` per pod through custom templates (render + YAML parse + strategic
 * merge + post-process, the way kube-inject and the webhook run them), beside the same baseline.
 *
 *   npx tsx bench/template/bench.ts            (BENCH_ITERATIONS=n, default 2000)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveSettings } from '../../src/core/config/settings.js';
import { compileCustomTemplates, createGoTemplateCompiler } from '../../src/core/inject/custom-templates.js';
import type { InjectionEnvironment } from '../../src/core/inject/environment.js';
import { injectPod } from '../../src/core/inject/inject.js';
import type { Pod } from '../../src/core/k8s/pod.js';
import { parseYamlDocument } from '../../src/core/yaml/parse.js';
import { createIstioFuncs } from '../../src/core/inject/go-template/istio-funcs.js';
import { sidecarTemplateData } from '../../src/core/inject/go-template/istio-types.js';
import { goYamlMarshal, parseTemplate } from '../../src/core/template/index.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2000);
const dir = path.resolve('..', 'shared', 'reference', 'istio-templates');

interface Stats {
  mean: number;
  p99: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { mean, p99: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN };
}

function time(f: () => unknown, iterations = ITERATIONS): Stats {
  for (let i = 0; i < Math.min(300, iterations); i++) f();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    f();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

const CUSTOM = `spec:
  containers:
  {{- range $i, $c := .Spec.Containers }}
  - name: {{ $c.Name }}
    env:
    - name: POD_PORTS
      value: {{ applicationPorts $.Spec.Containers | quote }}
    - name: OWNER
      value: {{ printf "%s/%s" (valueOrDefault $.DeploymentMeta.Namespace "default") $.DeploymentMeta.Name | quote }}
    volumeMounts:
    - name: extra-config
      mountPath: /etc/extra
  {{- end }}
  volumes:
  - name: extra-config
    configMap:
      name: {{ .DeploymentMeta.Name | trunc 50 }}-extra
`;

const values = {
  global: {
    hub: 'registry.example/istio', tag: '1.0.0', imagePullPolicy: '', imagePullSecrets: [], logging: { level: 'default:info' },
    logAsJson: false, nativeNftables: false, istioNamespace: 'istio-system', pilotCertProvider: 'istiod', caAddress: '', caName: '',
    meshID: '', network: '', multiCluster: { clusterName: '' }, mountMtlsCerts: false, sds: { token: { aud: 'istio-ca' } }, sts: { servicePort: 0 },
    proxy: {
      image: 'proxyv2', clusterDomain: 'cluster.local', componentLogLevel: 'misc:error', logLevel: 'warning', includeIPRanges: '*',
      excludeIPRanges: '', includeInboundPorts: '*', excludeInboundPorts: '', includeOutboundPorts: '', excludeOutboundPorts: '',
      privileged: false, statusPort: 15020, tracer: 'none', readinessFailureThreshold: 4, readinessInitialDelaySeconds: 0,
      readinessPeriodSeconds: 15, startupProbe: { enabled: true, failureThreshold: 600 }, outlierLogPath: '', seccompProfile: {},
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
    },
    proxy_init: { image: 'proxyv2', forceApplyIptables: false },
  },
  pilot: { cni: { enabled: false, provider: 'default' }, env: {} },
  gateways: { securityContext: {}, seccompProfile: {} },
  revision: '',
};
const mesh = { trustDomain: 'cluster.local', defaultConfig: { discoveryAddress: 'istiod.istio-system.svc:15012' } };

const pods: { name: string; pod: Pod }[] = [
  {
    name: 'small pod (1 container)',
    pod: {
      metadata: { name: 'small', namespace: 'bench', labels: { app: 'small', version: 'v1' } },
      spec: { containers: [{ name: 'app', image: 'example/app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
  {
    name: 'busy pod (4 containers, 12 annotations)',
    pod: {
      metadata: {
        name: 'busy',
        namespace: 'bench',
        labels: { app: 'busy', version: 'v3', tier: 'backend' },
        annotations: Object.fromEntries([
          ['sidecar.istio.io/proxyCPU', '200m'],
          ['traffic.sidecar.istio.io/excludeOutboundPorts', '5432'],
          ['sidecar.istio.io/userVolume', '{"cache":{"emptyDir":{}}}'],
          ['sidecar.istio.io/userVolumeMount', '{"cache":{"mountPath":"/cache"}}'],
          ...Array.from({ length: 8 }, (_, i) => [`example.com/note-${i}`, `value ${i}`]),
        ]),
      },
      spec: {
        containers: Array.from({ length: 4 }, (_, i) => ({
          name: `c${i}`,
          image: `example/c${i}:1`,
          ports: [{ name: `http-${i}`, containerPort: 8080 + i }, { containerPort: 9090 + i, protocol: 'TCP' }],
        })),
      },
    },
  },
];

const funcs = createIstioFuncs({ protoToJSON: () => '{}', toYaml: goYamlMarshal, env: () => undefined });
const texts: { name: string; text: string }[] = [{ name: 'custom (own)', text: CUSTOM }];
if (existsSync(dir)) {
  for (const f of ['injection-template.yaml', 'gateway-injection-template.yaml', 'grpc-agent.yaml', 'grpc-simple.yaml']) {
    texts.push({ name: f, text: readFileSync(path.join(dir, f), 'utf8') });
  }
} else {
  console.log(`(${dir} absent: Istio's template texts skipped)`);
}

const settings = resolveSettings();
const fmt = (s: Stats): string => `mean ${s.mean.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms`;

console.log(`node ${process.version}, ${ITERATIONS} renders per template and pod`);
for (const { name: podName, pod } of pods) {
  const data = sidecarTemplateData({
    typeMeta: { kind: 'Deployment', apiVersion: 'apps/v1' },
    deploymentMeta: { name: String(pod.metadata?.name), namespace: 'bench' },
    objectMeta: pod.metadata as Record<string, unknown>,
    spec: pod.spec as unknown as Record<string, unknown>,
    proxyConfig: mesh.defaultConfig,
    meshConfig: mesh,
    values,
    revision: 'default',
    nativeSidecars: true,
    proxyImage: 'registry.example/istio/proxyv2:1.0.0',
    proxyInitImage: 'registry.example/istio/proxyv2:1.0.0',
    proxyUID: 1337,
    proxyGID: 1337,
    inboundTrafficPolicyMode: 'passthrough',
  });
  console.log(`\n${podName}`);
  const baseline = time(() => injectPod({ pod }, settings, { enableNativeSidecars: 'true' }), Math.min(ITERATIONS, 500));
  console.log(`  baseline: built-in typed injectPod        ${fmt(baseline)}`);
  for (const { name, text } of texts) {
    const t0 = performance.now();
    const t = parseTemplate(name, text, funcs);
    const parseMs = performance.now() - t0;
    const render = time(() => t.execute(data));
    const out = t.execute(data);
    const yaml = time(() => parseYamlDocument(out), Math.min(ITERATIONS, 500));
    console.log(`  ${name.padEnd(32)} parse ${parseMs.toFixed(2)} ms (once); render ${fmt(render)}; YAML parse of output mean ${yaml.mean.toFixed(3)} ms; render/baseline ${(render.mean / baseline.mean).toFixed(2)}x`);
  }
}

// --- end to end: injectPod through custom templates (compiler as both edges build it) -----------
const withTemplates = (templates: Record<string, string>) => {
  const st = resolveSettings({ injectConfig: { templates } });
  const templateCompiler = createGoTemplateCompiler({ env: () => undefined });
  compileCustomTemplates(templateCompiler, st.injector.customTemplates);
  const env: InjectionEnvironment = { enableNativeSidecars: 'true', templateCompiler };
  return { st, env };
};
const istioSidecar = texts.find((t) => t.name === 'injection-template.yaml')?.text;
const paths: { name: string; templates: string; st: ReturnType<typeof resolveSettings>; env: InjectionEnvironment }[] = [
  { name: 'built-in sidecar (baseline)', templates: 'sidecar', st: settings, env: { enableNativeSidecars: 'true' } },
  { name: 'built-in sidecar + own custom', templates: 'sidecar,custom', ...withTemplates({ custom: CUSTOM }) },
  { name: 'own custom template only', templates: 'custom', ...withTemplates({ custom: CUSTOM }) },
  ...(istioSidecar ? [{ name: "Istio's sidecar text as `sidecar`", templates: 'sidecar', ...withTemplates({ sidecar: istioSidecar }) }] : []),
];
console.log(`\nend to end: injectPod per pod (${Math.min(ITERATIONS, 1000)} pods per row)`);
for (const { name: podName, pod } of pods) {
  console.log(`\n${podName}`);
  let base: Stats | undefined;
  for (const p of paths) {
    const annotated: Pod = { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, 'inject.istio.io/templates': p.templates } } };
    const s = time(() => injectPod({ pod: annotated }, p.st, p.env), Math.min(ITERATIONS, 1000));
    base ??= s;
    console.log(`  ${p.name.padEnd(36)} ${fmt(s)}; ${(s.mean / base.mean).toFixed(2)}x baseline`);
  }
}
