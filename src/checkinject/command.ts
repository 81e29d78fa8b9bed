/**
 * `sidecar-kit check-inject`: would this pod (or workload, or manifest, or set of labels) be
 * injected, by which webhook configuration and entry, with which templates, and if not why —
 * like `istioctl x check-inject`, over every injector on the cluster (Istio's and ours). The
 * answer is the core's `evaluateInjection` (src/core/selection); this edge reads the webhook
 * configurations, the namespace, the subject and each injector's ConfigMap.
 */
import { readFile } from 'node:fs/promises';
import {
  ExitCode,
  flagValue,
  HELP,
  parseArgs,
  parseCommandLine,
  reportFailure,
  reportUsageError,
  UsageError,
  type CommandSpec,
  type FlagSpec,
} from '../cli-kit/convention.js';
import { parseInjectConfigText, parseSettingsText } from '../config/load.js';
import { resolveSettings } from '../core/config/settings.js';
import { describeFsError } from '../core/format/fs-error.js';
import { STATUS_ANNOTATION } from '../core/istio-keys.js';
import { knownTemplateNames } from '../core/inject/templates/index.js';
import type { Pod } from '../core/k8s/pod.js';
import { podsOfDocument } from '../core/k8s/pod-templates.js';
import { evaluateInjection, injectorViewOf, type InjectorView, type MutatingWebhookConfiguration } from '../core/selection/index.js';
import { parseYamlDocument, splitYamlDocuments } from '../core/yaml/parse.js';
import { configMapsOf, DEFAULT_ISTIO_NAMESPACE } from '../cluster/injector-config.js';
import type { ClusterClient, ClusterOptions, JsonObject, WorkloadKind } from '../cluster/types.js';
import { formatReport, reportObject, type CheckSubject } from './report.js';

const FLAGS: readonly FlagSpec[] = [
  { long: 'namespace', short: 'n', value: 'NS', help: "namespace of the subject (default: the kubeconfig context's, else default)" },
  { long: 'labels', short: 'l', value: 'K=V[,K=V…]', help: 'check a pod with these labels in the namespace, before creating it' },
  { long: 'filename', short: 'f', value: 'FILE', help: 'check the pods of a manifest (Pods and workloads; - for stdin) against the cluster' },
  { long: 'output', short: 'o', value: 'FORMAT', help: 'table, json or yaml', default: 'table' },
  { long: 'istioNamespace', short: 'i', value: 'NS', help: "namespace of Istio's injector ConfigMaps", default: DEFAULT_ISTIO_NAMESPACE },
  { long: 'kubeconfig', value: 'FILE', help: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, the in-cluster account)' },
  { long: 'context', value: 'NAME', help: 'kubeconfig context' },
];

export const spec: CommandSpec = {
  name: 'check-inject',
  summary: 'explain whether a pod, workload or manifest would be injected, by which webhook entry and templates, or why not',
  usage: ['[<type>/]<name>[.<namespace>] [flags]', '-l K=V[,K=V…] [-n NS] [flags]', '-f FILE [-n NS] [flags]'],
  description:
    'Evaluates every sidecar injector on the cluster (Istio\'s and sidecar-kit\'s webhook\n' +
    'configurations, revision tags included) for a pod, the pod template of a workload\n' +
    '(deployment, statefulset, daemonset, replicaset, job, cronjob, replicationcontroller), the pods\n' +
    'of a manifest, or a set of labels, like `istioctl x check-inject`: the API server\'s selectors,\n' +
    'then the injector\'s own decision (policy, pod switches, host networking, …) and the templates\n' +
    'the pod selects. A pod that exists is judged as if it were created now. The exit code is 0\n' +
    'whatever the verdict; scripts read `-o json`.',
  flags: FLAGS,
  examples: [
    { comment: 'a running pod (name.namespace as istioctl takes it)', command: 'sidecar-kit check-inject productpage-v1-6b746f74dc-8kz4t.shop' },
    { comment: "a Deployment's pod template", command: 'sidecar-kit check-inject deployment/reviews -n shop' },
    { comment: 'before deploying: a pod with these labels in namespace shop', command: 'sidecar-kit check-inject -n shop -l app=web,version=v1' },
    { comment: 'every workload of a manifest, as JSON for a script', command: 'sidecar-kit check-inject -f app.yaml -n shop -o json' },
  ],
};

const KINDS: Readonly<Record<string, WorkloadKind>> = {
  pod: 'Pod', pods: 'Pod', po: 'Pod',
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
  job: 'Job', jobs: 'Job',
  cronjob: 'CronJob', cronjobs: 'CronJob', cj: 'CronJob',
  replicationcontroller: 'ReplicationController', replicationcontrollers: 'ReplicationController', rc: 'ReplicationController',
};

