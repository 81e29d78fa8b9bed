/**
 * `sidecar-kit tag set|list|remove`: revision tags on a running cluster, like `istioctl tag`.
 * A tag is a MutatingWebhookConfiguration whose entries select `istio.io/rev=<tag>` and call
 * the webhook of the revision it points at (./tags.ts builds and checks it); moving the tag
 * moves every namespace labelled with it at the next pod creation.
 */
import {
  ExitCode,
  flagBool,
  flagValue,
  HELP,
  parseArgs,
  parseCommandLine,
  reportFailure,
  UsageError,
  type CommandSpec,
  type FlagSpec,
  type ParsedArgs,
} from '../cli-kit/convention.js';
import { REV_LABEL } from '../core/selection/webhooks.js';
import { renderTable } from '../cli-kit/table.js';
import type { ClusterClient, ClusterOptions } from '../cluster/types.js';
import { listTags, planRemoveTag, planSetTag, TagError } from './tags.js';

const CLUSTER_FLAGS: readonly FlagSpec[] = [
  { long: 'kubeconfig', value: 'FILE', help: 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, the in-cluster account)' },
  { long: 'context', value: 'NAME', help: 'kubeconfig context' },
];

const SET_FLAGS: readonly FlagSpec[] = [
  { long: 'revision', short: 'r', value: 'REV', help: 'the sidecar-kit revision the tag points at (required; "default" for the default revision)' },
  { long: 'overwrite', help: 'move an existing tag (made by tag set) to this revision' },
  ...CLUSTER_FLAGS,
];
const LIST_FLAGS: readonly FlagSpec[] = [{ long: 'output', short: 'o', value: 'FORMAT', help: 'table, json or yaml', default: 'table' }, ...CLUSTER_FLAGS];
const REMOVE_FLAGS: readonly FlagSpec[] = [
  { long: 'skip-confirmation', short: 'y', help: 'remove the tag even when namespaces are still labelled with it (their new pods are then not injected)' },
  ...CLUSTER_FLAGS,
];

export const spec: CommandSpec = {
  name: 'tag',
  summary: 'set, list and remove revision tags (istio.io/rev=<tag> → a sidecar-kit revision) on a cluster',
  usage: ['set <tag> -r REV [--overwrite] [flags]', 'list [-o table|json|yaml] [flags]', 'remove <tag> [-y] [flags]'],
  description:
    'A revision tag is a stable name for a revision: namespaces are labelled istio.io/rev=<tag>\n' +
    'and the tag points at a revision; moving it (tag set --overwrite) sends every such namespace to\n' +
    'another revision at its next pod creation (roll the workloads). tag set writes a\n' +
    'MutatingWebhookConfiguration <release>-sidecar-kit-revision-tag-<tag> cloned from the\n' +
    "revision's own (its webhook, caBundle and ConfigMaps); the chart's revisionTags value renders\n" +
    'the same objects under Helm. The tag "default" also takes istio-injection=enabled. Istio\'s\n' +
    'own tags are listed, and left to istioctl.',
  flags: [...SET_FLAGS, ...LIST_FLAGS.slice(0, 1), ...REMOVE_FLAGS.slice(0, 1)],
  subcommands: [
    { name: 'set', summary: 'create a tag, or move it with --overwrite' },
    { name: 'list', summary: 'tags, their revision and the namespaces using them' },
    { name: 'remove', summary: 'delete a tag made by tag set' },
  ],
  examples: [
    { comment: 'point the tag prod at the revision canary', command: 'sidecar-kit tag set prod -r canary' },
    { comment: 'label a namespace with the tag', command: 'kubectl label namespace shop istio.io/rev=prod' },
    { comment: 'after the canary proved itself: move the tag to the new revision, then roll', command: 'sidecar-kit tag set prod -r v2 --overwrite && kubectl rollout restart deployment -n shop' },
    { comment: 'what points where', command: 'sidecar-kit tag list' },
    { comment: 'remove it', command: 'sidecar-kit tag remove prod' },
  ],
};

export interface TagDeps {
  readonly connect: (opts: ClusterOptions) => Promise<ClusterClient>;
  readonly stdout: (text: string) => void;
}

const API_TIMEOUT_MS = 30_000;

function parseSub(args: readonly string[], flags: readonly FlagSpec[], positionals: number): ParsedArgs {
  const parsed = parseArgs(args, flags);
  if (parsed.help) return parsed;
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(positionals === 0 ? `unexpected argument ${JSON.stringify(parsed.positionals[0])}` : parsed.positionals.length === 0 ? 'a tag name is required' : `one tag at a time (got ${parsed.positionals.join(' ')})`);
  }
  return parsed;
}

