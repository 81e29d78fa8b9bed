/**
 * Keeps our CA in the `caBundle` of every webhook of the named MutatingWebhookConfiguration,
 * like istiod's webhook patcher: it watches that one object (field selector on its name) and
 * re-patches whenever something (a Helm upgrade, GitOps sync, a person) writes another value.
 * The JSON patch tests each webhook's name at its index first, so a concurrent reorder makes
 * the patch fail cleanly instead of writing the bundle into the wrong entry.
 *
 * Replicas of a `--self-signed` webhook run one patcher each; they agree because they all write
 * the bundle derived from the one CA Secret (kube/ca-secret.ts), so the first write satisfies
 * every patcher and none of them writes again. `setCaPem` switches to a rotated CA.
 */
import {
  AdmissionregistrationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1MutatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeAccess } from './client.js';
import { startInformer } from '../../kube/informer.js';

export interface CaBundlePatcherOptions {
  readonly access: KubeAccess;
  readonly webhookConfigName: string;
  readonly caPem: string;
  readonly logger: Logger;
  readonly onPatch?: (result: 'ok' | 'error') => void;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

export interface CaBundlePatcher {
  /** Keeps this CA (PEM bundle) from now on and writes it at once where it differs. */
  setCaPem(caPem: string): void;
  stop(): Promise<void>;
}

type JsonPatchOp = { op: 'test' | 'replace' | 'add'; path: string; value: unknown };

/** The JSON patch that puts `caBundle` into every webhook lacking it; empty when all have it. */
export function caBundlePatch(mwc: V1MutatingWebhookConfiguration, caBundle: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  (mwc.webhooks ?? []).forEach((wh, i) => {
    if (wh.clientConfig?.caBundle === caBundle) return;
    ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: wh.name });
    const hasClientConfig = wh.clientConfig !== undefined && wh.clientConfig !== null;
    ops.push(
      hasClientConfig
        ? { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle }
        : { op: 'add', path: `/webhooks/${i}/clientConfig`, value: { caBundle } },
    );
  });
  return ops;
}

export function startCaBundlePatcher(opts: CaBundlePatcherOptions): CaBundlePatcher {
  const { logger, webhookConfigName: name } = opts;
  let caBundle = Buffer.from(opts.caPem).toString('base64');
  const api = opts.access.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  let missingLogged = false;
  let inFlight = false;
  let again = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let stopped = false;
  const { initial, max } = opts.backoffMs ?? { initial: 1000, max: 60_000 };

  const reconcile = async (items: readonly V1MutatingWebhookConfiguration[]) => {
    const mwc = items.find((m) => m.metadata?.name === name);
    if (!mwc) {
      if (!missingLogged) logger.warn({ name }, 'MutatingWebhookConfiguration not found; will patch its caBundle when it appears');
      missingLogged = true;
      return;
    }
    const ops = caBundlePatch(mwc, caBundle);
    if (ops.length === 0) return;
    try {
      await api.patchMutatingWebhookConfiguration({ name, body: ops }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      failures = 0;
      logger.info({ name, webhooks: ops.length / 2 }, 'caBundle written into the MutatingWebhookConfiguration');
      opts.onPatch?.('ok');
    } catch (err) {
      const delay = Math.min(max, initial * 2 ** Math.min(failures++, 16));
      logger.warn({ name, err: (err as Error).message, retryInMs: delay }, 'could not patch the caBundle; retrying');
      opts.onPatch?.('error');
      clearTimeout(retry);
      retry = setTimeout(() => schedule(cache.items() ?? []), delay);
      retry.unref();
    }
  };
  // One reconcile at a time; changes arriving meanwhile trigger one more pass with fresh data.
  const schedule = (items: readonly V1MutatingWebhookConfiguration[]) => {
    if (stopped) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    void reconcile(items).finally(() => {
      inFlight = false;
      if (again) {
        again = false;
        schedule(cache.items() ?? []);
      }
    });
  };
  const cache = startInformer<V1MutatingWebhookConfiguration>({
    kubeConfig: opts.access.kubeConfig,
    path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    list: () => api.listMutatingWebhookConfiguration({ fieldSelector: `metadata.name=${name}` }),
    fieldSelector: `metadata.name=${name}`,
    what: `MutatingWebhookConfiguration ${name}`,
    logger,
    onChange: schedule,
    ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
  });
  return {
    setCaPem(caPem) {
      const next = Buffer.from(caPem).toString('base64');
      if (next === caBundle) return;
      caBundle = next;
      if (cache.synced()) schedule(cache.items() ?? []);
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await cache.stop();
    },
  };
}