/** `[<type>/]<name>[.<namespace>]` (istioctl: the namespace after the last dot). */
export function parseTarget(arg: string, namespaceFlag: string | undefined): { kind: WorkloadKind; name: string; namespace?: string } {
  const slash = arg.indexOf('/');
  const type = slash < 0 ? 'pod' : arg.slice(0, slash).toLowerCase().replace(/\..*$/, '');
  const kind = KINDS[type];
  if (!kind) throw new UsageError(`${JSON.stringify(arg)}: unknown resource type "${arg.slice(0, slash)}" (pod, deployment, statefulset, daemonset, replicaset, job, cronjob, replicationcontroller)`);
  let name = slash < 0 ? arg : arg.slice(slash + 1);
  let namespace = namespaceFlag;
  const dot = name.lastIndexOf('.');
  if (dot > 0 && namespaceFlag === undefined) {
    namespace = name.slice(dot + 1);
    name = name.slice(0, dot);
  }
  if (!name) throw new UsageError(`${JSON.stringify(arg)}: no name`);
  return { kind, name, ...(namespace ? { namespace } : {}) };
}

/** `-l a=b,c=d` (equality only: the labels of a pod to be created). */
export function parseLabels(text: string, written: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^([^=!\s]+)==?([^=\s]*)$/.exec(p);
    if (!m) throw new UsageError(`${written}: ${JSON.stringify(p)}: expected key=value`);
    out[m[1] as string] = m[2] as string;
  }
  if (Object.keys(out).length === 0) throw new UsageError(`${written}: no labels in ${JSON.stringify(text)}`);
  return out;
}

/** The pod a workload creates (its template), with the workload's namespace. */
function podOf(obj: JsonObject, namespace: string): Pod {
  const described = podsOfDocument(obj)[0];
  if (!described) return { metadata: { namespace }, spec: { containers: [] } };
  const p = described.pod as Pod;
  return { ...p, metadata: { ...(p.metadata ?? {}), namespace } };
}

export interface CheckInjectDeps {
  readonly connect: (opts: ClusterOptions) => Promise<ClusterClient>;
  readonly stdout: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly color: boolean;
}

const API_TIMEOUT_MS = 30_000;

/** Each injector configuration's view, from its injector ConfigMap (unknown when unreadable). */
async function injectorViews(client: ClusterClient, mwcs: readonly MutatingWebhookConfiguration[], istioNamespace: string): Promise<{ views: Map<string, InjectorView>; notes: string[] }> {
  const views = new Map<string, InjectorView>();
  const notes: string[] = [];
  const byConfigMap = new Map<string, Promise<InjectorView | string>>();
  const load = async (ns: string, name: string): Promise<InjectorView | string> => {
    try {
      const data = await client.getConfigMapData(ns, name);
      if (data === undefined) return `its injector ConfigMap ${ns}/${name} was not found; Istio's defaults stand in`;
      const where = `ConfigMap ${ns}/${name}`;
      const settings = resolveSettings({
        values: data.values === undefined ? undefined : parseSettingsText(data.values, where, 'values'),
        injectConfig: data.config === undefined ? undefined : parseInjectConfigText(data.config, where),
      });
      return injectorViewOf(settings.injector, knownTemplateNames(settings.injector.customTemplates));
    } catch (e) {
      return `its injector ConfigMap ${ns}/${name} could not be used (${(e as Error).message}); Istio's defaults stand in`;
    }
  };
  for (const mwc of mwcs) {
    const refs = configMapsOf(mwc, istioNamespace);
    if (!refs) continue;
    const key = `${refs.injector.namespace}/${refs.injector.name}`;
    if (!byConfigMap.has(key)) byConfigMap.set(key, load(refs.injector.namespace, refs.injector.name));
    const v = await (byConfigMap.get(key) as Promise<InjectorView | string>);
    if (typeof v === 'string') notes.push(`${mwc.metadata?.name ?? ''}: ${v}`);
    else views.set(mwc.metadata?.name ?? '', v);
  }
  return { views, notes };
}

