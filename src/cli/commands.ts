/** The subcommand table. A command module exports `run(args) => Promise<exit code>`. */
export interface CommandModule {
  run(args: readonly string[]): Promise<number>;
}

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'version',
    summary: 'print the version',
    load: async () => ({ run: async () => (process.stdout.write('0.1.0\n'), 0) }),
  },
  {
    name: 'kube-inject',
    summary: 'inject the Istio sidecar into workload manifests offline, like istioctl kube-inject (-f FILE)',
    load: () => import('../kubeinject/command.js'),
  },
  {
    name: 'istio-iptables',
    summary: "program Istio's traffic capture rules (iptables or native nftables), like pilot-agent istio-iptables",
    load: () => import('../init/command.js'),
  },
  {
    name: 'cni-rules',
    summary: 'print the rules the CNI plugin would program for a pod (--pod FILE [--ipv6 true|false])',
    load: () => import('../cni/rules-cli.js'),
  },
  {
    name: 'cni-install',
    summary: 'install the chained CNI plugin on a node; `cni-install merge-conflist` prints a merge',
    load: () => import('../cni/install-cli.js'),
  },
  {
    name: 'webhook',
    summary: 'serve the sidecar injection admission webhook over HTTPS (--self-signed or --tlsCertFile/--tlsKeyFile)',
    load: () => import('../webhook/command.js'),
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((c) => c.name === name);
}
