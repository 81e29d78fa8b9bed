/**
 * The built-in proxyless gRPC templates: `grpc-simple` (a bootstrap-writing init container)
 * and `grpc-agent` (pilot-agent without Envoy serving xDS/SDS to the app over a UDS volume).
 */
import type { EnvVar } from '../../k8s/pod.js';
import { goString, type PodPatch, type TemplateContext } from '../template-context.js';
import {
  appContainersEnv,
  clusterNodeEnv,
  fieldRefEnv,
  imageFor,
  imagePullSecrets,
  meshIdentityEnv,
  podIdentityEnv,
  proxyConfigEnv,
  proxyMetadataEnv,
  proxyResources,
  readinessNumbers,
  statusPortText,
  workloadEnv,
} from './common.js';
import { canonicalLabels, revisionAnnotations } from './sidecar.js';
import { proxyAgentArgs } from './sidecar-proxy.js';
import { MOUNTS, mtlsCertsVolumes, proxyVolumes, userVolumeMounts, userVolumes, VOLUME_LAYOUTS, workloadCertsMount } from './volumes.js';

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

function agentEnv(ctx: TemplateContext): EnvVar[] {
  const env: EnvVar[] = [
    { name: 'ISTIO_META_GENERATOR', value: 'grpc' },
    { name: 'OUTPUT_CERTS', value: '/var/lib/istio/data' },
  ];
  if (ctx.inboundTrafficPolicyMode === 'localhost') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push(
    ...podIdentityEnv(ctx),
    ...proxyConfigEnv(ctx),
    appContainersEnv(ctx),
    ...clusterNodeEnv(ctx),
    ...workloadEnv(ctx, ctx.deploymentMeta.name),
    ...meshIdentityEnv(ctx),
    ...proxyMetadataEnv(ctx),
    { name: 'ISTIO_META_DNS_CAPTURE', value: 'false' },
    { name: 'DISABLE_ENVOY', value: 'true' },
  );
  return env;
}

function agentMounts(ctx: TemplateContext): Obj[] {
  const g = ctx.values.global;
  const mounts: Obj[] = [MOUNTS.workloadSocket, workloadCertsMount(ctx)];
  if (g.pilotCertProvider === 'istiod') mounts.push(MOUNTS.istiodCa);
  mounts.push(MOUNTS.data, MOUNTS.xds, MOUNTS.token);
  if (g.mountMtlsCerts) mounts.push(MOUNTS.certs);
  mounts.push(MOUNTS.podInfo);
  return mounts;
}

/** The `grpc-agent` template. */
export function grpcAgentTemplate(ctx: TemplateContext): PodPatch {
  const g = ctx.values.global;
  const p = g.proxy ?? {};
  const proxy: Obj = {
    name: 'istio-proxy',
    image: imageFor(ctx, p.image, ctx.proxyImage),
    ports: [{ containerPort: 15020, protocol: 'TCP', name: 'mesh-metrics' }],
    args: proxyAgentArgs(ctx, 'sidecar'),
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
  mounts.push(...userVolumeMounts(ctx));
  if (mounts.length > 0) proxy.volumeMounts = mounts;
  const apps = (ctx.spec.containers ?? [])
    .filter((c) => c.name !== 'istio-proxy')
    .map((c) => ({
      name: c.name,
      env: [
        { name: 'GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT', value: 'true' },
        { name: 'GRPC_XDS_BOOTSTRAP', value: '/etc/istio/proxy/grpc-bootstrap.json' },
      ],
      volumeMounts: [MOUNTS.data, MOUNTS.xds, workloadCertsMount(ctx)],
    }));
  const vols = [...proxyVolumes(ctx, VOLUME_LAYOUTS.grpcAgent), ...mtlsCertsVolumes(ctx), ...userVolumes(ctx)];
  const spec: Obj = { containers: [proxy, ...apps], volumes: vols };
  const secrets = imagePullSecrets(ctx);
  if (secrets) spec.imagePullSecrets = secrets;
  return {
    metadata: {
      labels: canonicalLabels(ctx),
      annotations: { ...revisionAnnotations(ctx), 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' },
    },
    spec,
  };
}
