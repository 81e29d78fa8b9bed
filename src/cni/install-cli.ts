/**
 * `sidecar-kit cni-install`: the DaemonSet installer, and `cni-install merge-conflist`, the
 * pure merge on two files (the conformance contract). Flags fall back to Istio's install-cni
 * environment variables; a bad value names the flag or the variable it came from.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ExitCode,
  flagValue,
  HELP,
  noPositionals,
  parseArgs,
  parseCommandLine,
  parseGoBool,
  reportFailure,
  UsageError,
  type CommandSpec,
  type FlagSpec,
  type ParsedArgs,
} from '../cli-kit/convention.js';
import { agentConfigSchema, installConfigSchema, LOG_LEVELS, type AgentConfig, type InstallConfigInput, type LogLevel } from '../core/config/cni.js';
import { mergeConflist } from '../core/cni/conflist.js';
import { inClusterServer } from '../core/cni/kubeconfig.js';
import { describeFsError } from '../core/format/fs-error.js';
import { goJsonIndent } from '../core/format/go-json.js';
import { runAgent } from './agent.js';
import { runInstaller } from './installer.js';
import { createLogger } from './log.js';

const render = (v: unknown): string => `${goJsonIndent(v)}\n`;

function readJsonFile(path: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${flag}: ${path}: ${describeFsError(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${flag}: ${path}: not JSON: ${(err as Error).message}`);
  }
}

const EXISTING: FlagSpec = { long: 'existing', value: 'FILE', help: "the node's .conf/.conflist (required)" };
const PLUGIN_CONFIG: FlagSpec = { long: 'plugin-config', value: 'FILE', help: 'our plugin entry, a JSON object (required)' };

export const mergeSpec: CommandSpec = {
  name: 'cni-install merge-conflist',
  summary: 'print the node CNI configuration with our plugin entry chained in',
  usage: ['--existing FILE --plugin-config FILE'],
  description:
    'Print the node CNI configuration with our plugin entry chained in at the end, as the installer\n' +
    'writes it (a .conf becomes a .conflist), in Go encoding/json MarshalIndent form. Reads only.',
  flags: [EXISTING, PLUGIN_CONFIG],
  examples: [{ comment: 'what the installer would write into 10-bridge.conflist', command: 'sidecar-kit cni-install merge-conflist --existing /etc/cni/net.d/10-bridge.conflist --plugin-config entry.json' }],
};

async function mergeCommand(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(mergeSpec, () => {
    const parsed = parseArgs(args, mergeSpec.flags);
    if (parsed.help) return HELP;
    noPositionals(parsed);
    const required = (f: FlagSpec): string => {
      const v = flagValue(parsed, f, {});
      if (v === undefined) throw new UsageError(`--${f.long} is required`);
      return v.text;
    };
    return [required(EXISTING), required(PLUGIN_CONFIG)] as const;
  });
  if (cl.exit !== undefined) return cl.exit;
  const [existing, pluginConfig] = cl.value;
  try {
    const merged = mergeConflist(readJsonFile(existing, '--existing'), readJsonFile(pluginConfig, '--plugin-config'));
    process.stdout.write(render(merged));
    return ExitCode.ok;
  } catch (err) {
    return reportFailure((err as Error).message);
  }
}

/** Istio's install-cni booleans (viper/cast): 1, t, true, yes and 0, f, false, no in any case. */
const bool = (v: string): boolean => {
  if (/^(1|t|true|yes)$/i.test(v)) return true;
  if (/^(0|f|false|no)$/i.test(v)) return false;
  throw new Error('expected true or false');
};
const int = (v: string): number => {
  if (!/^[0-9]+$/.test(v)) throw new Error('expected a whole number');
  return Number(v);
};
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '');
const decimal = (v: string): number => {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v)) throw new Error('expected a number such as 2 or 0.5');
  return Number(v);
};
const logLevel = (v: string): LogLevel => {
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new Error(`expected one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
};

interface InstallFlag extends FlagSpec {
  /** The InstallFlags field it sets. */
  readonly key: keyof InstallFlags;
  readonly parse?: (v: string) => unknown;
}

/** Defaults shown here are the schema's (installConfigSchema); a test keeps them equal. */
export const INSTALL_FLAGS: readonly InstallFlag[] = [
  { key: 'mountedCniNetDir', long: 'mounted-cni-net-dir', value: 'DIR', env: ['MOUNTED_CNI_NET_DIR'], default: '/host/etc/cni/net.d', help: "the node's CNI config directory, as mounted" },
  { key: 'cniConfName', long: 'cni-conf-name', value: 'FILE', env: ['CNI_CONF_NAME'], help: 'config file to chain into (default: the first valid one)' },
  { key: 'chainedCniPlugin', long: 'chained-cni-plugin', value: 'true|false', env: ['CHAINED_CNI_PLUGIN'], default: 'true', help: 'chain into the existing config (false: write our own file)', parse: bool },
  { key: 'mountedCniBinDir', long: 'mounted-cni-bin-dir', value: 'DIR', env: ['MOUNTED_CNI_BIN_DIR'], default: '/host/opt/cni/bin', help: "the node's CNI bin directory, as mounted" },
  { key: 'pluginBinary', long: 'plugin-binary', value: 'FILE', env: ['CNI_PLUGIN_BINARY'], help: 'the plugin executable to copy (default: istio-cni next to the CLI bundle)' },
  { key: 'cniAgentRunDir', long: 'cni-agent-run-dir', value: 'DIR', env: ['CNI_AGENT_RUN_DIR'], default: '/var/run/istio-cni', help: "run directory for the plugin's kubeconfig" },
  { key: 'pluginLogLevel', long: 'plugin-log-level', value: 'LEVEL', env: ['PLUGIN_LOG_LEVEL'], default: 'warn', help: `the plugin's log level: ${LOG_LEVELS.join(', ')}` },
  { key: 'pluginLogFile', long: 'plugin-log-file', value: 'FILE', env: ['PLUGIN_LOG_FILE'], help: 'the plugin also appends its log here' },
  { key: 'excludeNamespaces', long: 'exclude-namespaces', value: 'LIST', env: ['EXCLUDE_NAMESPACES'], default: 'kube-system', help: 'namespaces the plugin leaves alone, comma list', parse: list },
  { key: 'podNamespace', long: 'pod-namespace', value: 'NS', env: ['POD_NAMESPACE'], default: '', help: "the installer's own namespace" },
  { key: 'nativeNftables', long: 'native-nftables', value: 'true|false', env: ['NATIVE_NFTABLES'], default: 'false', help: 'program native nftables instead of iptables', parse: bool },
  { key: 'podAnnotations', long: 'pod-annotations', value: 'true|false', env: ['CNI_POD_ANNOTATIONS'], default: 'true', help: 'declare the io.kubernetes.cri.pod-annotations capability', parse: bool },
  { key: 'serviceAccountDir', long: 'service-account-dir', value: 'DIR', env: ['SERVICE_ACCOUNT_DIR'], default: '/var/run/secrets/kubernetes.io/serviceaccount', help: "token and ca.crt for the plugin's kubeconfig" },
  { key: 'kubeApiServer', long: 'kube-api-server', value: 'URL', env: ['KUBE_API_SERVER'], help: 'API server URL (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)' },
  { key: 'kubeInsecureSkipTlsVerify', long: 'kube-insecure-skip-tls-verify', value: 'true|false', env: ['KUBE_INSECURE_SKIP_TLS_VERIFY'], default: 'false', help: 'do not verify the API server certificate (test clusters)', parse: bool },
  { key: 'podLookupAttempts', long: 'pod-lookup-attempts', value: 'N', env: ['POD_LOOKUP_ATTEMPTS'], default: '30', help: 'pod GET attempts of the plugin', parse: int },
  { key: 'podLookupIntervalMs', long: 'pod-lookup-interval-ms', value: 'MS', env: ['POD_LOOKUP_INTERVAL_MS'], default: '1000', help: 'pause between pod GET attempts', parse: int },
  { key: 'logLevel', long: 'log-level', value: 'LEVEL', env: ['LOG_LEVEL'], default: 'info', help: `the installer's own log level: ${LOG_LEVELS.join(', ')}`, parse: logLevel },
  { key: 'once', long: 'once', help: 'install and exit instead of watching until SIGTERM' },
];

const AGENT = 'Node agent (DaemonSet; not with --once)';

interface AgentFlag extends FlagSpec {
  /** Dotted path into AgentConfig (`repair.qps`), or a mode switch resolved by repairMode. */
  readonly key: string;
  readonly parse?: (v: string) => unknown;
}

/** Defaults shown here are agentConfigSchema's; a test keeps them equal. Istio's REPAIR_* names where it has them. */
export const AGENT_FLAGS: readonly AgentFlag[] = [
  { key: 'nodeName', long: 'node-name', value: 'NAME', env: ['NODE_NAME', 'REPAIR_NODE_NAME'], group: AGENT, help: "this node (the pod's spec.nodeName); the repair, the taint and the shutdown check need it" },
  { key: 'monitoringPort', long: 'monitoring-port', value: 'PORT', env: ['MONITORING_PORT'], default: '15014', group: AGENT, help: '/metrics, /readyz (plugin in place), /healthz over plain HTTP; 0: none', parse: int },
  { key: 'repair.enabled', long: 'repair-enabled', value: 'true|false', env: ['REPAIR_ENABLED'], default: 'true', group: AGENT, help: "repair this node's pods that started without capture", parse: bool },
  { key: '~deletePods', long: 'repair-delete-pods', value: 'true|false', env: ['REPAIR_DELETE_PODS'], default: 'true', group: AGENT, help: 'repair by deleting the pod (its controller makes a new one)', parse: bool },
  { key: '~labelPods', long: 'repair-label-pods', value: 'true|false', env: ['REPAIR_LABEL_PODS'], default: 'false', group: AGENT, help: 'repair by labelling the pod instead (exclusive with deleting)', parse: bool },
  { key: 'repair.deleteUnownedPods', long: 'repair-delete-unowned-pods', value: 'true|false', env: ['REPAIR_DELETE_UNOWNED_PODS'], default: 'false', group: AGENT, help: 'also delete pods no controller owns', parse: bool },
  { key: 'repair.labelKey', long: 'repair-broken-pod-label-key', value: 'KEY', env: ['REPAIR_BROKEN_POD_LABEL_KEY'], default: 'cni.istio.io/uninitialized', group: AGENT, help: 'label key of a broken pod (label mode)' },
  { key: 'repair.labelValue', long: 'repair-broken-pod-label-value', value: 'VALUE', env: ['REPAIR_BROKEN_POD_LABEL_VALUE'], default: 'true', group: AGENT, help: 'label value of a broken pod (label mode)' },
  { key: 'repair.sidecarAnnotation', long: 'repair-sidecar-annotation', value: 'KEY', env: ['REPAIR_SIDECAR_ANNOTATION'], default: 'sidecar.istio.io/status', group: AGENT, help: 'only pods with this annotation' },
  { key: 'repair.initContainerName', long: 'repair-init-container-name', value: 'NAME', env: ['REPAIR_INIT_CONTAINER_NAME'], default: 'istio-validation', group: AGENT, help: 'the capture check init container' },
  { key: 'repair.initExitCode', long: 'repair-init-container-exit-code', value: 'N', env: ['REPAIR_INIT_CONTAINER_EXIT_CODE'], default: '126', group: AGENT, help: 'its exit code without capture (0: any failure)', parse: int },
  { key: 'repair.initTerminationMessage', long: 'repair-init-container-termination-message', value: 'TEXT', env: ['REPAIR_INIT_CONTAINER_TERMINATION_MESSAGE'], group: AGENT, help: 'its termination message without capture (default: any)' },
  { key: 'repair.labelSelectors', long: 'repair-label-selectors', value: 'SELECTOR', env: ['REPAIR_LABEL_SELECTORS'], group: AGENT, help: 'only pods matching this label selector' },
  { key: 'repair.fieldSelectors', long: 'repair-field-selectors', value: 'SELECTOR', env: ['REPAIR_FIELD_SELECTORS'], group: AGENT, help: 'only pods matching this field selector' },
  { key: 'repair.qps', long: 'repair-qps', value: 'N', env: ['REPAIR_QPS'], default: '1', group: AGENT, help: 'repairs per second at most (after the burst)', parse: decimal },
  { key: 'repair.burst', long: 'repair-burst', value: 'N', env: ['REPAIR_BURST'], default: '10', group: AGENT, help: 'repairs allowed at once', parse: int },
  { key: 'removeNodeTaint', long: 'remove-node-taint', value: 'true|false', env: ['REMOVE_NODE_TAINT'], default: 'false', group: AGENT, help: "remove the readiness taint from this node once the plugin is in place", parse: bool },
  { key: 'nodeTaintKey', long: 'node-taint-key', value: 'KEY', env: ['NODE_TAINT_KEY'], default: 'cni.istio.io/not-ready', group: AGENT, help: 'the readiness taint' },
  { key: 'keepPluginOnRestart', long: 'keep-plugin-on-restart', value: 'true|false', env: ['KEEP_PLUGIN_ON_RESTART'], default: 'true', group: AGENT, help: 'at shutdown, leave the plugin in place while the DaemonSet still targets this node', parse: bool },
  { key: 'daemonSetName', long: 'daemonset-name', value: 'NAME', env: ['DAEMONSET_NAME'], group: AGENT, help: 'this DaemonSet (in --pod-namespace), for that check' },
];

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = (target[head] ??= {}) as Record<string, unknown>;
  setPath(child, rest.join('.'), value);
}

