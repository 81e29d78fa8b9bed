/**
 * The kubeconfig the installer writes for the plugin (from the DaemonSet's service-account
 * token) and the subset the plugin reads back: one cluster, one user, the current context.
 * Pure: text in, values out.
 *
 * The file is written as JSON, which is also valid YAML, so kubectl and client libraries read
 * it and the plugin needs no YAML parser on the ADD path; a YAML kubeconfig supplied by the
 * operator is parsed by the caller before `connectionFromKubeconfig`.
 */
import * as z from 'zod/mini';

/** File name inside the agent run dir (Istio's). */
export const KUBECONFIG_FILE = 'istio-cni-kubeconfig';

export interface KubeconfigInput {
  readonly server: string;
  readonly token: string;
  /** PEM of the cluster CA (`ca.crt` of the service account). */
  readonly caPem?: string;
  readonly insecureSkipTlsVerify?: boolean;
}

/** The kubeconfig document for the plugin. */
export function buildKubeconfig(input: KubeconfigInput): Record<string, unknown> {
  const cluster: Record<string, unknown> = { server: input.server };
  if (input.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  else if (input.caPem !== undefined) cluster['certificate-authority-data'] = Buffer.from(input.caPem).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster }],
    users: [{ name: 'istio-cni', user: { token: input.token } }],
    contexts: [{ name: 'istio-cni-context', context: { cluster: 'local', user: 'istio-cni' } }],
    'current-context': 'istio-cni-context',
    preferences: {},
  };
}

/** What a pod GET needs. */
export interface KubeConnection {
  readonly server: URL;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly ca?: string;
  readonly caFile?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly insecureSkipTlsVerify: boolean;
}

const clusterSchema = z.looseObject({
  server: z.string(),
  'certificate-authority-data': z.optional(z.string()),
  'certificate-authority': z.optional(z.string()),
  'insecure-skip-tls-verify': z.optional(z.boolean()),
});
const userSchema = z.looseObject({
  token: z.optional(z.string()),
  tokenFile: z.optional(z.string()),
  'client-certificate-data': z.optional(z.string()),
  'client-key-data': z.optional(z.string()),
});
const contextSchema = z.looseObject({ cluster: z.string(), user: z.optional(z.string()) });

const kubeconfigSchema = z.looseObject({
  'current-context': z.optional(z.string()),
  clusters: z._default(z.array(z.looseObject({ name: z.string(), cluster: clusterSchema })), []),
  users: z._default(z.array(z.looseObject({ name: z.string(), user: userSchema })), []),
  contexts: z._default(z.array(z.looseObject({ name: z.string(), context: contextSchema })), []),
});

const fromBase64 = (s: string | undefined): string | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'));

/**
 * Resolves the current context (or the only one) into connection settings. Throws an Error
 * naming the missing piece.
 */
export function connectionFromKubeconfig(doc: unknown): KubeConnection {
  const parsed = kubeconfigSchema.safeParse(doc);
  if (!parsed.success) throw new Error(`kubeconfig: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const kc = parsed.data;
  const ctxName = kc['current-context'] ?? (kc.contexts.length === 1 ? kc.contexts[0]?.name : undefined);
  const ctx = kc.contexts.find((c) => c.name === ctxName)?.context;
  const cluster = ctx ? kc.clusters.find((c) => c.name === ctx.cluster)?.cluster : kc.clusters[0]?.cluster;
  if (!cluster) throw new Error(`kubeconfig: no cluster for context "${ctxName ?? ''}"`);
  const user = ctx?.user !== undefined ? kc.users.find((u) => u.name === ctx.user)?.user : kc.users[0]?.user;
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new Error(`kubeconfig: cluster server "${cluster.server}" is not a URL`);
  }
  const ca = fromBase64(cluster['certificate-authority-data']);
  const cert = fromBase64(user?.['client-certificate-data']);
  const key = fromBase64(user?.['client-key-data']);
  return {
    server,
    ...(user?.token !== undefined ? { token: user.token } : {}),
    ...(user?.tokenFile !== undefined ? { tokenFile: user.tokenFile } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(cluster['certificate-authority'] !== undefined ? { caFile: cluster['certificate-authority'] } : {}),
    ...(cert !== undefined ? { clientCert: cert } : {}),
    ...(key !== undefined ? { clientKey: key } : {}),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] ?? false,
  };
}

/** `https://host:port` of the in-cluster API server from the standard service env vars. */
export function inClusterServer(host: string | undefined, port: string | undefined): string | undefined {
  if (!host || !port) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
