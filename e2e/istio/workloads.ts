/**
 * The workloads deployed twice by the e2e/istio suite — once in a namespace istiod injects, once
 * in one sidecar-kit injects: Istio's own samples read from the pinned module (bookinfo, httpbin,
 * curl, helloworld, tcp-echo) as they are, and workload kinds and injection features the samples
 * do not cover, written here on the samples' images: a StatefulSet, a Job, a CronJob, probes of
 * every kind, Prometheus annotations, `proxy.istio.io/config`, native sidecars on and off by
 * annotation, a custom template, the gateway and grpc-agent templates. Also the pods the
 * injectors must refuse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown; [k: string]: unknown };

/** Istio's sample files the suite deploys (paths under samples/ in the module). */
export const SAMPLE_FILES = ['bookinfo/platform/kube/bookinfo.yaml', 'httpbin/httpbin.yaml', 'curl/curl.yaml', 'helloworld/helloworld.yaml', 'tcp-echo/tcp-echo.yaml'] as const;

export function readSamples(moduleDir: string): K8sObject[] {
  return SAMPLE_FILES.flatMap((f) =>
    parseAllDocuments(readFileSync(join(moduleDir, 'samples', f), 'utf8'))
      .map((d) => d.toJSON() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null && typeof o === 'object' && 'kind' in o),
  );
}

/** Every container image the objects name (pod templates of every workload kind). */
export function imagesOf(objects: readonly unknown[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'containers' || k === 'initContainers') && Array.isArray(x)) for (const c of x as { image?: string }[]) if (c.image && c.image !== 'auto') out.add(c.image);
        walk(x);
      }
    }
  };
  walk(objects);
  return [...out].sort();
}

/**
 * The custom injection template both injectors are given (`sidecarInjectorWebhook.templates.custom`).
 * It patches istio-proxy where the sidecar template puts it: an init container (native sidecars
 * are on by default); under `containers` both injectors would add a second, image-less istio-proxy
 * and the API server refuses the pod (both do so alike).
 */
export const CUSTOM_TEMPLATE = `metadata:
  annotations:
    example.com/custom-template: "{{ index .ObjectMeta.Labels \`app\` }}"
spec:
  initContainers:
  - name: istio-proxy
    env:
    - name: CUSTOM_TEMPLATE_APP
      value: "{{ index .ObjectMeta.Labels \`app\` }}"
`;

type Container = Record<string, unknown>;
function podTemplate(labels: Record<string, string>, containers: Container[], annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return { metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) }, spec: { terminationGracePeriodSeconds: 1, containers, ...extra } };
}
function deployment(name: string, containers: Container[], annotations: Record<string, string> = {}, labels: Record<string, string> = {}): K8sObject {
  const sel = { app: name };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 1, selector: { matchLabels: sel }, template: podTemplate({ ...sel, ...labels }, containers, annotations) } };
}

/**
 * Workloads beyond the samples, on the samples' images (`httpbin`: an HTTP server on 8080,
 * `curl`: sleeps).
 */
export function extraWorkloads(img: { httpbin: string; curl: string }): K8sObject[] {
  const web = (name = 'web'): Container => ({ name, image: img.httpbin, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080, name: 'http' }] });
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] } },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' }, spec: { serviceName: 'web', replicas: 1, selector: { matchLabels: { app: 'web' } }, template: podTemplate({ app: 'web', version: 'v1' }, [web()]) } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { backoffLimit: 0, template: podTemplate({ app: 'once' }, [{ name: 'once', image: img.curl, command: ['/bin/sleep', '1'] }], {}, { restartPolicy: 'Never' }) } },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: { schedule: '* * * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1, jobTemplate: { spec: { backoffLimit: 0, template: podTemplate({ app: 'tick' }, [{ name: 'tick', image: img.curl, command: ['/bin/sleep', '1'] }], {}, { restartPolicy: 'Never' }) } } },
    },
    deployment('probes', [
      {
        ...web('probes'),
        ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'grpc' }],
        readinessProbe: { httpGet: { path: '/ready', port: 8080, httpHeaders: [{ name: 'X-Probe', value: 'ready' }] }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: '/live', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3 },
        startupProbe: { tcpSocket: { port: 8080 }, failureThreshold: 30 },
      },
      { name: 'side', image: img.curl, command: ['/bin/sleep', 'infinity'], livenessProbe: { exec: { command: ['true'] } }, readinessProbe: { grpc: { port: 9090 } } },
    ]),
    deployment('metrics', [web('metrics')], { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' }),
    deployment('proxyconfig', [web('proxyconfig')], {
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true, "concurrency": 1, "terminationDrainDuration": "7s", "proxyMetadata": {"EXAMPLE": "1"}}',
      'sidecar.istio.io/proxyCPU': '20m',
      'sidecar.istio.io/logLevel': 'debug',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '5432',
      'traffic.sidecar.istio.io/includeInboundPorts': '8080',
    }),
    deployment('classic', [web('classic')], { 'sidecar.istio.io/nativeSidecar': 'false' }),
    deployment('custom', [web('custom')], { 'inject.istio.io/templates': 'sidecar,custom' }),
    deployment('gateway', [{ name: 'istio-proxy', image: 'auto' }], { 'inject.istio.io/templates': 'gateway' }, { 'sidecar.istio.io/inject': 'true', istio: 'ingressgateway' }),
    deployment('grpc', [web('grpc')], { 'inject.istio.io/templates': 'grpc-agent', 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}' }),
  ];
}

/** The workloads of the CNI-mode pair: a few of the above (capture mode changes the init containers). */
export function cniWorkloads(all: readonly K8sObject[]): K8sObject[] {
  const keep = new Set(['details-v1', 'details', 'bookinfo-details', 'httpbin', 'probes', 'classic', 'web']);
  return all.filter((o) => keep.has(o.metadata.name) && o.kind !== 'Job' && o.kind !== 'CronJob');
}

/** Bare pods each injector must refuse, by name. */
export function refusedPods(img: { curl: string }): K8sObject[] {
  const pod = (name: string, annotations: Record<string, string>): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name }, annotations },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: img.curl, command: ['/bin/sleep', 'infinity'] }] },
  });
  return [
    pod('bad-cidr', { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/33' }),
    pod('bad-port', { 'traffic.sidecar.istio.io/excludeInboundPorts': '80,x' }),
    pod('bad-proxy-config', { 'proxy.istio.io/config': '{"concurrency": "many"}' }),
    pod('bad-interception', { 'sidecar.istio.io/interceptionMode': 'SOMETHING' }),
    pod('bad-template', { 'inject.istio.io/templates': 'no-such-template' }),
  ];
}