/** Istio's two switches (deletePods, labelPods) as one mode; both on is refused. */
function repairMode(del: boolean | undefined, label: boolean | undefined): 'delete' | 'label' | 'none' {
  if (del === true && label === true) throw new UsageError('--repair-delete-pods and --repair-label-pods are exclusive: set one of them to false');
  if (label === true) return 'label';
  return del === false ? 'none' : 'delete';
}

/** Agent flags and variables into AgentConfig; a bad value is a UsageError naming its source. */
export function agentSettings(parsed: ParsedArgs, env: NodeJS.ProcessEnv): AgentConfig {
  const input: Record<string, unknown> = {};
  const from = new Map<string, string>();
  const switches: { deletePods?: boolean; labelPods?: boolean } = {};
  for (const f of AGENT_FLAGS) {
    const v = flagValue(parsed, f, env);
    if (v === undefined) continue;
    let value: unknown = v.text;
    try {
      if (f.parse) value = f.parse(v.text);
    } catch (err) {
      throw new UsageError(`${v.from}: ${JSON.stringify(v.text)}: ${(err as Error).message}`);
    }
    if (f.key.startsWith('~')) switches[f.key.slice(1) as 'deletePods' | 'labelPods'] = value as boolean;
    else {
      setPath(input, f.key, value);
      from.set(f.key, v.from);
    }
  }
  setPath(input, 'repair.mode', repairMode(switches.deletePods, switches.labelPods));
  const r = agentConfigSchema.safeParse(input);
  if (r.success) return r.data;
  throw new UsageError(
    r.error.issues
      .map((i) => {
        const key = i.path.map(String).join('.');
        const f = AGENT_FLAGS.find((x) => x.key === key);
        return `${from.get(key) ?? (f ? `--${f.long}` : key)}: ${i.message}`;
      })
      .join('; '),
  );
}

