/**
 * The CNI plugin's configuration model: the network-configuration entry the runtime hands the
 * plugin on stdin (Istio's istio-cni fields, reference §g.1, plus a `sidecar_kit` object for our
 * extensions) and the installer's settings. Parsed once at the edge; types come from the schemas.
 *
 * `zod/mini`, like the capture config: the plugin runs on every pod start.
 */
import * as z from 'zod/mini';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Istio accepts its own level names (plus `fatal`); anything else falls back to `info` rather
 * than failing a pod's sandbox over a logging setting.
 */
const logLevel = z.pipe(
  z.string(),
  z.transform((v: string): LogLevel => {
    const lower = v.toLowerCase();
    if (lower === 'fatal') return 'error';
    return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : 'info';
  }),
);

const nonEmpty = () => z.string().check(z.minLength(1, 'must not be empty'));
const intIn = (min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.int({ error }).check(z.gte(min, { error }), z.lte(max, { error }));
};

/** The pod annotations containerd/CRI-O pass to plugins declaring this capability. */
export const POD_ANNOTATIONS_CAPABILITY = 'io.kubernetes.cri.pod-annotations';

/** Our additions to Istio's entry, kept in one object so Istio's flat key space stays Istio's. */
const sidecarKitFields = {
  /** Also append log lines to this file (stderr always gets them). */
  log_file: nonEmpty(),
  /** Pod GET attempts before ADD fails (Istio: 30). */
  pod_lookup_attempts: intIn(1, 600),
  /** Pause between pod GET attempts, milliseconds (Istio: 1000). */
  pod_lookup_interval_ms: intIn(0, 60_000),
  /** Per-request timeout of a pod GET, milliseconds. */
  pod_lookup_timeout_ms: intIn(100, 60_000),
  /** Kubeconfig path; default `<cni_agent_run_dir>/istio-cni-kubeconfig`. */
  kubeconfig: nonEmpty(),
  /**
   * The whole invocation's deadline, milliseconds: below the runtime's (the kubelet gives
   * RunPodSandbox twice --runtime-request-timeout, 4 minutes by default; containerd passes that
   * deadline on to the CNI call), so the runtime gets our error, not its own timeout.
   */
  deadline_ms: intIn(1000, 230_000),
};

/** Kernel pseudo file systems: nothing of ours is created there (mkdir under /proc can loop). */
const PSEUDO_FS = ['/proc', '/sys', '/dev'];

/** An absolute, normalised directory outside /proc, /sys and /dev. */
const runDir = () =>
  nonEmpty().check(
    z.refine((s: string) => s.startsWith('/') && !s.split('/').some((seg) => seg === '..' || seg === '.'), 'must be an absolute path without . or .. segments'),
    z.refine((s: string) => !PSEUDO_FS.some((p) => s === p || s.startsWith(`${p}/`)), `must not be under ${PSEUDO_FS.join(', ')}`),
  );

export const sidecarKitPluginSchema = z.object({
  log_file: z.optional(sidecarKitFields.log_file),
  pod_lookup_attempts: z._default(sidecarKitFields.pod_lookup_attempts, 30),
  pod_lookup_interval_ms: z._default(sidecarKitFields.pod_lookup_interval_ms, 1000),
  pod_lookup_timeout_ms: z._default(sidecarKitFields.pod_lookup_timeout_ms, 5000),
  kubeconfig: z.optional(sidecarKitFields.kubeconfig),
  deadline_ms: z._default(sidecarKitFields.deadline_ms, 60_000),
});
export type SidecarKitPluginSettings = z.output<typeof sidecarKitPluginSchema>;

export const pluginConfSchema = z.looseObject({
  cniVersion: z.string({ error: (issue) => (issue.input === undefined ? 'cniVersion is required' : `cniVersion must be a string such as "1.0.0", got ${JSON.stringify(issue.input)}`) }).check(z.minLength(1, 'cniVersion must not be empty')),
  name: z._default(z.string(), ''),
  type: z._default(z.string(), 'istio-cni'),
  plugin_log_level: z._default(logLevel, 'info'),
  cni_agent_run_dir: z._default(runDir(), '/var/run/istio-cni'),
  ambient_enabled: z._default(z.boolean(), false),
  enablement_selectors: z.optional(z.unknown()),
  exclude_namespaces: z._default(z.nullable(z.array(z.string())), null),
  pod_namespace: z._default(z.string(), ''),
  native_nftables: z._default(z.boolean(), false),
  enable_ambient_detection_retry: z._default(z.boolean(), false),
  capabilities: z.optional(z.record(z.string(), z.boolean())),
  runtimeConfig: z.optional(
    z.looseObject({
      [POD_ANNOTATIONS_CAPABILITY]: z.optional(z.record(z.string(), z.string())),
    }),
  ),
  prevResult: z.optional(z.record(z.string(), z.unknown())),
  sidecar_kit: z._default(sidecarKitPluginSchema, () => sidecarKitPluginSchema.parse({})),
});
export type PluginConf = z.output<typeof pluginConfSchema>;

