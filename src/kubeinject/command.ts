/**
 * `sidecar-kit kube-inject`: the offline equivalent of `istioctl kube-inject` (§h). Parses
 * flags and environment (the convention of src/cli-kit/convention.ts), loads settings, runs the pure
 * manifest injection, writes the result (stdout, or a file replaced atomically) and reports
 * warnings/errors on stderr.
 */
import {
  ExitCode,
  HELP,
  flagBool,
  flagValue,
  noPositionals,
  parseArgs,
  parseCommandLine,
  UsageError,
  reportFailure,
  type CommandSpec,
  type FlagSpec,
} from '../cli-kit/convention.js';
import { loadSettingsFromFiles } from '../config/load.js';
import type { InjectionSettings } from '../core/config/settings.js';
import { ISTIOD_ENV_DEFAULTS, parseIstiodEnvironment, type ClusterFacts, type InjectionEnvironment } from '../core/inject/environment.js';
import { ownValue } from '../core/format/own-keys.js';
import {
  OutputClosedError,
  resolveOutput,
  writeFileAtomically,
  writeToStream,
} from './io.js';
import { injectManifest } from './manifest.js';
import { inputFlags, readInputFlags } from './file-flags.js';
import { InputError, readManifests } from './read-manifests.js';

const XDS = "istioctl's flags for injection through istiod's xDS (accepted and ignored)";
const CLUSTER = 'Cluster mode (any of these flags: the configuration is read from the cluster)';

/** Istio's flags; those in the CLUSTER group switch to cluster mode, XDS ones are ignored. */
const FLAGS: readonly FlagSpec[] = [
  ...inputFlags('input manifest (required): a file, a directory (its *.yaml, *.yml and *.json files, in name order) or - for stdin'),
  { long: 'meshConfigFile', value: 'FILE', help: "MeshConfig (the istio ConfigMap's `mesh` key); default: Istio's mesh defaults (cluster mode: the mesh ConfigMap)" },
  { long: 'valuesFile', value: 'FILE', help: "Helm values (the injector ConfigMap's `values` key), deep-merged over Istio's chart defaults (cluster mode: the injector ConfigMap)" },
  { long: 'injectConfigFile', value: 'FILE', help: "injector config (the injector ConfigMap's `config` key) or a bare sidecar template (cluster mode: the injector ConfigMap)" },
  { long: 'operatorFileName', value: 'FILE', help: 'IstioOperator whose spec.values / spec.meshConfig apply on top' },
  { long: 'revision', short: 'r', value: 'REV', help: 'control plane revision; "default" means none (cluster mode: also picks its ConfigMaps)', default: '' },
  { long: 'webhookConfig', value: 'NAME', help: 'MutatingWebhookConfiguration name (unused: the revision picks it)', default: 'istio-sidecar-injector' },
  { long: 'cluster', help: 'cluster mode with the current kubeconfig context (KUBECONFIG, ~/.kube/config or the in-cluster account)', group: CLUSTER },
  { long: 'kubeconfig', value: 'FILE', help: 'kubeconfig file', group: CLUSTER },
  { long: 'context', value: 'NAME', help: 'kubeconfig context', group: CLUSTER },
  { long: 'istioNamespace', short: 'i', value: 'NS', help: "namespace of Istio's ConfigMaps (and of --injectConfigMapName/--meshConfigMapName)", default: 'istio-system', group: CLUSTER },
  { long: 'injectConfigMapName', value: 'NAME', help: 'injector ConfigMap (keys `config`, `values`)', default: "the revision's", group: CLUSTER },
  { long: 'meshConfigMapName', value: 'NAME', help: 'mesh ConfigMap (key `mesh`)', default: "the revision's", group: CLUSTER },
  { long: 'xds-address', value: 'ADDR', help: 'control plane xDS address', group: XDS },
  { long: 'cert-dir', value: 'DIR', help: 'xDS client certificates', group: XDS },
  { long: 'xds-label', value: 'SELECTOR', help: 'istiod pod selector', group: XDS },
  { long: 'xds-port', value: 'PORT', help: 'istiod xDS port', group: XDS },
  { long: 'timeout', value: 'DURATION', help: 'control plane request timeout', group: XDS },
  { long: 'authority', value: 'HOST', help: 'xDS authority', group: XDS },
  { long: 'insecure', help: 'skip server certificate verification', group: XDS },
  { long: 'plaintext', help: 'plain-text xDS', group: XDS },
];

/** Bound of each Kubernetes API request in cluster mode. */
const API_TIMEOUT_MS = 30_000;

