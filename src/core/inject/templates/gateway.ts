/**
 * The built-in `gateway` template (Istio's gateway-injection-template.yaml): an istio-proxy
 * container running `proxy router`, no init container, unprivileged-port sysctl.
 */
import type { Container, EnvVar } from '../../k8s/pod.js';
import type { PodPatch, TemplateContext } from '../template-context.js';
import {
  appContainersEnv,
  bootstrapOverrideEnv,
  clusterNodeEnv,
  complianceEnv,
  imageFor,
  imagePullSecrets,
  meshIdentityEnv,
  podIdentityEnv,
  proxyConfigEnv,
  proxyMetadataEnv,
  resourceRefEnv,
  workloadEnv,
} from './common.js';
import { canonicalLabels, revisionAnnotations } from './sidecar.js';
import { proxyAgentArgs } from './sidecar-proxy.js';
import { mtlsCertsVolumes, proxyMounts, proxyVolumes, VOLUME_LAYOUTS } from './volumes.js';

type Obj = Record<string, unknown>;

function gatewayEnv(ctx: TemplateContext): EnvVar[] {
  return [
    ...podIdentityEnv(ctx),
    resourceRefEnv('ISTIO_CPU_LIMIT', 'limits.cpu'),
    ...proxyConfigEnv(ctx),
    resourceRefEnv('GOMEMLIMIT', 'limits.memory'),
    resourceRefEnv('GOMAXPROCS', 'limits.cpu'),
    ...complianceEnv(ctx),
    appContainersEnv(ctx),
    ...clusterNodeEnv(ctx),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: ctx.proxyConfig.interceptionMode ?? 'REDIRECT' },
    ...workloadEnv(ctx, ctx.deploymentMeta.name),
    ...bootstrapOverrideEnv(ctx),
    ...meshIdentityEnv(ctx),
    ...proxyMetadataEnv(ctx),
  ];
}

/** The `gateway` template. */
export function gatewayTemplate(ctx: TemplateContext): PodPatch {
  const g = ctx.values.global;
  const p = g.proxy ?? {};
  const proxy: Obj = {
    name: 'istio-proxy',
    image: imageFor(ctx, p.image, ctx.proxyImage),
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: proxyAgentArgs(ctx, 'router'),
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
  proxy.volumeMounts = proxyMounts(ctx, false);
  const sc = ctx.values.gateways?.securityContext;
  const spec: Obj = {
    securityContext:
      sc && Object.keys(sc).length > 0 ? sc : { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
    containers: [proxy as unknown as Container],
    volumes: [...proxyVolumes(ctx, VOLUME_LAYOUTS.gateway), ...mtlsCertsVolumes(ctx)],
  };
  const secrets = imagePullSecrets(ctx);
  if (secrets) spec.imagePullSecrets = secrets;
  return {
    metadata: { labels: canonicalLabels(ctx), annotations: revisionAnnotations(ctx) },
    spec,
  };
}
