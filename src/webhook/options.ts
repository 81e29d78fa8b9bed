/**
 * `sidecar-kit webhook` flags and their environment variables, parsed once at the edge into a
 * frozen, validated options object. A flag beats its env var, which beats the default. Errors
 * name the flag (and the env var when the value came from there).
 */
import { Command, Option } from 'commander';
import { z } from 'zod';

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
} as const satisfies Record<keyof WebhookOptions, string>;

export class OptionsError extends Error {
  readonly code = 'WEBHOOK_BAD_OPTION';
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

const FLAGS: readonly { key: keyof WebhookOptions; flag: string; help: string; def?: string }[] = [
  { key: 'port', flag: '--port <port>', help: 'HTTPS port of the webhook', def: '15017' },
  { key: 'monitoringPort', flag: '--monitoringPort <port>', help: 'plain HTTP port for /metrics, /ready, /healthz', def: '15014' },
  { key: 'listenAddress', flag: '--listenAddress <addr>', help: 'address both servers bind to', def: '0.0.0.0' },
  { key: 'tlsCertFile', flag: '--tlsCertFile <file>', help: 'serving certificate (PEM), reloaded on change' },
  { key: 'tlsKeyFile', flag: '--tlsKeyFile <file>', help: 'serving key (PEM), reloaded on change' },
  { key: 'caOutFile', flag: '--caOutFile <file>', help: 'with --self-signed: also write the CA bundle (PEM) here' },
  { key: 'caSecretName', flag: '--caSecretName <name>', help: 'with --self-signed: Secret (in --serviceNamespace) holding the CA shared by the replicas, created if absent (default <serviceName>-ca)' },
  { key: 'valuesFile', flag: '--valuesFile <file>', help: 'Helm values (the injector ConfigMap `values` key)' },
  { key: 'meshConfigFile', flag: '--meshConfigFile <file>', help: 'mesh config (the istio ConfigMap `mesh` key)' },
  { key: 'injectConfigFile', flag: '--injectConfigFile <file>', help: 'injector config (the injector ConfigMap `config` key)' },
  { key: 'configDir', flag: '--configDir <dir>', help: 'a mounted ConfigMap: files `config`, `values`, `mesh`' },
  { key: 'revision', flag: '--revision <rev>', help: 'control plane revision', def: '' },
  { key: 'webhookConfigName', flag: '--webhookConfigName <name>', help: 'MutatingWebhookConfiguration whose caBundle --self-signed keeps (default istio-sidecar-injector[-<revision>])' },
  { key: 'serviceName', flag: '--serviceName <name>', help: 'Service in front of the webhook, for the self-signed certificate (default istiod[-<revision>])' },
  { key: 'serviceNamespace', flag: '--serviceNamespace <ns>', help: 'namespace of that Service', def: 'istio-system' },
  { key: 'kubeconfig', flag: '--kubeconfig <file>', help: 'kubeconfig; default: in-cluster service account, if any' },
  { key: 'logLevel', flag: '--logLevel <level>', help: 'trace, debug, info, warn, error, fatal', def: 'info' },
  { key: 'shutdownTimeoutSeconds', flag: '--shutdownTimeoutSeconds <s>', help: 'on SIGTERM, how long in-flight requests may take', def: '25' },
  { key: 'injectionCacheSize', flag: '--injectionCacheSize <n>', help: 'admission outcomes remembered for identical pods (replicas); 0 disables', def: '256' },
  { key: 'injectionCacheBytes', flag: '--injectionCacheBytes <bytes>', help: 'bytes the remembered outcomes may take at most (approximately); 0 disables the memo', def: String(64 * 1024 * 1024) },
];

const port = (name: string) =>
  z.coerce.number({ error: () => `${name}: must be a port number` }).int(`${name}: must be an integer`).min(0, `${name}: must be 0-65535`).max(65535, `${name}: must be 0-65535`);

export function webhookCommand(): Command {
  const cmd = new Command('webhook')
    .description('serve the sidecar injection admission webhook over HTTPS')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) })
    .allowExcessArguments(false);
  for (const f of FLAGS) cmd.addOption(new Option(f.flag, `${f.help} [env ${ENV_VARS[f.key]}]`));
  cmd.addOption(new Option('--self-signed', `serving certificate from a CA shared through a Secret (generated if absent), renewed in-process; the CA kept in the MutatingWebhookConfiguration [env ${ENV_VARS.selfSigned}=true]`));
  return cmd;
}

/** Parses argv (without the command name) and the environment. Throws OptionsError. */
export function parseWebhookOptions(argv: readonly string[], env: NodeJS.ProcessEnv): WebhookOptions {
  const cmd = webhookCommand();
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    throw new OptionsError((err as Error).message.replace(/^error: /, ''));
  }
  const flags = cmd.opts<Record<string, string | boolean | undefined>>();
  const raw: Record<string, string | undefined> = {};
  const origin: Record<string, string> = {};
  for (const f of FLAGS) {
    const fromFlag = flags[f.key];
    const fromEnv = env[ENV_VARS[f.key]];
    raw[f.key] = typeof fromFlag === 'string' ? fromFlag : fromEnv !== undefined && fromEnv !== '' ? fromEnv : f.def;
    origin[f.key] = typeof fromFlag === 'string' ? `--${f.key}` : fromEnv ? `${ENV_VARS[f.key]} (--${f.key})` : `--${f.key}`;
  }
  const selfSignedEnv = env[ENV_VARS.selfSigned];
  if (selfSignedEnv !== undefined && selfSignedEnv !== '' && !/^(true|false|1|0)$/i.test(selfSignedEnv)) {
    throw new OptionsError(`${ENV_VARS.selfSigned}: must be true or false, got "${selfSignedEnv}"`);
  }
  const selfSigned = flags.selfSigned === true || /^(true|1)$/i.test(selfSignedEnv ?? '');
  const revision = raw.revision ?? '';
  const suffix = revision && revision !== 'default' ? `-${revision}` : '';
  const schema = z.object({
    port: port(origin.port ?? '--port'),
    monitoringPort: port(origin.monitoringPort ?? '--monitoringPort'),
    shutdownTimeoutSeconds: z.coerce.number({ error: () => `${origin.shutdownTimeoutSeconds}: must be a number` }).min(0, `${origin.shutdownTimeoutSeconds}: must not be negative`),
    injectionCacheSize: z.coerce.number({ error: () => `${origin.injectionCacheSize}: must be a number` }).int(`${origin.injectionCacheSize}: must be an integer`).min(0, `${origin.injectionCacheSize}: must not be negative`),
    injectionCacheBytes: z.coerce.number({ error: () => `${origin.injectionCacheBytes}: must be a number` }).int(`${origin.injectionCacheBytes}: must be an integer`).min(0, `${origin.injectionCacheBytes}: must not be negative`),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { error: () => `${origin.logLevel}: must be one of trace, debug, info, warn, error, fatal, silent` }),
  });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new OptionsError(parsed.error.issues[0]?.message ?? 'invalid option');
  const opts: WebhookOptions = {
    ...parsed.data,
    listenAddress: raw.listenAddress ?? '0.0.0.0',
    tlsCertFile: raw.tlsCertFile,
    tlsKeyFile: raw.tlsKeyFile,
    selfSigned,
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
