/**
 * The CNI plugin's configuration model: the network-configuration entry the runtime hands the
 * plugin on stdin (Istio's istio-cni fields, reference §g.1, plus a `sidecar_kit` object for our
 * extensions) and the installer's settings. Parsed once at the edge; types come from the schemas.
 */
import * as z from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Istio accepts its own level names (plus `fatal`); anything else falls back to `info` rather
 * than failing a pod's sandbox over a logging setting.
 */
const logLevel = z
  .string()
  .transform((v): LogLevel => {
    const lower = v.toLowerCase();
    if (lower === 'fatal') return 'error';
    return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : 'info';
  });

/** The pod annotations containerd/CRI-O pass to plugins declaring this capability. */
export const POD_ANNOTATIONS_CAPABILITY = 'io.kubernetes.cri.pod-annotations';

/** Our additions to Istio's entry, kept in one object so Istio's flat key space stays Istio's. */
export const sidecarKitPluginSchema = z.object({
  /** Also append log lines to this file (stderr always gets them). */
  log_file: z.string().min(1).optional(),
  /** Pod GET attempts before ADD fails (Istio: 30). */
  pod_lookup_attempts: z.number().int().min(1).max(600).default(30),
  /** Pause between pod GET attempts, milliseconds (Istio: 1000). */
  pod_lookup_interval_ms: z.number().int().min(0).max(60_000).default(1000),
  /** Per-request timeout of a pod GET, milliseconds. */
  pod_lookup_timeout_ms: z.number().int().min(100).max(60_000).default(5000),
  /** Kubeconfig path; default `<cni_agent_run_dir>/istio-cni-kubeconfig`. */
  kubeconfig: z.string().min(1).optional(),
});

export const pluginConfSchema = z.looseObject({
  cniVersion: z.string({ error: 'cniVersion is required' }).min(1, 'cniVersion must not be empty'),
  name: z.string().default(''),
  type: z.string().default('istio-cni'),
  plugin_log_level: logLevel.default('info'),
  cni_agent_run_dir: z.string().min(1).default('/var/run/istio-cni'),
  ambient_enabled: z.boolean().default(false),
  enablement_selectors: z.unknown().optional(),
  exclude_namespaces: z.array(z.string()).nullable().default(null),
  pod_namespace: z.string().default(''),
  native_nftables: z.boolean().default(false),
  enable_ambient_detection_retry: z.boolean().default(false),
  capabilities: z.record(z.string(), z.boolean()).optional(),
  runtimeConfig: z
    .looseObject({
      [POD_ANNOTATIONS_CAPABILITY]: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  prevResult: z.record(z.string(), z.unknown()).optional(),
  sidecar_kit: sidecarKitPluginSchema.default(() => sidecarKitPluginSchema.parse({})),
});
export type PluginConf = z.infer<typeof pluginConfSchema>;

/** Installer (`sidecar-kit cni-install`) settings; flags and environment map onto these keys. */
export const installConfigSchema = z.object({
  /** Directory of the node's CNI network configurations, as mounted into the installer. */
  mountedCniNetDir: z.string().min(1).default('/host/etc/cni/net.d'),
  /** Use this file name instead of the first valid one in the directory. */
  cniConfName: z.string().default(''),
  /** Chained mode (append to the existing list) or standalone (write our own file). */
  chainedCniPlugin: z.boolean().default(true),
  /** Where the plugin executable is copied (the host's CNI bin dir, as mounted). */
  mountedCniBinDir: z.string().min(1).default('/host/opt/cni/bin'),
  /** The self-contained plugin executable to copy. */
  pluginBinary: z.string().min(1),
  /** The agent run dir (same path on host and in the installer); holds the kubeconfig. */
  cniAgentRunDir: z.string().min(1).default('/var/run/istio-cni'),
  /** Written as `plugin_log_level`. */
  pluginLogLevel: z.enum(LOG_LEVELS).default('warn'),
  /** Written as `exclude_namespaces`. */
  excludeNamespaces: z.array(z.string()).default(['kube-system']),
  /** Written as `pod_namespace` (the installer's own namespace). */
  podNamespace: z.string().default(''),
  nativeNftables: z.boolean().default(false),
  /** Declare the `io.kubernetes.cri.pod-annotations` capability (our extension). */
  podAnnotations: z.boolean().default(true),
  /** Service-account directory holding `token`, `ca.crt` and `namespace`. */
  serviceAccountDir: z.string().min(1).default('/var/run/secrets/kubernetes.io/serviceaccount'),
  /** API server URL written into the plugin kubeconfig. */
  kubeApiServer: z.string().url('must be a URL such as https://10.96.0.1:443'),
  /** Skip TLS verification in the plugin kubeconfig (test clusters only). */
  kubeInsecureSkipTlsVerify: z.boolean().default(false),
  /** Quiet period after a directory event before the config is checked again, ms. */
  watchDebounceMs: z.number().int().min(0).default(200),
  /** Install once and exit instead of watching (used by tests and init containers). */
  once: z.boolean().default(false),
  /** Extra keys for the `sidecar_kit` object of the entry. */
  pluginExtensions: sidecarKitPluginSchema.partial().default({}),
});
export type InstallConfig = z.infer<typeof installConfigSchema>;

/** Formats a zod error as `field: message; field: message` for CLI and CNI error output. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
