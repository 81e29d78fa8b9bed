/**
 * `sidecar-kit webhook` flags and their environment variables, parsed once at the edge into a
 * frozen, validated options object. A flag beats its env var, which beats the default. Errors
 * name the flag (and the env var when the value came from there).
 */
import { z } from 'zod';
import { DEFAULT_WORKER_LIMITS } from './admission-workers.js';
import { ISTIOD_ENV_DEFAULTS, parseIstiodEnvironment } from '../core/inject/environment.js';
import { flagValue, noPositionals, parseArgs, parseGoBool, UsageError, type CommandSpec, type FlagSpec, type ParsedArgs } from '../cli-kit/convention.js';

export interface WebhookOptions {
  readonly port: number;
  readonly monitoringPort: number;
  readonly listenAddress: string;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly selfSigned: boolean;
  readonly caOutFile: string | undefined;
  readonly caSecretName: string;
  readonly valuesFile: string | undefined;
  readonly meshConfigFile: string | undefined;
  readonly injectConfigFile: string | undefined;
  readonly configDir: string | undefined;
  readonly revision: string;
  readonly webhookConfigName: string;
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly kubeconfig: string | undefined;
  readonly logLevel: string;
  readonly shutdownTimeoutSeconds: number;
  readonly injectionCacheSize: number;
  readonly injectionCacheBytes: number;
  /** Kubernetes Events on the pod's owner for skip decisions (rate-limited). */
  readonly decisionEvents: boolean;
  /** Admission worker threads (admission-workers.ts); 0: every admission on the event loop. */
  readonly admissionWorkers: number;
  readonly admissionWorkerMinBytes: number;
  readonly admissionWorkerQueue: number;
  readonly admissionWorkerTimeoutMs: number;
  readonly admissionWorkerHeapMb: number;
  /** The coverage controller's pass interval in seconds; 0: off. */
  readonly coverageInterval: number;
  /** The coverage controller recreates missingSidecar / stale pods through their owners. */
  readonly coverageRecreate: boolean;
  /** At most this many recreations per pass. */
  readonly coverageMaxRecreations: number;
}

/** Flag → env var (documented in docs/webhook.md; the table there is checked by a test). */
export const ENV_VARS = {
  port: 'WEBHOOK_PORT',
  monitoringPort: 'MONITORING_PORT',
  listenAddress: 'WEBHOOK_LISTEN_ADDRESS',
  tlsCertFile: 'TLS_CERT_FILE',
  tlsKeyFile: 'TLS_KEY_FILE',
  selfSigned: 'WEBHOOK_SELF_SIGNED',
  caOutFile: 'WEBHOOK_CA_OUT_FILE',
  caSecretName: 'WEBHOOK_CA_SECRET_NAME',
  valuesFile: 'VALUES_FILE',
  meshConfigFile: 'MESH_CONFIG_FILE',
  injectConfigFile: 'INJECT_CONFIG_FILE',
  configDir: 'INJECT_CONFIG_DIR',
  revision: 'REVISION',
  webhookConfigName: 'INJECTION_WEBHOOK_CONFIG_NAME',
  serviceName: 'WEBHOOK_SERVICE_NAME',
  serviceNamespace: 'POD_NAMESPACE',
  kubeconfig: 'KUBECONFIG',
  logLevel: 'LOG_LEVEL',
  shutdownTimeoutSeconds: 'SHUTDOWN_TIMEOUT_SECONDS',
  injectionCacheSize: 'INJECTION_CACHE_SIZE',
  injectionCacheBytes: 'INJECTION_CACHE_BYTES',
  decisionEvents: 'DECISION_EVENTS',
  admissionWorkers: 'ADMISSION_WORKERS',
  admissionWorkerMinBytes: 'ADMISSION_WORKER_MIN_BYTES',
  admissionWorkerQueue: 'ADMISSION_WORKER_QUEUE',
  admissionWorkerTimeoutMs: 'ADMISSION_WORKER_TIMEOUT_MS',
  admissionWorkerHeapMb: 'ADMISSION_WORKER_HEAP_MB',
  coverageInterval: 'COVERAGE_INTERVAL',
  coverageRecreate: 'COVERAGE_RECREATE',
  coverageMaxRecreations: 'COVERAGE_MAX_RECREATIONS',
} as const satisfies Record<keyof WebhookOptions, string>;

/** A bad flag or variable: a usage error (exit 2) whose message names it. */
export class OptionsError extends UsageError {
  readonly code = 'WEBHOOK_BAD_OPTION';
}

interface WebhookFlag extends FlagSpec {
  readonly key: keyof WebhookOptions;
}