export const spec: CommandSpec = {
  name: 'kube-inject',
  summary: 'inject the Istio sidecar into workload manifests, like istioctl kube-inject (offline or from a cluster)',
  usage: ['-f FILE [flags]', '-f FILE --cluster|--kubeconfig FILE|--context NAME [-r REV] [-i NS] [flags]'],
  description:
    'Inject the Istio sidecar into Kubernetes workload manifests: the output is what\n' +
    '`istioctl kube-inject` prints for the same input and configuration. Documents of other kinds\n' +
    'pass through unchanged; nothing is written when a document fails.\n' +
    'Offline (the default) the configuration is the given files over Istio\'s defaults. In cluster\n' +
    'mode (any flag of that group) the injector and mesh ConfigMaps of the revision are read from\n' +
    'the cluster (sidecar-kit\'s as its webhook configuration names them, else Istio\'s), a file\n' +
    'flag replacing its part, and the cluster\'s Nodes decide native sidecars in `auto` mode.',
  flags: FLAGS,
  environment: [
    { name: 'ENABLE_NATIVE_SIDECARS', help: "auto, true or false: istio-proxy as a native sidecar (auto: off offline; in cluster mode on when every Node's kubelet is 1.33+)", default: ISTIOD_ENV_DEFAULTS.ENABLE_NATIVE_SIDECARS },
    { name: 'COMPLIANCE_POLICY', help: 'passed to the proxy as COMPLIANCE_POLICY (e.g. fips-140-3)' },
    { name: 'PLATFORM', help: 'openshift: proxy UID/GID from the namespace range (needs a cluster: ignored)' },
  ],
  examples: [
    { comment: 'inject the sample manifest with the built-in defaults (Istio 1.31 proxy)', command: 'sidecar-kit kube-inject -f examples/shop.yaml' },
    { comment: 'with an Istio installation\'s settings, written to a file', command: 'sidecar-kit kube-inject -f app.yaml --valuesFile values.json --meshConfigFile mesh.yaml -o app-injected.yaml' },
    { comment: 'every manifest of a directory, applied with kubectl', command: 'sidecar-kit kube-inject -f manifests/ | kubectl apply -f -' },
    { comment: 'from stdin', command: 'cat app.yaml | sidecar-kit kube-inject -f -' },
    { comment: "with the configuration of the cluster's revision canary (sidecar-kit's or Istio's)", command: 'sidecar-kit kube-inject -f app.yaml --context prod -r canary' },
    { comment: "Istio's ConfigMaps in another namespace, the current kubeconfig context", command: 'sidecar-kit kube-inject -f app.yaml --cluster -i istio-control' },
  ],
};

const flag = (long: string): FlagSpec => FLAGS.find((f) => f.long === long) as FlagSpec;

function environment(env: NodeJS.ProcessEnv): InjectionEnvironment {
  const { environment, problems } = parseIstiodEnvironment(env);
  if (problems[0] !== undefined) throw new UsageError(problems[0]);
  return environment;
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
  const cl = await parseCommandLine(spec, () => {
    const parsed = parseArgs(args, FLAGS);
    if (parsed.help) return HELP;
    noPositionals(parsed);
    const env = environment(process.env);
    const input = readInputFlags(parsed, FLAGS);
    const clusterMode = FLAGS.some((f) => f.group === CLUSTER && parsed.values.has(f.long) && (f.value !== undefined || flagBool(parsed, f, {}) === true));
    return { parsed, env, input, clusterMode };
  });
  if (cl.exit !== undefined) return cl.exit;
  const { parsed, env, input, clusterMode } = cl.value;
  const str = (k: string): string | undefined => flagValue(parsed, flag(k), {})?.text;
  for (const f of FLAGS) {
    if (f.group === XDS && parsed.values.has(f.long)) {
      process.stderr.write(`note: --${f.long} is for injection through istiod's xDS and is ignored\n`);
    }
  }
  try {
    // A bad -o target is refused before any work is done.
    const output = input.output === undefined ? ({ kind: 'stdout' } as const) : await resolveOutput(input.output.path, input.output.flag);
    const files = {
      valuesFile: str('valuesFile'),
      meshConfigFile: str('meshConfigFile'),
      injectConfigFile: str('injectConfigFile'),
      operatorFileName: str('operatorFileName'),
      revision: str('revision'),
    };
    let settings: InjectionSettings;
    let facts: ClusterFacts = {};
    if (clusterMode) {
      const { loadClusterSettings } = await import('./cluster-mode.js');
      const r = await loadClusterSettings({
        ...files,
        revision: files.revision ?? '',
        istioNamespace: str('istioNamespace') || 'istio-system',
        kubeconfig: str('kubeconfig'),
        context: str('context'),
        injectConfigMapName: str('injectConfigMapName'),
        meshConfigMapName: str('meshConfigMapName'),
        timeoutMs: API_TIMEOUT_MS,
      });
      settings = r.settings;
      facts = r.facts;
    } else {
      settings = await loadSettingsFromFiles(files);
    }
    const context = { settings, env: await withCustomTemplates(env, settings), facts };
    const manifests = await readManifests(input.filename, input.filenameFlag, input.maxInputBytes);
    // Every manifest is injected before anything is written: a failure leaves no partial output.
    const results = manifests.map((m) => {
      try {
        return injectManifest(m.text, context);
      } catch (e) {
        if (manifests.length === 1) throw e;
        throw new InputError(`${m.path}: ${(e as Error).message}`, { cause: e });
      }
    });
    const text = results.map((r) => r.output).join('');
    const warnings = results.flatMap((r) => r.warnings);
    if (output.kind === 'file') await writeFileAtomically(output, text);
    else await writeToStream(process.stdout, text);
    if (warnings.length > 0) process.stderr.write(`\n${warnings.join('')}`);
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof OutputClosedError) {
      // `| head` and the like: the reader has what it wanted; no message, no trace.
      process.stdout.on('error', () => undefined);
      return ExitCode.ok;
    }
    return reportFailure(e instanceof Error ? e.message : String(e));
  }
}
