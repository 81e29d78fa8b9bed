/**
 * `sidecar-kit kube-inject`: the offline equivalent of `istioctl kube-inject` (§h). Parses
 * flags and environment, loads settings, runs the pure manifest injection, writes the result
 * (stdout, or a file replaced atomically) and reports warnings/errors on stderr.
 */
import { Command, CommanderError } from 'commander';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadSettingsFromFiles } from '../config/load.js';
import type { InjectionEnvironment } from '../core/inject/environment.js';
import { injectManifest } from './manifest.js';

interface Options {
  filename?: string;
  output?: string;
  meshConfigFile?: string;
  meshConfigMapName?: string;
  injectConfigFile?: string;
  injectConfigMapName?: string;
  valuesFile?: string;
  operatorFileName?: string;
  webhookConfig?: string;
  revision?: string;
}

/** Flags of istioctl that only matter with a cluster; accepted and ignored offline. */
const CLUSTER_FLAGS = [
  ['--xds-address <address>', 'control plane xDS address (needs a cluster; ignored)'],
  ['--cert-dir <dir>', 'xDS client certificates (needs a cluster; ignored)'],
  ['--xds-label <selector>', 'istiod pod selector (needs a cluster; ignored)'],
  ['--xds-port <port>', 'istiod xDS port (needs a cluster; ignored)'],
  ['--timeout <duration>', 'control plane request timeout (needs a cluster; ignored)'],
  ['--authority <name>', 'xDS authority (needs a cluster; ignored)'],
  ['--insecure', 'skip server certificate verification (needs a cluster; ignored)'],
  ['--plaintext', 'use plain-text xDS (needs a cluster; ignored)'],
  ['-i, --istioNamespace <ns>', 'Istio system namespace (needs a cluster; ignored)'],
  ['--context <name>', 'kubeconfig context (needs a cluster; ignored)'],
  ['--kubeconfig <file>', 'kubeconfig file (needs a cluster; ignored)'],
] as const;

function buildCommand(): Command {
  const cmd = new Command('kube-inject')
    .description('Inject the Istio sidecar into Kubernetes workload manifests (offline istioctl kube-inject)')
    .option('-f, --filename <file>', 'input manifest; - reads stdin')
    .option('-o, --output <file>', 'write the result to this file (atomically) instead of stdout')
    .option('--meshConfigFile <file>', 'MeshConfig file (default: Istio mesh defaults)')
    .option('--meshConfigMapName <name>', 'mesh ConfigMap name (needs a cluster; ignored offline)')
    .option('--injectConfigFile <file>', 'injector config (ConfigMap `config` layout) or a bare sidecar template')
    .option('--injectConfigMapName <name>', 'injector ConfigMap name (needs a cluster; ignored offline)')
    .option('--valuesFile <file>', 'Helm values (ConfigMap `values` layout) over the chart defaults')
    .option('--operatorFileName <file>', 'IstioOperator whose spec.values / spec.meshConfig apply on top')
    .option('--webhookConfig <name>', 'MutatingWebhookConfiguration name (unused offline)')
    .option('-r, --revision <rev>', 'control plane revision')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .allowExcessArguments(false)
    .helpOption('-h, --help', 'show this help');
  for (const [flags, help] of CLUSTER_FLAGS) cmd.option(flags, help);
  return cmd;
}

function environment(): InjectionEnvironment {
  return {
    enableNativeSidecars: process.env.ENABLE_NATIVE_SIDECARS ?? 'auto',
    compliancePolicy: process.env.COMPLIANCE_POLICY ?? '',
    platform: process.env.PLATFORM ?? '',
  };
}

async function readInput(filename: string): Promise<string> {
  if (filename !== '-') return readFile(filename, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes `text` to `path` through a temporary file in the same directory and a rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function ignoredFlagNotes(cmd: Command, o: Options): string[] {
  const notes: string[] = [];
  const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  for (const name of ['meshConfigMapName', 'injectConfigMapName', 'xdsAddress', 'certDir', 'xdsLabel', 'xdsPort', 'timeout', 'authority', 'insecure', 'plaintext', 'istioNamespace', 'context', 'kubeconfig']) {
    if (given(name)) notes.push(`note: --${name === 'xdsAddress' ? 'xds-address' : name === 'certDir' ? 'cert-dir' : name === 'xdsLabel' ? 'xds-label' : name === 'xdsPort' ? 'xds-port' : name} needs a Kubernetes cluster and is ignored (sidecar-kit kube-inject works offline)`);
  }
  if (given('meshConfigMapName') && !o.meshConfigFile && !o.operatorFileName) notes.push('note: using the built-in mesh defaults');
  return notes;
}

export async function run(args: readonly string[]): Promise<number> {
  const cmd = buildCommand();
  try {
    cmd.parse([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const o = cmd.opts<Options>();
  if (!o.filename) {
    process.stderr.write('error: filename not specified (see --filename or -f)\n');
    return 1;
  }
  for (const note of ignoredFlagNotes(cmd, o)) process.stderr.write(`${note}\n`);
  try {
    const settings = await loadSettingsFromFiles({
      valuesFile: o.valuesFile,
      meshConfigFile: o.meshConfigFile,
      injectConfigFile: o.injectConfigFile,
      operatorFileName: o.operatorFileName,
      revision: o.revision,
    });
    const input = await readInput(o.filename);
    const result = injectManifest(input, { settings, env: environment(), facts: {} });
    if (o.output) await writeAtomically(o.output, result.output);
    else process.stdout.write(result.output);
    if (result.warnings.length > 0) process.stderr.write(`\n${result.warnings.join('')}`);
    return 0;
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
