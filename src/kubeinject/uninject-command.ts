/**
 * `sidecar-kit kube-uninject`: takes manifests out of the mesh (docs/kube-inject.md). Reads
 * manifests like kube-inject (-f file, directory or stdin, size-bounded), runs the pure
 * uninjection (./uninject-manifest.ts), writes the result (stdout, or -o replaced atomically)
 * and reports per object on stderr what was left as it was or could not be restored.
 */
import {
  ExitCode,
  HELP,
  flagBool,
  noPositionals,
  parseArgs,
  parseCommandLine,
  reportFailure,
  type CommandSpec,
  type FlagSpec,
} from '../cli-kit/convention.js';
import { OutputClosedError, resolveOutput, writeFileAtomically, writeToStream } from './io.js';
import { inputFlags, readInputFlags } from './file-flags.js';
import { InputError, readManifests } from './read-manifests.js';
import { uninjectManifest } from './uninject-manifest.js';

const FLAGS: readonly FlagSpec[] = [
  ...inputFlags('injected manifest (required): a file, a directory (its *.yaml, *.yml and *.json files, in name order) or - for stdin'),
  { long: 'quiet', short: 'q', help: 'do not report objects that were not injected (notes about what could not be restored are still printed)' },
];

export const spec: CommandSpec = {
  name: 'kube-uninject',
  summary: 'take workload manifests out of the mesh: remove what kube-inject or the webhook added (the inverse of kube-inject)',
  usage: ['-f FILE [-o FILE] [flags]'],
  description:
    'Remove the Istio sidecar from injected Kubernetes workload manifests (the output of\n' +
    '`sidecar-kit kube-inject` or `istioctl kube-inject`, or workloads read back from a cluster),\n' +
    'driven by the sidecar.istio.io/status annotation each injection leaves: the containers, init\n' +
    'containers, volumes and image pull secrets it names go; probes, lifecycle hooks and Prometheus\n' +
    'annotations the injection rewrote are restored; labels and annotations the template added are\n' +
    'dropped when injection would render the same value again. Every kind kube-inject handles\n' +
    '(Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob, ReplicationController,\n' +
    'DeploymentConfig, List); other documents pass through unchanged.\n' +
    'Objects that were not injected are left as they are and named on stderr; notes name what could\n' +
    'not be restored. A status annotation that does not parse fails the run: nothing is written.',
  flags: FLAGS,
  examples: [
    { comment: 'the round trip: inject, then take the sidecar out again', command: 'sidecar-kit kube-inject -f app.yaml | sidecar-kit kube-uninject -f -' },
    { comment: 'uninject a file into another', command: 'sidecar-kit kube-uninject -f app-injected.yaml -o app.yaml' },
    { comment: "a deployment read back from the cluster, re-applied without the sidecar", command: 'kubectl get deploy web -o yaml | sidecar-kit kube-uninject -f - | kubectl apply -f -' },
    { comment: 'every manifest of a directory', command: 'sidecar-kit kube-uninject -f manifests/' },
  ],
};

const flag = (long: string): FlagSpec => FLAGS.find((f) => f.long === long) as FlagSpec;

export async function run(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => {
    const parsed = parseArgs(args, FLAGS);
    if (parsed.help) return HELP;
    noPositionals(parsed);
    return { quiet: flagBool(parsed, flag('quiet'), {}) === true, input: readInputFlags(parsed, FLAGS) };
  });
  if (cl.exit !== undefined) return cl.exit;
  const { quiet, input } = cl.value;
  try {
    const output = input.output === undefined ? ({ kind: 'stdout' } as const) : await resolveOutput(input.output.path, input.output.flag);
    const manifests = await readManifests(input.filename, input.filenameFlag, input.maxInputBytes);
    // Every manifest is processed before anything is written: a failure leaves no partial output.
    const results = manifests.map((m) => {
      try {
        return uninjectManifest(m.text);
      } catch (e) {
        if (manifests.length === 1) throw e;
        throw new InputError(`${m.path}: ${(e as Error).message}`, { cause: e });
      }
    });
    const text = results.map((r) => r.output).join('');
    const notes = results.flatMap((r) => r.notes).filter((n) => !quiet || !n.includes(': not injected ('));
    if (output.kind === 'file') await writeFileAtomically(output, text);
    else await writeToStream(process.stdout, text);
    if (notes.length > 0) process.stderr.write(notes.join(''));
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof OutputClosedError) {
      process.stdout.on('error', () => undefined);
      return ExitCode.ok;
    }
    return reportFailure(e instanceof Error ? e.message : String(e));
  }
}
