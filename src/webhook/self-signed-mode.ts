/**
 * `--self-signed`, highly available: the CA comes from a Secret shared by every replica
 * (created by whichever replica starts first, kube/ca-secret.ts), each process issues and
 * renews its own serving certificate from it (certs/serving-certs.ts), and every replica's
 * caBundle patcher writes the same bundle, so they agree instead of overwriting each other.
 * The Secret is watched: a rotated CA re-issues the serving certificate in place
 * (setSecureContext) and moves the caBundle; a deleted Secret is re-created with the CA in use;
 * an invalid one is refused (logged, counted) and the current CA kept.
 *
 * Without API access (local runs, tests) the CA is made in memory and nothing is shared.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createCa, serviceHosts } from './certs/self-signed.js';
import { startServingCerts, type ServingCerts } from './certs/serving-certs.js';
import type { TlsMaterial } from './certs/tls-files.js';
import { startCaBundlePatcher, type CaBundlePatcher } from './kube/cabundle.js';
import {
  caBundleFor,
  createCaSecretIfAbsent,
  describeApiError,
  loadOrCreateCaSecret,
  sharedCaFromSecret,
  watchCaSecret,
  type CaSecretRef,
  type SharedCa,
} from './kube/ca-secret.js';
import type { KubeAccess } from './kube/client.js';
import type { WatchedCache } from '../kube/informer.js';
import type { WebhookMetrics } from './metrics.js';
import type { WebhookOptions } from './options.js';
import type { WallClock } from './wall-clock.js';

export interface SelfSignedModeDeps {
  readonly access: KubeAccess | undefined;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  readonly clock: WallClock;
  /** Installs a new serving certificate into the running server. */
  readonly apply: (m: TlsMaterial) => void;
}

export interface SelfSignedMode {
  readonly certs: ServingCerts;
  /** The CA bundle clients (and the caBundle) trust. */
  caPem(): string;
  stop(): Promise<void>;
}

/** `--webhookConfigName a,b`: every MutatingWebhookConfiguration whose caBundle is kept. */
export function webhookConfigNames(value: string): string[] {
  return value.split(',').map((n) => n.trim()).filter((n) => n !== '');
}

type Opts = Pick<WebhookOptions, 'serviceName' | 'serviceNamespace' | 'caSecretName' | 'webhookConfigName' | 'caOutFile'>;

export async function startSelfSignedMode(opts: Opts, deps: SelfSignedModeDeps): Promise<SelfSignedMode> {
  const { access, logger, metrics, clock } = deps;
  const ref: CaSecretRef = { namespace: opts.serviceNamespace, name: opts.caSecretName };
  let shared: SharedCa;
  if (access) {
    shared = (await loadOrCreateCaSecret({ access, ref, now: () => clock.now(), generate: () => createCa({ now: clock.now() }), logger })).shared;
  } else {
    const ca = createCa({ now: clock.now() });
    shared = { ca, bundlePem: caBundleFor(ca) };
    logger.warn({ name: opts.webhookConfigName }, 'no Kubernetes API access: CA made in memory (not shared through a Secret), not written into the MutatingWebhookConfiguration');
  }
  const certs = startServingCerts({
    ca: shared.ca,
    hosts: serviceHosts(opts.serviceName, opts.serviceNamespace),
    clock,
    logger,
    apply: deps.apply,
    onResult: (r) => metrics.certReloads.inc({ result: r }),
  });
  if (opts.caOutFile) writeAtomically(opts.caOutFile, shared.bundlePem);
  logger.info({ service: `${opts.serviceName}.${opts.serviceNamespace}.svc`, notAfter: certs.cert().notAfter, renewAt: certs.renewAt() }, 'self-signed serving certificate issued');
  if (!access) return { certs, caPem: () => shared.bundlePem, stop: async () => certs.stop() };

  // One patcher per configuration: the release's own and one per revision tag (comma-separated).
  const patchers: CaBundlePatcher[] = webhookConfigNames(opts.webhookConfigName).map((name) =>
    startCaBundlePatcher({ access, webhookConfigName: name, caPem: shared.bundlePem, logger, onPatch: (r) => metrics.caBundlePatches.inc({ result: r }) }),
  );
  const patcher = { setCaPem: (pem: string) => patchers.forEach((p) => p.setCaPem(pem)), stop: async () => void (await Promise.all(patchers.map((p) => p.stop()))) };
  let refusedVersion: string | undefined;
  const onSecret = (secret: V1Secret | undefined) => {
    if (!secret) {
      // Deleted: put the CA in use back (every replica holds the same one, so racing
      // re-creations agree). An operator rotates by replacing the content instead.
      void createCaSecretIfAbsent(access, ref, shared.ca).then(
        (created) => created && logger.warn({ secret: `${ref.namespace}/${ref.name}` }, 'CA Secret was deleted; re-created it with the CA in use'),
        (err: unknown) => logger.error({ secret: `${ref.namespace}/${ref.name}`, err: describeApiError(err) }, 'CA Secret was deleted and could not be re-created'),
      );
      return;
    }
    let next: SharedCa;
    try {
      next = sharedCaFromSecret(secret, ref, clock.now());
    } catch (err) {
      if (secret.metadata?.resourceVersion !== refusedVersion) {
        refusedVersion = secret.metadata?.resourceVersion;
        logger.error({ err: (err as Error).message }, 'CA Secret changed to something unusable; keeping the current CA');
        metrics.certReloads.inc({ result: 'error' });
      }
      return;
    }
    const caChanged = caBundleFor(next.ca) !== caBundleFor(shared.ca);
    if (!caChanged && next.bundlePem === shared.bundlePem) return;
    shared = next;
    if (caChanged) certs.setCa(next.ca);
    patcher.setCaPem(next.bundlePem);
    if (opts.caOutFile) writeAtomically(opts.caOutFile, next.bundlePem);
    logger.info({ secret: `${ref.namespace}/${ref.name}`, caChanged }, 'CA Secret changed; serving certificate and caBundle follow');
  };
  const watch: WatchedCache<V1Secret> = watchCaSecret({ access, ref, logger, onChange: onSecret });
  return {
    certs,
    caPem: () => shared.bundlePem,
    async stop() {
      certs.stop();
      await Promise.all([watch.stop(), patcher.stop()]);
    },
  };
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
