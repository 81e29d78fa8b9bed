/**
 * `sidecar-kit coverage`: which pods are outside the mesh although the current webhook
 * configuration selects them, which ones failed their capture check, which ones run a sidecar
 * from an older configuration, and which controllers our webhook refused (docs/coverage.md).
 * Optionally recreates them through their owners (--recreate). Exit 0: no problem found; 3:
 * problems listed; 1: the cluster could not be read; 2: usage.
 */
import { ExitCode, flagBool, flagValue, HELP, noPositionals, parseArgs, parseCommandLine, reportFailure, UsageError, type CommandSpec, type FlagSpec, type Sourced } from '../cli-kit/convention.js';
import { assessCoverage, isProblem } from '../core/coverage/assess.js';
import { describeRepair, renderReport, type OutputFormat } from '../core/coverage/render.js';
import { kubeJson } from '../kube/json-client.js';
import { readCoverageInput } from './cluster.js';
import { CONTEXT_FLAG, KUBECONFIG_FLAG, loadKubeConfig } from './kube-access.js';
import { applyRepairs } from '../kube/coverage-repair.js';

const OUTPUT: FlagSpec = { long: 'output', short: 'o', value: 'table|json|yaml', default: 'table', help: 'output format: a table of the problems, or every pod in JSON or YAML' };
const NAMESPACE: FlagSpec = { long: 'namespace', short: 'n', value: 'NS', help: 'only this namespace (default: all)' };
const ALL: FlagSpec = { long: 'all', help: 'the table lists every pod, not only the problems' };
const RECREATE: FlagSpec = { long: 'recreate', help: 'recreate missingSidecar and stale pods through their owners (rollout restart; delete a bare ReplicaSet\'s pod); never a pod without an owner' };
const MAX: FlagSpec = { long: 'max-recreations', value: 'N', default: '5', help: 'with --recreate: at most N actions this run; the rest are listed as deferred' };
const GAP: FlagSpec = { long: 'recreate-interval', value: 'SECONDS', default: '10', help: 'with --recreate: pause between two actions' };

export const FINDINGS_EXIT = 3;

export const spec: CommandSpec = {
  name: 'coverage',
  summary: 'list pods outside the mesh: not injected though selected, capture failed, stale sidecar, refused',
  usage: ['[flags]'],
  description:
    'Read the cluster and report every pod the current webhook configuration selects that is not\n' +
    'in the mesh as it should be: missingSidecar (admitted while the webhook was unreachable under\n' +
    'failurePolicy Ignore, or created before it or its namespace was labelled), captureFailed\n' +
    '(istio-validation failed: the CNI plugin never programmed the pod), stale (its sidecar is not\n' +
    'what injection gives now: revision, image, arguments, environment, native or classic), and\n' +
    'refused (a controller that our webhook refused or could not reach, with no pod created since).\n' +
    'Needs list on pods, namespaces, replicasets, events, nodes and mutatingwebhookconfigurations,\n' +
    'and get on the webhook Deployment and its ConfigMaps; --recreate needs patch on deployments,\n' +
    'statefulsets, daemonsets and delete on pods.',
  flags: [OUTPUT, NAMESPACE, ALL, RECREATE, MAX, GAP, KUBECONFIG_FLAG, CONTEXT_FLAG],
  examples: [
    { comment: 'the problems of the whole cluster, as a table', command: 'sidecar-kit coverage' },
    { comment: 'every pod of one namespace, as JSON', command: 'sidecar-kit coverage -n shop -o json --all' },
    { comment: 'recreate what is outside the mesh, two workloads at most, a minute apart', command: 'sidecar-kit coverage --recreate --max-recreations 2 --recreate-interval 60' },
    { comment: 'fail a pipeline step while anything is outside the mesh', command: "sidecar-kit coverage -o yaml > coverage.yaml || echo 'pods outside the mesh'" },
  ],
  exitCodes: [{ code: FINDINGS_EXIT, meaning: 'problems were found (listed); 0 means none' }],
};

interface Options {
  format: OutputFormat;
  namespace: string | undefined;
  all: boolean;
  recreate: boolean;
  max: number;
  gapMs: number;
  kubeconfig: { file: Sourced | undefined; context: string | undefined };
}

function parse(args: readonly string[]): Options | typeof HELP {
  const parsed = parseArgs(args, spec.flags);
  if (parsed.help) return HELP;
  noPositionals(parsed);
  const env = process.env;
  const out = flagValue(parsed, OUTPUT, env);
  const format = (out?.text ?? 'table') as OutputFormat;
  if (!['table', 'json', 'yaml'].includes(format)) throw new UsageError(`${out?.from}: ${JSON.stringify(out?.text)}: expected table, json or yaml`);
  const int = (f: FlagSpec, def: number) => {
    const v = flagValue(parsed, f, env);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v.text)) throw new UsageError(`${v.from}: ${JSON.stringify(v.text)}: expected a whole number`);
    return Number(v.text);
  };
  const recreate = flagBool(parsed, RECREATE, env) ?? false;
  if (!recreate && (parsed.values.has(MAX.long) || parsed.values.has(GAP.long))) throw new UsageError('--max-recreations and --recreate-interval only go with --recreate');
  return {
    format,
    namespace: flagValue(parsed, NAMESPACE, env)?.text,
    all: flagBool(parsed, ALL, env) ?? false,
    recreate,
    max: int(MAX, 5),
    gapMs: int(GAP, 10) * 1000,
    kubeconfig: { file: flagValue(parsed, KUBECONFIG_FLAG, env), context: flagValue(parsed, CONTEXT_FLAG, env)?.text },
  };
}

export async function run(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => parse(args));
  if (cl.exit !== undefined) return cl.exit;
  const o = cl.value;
  let api;
  try {
    api = kubeJson(loadKubeConfig(o.kubeconfig.file, o.kubeconfig.context));
  } catch (err) {
    return reportFailure((err as Error).message);
  }
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  let report;
  try {
    report = assessCoverage(await readCoverageInput(api, { namespace: o.namespace, warn }));
  } catch (err) {
    return reportFailure(`reading the cluster: ${(err as Error).message}`);
  }
  process.stdout.write(renderReport(report, o.format, o.all));
  if (o.recreate) {
    const actions = await applyRepairs(api, report.findings, { max: o.max, gapMs: o.gapMs, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    for (const a of actions) process.stderr.write(`recreate: ${a.namespace}: ${a.action}: ${a.result}${a.detail ? ` (${a.detail})` : ''}\n`);
    const skipped = report.findings.filter((f) => isProblem(f) && f.repair.kind === 'none');
    for (const f of skipped) process.stderr.write(`recreate: ${f.namespace}/${f.pod ?? f.owner?.name ?? ''}: left alone: ${describeRepair(f.repair)}\n`);
  }
  return report.findings.some(isProblem) ? FINDINGS_EXIT : ExitCode.ok;
}