export const spec: CommandSpec = {
  name: 'cni-install',
  summary: 'install the chained CNI plugin on a node (a DaemonSet container); merge-conflist prints a merge',
  usage: ['[flags]', 'merge-conflist --existing FILE --plugin-config FILE'],
  description:
    "Install the istio-cni plugin on this node: copy the executable into the node's CNI bin\n" +
    "directory, write its kubeconfig, chain it into the node's CNI configuration and keep all three\n" +
    'in place until SIGTERM. Meanwhile, as a node agent: serve /metrics and /readyz, repair pods of\n' +
    'this node that started without capture (their istio-validation failed: deleted, or labelled),\n' +
    "and remove the node's readiness taint once the plugin is in place. At SIGTERM the plugin stays\n" +
    'while the DaemonSet still targets this node (a restart), else it is removed (an uninstall).\n' +
    "Meant for the chart's DaemonSet (cni.enabled=true); docs/cni.md.",
  flags: [...INSTALL_FLAGS, ...AGENT_FLAGS],
  subcommands: [{ name: 'merge-conflist', summary: mergeSpec.summary }],
  examples: [
    { comment: 'what the DaemonSet runs (settings from the environment)', command: 'sidecar-kit cni-install' },
    { comment: 'install once into test directories and exit (in a pod: the API server comes from the environment)', command: 'sidecar-kit cni-install --mounted-cni-net-dir /tmp/net.d --mounted-cni-bin-dir /tmp/bin --once' },
    { comment: 'print a merge without installing', command: 'sidecar-kit cni-install merge-conflist --existing 10-bridge.conflist --plugin-config entry.json' },
  ],
};

