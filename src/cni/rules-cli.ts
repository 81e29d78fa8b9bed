/**
 * `sidecar-kit cni-rules --pod FILE [--ipv6 true|false]`: the iptables-restore input the CNI
 * plugin would program for a pod, without touching any namespace (conformance contract
 * `cni-rules`). FILE holds one pod: a Pod, or a workload whose pod template stands for it, in
 * any multi-document YAML (such as kube-inject's output). A skipped pod prints nothing; an
 * invalid annotation exits 1 naming it.
 */
import { readFileSync } from 'node:fs';
import { ExitCode, flagValue, HELP, noPositionals, parseArgs, parseCommandLine, reportFailure, UsageError, type CommandSpec, type FlagSpec } from '../cli-kit/convention.js';
import { buildRules } from '../core/capture/build.js';
import { renderIptables } from '../core/capture/iptables.js';
import { captureConfigFromRedirect } from '../core/cni/capture-settings.js';
import { parsePodView } from '../core/cni/pod-facts.js';
import { redirectFromPod } from '../core/cni/redirect.js';
import { describeFsError } from '../core/format/fs-error.js';
import { podsOfDocument } from '../core/k8s/pod-templates.js';
import { parseYamlDocument, splitYamlDocuments } from '../core/yaml/parse.js';

const POD: FlagSpec = { long: 'pod', value: 'FILE', help: 'the pod (required): a Pod or one workload, in YAML or JSON; - reads stdin' };
const IPV6: FlagSpec = { long: 'ipv6', value: 'true|false', default: 'false', help: 'also print the IPv6 (ip6tables-restore) rules' };

export const spec: CommandSpec = {
  name: 'cni-rules',
  summary: 'print the iptables rules the CNI plugin would program for a pod',
  usage: ['--pod FILE [flags]'],
  description:
    'Print the iptables-restore input the istio-cni plugin would program in the network namespace\n' +
    "of a pod, decided from its annotations and istio-proxy container as the plugin decides. FILE\n" +
    'may hold several documents (kube-inject output): exactly one of them must be a Pod or a\n' +
    'workload with a pod template. A pod the plugin skips prints nothing (the reason goes to stderr).',
  flags: [POD, IPV6],
  examples: [
    { comment: 'the rules for an injected pod', command: 'sidecar-kit cni-rules --pod pod.yaml' },
    { comment: "straight from kube-inject's output", command: 'sidecar-kit kube-inject -f deployment.yaml | sidecar-kit cni-rules --pod -' },
  ],
};

export async function run(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => {
    const parsed = parseArgs(args, spec.flags);
    if (parsed.help) return HELP;
    noPositionals(parsed);
    const pod = flagValue(parsed, POD, {});
    if (pod === undefined) throw new UsageError('--pod is required');
    const v6 = flagValue(parsed, IPV6, {});
    if (v6 !== undefined && v6.text !== 'true' && v6.text !== 'false') throw new UsageError(`--ipv6: ${JSON.stringify(v6.text)}: expected true or false`);
    return { path: pod.text, written: pod.from, ipv6: v6?.text === 'true' };
  });
  if (cl.exit !== undefined) return cl.exit;
  const { path, written, ipv6 } = cl.value;
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    return reportFailure(`${written}: ${path}: ${describeFsError(err)}`);
  }
  try {
    const pod = parsePodView(onePod(text));
    const decision = redirectFromPod(pod);
    if (decision.kind === 'skip') {
      process.stderr.write(`pod skipped: ${decision.reason}\n`);
      return ExitCode.ok;
    }
    const rules = buildRules(captureConfigFromRedirect(decision.redirect, { ipv6, nativeNftables: false }));
    process.stdout.write(renderIptables(rules, 'v4') + (ipv6 ? renderIptables(rules, 'v6') : ''));
    return ExitCode.ok;
  } catch (err) {
    return reportFailure(`${written}: ${path}: ${(err as Error).message}`);
  }
}

/** The one pod of a (multi-document) manifest; throws naming what was found instead. */
function onePod(text: string): unknown {
  const pods = splitYamlDocuments(text).flatMap((raw) => podsOfDocument(parseYamlDocument(raw)));
  const [first, ...more] = pods;
  if (first === undefined) throw new Error('no Pod and no workload with a pod template in the file');
  if (more.length > 0) throw new Error(`${pods.length} pods in the file (${pods.map((p) => p.subject).join(', ')}); pass a file with one`);
  return first.pod;
}
