/**
 * The built-in proxyless gRPC templates: `grpc-simple` (a bootstrap-writing init container)
 * and `grpc-agent` (pilot-agent without Envoy serving xDS/SDS to the app over a UDS volume).
 */
import type { EnvVar } from '../../k8s/pod.js';
import { proxyConfigJson } from '../proxy-config-json.js';
import { appContainerNames, goString, type PodPatch, type TemplateContext } from '../template-context.js';
import {
  bootstrapVolume,
  bootstrapOverrideSet,
  clusterIdValue,
  fieldRefEnv,
  imageFor,
  imagePullSecrets,
  istiodCaVolume,
  jsonMapAnnotation,
  meshIdentityEnv,
  mtlsCertsVolume,
  ownerEnv,
  podIdentityEnv,
  podInfoVolume,
  podPortsValue,
  proxyMetadataEnv,
  proxyResources,
  readinessNumbers,
  statusPortText,
  tokenVolume,
} from './common.js';
import { canonicalName, canonicalRevision, defaultContainerAnnotations } from './sidecar.js';
import { proxyLogArgs } from './sidecar-proxy.js';

type Obj = Record<string, unknown>;

const GRPC_BOOTSTRAP_SCRIPT = [
  'NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"',
  'SERVER_URI="dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"',
  "echo '",
  '{',
  '  "xds_servers": [',
  '    {',
  `      "server_uri": "'\${SERVER_URI}'",`,
  '      "channel_creds": [{"type": "insecure"}],',
  '      "server_features" : ["xds_v3"]',
  '    }',
  '  ],',
  '  "node": {',
  `    "id": "'\${NODE_ID}'",`,
  '    "metadata": {',
  '      "GENERATOR": "grpc"',
  '    }',
  '  }',
  "}' > /var/lib/grpc/data/bootstrap.json",
].join('\n');

const GRPC_DATA_MOUNT = { mountPath: '/var/lib/grpc/data/', name: 'grpc-io-proxyless-bootstrap' };

