/**
 * `sidecar-kit preflight`: will injection work on this cluster? Checks, and explains each
 * failure with the command that fixes it (docs/preflight.md): the API server reaches the webhook
 * (a server-side dry-run pod create comes back injected), the caBundle verifies each replica's
 * serving certificate, each node's netfilter and IPv6 state and our plugin in its conflist (CNI
 * mode, from the node agent), the selected namespaces' Pod Security level against what
 * injection adds. Exit 0: nothing failed (warnings allowed); 3: a check failed; 1: the cluster
 * could not be read; 2: usage.
 */
import { ExitCode, flagValue, HELP, noPositionals, parseArgs, parseCommandLine, reportFailure, UsageError, type CommandSpec, type FlagSpec } from '../cli-kit/convention.js';
import { restrictedSamplePod } from '../core/coverage/pod-security.js';
import { judgePreflight, SAMPLE_POD_NAME } from '../core/coverage/preflight.js';
import { renderPreflight } from '../core/coverage/preflight-render.js';
import { kubeJson } from '../kube/json-client.js';
import { CONTEXT_FLAG, KUBECONFIG_FLAG, loadKubeConfig } from './kube-access.js';
import { gatherPreflight } from './preflight-cluster.js';

const OUTPUT: FlagSpec = { long: 'output', short: 'o', value: 'table|json|yaml', default: 'table', help: 'output format: a table and the fixes, or every check in JSON or YAML' };
const NAMESPACE: FlagSpec = { long: 'namespace', short: 'n', value: 'NS', help: 'the namespace of the dry-run pod create (default: a namespace the webhook selects)' };
const TIMEOUT: FlagSpec = { long: 'timeout', value: 'SECONDS', default: '20', help: 'bound of each request, port-forward and TLS handshake' };

export const FAILED_EXIT = 3;

export const spec: CommandSpec = {
  name: 'preflight',
  summary: 'check that injection will work on this cluster, and say what fixes each problem',
  usage: ['[flags]'],
  description:
    'Check the cluster for what makes pods end up outside the mesh, and print the command that\n' +
    'fixes each problem:\n' +
    '  webhookReachable  a server-side dry-run pod create in a namespace the webhook selects comes\n' +
    '                    back injected (admission runs, nothing is stored)\n' +
    '  caBundle          each webhook replica\'s serving certificate verifies against the caBundle\n' +
    '                    of every entry for the Service\'s DNS name (through a port-forward)\n' +
    '  nodeNetfilter     each node\'s netfilter (legacy tables in use, nf_tables / ip_tables in the\n' +
    '                    kernel) and whether IPv6 is disabled, as the CNI node agent reports them\n' +
    '  cniPlugin         in CNI mode, the node agent on every node is Ready with our plugin in the\n' +
    '                    node\'s conflist\n' +
    '  podSecurity       each selected namespace\'s enforced Pod Security level against what\n' +
    '                    injection adds (init mode: istio-init needs NET_ADMIN and NET_RAW)\n' +
    'Needs get/list on mutatingwebhookconfigurations, namespaces, nodes, pods, services,\n' +
    'deployments, daemonsets and configmaps; create on pods (dry run only), pods/portforward and\n' +
    'pods/proxy (the node agents\' metrics).',
  flags: [OUTPUT, NAMESPACE, TIMEOUT, KUBECONFIG_FLAG, CONTEXT_FLAG],
  examples: [
    { comment: 'check the cluster of the current context', command: 'sidecar-kit preflight' },
    { comment: 'try the webhook with a dry-run pod in namespace shop, as JSON', command: 'sidecar-kit preflight -n shop -o json' },
    { comment: 'gate a rollout on it', command: "sidecar-kit preflight -o yaml > preflight.yaml || echo 'injection is not ready'" },
  ],
  exitCodes: [{ code: FAILED_EXIT, meaning: 'a check failed (each with the command that fixes it); 0 means none failed (warnings allowed)' }],
};

interface Options {
  format: 'table' | 'json' | 'yaml';
  namespace: string | undefined;
  timeoutMs: number;
  kubeconfig: { file: ReturnType<typeof flagValue>; context: string | undefined };
}

function parse(args: readonly string[]): Options | typeof HELP {
  const parsed = parseArgs(args, spec.flags);
  if (parsed.help) return HELP;
  noPositionals(parsed);
  const env = process.env;
  const out = flagValue(parsed, OUTPUT, env);
  const format = (out?.text ?? 'table') as Options['format'];
  if (!['table', 'json', 'yaml'].includes(format)) throw new UsageError(`${out?.from}: ${JSON.stringify(out?.text)}: expected table, json or yaml`);
  const t = flagValue(parsed, TIMEOUT, env);
  if (t !== undefined && !/^[1-9]\d*$/.test(t.text)) throw new UsageError(`${t.from}: ${JSON.stringify(t.text)}: expected a whole number of seconds above 0`);
  return {
    format,
    namespace: flagValue(parsed, NAMESPACE, env)?.text,
    timeoutMs: Number(t?.text ?? '20') * 1000,
    kubeconfig: { file: flagValue(parsed, KUBECONFIG_FLAG, env), context: flagValue(parsed, CONTEXT_FLAG, env)?.text },
  };
}

export async function run(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => parse(args));
  if (cl.exit !== undefined) return cl.exit;
  const o = cl.value;
  let kc;
  try {
    kc = loadKubeConfig(o.kubeconfig.file, o.kubeconfig.context);
  } catch (err) {
    return reportFailure((err as Error).message);
  }
  const api = kubeJson(kc, o.timeoutMs);
  const sample = restrictedSamplePod(o.namespace ?? 'default', SAMPLE_POD_NAME);
  let facts;
  try {
    facts = await gatherPreflight(kc, api, {
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      sample,
      timeoutMs: o.timeoutMs,
      now: () => new Date(),
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
      progress: (m) => process.stderr.write(`preflight: ${m}\n`),
    });
  } catch (err) {
    return reportFailure(`reading the cluster: ${(err as Error).message}`);
  }
  const report = judgePreflight(facts, sample);
  process.stdout.write(renderPreflight(report, o.format));
  return report.counts.fail > 0 ? FAILED_EXIT : ExitCode.ok;
}