const flag = (key: keyof WebhookOptions, value: string, help: string, def?: string): WebhookFlag => ({
  key,
  long: key,
  value,
  help,
  env: [ENV_VARS[key]],
  ...(def !== undefined ? { default: def } : {}),
});

/** The flags; `default` is what applies when neither the flag nor its variable is set. */
export const FLAGS: readonly WebhookFlag[] = [
  flag('port', 'PORT', 'HTTPS port of the webhook', '15017'),
  flag('monitoringPort', 'PORT', 'plain HTTP port for /metrics, /ready, /healthz', '15014'),
  flag('listenAddress', 'ADDR', 'address both servers bind to', '0.0.0.0'),
  flag('tlsCertFile', 'FILE', 'serving certificate (PEM), reloaded on change'),
  flag('tlsKeyFile', 'FILE', 'serving key (PEM), reloaded on change'),
  { key: 'selfSigned', long: 'self-signed', env: [ENV_VARS.selfSigned], help: 'serving certificate from a CA shared through a Secret (generated if absent), renewed in-process; the CA kept in the MutatingWebhookConfiguration' },
  flag('caOutFile', 'FILE', 'with --self-signed: also write the CA bundle (PEM) here'),
  flag('caSecretName', 'NAME', 'with --self-signed: Secret (in --serviceNamespace) holding the CA shared by the replicas, created if absent', '<serviceName>-ca'),
  flag('valuesFile', 'FILE', "Helm values (the injector ConfigMap's `values` key)"),
  flag('meshConfigFile', 'FILE', "mesh config (the istio ConfigMap's `mesh` key)"),
  flag('injectConfigFile', 'FILE', "injector config (the injector ConfigMap's `config` key)"),
  flag('configDir', 'DIR', 'a mounted ConfigMap: files `config`, `values`, `mesh`'),
  flag('revision', 'REV', 'control plane revision', ''),
  flag('webhookConfigName', 'NAME[,NAME…]', 'MutatingWebhookConfiguration(s) whose caBundle --self-signed keeps (the revision\'s and its revision tags\')', 'istio-sidecar-injector[-<revision>]'),
  flag('serviceName', 'NAME', 'Service in front of the webhook, for the self-signed certificate', 'istiod[-<revision>]'),
  flag('serviceNamespace', 'NS', 'namespace of that Service', 'istio-system'),
  flag('kubeconfig', 'FILE', 'kubeconfig (default: the in-cluster service account, if any)'),
  flag('logLevel', 'LEVEL', 'trace, debug, info, warn, error, fatal or silent', 'info'),
  flag('shutdownTimeoutSeconds', 'SECONDS', 'on SIGTERM, how long in-flight requests may take', '25'),
  flag('injectionCacheSize', 'N', 'admission outcomes remembered for identical pods (replicas); 0 disables', '256'),
  flag('injectionCacheBytes', 'BYTES', 'bytes the remembered outcomes may take at most (approximately); 0 disables the memo', String(64 * 1024 * 1024)),
  flag('admissionWorkers', 'N', 'worker threads answering the admissions that could hold the event loop (large bodies, YAML aliases in proxy.istio.io/config); 0: all on the loop', String(DEFAULT_WORKER_LIMITS.workers)),
  flag('admissionWorkerMinBytes', 'BYTES', 'requests of at least this size go to an admission worker', String(DEFAULT_WORKER_LIMITS.minBytes)),
  flag('admissionWorkerQueue', 'N', 'admissions that may wait for a free worker; beyond, HTTP 503 at once', String(DEFAULT_WORKER_LIMITS.maxQueue)),
  flag('admissionWorkerTimeoutMs', 'MS', 'an admission on a worker not answered within this (queue time included) is refused and its worker replaced', String(DEFAULT_WORKER_LIMITS.timeoutMs)),
  flag('admissionWorkerHeapMb', 'MIB', "each worker's heap limit; an admission that needs more is refused and its worker replaced", String(DEFAULT_WORKER_LIMITS.heapMb)),
  {
    key: 'decisionEvents',
    long: 'decisionEvents',
    env: [ENV_VARS.decisionEvents],
    help: "a Kubernetes Event on the pod's owner for each skip decision (reason InjectionSkipped<Reason>), at most one per owner and reason per 5 minutes and 1/s overall (burst 25); needs create on events",
  },
  flag('coverageInterval', 'SECONDS', 'run the coverage controller every SECONDS (one replica, by a Lease): gauges sidecar_kit_coverage_pods and Coverage<State> Events on the pods; 0: off', '0'),
  { key: 'coverageRecreate', long: 'coverageRecreate', env: [ENV_VARS.coverageRecreate], help: 'with --coverageInterval: recreate missingSidecar and stale pods through their owners (rollout restart, delete a bare ReplicaSet\'s pod); never a pod without an owner' },
  flag('coverageMaxRecreations', 'N', 'with --coverageRecreate: at most N recreations per pass', '1'),
];