/** The `grpc-simple` template. */
export function grpcSimpleTemplate(ctx: TemplateContext): PodPatch {
  return {
    metadata: { annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' } },
    spec: {
      initContainers: [
        {
          name: 'grpc-bootstrap-init',
          image: 'busybox:1.28',
          volumeMounts: [GRPC_DATA_MOUNT],
          env: [
            fieldRefEnv('INSTANCE_IP', 'status.podIP'),
            fieldRefEnv('POD_NAME', 'metadata.name'),
            fieldRefEnv('POD_NAMESPACE', 'metadata.namespace'),
            { name: 'ISTIO_NAMESPACE', value: `${goString(ctx.values.global.istioNamespace)}\n` },
          ],
          command: ['sh', '-c', GRPC_BOOTSTRAP_SCRIPT],
        },
      ],
      containers: (ctx.spec.containers ?? []).map((c) => ({
        name: c.name,
        env: [
          { name: 'GRPC_XDS_BOOTSTRAP', value: '/var/lib/grpc/data/bootstrap.json' },
          { name: 'GRPC_GO_LOG_VERBOSITY_LEVEL', value: '99' },
          { name: 'GRPC_GO_LOG_SEVERITY_LEVEL', value: 'info' },
        ],
        volumeMounts: [GRPC_DATA_MOUNT],
      })),
      volumes: [{ name: 'grpc-io-proxyless-bootstrap', emptyDir: {} }],
    },
  };
}

function workloadCertsMount(ctx: TemplateContext): Obj {
  return ctx.values.global.caName === 'GkeWorkloadCertificate'
    ? { name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true }
    : { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' };
}

function agentEnv(ctx: TemplateContext): EnvVar[] {
  const env: EnvVar[] = [
    { name: 'ISTIO_META_GENERATOR', value: 'grpc' },
    { name: 'OUTPUT_CERTS', value: '/var/lib/istio/data' },
  ];
  if (ctx.inboundTrafficPolicyMode === 'localhost') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push(
    ...podIdentityEnv(ctx),
    { name: 'PROXY_CONFIG', value: `${proxyConfigJson(ctx.proxyConfig)}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsValue(ctx) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(ctx).join(',') },
    { name: 'ISTIO_META_CLUSTER_ID', value: clusterIdValue(ctx) },
    fieldRefEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
  );
  if (ctx.values.global.network) env.push({ name: 'ISTIO_META_NETWORK', value: ctx.values.global.network });
  if (ctx.deploymentMeta.name) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: ctx.deploymentMeta.name });
  env.push(...ownerEnv(ctx), ...meshIdentityEnv(ctx), ...proxyMetadataEnv(ctx));
  env.push({ name: 'ISTIO_META_DNS_CAPTURE', value: 'false' }, { name: 'DISABLE_ENVOY', value: 'true' });
  return env;
}

function agentMounts(ctx: TemplateContext): Obj[] {
  const g = ctx.values.global;
  const mounts: Obj[] = [{ name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' }, workloadCertsMount(ctx)];
  if (g.pilotCertProvider === 'istiod') mounts.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
  mounts.push(
    { mountPath: '/var/lib/istio/data', name: 'istio-data' },
    { mountPath: '/etc/istio/proxy', name: 'istio-xds' },
    { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
  );
  if (g.mountMtlsCerts) mounts.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  mounts.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  return mounts;
}

/** The `grpc-agent` template. */
export function grpcAgentTemplate(ctx: TemplateContext): PodPatch {
  const g = ctx.values.global;
  const p = g.proxy ?? {};
  const args = ['proxy', 'sidecar', '--domain', `$(POD_NAMESPACE).svc.${goString(p.clusterDomain)}`, ...proxyLogArgs(ctx)];
  if (g.sts?.servicePort) args.push(`--stsPort=${g.sts.servicePort}`);
  if (g.logAsJson) args.push('--log_as_json');
  const proxy: Obj = {
    name: 'istio-proxy',
    image: imageFor(ctx, p.image, ctx.proxyImage),
    ports: [{ containerPort: 15020, protocol: 'TCP', name: 'mesh-metrics' }],
    args,
    lifecycle: { postStart: { exec: { command: ['pilot-agent', 'wait', '--url=http://localhost:15020/healthz/ready'] } } },
    env: agentEnv(ctx),
  };
  if (g.imagePullPolicy) proxy.imagePullPolicy = g.imagePullPolicy;
  const mounts: Obj[] = [];
  if (statusPortText(ctx) !== '0') {
    proxy.readinessProbe = { httpGet: { path: '/healthz/ready', port: 15020 }, ...readinessNumbers(ctx), timeoutSeconds: 3 };
    proxy.resources = proxyResources(ctx);
    mounts.push(...agentMounts(ctx));
  }
  for (const [name, v] of jsonMapAnnotation(ctx, 'sidecar.istio.io/userVolumeMount')) mounts.push({ name, ...v });
  if (mounts.length > 0) proxy.volumeMounts = mounts;
  const apps = (ctx.spec.containers ?? [])
    .filter((c) => c.name !== 'istio-proxy')
    .map((c) => ({
      name: c.name,
      env: [
        { name: 'GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT', value: 'true' },
        { name: 'GRPC_XDS_BOOTSTRAP', value: '/etc/istio/proxy/grpc-bootstrap.json' },
      ],
      volumeMounts: [{ mountPath: '/var/lib/istio/data', name: 'istio-data' }, { mountPath: '/etc/istio/proxy', name: 'istio-xds' }, workloadCertsMount(ctx)],
    }));
  const vols: Obj[] = [
    { name: 'workload-socket', emptyDir: null },
    g.caName === 'GkeWorkloadCertificate'
      ? { name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } }
      : { name: 'workload-certs', emptyDir: null },
  ];
  if (bootstrapOverrideSet(ctx)) vols.push(bootstrapVolume(ctx));
  vols.push({ name: 'istio-xds', emptyDir: { medium: 'Memory' } }, { name: 'istio-data', emptyDir: {} }, podInfoVolume, tokenVolume(ctx));
  if (g.pilotCertProvider === 'istiod') vols.push(istiodCaVolume(ctx));
  if (g.mountMtlsCerts) vols.push(mtlsCertsVolume(ctx));
  for (const [name, v] of jsonMapAnnotation(ctx, 'sidecar.istio.io/userVolume')) vols.push({ name, ...v });
  const spec: Obj = { containers: [proxy, ...apps], volumes: vols };
  const secrets = imagePullSecrets(ctx);
  if (secrets) spec.imagePullSecrets = secrets;
  return {
    metadata: {
      labels: {
        'service.istio.io/canonical-name': canonicalName(ctx, false),
        'service.istio.io/canonical-revision': canonicalRevision(ctx),
      },
      annotations: {
        'istio.io/rev': ctx.revision || 'default',
        ...defaultContainerAnnotations(ctx),
        'sidecar.istio.io/rewriteAppHTTPProbers': 'false',
      },
    },
    spec,
  };
}
