/**
 * The CA shared by the replicas of a `--self-signed` webhook, kept in a Secret of the webhook's
 * namespace (istiod keeps its self-signed root in `istio-ca-secret` the same way). Start-up
 * reads the Secret; when it is absent the process generates a CA and creates the Secret. Two
 * replicas starting together both see 404 and both create: the API server accepts exactly one
 * create and answers the other with 409 Conflict, and the loser reads the winner's CA. So every
 * replica signs with the same CA and writes the same caBundle.
 *
 * Layout: a `kubernetes.io/tls` Secret, `tls.crt` = CA certificate, `tls.key` = its key (so
 * `kubectl create secret tls` makes one), and optionally `ca.crt` = further CAs to trust during
 * a rotation (written into the caBundle after the signing CA).
 */
import { X509Certificate } from 'node:crypto';
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CaInvalidError, checkCa, type CertificateAuthority } from '../certs/self-signed.js';
import type { KubeAccess } from './client.js';
import { apiStatus, describeApiError } from '../../kube/api-errors.js';
import { startInformer, type WatchedCache } from '../../kube/informer.js';

export const CA_SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', trust: 'ca.crt' } as const;

export interface SharedCa {
  readonly ca: CertificateAuthority;
  /**
   * What goes into the caBundle: the signing CA, then the other CAs of `ca.crt`, each
   * re-encoded and de-duplicated, so every replica derives the same bytes from the same Secret.
   */
  readonly bundlePem: string;
}

export interface CaSecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** The Secret could not be read or created (RBAC, API down), with the API's answer. */
export class CaSecretError extends Error {
  readonly code = 'WEBHOOK_CA_SECRET_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaSecretError';
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const refText = (ref: CaSecretRef) => `Secret ${ref.namespace}/${ref.name}`;

/** The caBundle for a CA and the extra trusted CAs (PEM text, possibly empty). */
export function caBundleFor(ca: CertificateAuthority, extraPem = '', field: string = CA_SECRET_KEYS.trust): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const block of [ca.certPem.match(PEM_CERT)?.[0] ?? ca.certPem, ...(extraPem.match(PEM_CERT) ?? [])]) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      throw new CaInvalidError(`${field}: a certificate does not parse (${(err as Error).message})`, field, { cause: err });
    }
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    out.push(cert.toString());
  }
  return out.join('');
}

/** Reads and checks the CA in a Secret; CaInvalidError names the Secret and the key at fault. */
export function sharedCaFromSecret(secret: V1Secret, ref: CaSecretRef, now: Date): SharedCa {
  const field = (k: string) => `${refText(ref)} key ${k}`;
  const text = (k: string) => {
    const v = secret.data?.[k];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const certPem = text(CA_SECRET_KEYS.cert);
  const keyPem = text(CA_SECRET_KEYS.key);
  if (!certPem) throw new CaInvalidError(`${field(CA_SECRET_KEYS.cert)}: missing (the CA certificate, PEM)`, field(CA_SECRET_KEYS.cert));
  if (!keyPem) throw new CaInvalidError(`${field(CA_SECRET_KEYS.key)}: missing (the CA private key, PEM)`, field(CA_SECRET_KEYS.key));
  const ca = { certPem, keyPem };
  checkCa(ca, now, { cert: field(CA_SECRET_KEYS.cert), key: field(CA_SECRET_KEYS.key) });
  return { ca, bundlePem: caBundleFor(ca, text(CA_SECRET_KEYS.trust) ?? '', field(CA_SECRET_KEYS.trust)) };
}

export function caSecretObject(ref: CaSecretRef, ca: CertificateAuthority): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/managed-by': 'sidecar-kit-webhook' } },
    data: { [CA_SECRET_KEYS.cert]: Buffer.from(ca.certPem).toString('base64'), [CA_SECRET_KEYS.key]: Buffer.from(ca.keyPem).toString('base64') },
  };
}

export interface LoadCaOptions {
  readonly access: KubeAccess;
  readonly ref: CaSecretRef;
  readonly now: () => Date;
  /** Makes a CA when the Secret does not exist yet (called at most once per attempt). */
  readonly generate: () => CertificateAuthority;
  readonly logger: Logger;
  /** Transient failures (network, 5xx, 429) are retried this long (default 30 s). */
  readonly retry?: { readonly totalMs: number; readonly initialMs: number };
}