export async function tagCommand(args: readonly string[], deps: TagDeps): Promise<number> {
  const [sub, ...rest] = args;
  const flagsOf: Record<string, readonly FlagSpec[]> = { set: SET_FLAGS, list: LIST_FLAGS, remove: REMOVE_FLAGS };
  const cl = await parseCommandLine(spec, () => {
    if (sub === undefined) return HELP;
    if (sub.startsWith('-')) {
      // Flags before the subcommand: pflag's errors (unknown, repeated) first, then the order.
      if (parseArgs(args, spec.flags).help) return HELP;
      throw new UsageError('the subcommand comes first: set, list or remove');
    }
    const flags = flagsOf[sub];
    if (!flags) throw new UsageError(`unknown subcommand ${JSON.stringify(sub)} (set, list, remove)`);
    const parsed = parseSub(rest, flags, sub === 'list' ? 0 : 1);
    if (parsed.help) return HELP;
    if (sub === 'set' && !parsed.values.get('revision')) throw new UsageError('-r/--revision is required');
    if (sub === 'list' && !['table', 'json', 'yaml'].includes(parsed.values.get('output') ?? 'table')) {
      throw new UsageError(`${parsed.spelled.get('output') ?? '-o'}: ${JSON.stringify(parsed.values.get('output'))}: expected table, json or yaml`);
    }
    flagBool(parsed, SET_FLAGS[1] as FlagSpec, {});
    if (sub === 'remove') flagBool(parsed, REMOVE_FLAGS[0] as FlagSpec, {});
    return parsed;
  });
  if (cl.exit !== undefined) return cl.exit;
  const parsed: ParsedArgs = cl.value;
  const str = (k: string) => flagValue(parsed, [...SET_FLAGS, ...LIST_FLAGS, ...REMOVE_FLAGS].find((f) => f.long === k) as FlagSpec, {})?.text;
  try {
    const kubeconfig = str('kubeconfig');
    const context = str('context');
    const client = await deps.connect({ ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}), timeoutMs: API_TIMEOUT_MS });
    const mwcs = await client.listMutatingWebhookConfigurations();
    const tag = parsed.positionals[0] ?? '';
    if (sub === 'set') {
      const plan = planSetTag({ tag, revision: str('revision') ?? '', overwrite: parsed.values.has('overwrite') && parsed.values.get('overwrite') !== 'false', mwcs });
      if (plan.replaces) await client.replaceMutatingWebhookConfiguration(plan.object);
      else await client.createMutatingWebhookConfiguration(plan.object);
      const rev = plan.object.metadata?.labels?.['sidecar-kit.io/rev'] ?? '';
      deps.stdout(`tag ${tag} ${plan.replaces ? 'moved' : 'set'} → revision ${rev} (MutatingWebhookConfiguration ${plan.object.metadata?.name ?? ''})\n`);
      return ExitCode.ok;
    }
    if (sub === 'remove') {
      const plan = planRemoveTag(tag, mwcs);
      const using = (await client.listNamespaces(`${REV_LABEL}=${tag}`)).map((n) => n.name);
      const force = parsed.values.has('skip-confirmation') && parsed.values.get('skip-confirmation') !== 'false';
      if (using.length > 0 && !force) {
        return reportFailure(`tag ${tag} is used by namespaces ${using.join(', ')}: relabel them, or give -y/--skip-confirmation (their new pods are then not injected)`);
      }
      for (const name of plan.names) await client.deleteMutatingWebhookConfiguration(name);
      deps.stdout(`tag ${tag} removed (MutatingWebhookConfiguration ${plan.names.join(', ')})\n`);
      return ExitCode.ok;
    }
    const tags = listTags(mwcs);
    const rows = [];
    for (const t of tags) rows.push({ ...t, namespaces: (await client.listNamespaces(`${REV_LABEL}=${t.tag}`)).map((n) => n.name) });
    const output = str('output') ?? 'table';
    if (output === 'json') deps.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    else if (output === 'yaml') deps.stdout((await import('yaml')).stringify(rows));
    else {
      deps.stdout(
        renderTable([
          ['TAG', 'REVISION', 'NAMESPACES', 'WEBHOOK', 'MANAGED BY'],
          ...rows.map((r) => [r.tag, r.revision, r.namespaces.join(',') || '-', r.webhook, r.product === 'istio' ? 'istio' : r.helmRelease ? `helm release ${r.helmRelease}` : 'sidecar-kit tag']),
        ]),
      );
    }
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof TagError) return reportFailure(e.message);
    return reportFailure(e instanceof Error ? e.message : String(e));
  }
}

export async function run(args: readonly string[]): Promise<number> {
  const { connectCluster } = await import('../cluster/load.js');
  return tagCommand(args, { connect: connectCluster, stdout: (t) => process.stdout.write(t) });
}
