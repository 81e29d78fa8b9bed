/**
 * `sidecar-kit cni-install`: the DaemonSet installer, and `cni-install merge-conflist`, the
 * pure merge on two files (the conformance contract). Flags fall back to Istio's install-cni
 * environment variables.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { installConfigSchema, type InstallConfigInput } from '../config/cni.js';
import { mergeConflist } from '../core/cni/conflist.js';
import { inClusterServer } from '../core/cni/kubeconfig.js';
import { goJsonIndent } from '../core/format/go-json.js';
import { runInstaller } from './installer.js';
import { createLogger } from './log.js';

const render = (v: unknown): string => `${goJsonIndent(v)}\n`;

function readJsonFile(path: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${flag} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${flag} ${path}: not JSON: ${(err as Error).message}`);
  }
}

async function mergeCommand(args: readonly string[]): Promise<number> {
  const cmd = new Command('merge-conflist')
    .description('print the node CNI configuration with our plugin entry chained in')
    .requiredOption('--existing <file>', 'the node .conf/.conflist')
    .requiredOption('--plugin-config <file>', 'our plugin entry (JSON object)')
    .exitOverride();
  cmd.parse(args, { from: 'user' });
  const o = cmd.opts<{ existing: string; pluginConfig: string }>();
  const merged = mergeConflist(readJsonFile(o.existing, '--existing'), readJsonFile(o.pluginConfig, '--plugin-config'));
  process.stdout.write(render(merged));
  return 0;
}

const bool = (v: string): boolean => {
  if (/^(1|t|true|yes)$/i.test(v)) return true;
  if (/^(0|f|false|no)$/i.test(v)) return false;
  throw new InvalidArgumentError('expected true or false.');
};
const int = (v: string): number => {
  if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('expected a whole number.');
  return Number(v);
};
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

function installCommand(): Command {
  const opt = (flags: string, description: string, env: string, parse?: (v: string) => unknown) => {
    const o = new Option(flags, description).env(env);
    return parse ? o.argParser(parse) : o;
  };
  return new Command('cni-install')
    .description('install the chained CNI plugin on this node and keep it installed until SIGTERM')
    .addOption(opt('--mounted-cni-net-dir <dir>', 'node CNI config dir as mounted', 'MOUNTED_CNI_NET_DIR'))
    .addOption(opt('--cni-conf-name <name>', 'config file to chain into (default: first valid)', 'CNI_CONF_NAME'))
    .addOption(opt('--chained-cni-plugin <bool>', 'chain into the existing config (else write our own)', 'CHAINED_CNI_PLUGIN', bool))
    .addOption(opt('--mounted-cni-bin-dir <dir>', 'node CNI bin dir as mounted', 'MOUNTED_CNI_BIN_DIR'))
    .addOption(opt('--plugin-binary <file>', 'self-contained plugin executable to copy', 'CNI_PLUGIN_BINARY'))
    .addOption(opt('--cni-agent-run-dir <dir>', 'run dir for the plugin kubeconfig', 'CNI_AGENT_RUN_DIR'))
    .addOption(opt('--plugin-log-level <level>', 'debug|info|warn|error|none', 'PLUGIN_LOG_LEVEL'))
    .addOption(opt('--plugin-log-file <file>', 'plugin also appends its log here', 'PLUGIN_LOG_FILE'))
    .addOption(opt('--exclude-namespaces <list>', 'namespaces the plugin leaves alone', 'EXCLUDE_NAMESPACES', list))
    .addOption(opt('--pod-namespace <ns>', "the installer's namespace", 'POD_NAMESPACE'))
    .addOption(opt('--native-nftables <bool>', 'program native nftables instead of iptables', 'NATIVE_NFTABLES', bool))
    .addOption(opt('--pod-annotations <bool>', 'declare the io.kubernetes.cri.pod-annotations capability', 'CNI_POD_ANNOTATIONS', bool))
    .addOption(opt('--service-account-dir <dir>', 'token + ca.crt for the plugin kubeconfig', 'SERVICE_ACCOUNT_DIR'))
    .addOption(opt('--kube-api-server <url>', 'API server URL (default from KUBERNETES_SERVICE_HOST/PORT)', 'KUBE_API_SERVER'))
    .addOption(opt('--kube-insecure-skip-tls-verify <bool>', 'do not verify the API server certificate', 'KUBE_INSECURE_SKIP_TLS_VERIFY', bool))
    .addOption(opt('--pod-lookup-attempts <n>', 'plugin pod GET attempts', 'POD_LOOKUP_ATTEMPTS', int))
    .addOption(opt('--pod-lookup-interval-ms <ms>', 'pause between pod GET attempts', 'POD_LOOKUP_INTERVAL_MS', int))
    .addOption(opt('--log-level <level>', "the installer's own log level", 'LOG_LEVEL'))
    .option('--once', 'install and exit instead of watching')
    .exitOverride();
}

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
  logLevel?: string;
  once?: boolean;
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
  const cmd = installCommand();
  cmd.parse(args, { from: 'user' });
  const flags = cmd.opts<InstallFlags>();
  const parsed = installConfigSchema.safeParse(toInput(flags));
  if (!parsed.success) {
    // Name the flag (and its variable) the user wrote, not the schema key.
    const flagOf = (key: string) => installCommand().options.find((o) => o.attributeName() === key);
    const text = parsed.error.issues
      .map((i) => {
        const key = String(i.path[i.path[0] === 'pluginExtensions' ? 1 : 0] ?? '');
        const camel = key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()).replace(/^logFile$/, 'pluginLogFile');
        const o = flagOf(camel);
        return `${o ? `${o.long}${o.envVar ? ` (${o.envVar})` : ''}` : key}: ${i.message}`;
      })
      .join('; ');
    process.stderr.write(`error: cni-install: ${text}\n`);
    return 2;
  }
  const level = (flags.logLevel ?? 'info') as 'info';
  const logger = createLogger({ level });
  const controller = new AbortController();
  const stop = (sig: string) => {
    logger.info('shutting down', { signal: sig });
    controller.abort();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await runInstaller(parsed.data, { logger, render }, { signal: controller.signal });
  return 0;
}

export async function run(args: readonly string[]): Promise<number> {
  try {
    if (args[0] === 'merge-conflist') return await mergeCommand(args.slice(1));
    return await installMain(args);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    process.stderr.write(`error: cni-install: ${(err as Error).message}\n`);
    return 1;
  }
}
