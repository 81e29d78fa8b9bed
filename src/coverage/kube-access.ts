/**
 * The cluster access of the operator commands (coverage, preflight): `--kubeconfig`, else
 * `KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account, with `--context`.
 * Errors (exit 1, as for any unreadable input file) name the flag or variable (docs/cli.md).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { FlagSpec, Sourced } from '../cli-kit/convention.js';
import { describeFsError } from '../core/format/fs-error.js';

export const KUBECONFIG_FLAG: FlagSpec = { long: 'kubeconfig', value: 'FILE', env: ['KUBECONFIG'], help: 'kubeconfig file (default: ~/.kube/config, else the in-cluster service account)' };
export const CONTEXT_FLAG: FlagSpec = { long: 'context', value: 'NAME', help: 'kubeconfig context (default: the current one)' };

export function loadKubeConfig(file: Sourced | undefined, context: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  const home = join(homedir(), '.kube', 'config');
  const path = file?.text ?? (existsSync(home) ? home : undefined);
  if (path !== undefined) {
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new Error(`${file?.from ?? '~/.kube/config'}: ${path}: ${describeFsError(err)}`);
    }
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    throw new Error('no cluster: pass --kubeconfig or set KUBECONFIG');
  }
  if (context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === context)) throw new Error(`--context: ${JSON.stringify(context)}: no such context in the kubeconfig`);
    kc.setCurrentContext(context);
  }
  return kc;
}
