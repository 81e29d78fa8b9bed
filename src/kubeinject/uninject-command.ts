/**
 * `sidecar-kit kube-uninject`: takes manifests out of the mesh (docs/kube-inject.md). Reads
 * manifests like kube-inject (-f file, directory or stdin, size-bounded), runs the pure
 * uninjection (./uninject-manifest.ts), writes the result (stdout, or -o replaced atomically)
 * and reports per object on stderr what was left as it was or could not be restored.
 */
import {
  ExitCode,
  flagBool,
  flagValue,
  noPositionals,
  parseArgs,
  printHelp,
  reportFailure,
  reportUsageError,
  UsageError,
  type CommandSpec,
  type FlagSpec,
  type ParsedArgs,
} from '../cli-kit/convention.js';
import { DEFAULT_MAX_INPUT_BYTES, formatByteSize, OutputClosedError, parseByteSize, resolveOutput, writeFileAtomically, writeToStream } from './io.js';
import { InputError, readManifests } from './read-manifests.js';
import { uninjectManifest } from './uninject-manifest.js';

const FLAGS: readonly FlagSpec[] = [
  { long: 'filename', short: 'f', value: 'FILE', help: 'injected manifest (required): a file, a directory (its *.yaml, *.yml and *.json files, in name order) or - for stdin' },
  { long: 'output', short: 'o', value: 'FILE', help: 'write the result to FILE (replaced atomically, through symlinks; regular files only) instead of stdout' },
  { long: 'maxInputBytes', value: 'SIZE', help: 'refuse input larger than SIZE in all (bytes, or with a Ki, Mi, Gi, k, M or G suffix)', default: formatByteSize(DEFAULT_MAX_INPUT_BYTES) },
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
  let parsed: ParsedArgs;
  let quiet: boolean;
  try {
    parsed = parseArgs(args, FLAGS);
    if (parsed.help) return await printHelp(spec);
    noPositionals(parsed);
    quiet = flagBool(parsed, flag('quiet'), {}) === true;
  } catch (e) {
    if (e instanceof UsageError) return reportUsageError(spec.name, e);
    throw e;
  }
  const str = (k: string): string | undefined => flagValue(parsed, flag(k), {})?.text;
  const filename = str('filename');
  if (!filename) return reportUsageError(spec.name, new UsageError('filename not specified (see --filename or -f)'));
  const sizeText = flagValue(parsed, flag('maxInputBytes'), {});
  const maxInput = sizeText === undefined ? DEFAULT_MAX_INPUT_BYTES : parseByteSize(sizeText.text);
  if (maxInput === undefined || maxInput <= 0) {
    return reportUsageError(spec.name, new UsageError(`${sizeText?.from}: ${JSON.stringify(sizeText?.text)}: expected a size in bytes, optionally with a Ki, Mi, Gi, k, M or G suffix`));
  }
  try {
    const outputPath = str('output');
    const output = outputPath === undefined ? ({ kind: 'stdout' } as const) : await resolveOutput(outputPath, parsed.spelled.get('output') ?? '-o');
    const manifests = await readManifests(filename, parsed.spelled.get('filename') ?? '-f', maxInput);
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