/**
 * The shared CA: read from the Secret, or created into it when absent (409: another replica
 * won, read theirs). Transient API failures are retried; an invalid Secret (CaInvalidError) or a
 * refusal (401/403/…: CaSecretError) fails at once.
 */
export async function loadOrCreateCaSecret(opts: LoadCaOptions): Promise<{ shared: SharedCa; created: boolean }> {
  const core = opts.access.kubeConfig.makeApiClient(CoreV1Api);
  const { ref, logger } = opts;
  const { totalMs, initialMs } = opts.retry ?? { totalMs: 30_000, initialMs: 500 };
  const deadline = Date.now() + totalMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await readOrCreate();
    } catch (err) {
      const status = apiStatus(err);
      const transient = !(err instanceof CaInvalidError) && (status === undefined || status === 429 || status >= 500);
      const delay = Math.min(8000, initialMs * 2 ** attempt);
      if (!transient || Date.now() + delay > deadline) {
        if (err instanceof CaInvalidError || err instanceof CaSecretError) throw err;
        throw new CaSecretError(`${refText(ref)}: ${describeApiError(err)}`, { cause: err });
      }
      logger.warn({ secret: refText(ref), err: describeApiError(err), retryInMs: delay }, 'cannot read/create the CA Secret yet; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async function readOrCreate(): Promise<{ shared: SharedCa; created: boolean }> {
    for (;;) {
      const existing = await readSecret(core, ref);
      if (existing) return { shared: sharedCaFromSecret(existing, ref, opts.now()), created: false };
      const ca = opts.generate();
      if (await createIfAbsent(core, ref, ca)) {
        logger.info({ secret: refText(ref) }, 'generated the shared webhook CA and stored it in its Secret');
        return { shared: { ca, bundlePem: caBundleFor(ca) }, created: true };
      }
      logger.info({ secret: refText(ref) }, 'another replica created the CA Secret first; using its CA');
    }
  }
}

/** Creates the Secret holding `ca` unless one exists; false on 409 (someone else created it). */
export async function createCaSecretIfAbsent(access: KubeAccess, ref: CaSecretRef, ca: CertificateAuthority): Promise<boolean> {
  return createIfAbsent(access.kubeConfig.makeApiClient(CoreV1Api), ref, ca);
}

async function readSecret(core: CoreV1Api, ref: CaSecretRef): Promise<V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
  } catch (err) {
    if (apiStatus(err) === 404) return undefined;
    throw withVerb(err, 'get');
  }
}

async function createIfAbsent(core: CoreV1Api, ref: CaSecretRef, ca: CertificateAuthority): Promise<boolean> {
  try {
    await core.createNamespacedSecret({ namespace: ref.namespace, body: caSecretObject(ref, ca) });
    return true;
  } catch (err) {
    if (apiStatus(err) === 409) return false;
    throw withVerb(err, 'create');
  }
}

export interface CaSecretWatchOptions {
  readonly access: KubeAccess;
  readonly ref: CaSecretRef;
  readonly logger: Logger;
  /** The Secret after each change; `undefined` once it is deleted. */
  readonly onChange: (secret: V1Secret | undefined) => void;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
}

/** List + watch of the one Secret (a `metadata.name` field selector, so RBAC resourceNames apply). */
export function watchCaSecret(opts: CaSecretWatchOptions): WatchedCache<V1Secret> {
  const core = opts.access.kubeConfig.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${opts.ref.name}`;
  return startInformer<V1Secret>({
    kubeConfig: opts.access.kubeConfig,
    path: `/api/v1/namespaces/${opts.ref.namespace}/secrets`,
    list: () => core.listNamespacedSecret({ namespace: opts.ref.namespace, fieldSelector }),
    fieldSelector,
    what: refText(opts.ref),
    logger: opts.logger,
    onChange: (items) => opts.onChange(items.find((s) => s.metadata?.name === opts.ref.name)),
    ...(opts.backoffMs ? { backoffMs: opts.backoffMs } : {}),
  });
}

function withVerb(err: unknown, verb: string): unknown {
  if (err instanceof Error) (err as Error & { verb?: string }).verb = verb;
  return err;
}

export { apiStatus, describeApiError };
