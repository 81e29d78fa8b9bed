/**
 * The chart's values as one zod schema: the chart's own keys (strict, so a typo such as
 * `webook:` fails `helm install`) and Istio's injection values and MeshConfig taken from the
 * product's config model (src/core/config), so the chart accepts exactly what the webhook will load.
 * `scripts/gen-values-schema.ts` turns it into values.schema.json; a test fails when that file
 * is stale.
 */
import { z } from 'zod';
import { meshConfigSchema } from '../../../src/core/config/mesh.js';
import { valuesSchema } from '../../../src/core/config/values.js';

const str = z.string();
const bool = z.boolean();
const strMap = z.record(z.string(), z.string());
/** Kubernetes objects passed through verbatim (affinity, security contexts...). */
const k8sObject = z.looseObject({});
const quantity = z.union([z.string(), z.number()]);
const resources = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});
const port = z.number().int().min(1).max(65535);
/** Image name under `images.hub`. */
const imageName = z.string().min(1);

export const webhookValuesSchema = z.strictObject({
  image: imageName,
  replicaCount: z.number().int().min(1),
  port,
  monitoringPort: port,
  injectionPath: z.string().regex(/^\/inject(\/.*)?$/, 'must be /inject or /inject/<key>/<value>/...'),
  service: z.strictObject({ port, annotations: strMap }),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  injectionCacheSize: z.number().int().min(0),
  injectionCacheBytes: z.number().int().min(0),
  admissionWorkers: z.number().int().min(0),
  admissionWorkerMinBytes: z.number().int().min(0),
  admissionWorkerQueue: z.number().int().min(0),
  admissionWorkerTimeoutMs: z.number().int().min(1),
  admissionWorkerHeapMb: z.number().int().min(16),
  shutdownTimeoutSeconds: z.number().min(0),
  terminationGracePeriodSeconds: z.number().int().min(0),
  nativeSidecars: z.union([z.enum(['auto', 'true', 'false']), z.boolean()]),
  platform: z.enum(['', 'openshift']),
  compliancePolicy: str,
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.union([str, z.number(), bool])),
  resources,
  podDisruptionBudget: z.strictObject({ enabled: bool, minAvailable: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]) }),
  antiAffinity: z.enum(['soft', 'hard', 'none']),
  affinity: k8sObject,
  nodeSelector: strMap,
  tolerations: z.array(k8sObject),
  topologySpreadConstraints: z.array(k8sObject),
  priorityClassName: str,
  podLabels: strMap,
  podAnnotations: strMap,
  scrapeAnnotations: bool,
  podSecurityContext: k8sObject,
  securityContext: k8sObject,
  serviceAccount: z.strictObject({ annotations: strMap }),
  failurePolicy: z.enum(['Fail', 'Ignore']),
  timeoutSeconds: z.number().int().min(1).max(30),
  excludeNamespaces: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be namespace names')),
  matchConditions: z.union([z.enum(['auto', 'true', 'false']), z.boolean()]),
  decisionEvents: z.boolean(),
  coverage: z.strictObject({
    enabled: z.boolean(),
    intervalSeconds: z.number().int().min(10),
    recreate: z.strictObject({ enabled: z.boolean(), maxPerPass: z.number().int().min(1) }),
  }),
  annotations: strMap,
});

export const certificatesValuesSchema = z.strictObject({
  mode: z.enum(['selfSigned', 'helm', 'certManager', 'secret']),
  selfSigned: z.strictObject({
    caSecretName: z.string().regex(/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)?$/, 'must be empty or a Secret name (lower-case DNS subdomain)'),
  }),
  validityDays: z.number().int().min(1),
  certManager: z.strictObject({
    issuerRef: z.strictObject({ name: str, kind: str, group: str }),
    duration: z.string().regex(/^(\d+(\.\d+)?(h|m|s))+$/, 'must be a Go duration such as 8760h'),
    renewBefore: z.string().regex(/^(\d+(\.\d+)?(h|m|s))+$/, 'must be a Go duration such as 720h'),
  }),
  secret: z.strictObject({ name: str, caBundle: str }),
});

export const cniValuesSchema = z.strictObject({
  enabled: bool,
  image: imageName,
  podFactsAnnotation: bool,
  chained: bool,
  confFileName: str,
  hostConfDir: z.string().startsWith('/'),
  hostBinDir: z.string().startsWith('/'),
  agentRunDir: z.string().startsWith('/'),
  excludeNamespaces: z.array(str),
  pluginLogLevel: z.enum(['debug', 'info', 'warn', 'error', 'none']),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']),
  criPodAnnotations: bool,
  podLookupAttempts: z.number().int().min(1),
  monitoringPort: port,
  keepPluginOnRestart: bool,
  repair: z.strictObject({
    enabled: bool,
    deletePods: bool,
    labelPods: bool,
    deleteUnownedPods: bool,
    brokenPodLabelKey: z.string().min(1),
    brokenPodLabelValue: str,
    initContainerName: str,
    initContainerExitCode: z.number().int().min(0).max(255),
    initContainerTerminationMessage: str,
    qps: z.number().gt(0).max(1000),
    burst: z.number().int().min(1).max(1000),
  }).refine((r) => !(r.deletePods && r.labelPods), 'deletePods and labelPods are exclusive: set one of them to false'),
  readinessTaint: z.strictObject({ enabled: bool, key: z.string().min(1) }),
  resources,
  priorityClassName: str,
  tolerations: z.array(k8sObject),
  nodeSelector: strMap,
  securityContext: k8sObject,
  serviceAccount: z.strictObject({ annotations: strMap }),
});

export const chartValuesSchema = z.strictObject({
  nameOverride: str,
  fullnameOverride: str,
  revision: z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, 'must be empty or a DNS label (lower case, digits, -)'),
  revisionTags: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower case, digits, -, at most 63)')),
  images: z.strictObject({
    hub: z.string().min(1),
    tag: z.union([str, z.number()]),
    pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
    pullSecrets: z.array(str),
  }),
  webhook: webhookValuesSchema,
  certificates: certificatesValuesSchema,
  proxyInit: z.strictObject({ useSidecarKitImage: bool, image: imageName }),
  cni: cniValuesSchema,
  dashboards: z.strictObject({ enabled: bool, labels: strMap, annotations: strMap }),
  meshConfig: meshConfigSchema,
  // Istio's values, as the injector ConfigMap carries them (src/core/config/values.ts).
  global: valuesSchema.shape.global,
  sidecarInjectorWebhook: valuesSchema.shape.sidecarInjectorWebhook,
  pilot: valuesSchema.shape.pilot,
  gateways: valuesSchema.shape.gateways,
});

export type ChartValues = z.infer<typeof chartValuesSchema>;
