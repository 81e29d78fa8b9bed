/**
 * The subcommand table. A command module exports `run(args) => Promise<exit code>`; every
 * command follows the convention of ./convention.ts (help, exit codes, error wording).
 *
 * In the bundle (scripts/build.mjs) every command is its own self-contained file under
 * dist/commands/, and the entry imports only the one being run: no chunk shared between commands
 * is parsed at start-up (an init container or CNI ADD pays for its own code alone). From source
 * (tsx, vitest) the modules are imported directly.
 *
 * The single executable (scripts/build-executable.mjs, SK_BUNDLED_BUILD=executable) holds every
 * command in one CommonJS bundle, except the two that run inside the cluster from their images
 * (the webhook starts worker threads from files beside it; cni-install copies the `istio-cni`
 * executable beside it): those answer with where to run them from.
 */
export interface CommandModule {
  run(args: readonly string[]): Promise<number>;
}

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

/** Set to "1" by the bundler; the source branch of each loader is then dropped from the entry. */
const bundled = process.env.SK_BUNDLED_BUILD === '1';
/** Set by the single executable's build: the commands it leaves out are then dropped from it. */
const executable = process.env.SK_BUNDLED_BUILD === 'executable';

function loadBuilt(name: string): Promise<CommandModule> {
  // A computed specifier keeps the bundler from inlining the command into the entry.
  const specifier = `./commands/${name}.js`;
  return import(specifier) as Promise<CommandModule>;
}

/** A command the single executable does not carry: a usage error saying where it runs. */
function notInExecutable(name: string): Promise<CommandModule> {
  return Promise.resolve({
    run: () => {
      process.stderr.write(
        `error: ${name} is not part of the single executable: it runs in the cluster from sidecar-kit's image (or with \`node dist/sidecar-kit.js ${name}\` from the npm package)\n`,
      );
      return Promise.resolve(2);
    },
  });
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'kube-inject',
    summary: 'inject the Istio sidecar into workload manifests, like istioctl kube-inject (offline or from a cluster)',
    load: () => (bundled ? loadBuilt('kube-inject') : import('../kubeinject/command.js')),
  },
  {
    name: 'kube-uninject',
    summary: 'take workload manifests out of the mesh: remove what kube-inject or the webhook added (the inverse of kube-inject)',
    load: () => (bundled ? loadBuilt('kube-uninject') : import('../kubeinject/uninject-command.js')),
  },
  {
    name: 'check-inject',
    summary: 'explain whether a pod, workload or manifest would be injected, by which webhook entry and templates, or why not',
    load: () => (bundled ? loadBuilt('check-inject') : import('../checkinject/command.js')),
  },
  {
    name: 'tag',
    summary: 'set, list and remove revision tags (istio.io/rev=<tag> → a sidecar-kit revision) on a cluster',
    load: () => (bundled ? loadBuilt('tag') : import('../tag/command.js')),
  },
  {
    name: 'webhook',
    summary: 'serve the sidecar injection admission webhook over HTTPS',
    load: () => (executable ? notInExecutable('webhook') : bundled ? loadBuilt('webhook') : import('../webhook/command.js')),
  },
  {
    name: 'istio-iptables',
    summary: "program Istio's traffic capture rules (iptables or native nftables), like pilot-agent istio-iptables",
    load: () => (bundled ? loadBuilt('istio-iptables') : import('../init/command.js')),
  },
  {
    name: 'cni-install',
    summary: 'install the chained CNI plugin on a node (a DaemonSet container); merge-conflist prints a merge',
    load: () => (executable ? notInExecutable('cni-install') : bundled ? loadBuilt('cni-install') : import('../cni/install-cli.js')),
  },
  {
    name: 'cni-rules',
    summary: 'print the iptables rules the CNI plugin would program for a pod',
    load: () => (bundled ? loadBuilt('cni-rules') : import('../cni/rules-cli.js')),
  },
  {
    name: 'coverage',
    summary: 'list pods outside the mesh: not injected though selected, capture failed, stale sidecar, refused',
    load: () => (bundled ? loadBuilt('coverage') : import('../coverage/command.js')),
  },
  {
    name: 'preflight',
    summary: 'check that injection will work on this cluster, and say what fixes each problem',
    load: () => (bundled ? loadBuilt('preflight') : import('../coverage/preflight-command.js')),
  },
  {
    name: 'version',
    summary: 'print the version',
    load: () => (bundled ? loadBuilt('version') : import('./version-command.js')),
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((c) => c.name === name);
}
