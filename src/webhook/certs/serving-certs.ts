/**
 * The serving certificate of a `--self-signed` webhook process: issued from the shared CA at
 * start-up, re-issued when the CA changes (rotation through the Secret) and renewed while the
 * process runs, before it expires (when a third of its lifetime is left, cert-manager's
 * default). Each new certificate is installed with `apply` (the server's `setSecureContext`), so
 * established connections keep going and new handshakes get the new certificate.
 *
 * Every replica issues its own certificate with its own key: the private key never leaves the
 * process, and renewal needs no coordination between replicas because the API server trusts
 * the CA, not a particular leaf.
 */
import type { Logger } from 'pino';
import type { WallClock, Timer } from '../wall-clock.js';
import { issueServingCert, type CertificateAuthority, type ServingCert } from './self-signed.js';
import type { TlsMaterial } from './tls-files.js';

export interface ServingCertsOptions {
  readonly ca: CertificateAuthority;
  readonly hosts: readonly string[];
  readonly clock: WallClock;
  readonly logger: Logger;
  /** Installs a new certificate, e.g. `(m) => server.setSecureContext(secureContextOptions(m))`. */
  readonly apply: (m: TlsMaterial) => void;
  /** Each re-issue (renewal or new CA): `ok`, or `error` when issuing failed (retried). */
  readonly onResult?: (result: 'ok' | 'error') => void;
  /** Serving certificate lifetime (default 365 days; capped at the CA's expiry). */
  readonly validityDays?: number;
}

export interface ServingCerts {
  current(): TlsMaterial;
  /** The certificate in use. */
  cert(): ServingCert;
  /** When the next renewal is due. */
  renewAt(): Date;
  /** Re-issues from another CA now (the shared CA was rotated). */
  setCa(ca: CertificateAuthority): void;
  stop(): void;
}

/** Renew when this fraction of the certificate's lifetime is left. */
export const RENEW_WHEN_LEFT = 1 / 3;
/** Never retry or renew more often than this (a CA about to expire caps the lifetime). */
const MIN_DELAY_MS = 60_000;

export function startServingCerts(opts: ServingCertsOptions): ServingCerts {
  let ca = opts.ca;
  let stopped = false;
  let timer: Timer | undefined;
  const issue = (): { cert: ServingCert; material: TlsMaterial; renewAt: Date } => {
    const now = opts.clock.now();
    const cert = issueServingCert({ ca, hosts: opts.hosts, now, ...(opts.validityDays !== undefined ? { validityDays: opts.validityDays } : {}) });
    const lifetime = cert.notAfter.getTime() - now.getTime();
    return {
      cert,
      material: { cert: cert.certPem, key: cert.keyPem },
      renewAt: new Date(now.getTime() + Math.max(MIN_DELAY_MS, lifetime * (1 - RENEW_WHEN_LEFT))),
    };
  };
  let state = issue();
  const schedule = (at: Date) => {
    timer?.cancel();
    timer = opts.clock.setTimer(() => reissue('renewal'), Math.max(0, at.getTime() - opts.clock.now().getTime()));
  };
  const reissue = (why: 'renewal' | 'new CA') => {
    if (stopped) return;
    try {
      state = issue();
    } catch (err) {
      opts.logger.error({ err: (err as Error).message, why }, 'could not issue a serving certificate; keeping the current one and retrying');
      opts.onResult?.('error');
      schedule(new Date(opts.clock.now().getTime() + MIN_DELAY_MS));
      return;
    }
    opts.apply(state.material);
    opts.logger.info({ why, notAfter: state.cert.notAfter, renewAt: state.renewAt }, 'serving certificate issued');
    opts.onResult?.('ok');
    schedule(state.renewAt);
  };
  schedule(state.renewAt);
  return {
    /** The same object until the next issue. */
    current: () => state.material,
    cert: () => state.cert,
    renewAt: () => state.renewAt,
    setCa(next) {
      ca = next;
      reissue('new CA');
    },
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