interface InstallFlags {
  mountedCniNetDir?: string;
  cniConfName?: string;
  chainedCniPlugin?: boolean;
  mountedCniBinDir?: string;
  pluginBinary?: string;
  cniAgentRunDir?: string;
  pluginLogLevel?: string;
  pluginLogFile?: string;
  excludeNamespaces?: string[];
  podNamespace?: string;
  nativeNftables?: boolean;
  podAnnotations?: boolean;
  serviceAccountDir?: string;
  kubeApiServer?: string;
  kubeInsecureSkipTlsVerify?: boolean;
  podLookupAttempts?: number;
  podLookupIntervalMs?: number;
  logLevel?: LogLevel;
  once?: boolean;
}

/** Flags and variables into InstallFlags; a bad value is a UsageError naming its source. */
function installFlags(parsed: ParsedArgs, env: NodeJS.ProcessEnv): { flags: InstallFlags; from: ReadonlyMap<string, string> } {
  const flags: Record<string, unknown> = {};
  const from = new Map<string, string>();
  for (const f of INSTALL_FLAGS) {
    const v = flagValue(parsed, f, env);
    if (v === undefined) continue;
    from.set(f.key, v.from);
    if (!f.value) flags[f.key] = parseGoBool(v.text) === true;
    else if (!f.parse) flags[f.key] = v.text;
    else {
      try {
        flags[f.key] = f.parse(v.text);
      } catch (err) {
        throw new UsageError(`${v.from}: ${JSON.stringify(v.text)}: ${(err as Error).message}`);
      }
    }
  }
  return { flags: flags as InstallFlags, from };
}