export const spec: CommandSpec = {
  name: 'webhook',
  summary: 'serve the sidecar injection admission webhook over HTTPS',
  usage: ['--self-signed [flags]', '--tlsCertFile FILE --tlsKeyFile FILE [flags]'],
  description:
    "Serve Istio's sidecar injection admission webhook (POST /inject, AdmissionReview v1) over\n" +
    'HTTPS, with /metrics, /ready and /healthz on the monitoring port. Configuration files\n' +
    'hot-reload; SIGTERM drains in-flight requests. Start-up errors print `error: …` and exit 1.',
  flags: FLAGS,
  environment: [
    { name: 'ENABLE_NATIVE_SIDECARS', help: 'auto, true or false: istio-proxy as a native sidecar (auto: when every node runs Kubernetes >= 1.33)', default: ISTIOD_ENV_DEFAULTS.ENABLE_NATIVE_SIDECARS },
    { name: 'COMPLIANCE_POLICY', help: 'passed to the proxy as COMPLIANCE_POLICY (e.g. fips-140-3)' },
    { name: 'PLATFORM', help: 'openshift: proxy UID/GID from the namespace range' },
    { name: 'CLUSTER_ID', help: "this cluster's ID: pods injected for another cluster (URL `cluster` override or values.global.multiCluster.clusterName) get no node or namespace facts, as in istiod", default: 'Kubernetes' },
  ],
  examples: [
    { comment: 'locally, with a self-signed certificate and the built-in defaults', command: 'sidecar-kit webhook --self-signed --caOutFile ca.pem' },
    { comment: 'as the chart runs it: configuration from a mounted ConfigMap, certificate files', command: 'sidecar-kit webhook --configDir /etc/istio/inject --tlsCertFile /certs/tls.crt --tlsKeyFile /certs/tls.key' },
  ],
};

const port = (name: string) =>
  z.coerce.number({ error: () => `${name}: must be a port number` }).int(`${name}: must be an integer`).min(0, `${name}: must be 0-65535`).max(65535, `${name}: must be 0-65535`);

const count = (name: string | undefined, min: number) =>
  z.coerce.number({ error: () => `${name}: must be a number` }).int(`${name}: must be an integer`).min(min, `${name}: must be at least ${min}`).max(Number.MAX_SAFE_INTEGER, `${name}: too large`);

