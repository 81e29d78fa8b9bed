/**
 * Istio Helm values as the injector sees them: the `values` key of the
 * `istio-sidecar-injector` ConfigMap (`global`, `sidecarInjectorWebhook`, `revision`,
 * `pilot: {cni, env}`, `gateways`). Every field a built-in template reads is typed; any other
 * key is accepted and preserved (real values files carry many more, and custom templates may
 * read them).
 */
import { z } from 'zod';

const str = z.string();
/** Port lists are text in templates; a bare number (`excludeInboundPorts: 8080`) prints the same in Go. */
const portList = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string());
const bool = z.boolean();
const num = z.number();
/** A resource list as written in values: quantities as strings or numbers; null = "not set". */
const resourceList = z.record(z.string(), z.union([z.string(), z.number()]).nullable());
const labelSelector = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.looseObject({ key: str, operator: str, values: z.array(str).optional() }))
    .optional(),
});

export const proxyValuesSchema = z.looseObject({
  image: str.optional(),
  autoInject: str.optional(),
  clusterDomain: str.optional(),
  componentLogLevel: str.optional(),
  logLevel: str.optional(),
  includeIPRanges: str.optional(),
  excludeIPRanges: str.optional(),
  includeInboundPorts: portList.optional(),
  excludeInboundPorts: portList.optional(),
  includeOutboundPorts: portList.optional(),
  excludeOutboundPorts: portList.optional(),
  privileged: bool.optional(),
  readinessFailureThreshold: num.optional(),
  readinessInitialDelaySeconds: num.optional(),
  readinessPeriodSeconds: num.optional(),
  startupProbe: z.looseObject({ enabled: bool.optional(), failureThreshold: num.optional() }).optional(),
  resources: z.looseObject({ limits: resourceList.optional(), requests: resourceList.optional() }).optional(),
  statusPort: num.optional(),
  tracer: str.optional(),
  holdApplicationUntilProxyStarts: bool.optional(),
  capNetBindService: bool.optional(),
  lifecycle: z.looseObject({}).optional(),
  seccompProfile: z.looseObject({}).optional(),
  outlierLogPath: str.optional(),
});

export const valuesSchema = z.looseObject({
  global: z.looseObject({
    hub: str.optional(),
    tag: z.union([str, num]).optional(),
    variant: str.optional(),
    imagePullPolicy: str.optional(),
    imagePullSecrets: z.array(str).optional(),
    logging: z.looseObject({ level: str.optional() }).optional(),
    logAsJson: bool.optional(),
    nativeNftables: bool.optional(),
    proxy: proxyValuesSchema.optional(),
    proxy_init: z.looseObject({ image: str.optional(), forceApplyIptables: bool.optional() }).optional(),
    pilotCertProvider: str.optional(),
    caAddress: str.optional(),
    caName: str.optional(),
    istioNamespace: str.optional(),
    meshID: str.optional(),
    network: str.optional(),
    multiCluster: z.looseObject({ clusterName: str.optional() }).optional(),
    sds: z.looseObject({ token: z.looseObject({ aud: str.optional() }).optional() }).optional(),
    sts: z.looseObject({ servicePort: num.optional() }).optional(),
    mountMtlsCerts: bool.optional(),
    trustDomain: str.optional(),
    trustBundleName: str.optional(),
  }),
  sidecarInjectorWebhook: z.looseObject({
    rewriteAppHTTPProbe: bool.optional(),
    templates: z.record(z.string(), str).optional(),
    defaultTemplates: z.array(str).optional(),
    alwaysInjectSelector: z.array(labelSelector).optional(),
    neverInjectSelector: z.array(labelSelector).optional(),
    injectedAnnotations: z.record(z.string(), str).optional(),
    enableNamespacesByDefault: bool.optional(),
    reinvocationPolicy: str.optional(),
  }),
  pilot: z.looseObject({
    cni: z.looseObject({ enabled: bool.optional(), provider: str.optional() }).optional(),
    env: z.record(z.string(), z.unknown()).optional(),
    crlConfigMapName: str.optional(),
  }),
  revision: str.optional(),
  gateways: z
    .looseObject({ securityContext: z.looseObject({}).optional(), seccompProfile: z.looseObject({}).optional() })
    .optional(),
  /**
   * sidecar-kit extensions (not Istio's; absent from Istio's values). `cni.podFactsAnnotation`:
   * in CNI mode, also write the `cni.sidecar-kit.io/capture` pod-facts annotation so the CNI
   * plugin needs no API call (docs/cni.md). Default off: Istio's output has no such annotation.
   */
  sidecarKit: z.looseObject({ cni: z.looseObject({ podFactsAnnotation: bool.optional() }).optional() }).optional(),
});

export type Values = z.infer<typeof valuesSchema>;
export type ProxyValues = z.infer<typeof proxyValuesSchema>;

/** Image hub and tag of the built-in defaults: a current Istio release. */
export const DEFAULT_HUB = 'docker.io/istio';
export const DEFAULT_TAG = '1.28.0';

/**
 * The istiod chart defaults (`_internal_defaults_do_not_set` + default profile) for every value
 * the injector reads.
 */
export const DEFAULT_VALUES: Values = {
  gateways: { seccompProfile: {}, securityContext: {} },
  global: {
    caAddress: '',
    caName: '',
    hub: DEFAULT_HUB,
    tag: DEFAULT_TAG,
    variant: '',
    imagePullPolicy: '',
    imagePullSecrets: [],
    istioNamespace: 'istio-system',
    logAsJson: false,
    logging: { level: 'default:info' },
    meshID: '',
    mountMtlsCerts: false,
    multiCluster: { clusterName: '' },
    nativeNftables: false,
    network: '',
    pilotCertProvider: 'istiod',
    proxy: {
      autoInject: 'enabled',
      clusterDomain: 'cluster.local',
      componentLogLevel: 'misc:error',
      excludeIPRanges: '',
      excludeInboundPorts: '',
      excludeOutboundPorts: '',
      image: 'proxyv2',
      includeIPRanges: '*',
      includeInboundPorts: '*',
      includeOutboundPorts: '',
      logLevel: 'warning',
      outlierLogPath: '',
      privileged: false,
      readinessFailureThreshold: 4,
      readinessInitialDelaySeconds: 0,
      readinessPeriodSeconds: 15,
      resources: { limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      seccompProfile: {},
      startupProbe: { enabled: true, failureThreshold: 600 },
      statusPort: 15020,
      tracer: 'none',
    },
    proxy_init: { forceApplyIptables: false, image: 'proxyv2' },
    sds: { token: { aud: 'istio-ca' } },
    sts: { servicePort: 0 },
  },
  pilot: { cni: { enabled: false, provider: 'default' }, env: {} },
  revision: '',
  sidecarInjectorWebhook: {
    alwaysInjectSelector: [],
    defaultTemplates: [],
    enableNamespacesByDefault: false,
    injectedAnnotations: {},
    neverInjectSelector: [],
    reinvocationPolicy: 'Never',
    rewriteAppHTTPProbe: true,
    templates: {},
  },
};