function toInput(f: InstallFlags): InstallConfigInput {
  const { pluginLogFile, podLookupAttempts, podLookupIntervalMs, logLevel: _own, ...rest } = f;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    ...defined,
    // The plugin executable ships next to the CLI bundle (dist/istio-cni).
    pluginBinary: f.pluginBinary ?? join(dirname(process.argv[1] ?? '.'), 'istio-cni'),
    kubeApiServer: f.kubeApiServer ?? inClusterServer(process.env.KUBERNETES_SERVICE_HOST, process.env.KUBERNETES_SERVICE_PORT) ?? '',
    pluginExtensions: {
      ...(pluginLogFile !== undefined ? { log_file: pluginLogFile } : {}),
      ...(podLookupAttempts !== undefined ? { pod_lookup_attempts: podLookupAttempts } : {}),
      ...(podLookupIntervalMs !== undefined ? { pod_lookup_interval_ms: podLookupIntervalMs } : {}),
    },
  } as InstallConfigInput;
}

async function installMain(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => {
    const parsed = parseArgs(args, spec.flags);
    if (parsed.help) return HELP;
    noPositionals(parsed);
    const read = installFlags(parsed, process.env);
    const agent: AgentConfig = agentSettings(parsed, process.env);
    const flags: InstallFlags = read.flags;
    if (flags.kubeApiServer === undefined && inClusterServer(process.env.KUBERNETES_SERVICE_HOST, process.env.KUBERNETES_SERVICE_PORT) === undefined) {
      throw new UsageError('--kube-api-server is required outside a pod (no KUBE_API_SERVER, no KUBERNETES_SERVICE_HOST/PORT)');
    }
    const result = installConfigSchema.safeParse(toInput(flags));
    if (!result.success) {
      // Name the flag (or the variable) the value came from, not the schema key.
      const text = result.error.issues
        .map((i) => {
          const key = String(i.path[i.path[0] === 'pluginExtensions' ? 1 : 0] ?? '');
          const camel = key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()).replace(/^logFile$/, 'pluginLogFile');
          const f = INSTALL_FLAGS.find((x) => x.key === camel);
          return `${read.from.get(camel) ?? (f ? `--${f.long}` : key)}: ${i.message}`;
        })
        .join('; ');
      throw new UsageError(text);
    }
    return { flags, agent, config: result.data };
  });
  if (cl.exit !== undefined) return cl.exit;
  const { flags, agent, config } = cl.value;
  const logger = createLogger({ level: flags.logLevel ?? 'info' });
  const controller = new AbortController();
  const stop = (sig: string) => {
    logger.info('shutting down', { signal: sig });
    controller.abort();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (config.once) await runInstaller(config, { logger, render }, { signal: controller.signal });
  else {
    if (/^(1|t|true)$/i.test(process.env.REPAIR_REPAIR_PODS ?? '')) logger.warn('REPAIR_REPAIR_PODS (Istio\'s in-place repair) is not supported: broken pods are deleted or labelled (docs/cni.md)');
    await runAgent(config, agent, { logger, render }, { signal: controller.signal });
  }
  return ExitCode.ok;
}

export async function run(args: readonly string[]): Promise<number> {
  try {
    if (args[0] === 'merge-conflist') return await mergeCommand(args.slice(1));
    return await installMain(args);
  } catch (err) {
    return reportFailure((err as Error).message);
  }
}