/** Installer (`sidecar-kit cni-install`) settings; flags and environment map onto these keys. */
export const installConfigSchema = z.object({
  /** Directory of the node's CNI network configurations, as mounted into the installer. */
  mountedCniNetDir: z._default(nonEmpty(), '/host/etc/cni/net.d'),
  /** Use this file name instead of the first valid one in the directory. */
  cniConfName: z._default(z.string(), ''),
  /** Chained mode (append to the existing list) or standalone (write our own file). */
  chainedCniPlugin: z._default(z.boolean(), true),
  /** Where the plugin executable is copied (the host's CNI bin dir, as mounted). */
  mountedCniBinDir: z._default(nonEmpty(), '/host/opt/cni/bin'),
  /** The self-contained plugin executable to copy. */
  pluginBinary: nonEmpty(),
  /** The agent run dir (same path on host and in the installer); holds the kubeconfig. */
  cniAgentRunDir: z._default(runDir(), '/var/run/istio-cni'),
  /** Written as `plugin_log_level`. */
  pluginLogLevel: z._default(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }), 'warn'),
  /** Written as `exclude_namespaces`. */
  excludeNamespaces: z._default(z.array(z.string()), ['kube-system']),
  /** Written as `pod_namespace` (the installer's own namespace). */
  podNamespace: z._default(z.string(), ''),
  nativeNftables: z._default(z.boolean(), false),
  /** Declare the `io.kubernetes.cri.pod-annotations` capability (our extension). */
  podAnnotations: z._default(z.boolean(), true),
  /** Service-account directory holding `token`, `ca.crt` and `namespace`. */
  serviceAccountDir: z._default(nonEmpty(), '/var/run/secrets/kubernetes.io/serviceaccount'),
  /** API server URL written into the plugin kubeconfig. */
  kubeApiServer: z.url({ error: 'must be a URL such as https://10.96.0.1:443' }),
  /** Skip TLS verification in the plugin kubeconfig (test clusters only). */
  kubeInsecureSkipTlsVerify: z._default(z.boolean(), false),
  /** Quiet period after a directory event before the config is checked again, ms. */
  watchDebounceMs: z._default(intIn(0, 60_000), 200),
  /** Install once and exit instead of watching (tests, init containers). */
  once: z._default(z.boolean(), false),
  /** Extra keys for the `sidecar_kit` object of the entry. */
  pluginExtensions: z._default(z.partial(z.object(sidecarKitFields)), {}),
});
export type InstallConfig = z.output<typeof installConfigSchema>;
export type InstallConfigInput = z.input<typeof installConfigSchema>;

/** Formats a zod error as `field: message; field: message` for CLI and CNI error output. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * The node agent around the installer (`sidecar-kit cni-install` without `--once`): the
 * monitoring server, the CNI race repair, the node readiness taint and what happens to the
 * plugin at shutdown. Istio's install-cni `REPAIR_*` settings where Istio has them.
 */
export const repairConfigSchema = z.object({
  /** Watch this node's pods and repair those that started without capture (Istio: `REPAIR_ENABLED`, true). */
  enabled: z._default(z.boolean(), true),
  /** delete (Istio's `deletePods`), label (`labelPods`) or none (report only). */
  mode: z._default(z.enum(['delete', 'label', 'none']), 'delete'),
  labelKey: z._default(nonEmpty(), 'cni.istio.io/uninitialized'),
  labelValue: z._default(z.string(), 'true'),
  /** Only pods with this annotation; empty: every pod. */
  sidecarAnnotation: z._default(z.string(), 'sidecar.istio.io/status'),
  /** The capture check's init container; empty: any init container. */
  initContainerName: z._default(z.string(), 'istio-validation'),
  /** Its exit code without capture; 0: any non-zero code. */
  initExitCode: z._default(intIn(0, 255), 126),
  initTerminationMessage: z._default(z.string(), ''),
  /** Added to the pod list/watch (Istio: `REPAIR_LABEL_SELECTORS`, `REPAIR_FIELD_SELECTORS`). */
  labelSelectors: z._default(z.string(), ''),
  fieldSelectors: z._default(z.string(), ''),
  /** Also delete pods no controller owns (nothing makes them again). */
  deleteUnownedPods: z._default(z.boolean(), false),
  /** Repairs per second (token bucket) and burst. */
  qps: z._default(z.number().check(z.gt(0, 'must be greater than 0'), z.lte(1000, 'must be at most 1000')), 1),
  burst: z._default(intIn(1, 1000), 10),
});
export type RepairConfig = z.output<typeof repairConfigSchema>;

export const agentConfigSchema = z.object({
  /** This node (the pod's `spec.nodeName`); the repair, the taint and the shutdown check need it. */
  nodeName: z._default(z.string(), ''),
  /** Plain-HTTP port of `/metrics`, `/readyz`, `/healthz` (Istio's metrics port); 0: none. */
  monitoringPort: z._default(intIn(0, 65_535), 15_014),
  repair: z._default(repairConfigSchema, () => repairConfigSchema.parse({})),
  /** Remove the readiness taint from this node once the plugin is in place. */
  removeNodeTaint: z._default(z.boolean(), false),
  nodeTaintKey: z._default(nonEmpty(), 'cni.istio.io/not-ready'),
  /** At shutdown, leave the plugin in place while the DaemonSet still targets this node. */
  keepPluginOnRestart: z._default(z.boolean(), true),
  /** This installer's DaemonSet (in `podNamespace`), for that check. */
  daemonSetName: z._default(z.string(), ''),
});
export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
