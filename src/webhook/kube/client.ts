/**
 * Finds API access the way client tools do: `--kubeconfig`/`KUBECONFIG`, then the in-cluster
 * service account. Returns `undefined` when there is none, so the webhook can run (and be
 * tested) without a cluster: native-sidecar `auto` then falls back to off, as istiod does
 * without a node client.
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { describeFsError } from '../../core/format/fs-error.js';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeAccess {
  readonly kubeConfig: KubeConfig;
  /** Where the configuration came from, for the start-up log. */
  readonly source: string;
}

export function findKubeAccess(opts: { kubeconfig?: string; env?: NodeJS.ProcessEnv } = {}): KubeAccess | undefined {
  const env = opts.env ?? process.env;
  const file = opts.kubeconfig || env.KUBECONFIG;
  const kc = new KubeConfig();
  if (file) {
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new Error(`${opts.kubeconfig ? '--kubeconfig' : 'KUBECONFIG'}: ${file}: ${describeFsError(err)}`, { cause: err });
    }
    return { kubeConfig: kc, source: `kubeconfig ${file}` };
  }
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) {
    kc.loadFromCluster();
    return { kubeConfig: kc, source: 'in-cluster service account' };
  }
  return undefined;
}

export function kubeAccessFromOptions(options: object, source: string): KubeAccess {
  const kc = new KubeConfig();
  kc.loadFromOptions(options);
  return { kubeConfig: kc, source };
}
