/**
 * `sidecar-kit kube-inject`: the offline equivalent of `istioctl kube-inject` (§h). Parses
 * flags and environment, loads settings, runs the pure manifest injection, writes the result
 * (stdout, or a file replaced atomically) and reports warnings/errors on stderr.
 *
 * Flags are parsed with node:util parseArgs (built in, so it adds nothing to start-up time).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadSettingsFromFiles } from '../config/load.js';
import type { InjectionSettings } from '../config/settings.js';
import type { InjectionEnvironment } from '../core/inject/environment.js';
import { ownValue } from '../core/own-keys.js';
import {
  DEFAULT_MAX_INPUT_BYTES,
  formatByteSize,
  OutputClosedError,
  parseByteSize,
  readInput,
  resolveOutput,
  writeFileAtomically,
  writeToStream,
} from './io.js';
import { injectManifest } from './manifest.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { help: string; cluster?: true };

/** Istio's flags; `cluster` ones only matter with a Kubernetes cluster and are ignored offline. */
const OPTIONS: Record<string, OptionSpec> = {
  filename: { type: 'string', short: 'f', help: 'input manifest (required); - reads stdin' },
  output: { type: 'string', short: 'o', help: 'write the result to this file (atomically, through symlinks; regular files only) instead of stdout' },
  maxInputBytes: { type: 'string', help: `refuse input larger than this (bytes, or with Ki/Mi/Gi; default ${formatByteSize(DEFAULT_MAX_INPUT_BYTES)})` },
  meshConfigFile: { type: 'string', help: 'MeshConfig file (default: Istio mesh defaults)' },
  meshConfigMapName: { type: 'string', help: 'mesh ConfigMap name', cluster: true },
  injectConfigFile: { type: 'string', help: 'injector config (ConfigMap `config` layout) or a bare sidecar template' },
  injectConfigMapName: { type: 'string', help: 'injector ConfigMap name', cluster: true },
  valuesFile: { type: 'string', help: 'Helm values (ConfigMap `values` layout) deep-merged over the chart defaults' },
  operatorFileName: { type: 'string', help: 'IstioOperator whose spec.values / spec.meshConfig apply on top' },
  webhookConfig: { type: 'string', help: 'MutatingWebhookConfiguration name (unused offline)' },
  revision: { type: 'string', short: 'r', help: 'control plane revision ("default" = none)' },
  'xds-address': { type: 'string', help: 'control plane xDS address', cluster: true },
  'cert-dir': { type: 'string', help: 'xDS client certificates', cluster: true },
  'xds-label': { type: 'string', help: 'istiod pod selector', cluster: true },
  'xds-port': { type: 'string', help: 'istiod xDS port', cluster: true },
  timeout: { type: 'string', help: 'control plane request timeout', cluster: true },
  authority: { type: 'string', help: 'xDS authority', cluster: true },
  insecure: { type: 'boolean', help: 'skip server certificate verification', cluster: true },
  plaintext: { type: 'boolean', help: 'plain-text xDS', cluster: true },
  istioNamespace: { type: 'string', short: 'i', help: 'Istio system namespace', cluster: true },
  context: { type: 'string', help: 'kubeconfig context', cluster: true },
  kubeconfig: { type: 'string', help: 'kubeconfig file', cluster: true },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(34)} ${o.help}${o.cluster ? ' (needs a cluster; ignored)' : ''}`;
  });
  return `Usage: sidecar-kit kube-inject -f FILE [options]\n\nInject the Istio sidecar into Kubernetes workload manifests, offline (istioctl kube-inject).\nEnvironment: ENABLE_NATIVE_SIDECARS (auto|true|false; auto = off offline), COMPLIANCE_POLICY, PLATFORM.\n\nOptions:\n${lines.join('\n')}\n`;
}

function environment(): InjectionEnvironment {
  return {
    enableNativeSidecars: process.env.ENABLE_NATIVE_SIDECARS ?? 'auto',
    compliancePolicy: process.env.COMPLIANCE_POLICY ?? '',
    platform: process.env.PLATFORM ?? '',
  };
}

/**
 * Custom (Go text/template) templates, all parsed before any document is read (a text that does
 * not parse fails the run, as istioctl). The engine is a separate chunk, loaded only when the
 * configuration has custom templates, so plain runs do not pay for it.
 */
async function withCustomTemplates(env: InjectionEnvironment, settings: InjectionSettings): Promise<InjectionEnvironment> {
  const templates = settings.injector.customTemplates;
  if (Object.keys(templates).length === 0) return env;
  const { compileCustomTemplates, createGoTemplateCompiler } = await import('../core/inject/custom-templates.js');
  const templateCompiler = createGoTemplateCompiler({ env: (key) => ownValue(process.env, key) });
  compileCustomTemplates(templateCompiler, templates);
  return { ...env, templateCompiler };
}

export async function run(args: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    const options = Object.fromEntries(Object.entries(OPTIONS).map(([k, { help: _h, cluster: _c, ...o }]) => [k, o]));
    values = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const filename = str('filename');
  if (!filename) {
    process.stderr.write('error: filename not specified (see --filename or -f)\n');
    return 1;
  }
  for (const [name, o] of Object.entries(OPTIONS)) {
    if (o.cluster && values[name] !== undefined) {
      process.stderr.write(`note: --${name} needs a Kubernetes cluster and is ignored (kube-inject runs offline)\n`);
    }
  }
  const maxInput = str('maxInputBytes') === undefined ? DEFAULT_MAX_INPUT_BYTES : parseByteSize(str('maxInputBytes') as string);
  if (maxInput === undefined || maxInput <= 0) {
    process.stderr.write(`error: --maxInputBytes: "${str('maxInputBytes')}" is not a size (bytes, or a number with Ki, Mi, Gi, k, M or G)\n`);
    return 2;
  }
  try {
    // A bad -o target is refused before any work is done.
    const output = str('output') === undefined ? ({ kind: 'stdout' } as const) : await resolveOutput(str('output') as string);
    const settings = await loadSettingsFromFiles({
      valuesFile: str('valuesFile'),
      meshConfigFile: str('meshConfigFile'),
      injectConfigFile: str('injectConfigFile'),
      operatorFileName: str('operatorFileName'),
      revision: str('revision'),
    });
    const env = await withCustomTemplates(environment(), settings);
    const result = injectManifest(await readInput(filename, maxInput, process.stdin), { settings, env, facts: {} });
    if (output.kind === 'file') await writeFileAtomically(output, result.output);
    else await writeToStream(process.stdout, result.output);
    if (result.warnings.length > 0) process.stderr.write(`\n${result.warnings.join('')}`);
    return 0;
  } catch (e) {
    if (e instanceof OutputClosedError) {
      // `| head` and the like: the reader has what it wanted; no message, no trace.
      process.stdout.on('error', () => undefined);
      return 0;
    }
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