/** Parses argv (without the command name) and the environment. Throws OptionsError. */
export function parseWebhookOptions(argv: readonly string[], env: NodeJS.ProcessEnv): WebhookOptions {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv, FLAGS);
    noPositionals(parsed);
  } catch (err) {
    if (err instanceof UsageError) throw new OptionsError(err.message);
    throw err;
  }
  const raw: Record<string, string | undefined> = {};
  const origin: Record<string, string> = {};
  for (const f of FLAGS) {
    if (f.key === 'selfSigned' || f.key === 'decisionEvents' || f.key === 'coverageRecreate') continue;
    const v = flagValue(parsed, f, env);
    raw[f.key] = v?.text ?? (f.default !== undefined && !f.default.includes('<') ? f.default : undefined);
    origin[f.key] = v?.from ?? `--${f.key}`;
  }
  const [istiodProblem] = parseIstiodEnvironment(env).problems;
  if (istiodProblem !== undefined) throw new OptionsError(istiodProblem);
  const selfSignedFlag = FLAGS.find((f) => f.key === 'selfSigned') as WebhookFlag;
  const selfSignedValue = flagValue(parsed, selfSignedFlag, env);
  const selfSigned = selfSignedValue === undefined ? false : parseGoBool(selfSignedValue.text);
  if (selfSigned === undefined) throw new OptionsError(`${selfSignedValue?.from}: must be true or false, got "${selfSignedValue?.text}"`);
  const eventsFlag = FLAGS.find((f) => f.key === 'decisionEvents') as WebhookFlag;
  const eventsValue = flagValue(parsed, eventsFlag, env);
  const decisionEvents = eventsValue === undefined ? false : parseGoBool(eventsValue.text);
  if (decisionEvents === undefined) throw new OptionsError(`${eventsValue?.from}: must be true or false, got "${eventsValue?.text}"`);
  const recreateFlag = FLAGS.find((f) => f.key === 'coverageRecreate') as WebhookFlag;
  const recreateValue = flagValue(parsed, recreateFlag, env);
  const coverageRecreate = recreateValue === undefined ? false : parseGoBool(recreateValue.text);
  if (coverageRecreate === undefined) throw new OptionsError(`${recreateValue?.from}: must be true or false, got "${recreateValue?.text}"`);
  const revision = raw.revision ?? '';
  const suffix = revision && revision !== 'default' ? `-${revision}` : '';
  const schema = z.object({
    port: port(origin.port ?? '--port'),
    monitoringPort: port(origin.monitoringPort ?? '--monitoringPort'),
    shutdownTimeoutSeconds: z.coerce.number({ error: () => `${origin.shutdownTimeoutSeconds}: must be a number` }).min(0, `${origin.shutdownTimeoutSeconds}: must not be negative`),
    injectionCacheSize: z.coerce.number({ error: () => `${origin.injectionCacheSize}: must be a number` }).int(`${origin.injectionCacheSize}: must be an integer`).min(0, `${origin.injectionCacheSize}: must not be negative`),
    injectionCacheBytes: z.coerce.number({ error: () => `${origin.injectionCacheBytes}: must be a number` }).int(`${origin.injectionCacheBytes}: must be an integer`).min(0, `${origin.injectionCacheBytes}: must not be negative`),
    admissionWorkers: count(origin.admissionWorkers, 0),
    admissionWorkerMinBytes: count(origin.admissionWorkerMinBytes, 0),
    admissionWorkerQueue: count(origin.admissionWorkerQueue, 0),
    admissionWorkerTimeoutMs: count(origin.admissionWorkerTimeoutMs, 1),
    admissionWorkerHeapMb: count(origin.admissionWorkerHeapMb, 16),
    coverageInterval: z.coerce.number({ error: () => `${origin.coverageInterval}: must be a number` }).int(`${origin.coverageInterval}: must be a whole number of seconds`).min(0, `${origin.coverageInterval}: must not be negative`),
    coverageMaxRecreations: z.coerce.number({ error: () => `${origin.coverageMaxRecreations}: must be a number` }).int(`${origin.coverageMaxRecreations}: must be an integer`).min(1, `${origin.coverageMaxRecreations}: must be at least 1`),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { error: () => `${origin.logLevel}: must be one of trace, debug, info, warn, error, fatal, silent` }),
  });
  const checked = schema.safeParse(raw);
  if (!checked.success) throw new OptionsError(checked.error.issues[0]?.message ?? 'invalid option');
  const opts: WebhookOptions = {
    ...checked.data,
    listenAddress: raw.listenAddress ?? '0.0.0.0',
    tlsCertFile: raw.tlsCertFile,
    tlsKeyFile: raw.tlsKeyFile,
    selfSigned,
    decisionEvents,
    coverageRecreate,
    caOutFile: raw.caOutFile,
    valuesFile: raw.valuesFile,
    meshConfigFile: raw.meshConfigFile,
    injectConfigFile: raw.injectConfigFile,
    configDir: raw.configDir,
    revision,
    webhookConfigName: raw.webhookConfigName ?? `istio-sidecar-injector${suffix}`,
    serviceName: raw.serviceName ?? `istiod${suffix}`,
    caSecretName: raw.caSecretName ?? `${raw.serviceName ?? `istiod${suffix}`}-ca`,
    serviceNamespace: raw.serviceNamespace ?? 'istio-system',
    kubeconfig: raw.kubeconfig,
  };
  checkTls(opts);
  if (opts.coverageRecreate && opts.coverageInterval === 0) throw new OptionsError(`${recreateValue?.from ?? '--coverageRecreate'}: needs --coverageInterval above 0 (the coverage controller)`);
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(opts.caSecretName)) {
    const from = raw.caSecretName === undefined ? '--caSecretName (derived from --serviceName)' : origin.caSecretName;
    throw new OptionsError(`${from}: "${opts.caSecretName}" is not a valid Secret name (lower-case DNS subdomain)`);
  }
  return Object.freeze(opts);
}

function checkTls(o: WebhookOptions): void {
  const files = o.tlsCertFile !== undefined || o.tlsKeyFile !== undefined;
  if (o.selfSigned && files) throw new OptionsError('--self-signed cannot be combined with --tlsCertFile/--tlsKeyFile');
  if (!o.selfSigned && !files) throw new OptionsError('a serving certificate is required: --tlsCertFile and --tlsKeyFile, or --self-signed');
  if (files && (o.tlsCertFile === undefined || o.tlsKeyFile === undefined)) {
    throw new OptionsError(`--tlsCertFile and --tlsKeyFile go together (missing ${o.tlsCertFile === undefined ? '--tlsCertFile' : '--tlsKeyFile'})`);
  }
  if (o.caOutFile !== undefined && !o.selfSigned) throw new OptionsError('--caOutFile only makes sense with --self-signed');
}
