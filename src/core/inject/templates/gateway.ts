/**
 * The built-in `gateway` template (Istio's gateway-injection-template.yaml): an istio-proxy
 * container running `proxy router`, no init container, unprivileged-port sysctl.
 */
import type { Container, EnvVar } from '../../k8s/pod.js';
import { proxyConfigJson } from '../proxy-config-json.js';
import { appContainerNames, goString, type PodPatch, type TemplateContext } from '../template-context.js';
import {
  bootstrapOverrideSet,
  bootstrapVolume,
  clusterIdValue,
  complianceEnv,
  fieldRefEnv,
  imageFor,
  imagePullSecrets,
  istiodCaVolume,
  meshIdentityEnv,
  mtlsCertsVolume,
  ownerEnv,
  podIdentityEnv,
  podInfoVolume,
  podPortsValue,
  proxyMetadataEnv,
  resourceRefEnv,
  tokenVolume,
} from './common.js';
import { canonicalName, canonicalRevision, defaultContainerAnnotations } from './sidecar.js';
import { proxyLogArgs } from './sidecar-proxy.js';

type Obj = Record<string, unknown>;

function gatewayEnv(ctx: TemplateContext): EnvVar[] {
  const env: EnvVar[] = [
    ...podIdentityEnv(ctx),
    resourceRefEnv('ISTIO_CPU_LIMIT', 'limits.cpu'),
    { name: 'PROXY_CONFIG', value: `${proxyConfigJson(ctx.proxyConfig)}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsValue(ctx) },
    resourceRefEnv('GOMEMLIMIT', 'limits.memory'),
    ...complianceEnv(ctx),
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(ctx).join(',') },
    { name: 'ISTIO_META_CLUSTER_ID', value: clusterIdValue(ctx) },
    fieldRefEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: ctx.proxyConfig.interceptionMode ?? 'REDIRECT' },
  ];
  if (ctx.values.global.network) env.push({ name: 'ISTIO_META_NETWORK', value: ctx.values.global.network });
  if (ctx.deploymentMeta.name) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: ctx.deploymentMeta.name });
  env.push(...ownerEnv(ctx));
  if (bootstrapOverrideSet(ctx)) {
    env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  }
  env.push(...meshIdentityEnv(ctx), ...proxyMetadataEnv(ctx));
  return env;
}

function gatewayMounts(ctx: TemplateContext): Obj[] {
  const g = ctx.values.global;
  const mounts: Obj[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
    g.caName === 'GkeWorkloadCertificate'
      ? { name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true }
      : { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
  ];
  if (g.pilotCertProvider === 'istiod') mounts.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
  mounts.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if (bootstrapOverrideSet(ctx)) mounts.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  mounts.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' }, { mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (g.mountMtlsCerts) mounts.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  mounts.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  return mounts;
}

function gatewayVolumes(ctx: TemplateContext): Obj[] {
  const g = ctx.values.global;
  const vols: Obj[] = [
    { name: 'workload-socket', emptyDir: null },
    { name: 'credential-socket', emptyDir: {} },
    g.caName === 'GkeWorkloadCertificate'
      ? { name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } }
      : { name: 'workload-certs', emptyDir: {} },
  ];
  if (bootstrapOverrideSet(ctx)) vols.push(bootstrapVolume(ctx));
  vols.push({ name: 'istio-envoy', emptyDir: { medium: 'Memory' } }, { name: 'istio-data', emptyDir: {} }, podInfoVolume, tokenVolume(ctx));
  if (g.pilotCertProvider === 'istiod') vols.push(istiodCaVolume(ctx));
  if (g.mountMtlsCerts) vols.push(mtlsCertsVolume(ctx));
  return vols;
}

/** The `gateway` template. */
export function gatewayTemplate(ctx: TemplateContext): PodPatch {
  const g = ctx.values.global;
  const p = g.proxy ?? {};
  const args = ['proxy', 'router', '--domain', `$(POD_NAMESPACE).svc.${goString(p.clusterDomain)}`, ...proxyLogArgs(ctx)];
  if (g.sts?.servicePort) args.push(`--stsPort=${g.sts.servicePort}`);
  if (g.logAsJson) args.push('--log_as_json');
  const proxy: Obj = {
    name: 'istio-proxy',
    image: imageFor(ctx, p.image, ctx.proxyImage),
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args,
  };
  if (p.lifecycle && Object.keys(p.lifecycle).length > 0) proxy.lifecycle = p.lifecycle;
  proxy.securityContext = { runAsUser: ctx.proxyUID || 1337, runAsGroup: ctx.proxyGID || 1337 };
  proxy.env = gatewayEnv(ctx);
  if (g.imagePullPolicy) proxy.imagePullPolicy = g.imagePullPolicy;
  proxy.readinessProbe = {
    httpGet: { path: '/healthz/ready', port: 15021 },
    initialDelaySeconds: p.readinessInitialDelaySeconds,
    periodSeconds: p.readinessPeriodSeconds,
    timeoutSeconds: 3,
    failureThreshold: p.readinessFailureThreshold,
  };
  proxy.volumeMounts = gatewayMounts(ctx);
  const sc = ctx.values.gateways?.securityContext;
  const spec: Obj = {
    securityContext:
      sc && Object.keys(sc).length > 0 ? sc : { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
    containers: [proxy as unknown as Container],
    volumes: gatewayVolumes(ctx),
  };
  const secrets = imagePullSecrets(ctx);
  if (secrets) spec.imagePullSecrets = secrets;
  return {
    metadata: {
      labels: {
        'service.istio.io/canonical-name': canonicalName(ctx, false),
        'service.istio.io/canonical-revision': canonicalRevision(ctx),
      },
      annotations: { 'istio.io/rev': ctx.revision || 'default', ...defaultContainerAnnotations(ctx) },
    },
    spec,
  };
}