export async function checkInject(args: readonly string[], deps: CheckInjectDeps): Promise<number> {
  const cl = await parseCommandLine(spec, () => {
    const parsed = parseArgs(args, FLAGS);
    if (parsed.help) return HELP;
    const output = parsed.values.get('output') ?? 'table';
    if (!['table', 'json', 'yaml'].includes(output)) throw new UsageError(`${parsed.spelled.get('output') ?? '-o'}: ${JSON.stringify(output)}: expected table, json or yaml`);
    const given = [parsed.positionals.length > 0, parsed.values.has('labels'), parsed.values.has('filename')].filter(Boolean).length;
    if (given !== 1 || parsed.positionals.length > 1) {
      throw new UsageError('give exactly one of [<type>/]<name>[.<namespace>], -l/--labels or -f/--filename');
    }
    return { parsed, output };
  });
  if (cl.exit !== undefined) return cl.exit;
  const { parsed, output } = cl.value;
  const str = (k: string) => flagValue(parsed, FLAGS.find((f) => f.long === k) as FlagSpec, {})?.text;
  const nsFlag = str('namespace') || undefined;
  const istioNamespace = str('istioNamespace') || DEFAULT_ISTIO_NAMESPACE;
  let target: ReturnType<typeof parseTarget> | undefined;
  let labels: Record<string, string> | undefined;
  try {
    if (parsed.positionals[0] !== undefined) target = parseTarget(parsed.positionals[0], nsFlag);
    const l = str('labels');
    if (l !== undefined) labels = parseLabels(l, parsed.spelled.get('labels') ?? '-l');
  } catch (e) {
    if (e instanceof UsageError) return reportUsageError(spec.name, e);
    throw e;
  }
  try {
    // A manifest is read before anything is asked of the cluster.
    let docs: unknown[] = [];
    const filename = str('filename');
    if (filename !== undefined) {
      const written = parsed.spelled.get('filename') ?? '-f';
      const text = filename === '-' ? await deps.readStdin() : await readFile(filename, 'utf8').catch((e: unknown) => {
        throw new Error(`${written}: ${filename}: ${describeFsError(e)}`, { cause: e });
      });
      docs = splitYamlDocuments(text).map((d, i) => {
        try {
          return parseYamlDocument(d);
        } catch (e) {
          throw new Error(`${written}: ${filename}: document ${i + 1}: ${(e as Error).message}`, { cause: e });
        }
      });
    }
    const kubeconfig = str('kubeconfig');
    const context = str('context');
    const client = await deps.connect({ ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}), timeoutMs: API_TIMEOUT_MS });
    const defaultNs = nsFlag ?? client.defaultNamespace;
    const mwcs = await client.listMutatingWebhookConfigurations();
    const { views, notes: viewNotes } = await injectorViews(client, mwcs, istioNamespace);

    const subjects: { subject: string; namespace: string; pod: Pod; notes: string[] }[] = [];
    if (target) {
      const ns = target.namespace ?? defaultNs;
      const obj = await client.getObject(target.kind, ns, target.name);
      if (!obj) return reportFailure(`${target.kind} ${ns}/${target.name} not found (${client.source})`);
      const pod = target.kind === 'Pod' ? (obj as Pod) : podOf(obj, ns);
      const notes: string[] = [];
      const status = target.kind === 'Pod' ? pod.metadata?.annotations?.[STATUS_ANNOTATION] : undefined;
      if (target.kind === 'Pod') notes.push(status === undefined ? 'the pod as it runs now was not injected' : 'the pod as it runs now was injected (it carries sidecar.istio.io/status)');
      subjects.push({ subject: `${target.kind} ${ns}/${target.name}`, namespace: ns, pod, notes });
    } else if (labels) {
      subjects.push({ subject: `labels ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}`, namespace: defaultNs, pod: { metadata: { labels, namespace: defaultNs }, spec: { containers: [] } }, notes: [] });
    } else {
      for (const doc of docs) {
        for (const d of podsOfDocument(doc)) {
          const p = d.pod as Pod;
          const ns = p.metadata?.namespace || ((doc as { metadata?: { namespace?: string } }).metadata?.namespace ?? '') || defaultNs;
          subjects.push({ subject: d.subject, namespace: ns, pod: { ...p, metadata: { ...(p.metadata ?? {}), namespace: ns } }, notes: [] });
        }
      }
      if (subjects.length === 0) return reportFailure(`${parsed.spelled.get('filename') ?? '-f'}: ${filename}: no Pod or workload with a pod template`);
    }

    const namespaces = new Map<string, Awaited<ReturnType<ClusterClient['getNamespace']>>>();
    const results: CheckSubject[] = [];
    for (const s of subjects) {
      if (!namespaces.has(s.namespace)) namespaces.set(s.namespace, await client.getNamespace(s.namespace));
      const ns = namespaces.get(s.namespace);
      const notes = [...s.notes];
      if (!ns) notes.push(`namespace ${s.namespace} does not exist: judged as a namespace without labels`);
      const evaluation = evaluateInjection({ webhooks: mwcs, namespace: { name: s.namespace, labels: ns?.labels ?? {} }, pod: s.pod, injectors: views });
      results.push({ subject: s.subject, namespace: s.namespace, evaluation, notes: [...notes, ...viewNotes] });
    }
    if (output === 'json') deps.stdout(`${JSON.stringify(results.length === 1 && !filename ? reportObject(results)[0] : reportObject(results), null, 2)}\n`);
    else if (output === 'yaml') {
      const { stringify } = await import('yaml');
      deps.stdout(stringify(results.length === 1 && !filename ? reportObject(results)[0] : reportObject(results)));
    } else deps.stdout(formatReport(results, { color: deps.color }));
    return ExitCode.ok;
  } catch (e) {
    return reportFailure(e instanceof Error ? e.message : String(e));
  }
}

export async function run(args: readonly string[]): Promise<number> {
  const { connectCluster } = await import('../cluster/load.js');
  return checkInject(args, {
    connect: connectCluster,
    stdout: (t) => process.stdout.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  });
}
