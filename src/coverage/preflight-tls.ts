/**
 * The serving certificate of one webhook replica, as the API server would see it: a TLS
 * handshake through a port-forward to the pod (the API server's `pods/portforward`, over
 * @kubernetes/client-node's WebSocket client), with the caBundle as the only trusted CA and the
 * Service's DNS name as the server name. Node's TLS verifies the chain and the name; the result
 * says whether it verified, and why not (OpenSSL's code). Bounded by `timeoutMs`.
 */
import { Duplex, PassThrough } from 'node:stream';
import { connect, type PeerCertificate } from 'node:tls';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import type { ServingOutcome } from '../core/coverage/preflight.js';

export interface ServingTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly port: number;
  /** PEM: the decoded caBundle ('' when the entry has none: nothing verifies). */
  readonly ca: string;
  readonly serverName: string;
  readonly timeoutMs: number;
}

const dn = (d: PeerCertificate['subject'] | undefined) => (d ? Object.entries(d).map(([k, v]) => `${k}=${String(v)}`).join(',') : '');

export async function servingCertificate(kc: KubeConfig, t: ServingTarget): Promise<ServingOutcome> {
  const toPod = new PassThrough();
  const fromPod = new PassThrough();
  const errors: Buffer[] = [];
  const errStream = new PassThrough();
  errStream.on('data', (b: Buffer) => errors.push(b));
  let ws: { close(): void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const opened = await Promise.race([
      new PortForward(kc, false).portForward(t.namespace, t.pod, [t.port], fromPod, errStream, toPod),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no port-forward within ${t.timeoutMs / 1000} s`)), t.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    ws = typeof opened === 'function' ? (opened() ?? undefined) : opened;
  } catch (err) {
    clearTimeout(timer);
    return { kind: 'unreachable', error: `port-forward to ${t.pod}:${t.port}: ${(err as Error).message}` };
  }
  const socket = Duplex.from({ readable: fromPod, writable: toPod });
  try {
    return await new Promise<ServingOutcome>((resolve) => {
      const tls = connect({ socket, ca: t.ca === '' ? [] : t.ca, servername: t.serverName, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      const done = (o: ServingOutcome) => {
        clearTimeout(timer);
        tls.destroy();
        resolve(o);
      };
      timer = setTimeout(() => done({ kind: 'unreachable', error: `no TLS handshake with ${t.pod}:${t.port} within ${t.timeoutMs / 1000} s${errors.length ? `: ${Buffer.concat(errors).toString('utf8').trim()}` : ''}` }), t.timeoutMs);
      tls.once('secureConnect', () => {
        const cert = tls.getPeerCertificate();
        const subject = dn(cert.subject);
        if (tls.authorized) return done({ kind: 'verified', notAfter: new Date(cert.valid_to).toISOString(), subject });
        const e = tls.authorizationError as unknown as Error | string | null;
        const code = typeof e === 'string' ? e : ((e as { code?: string } | null)?.code ?? 'UNVERIFIED');
        const text = typeof e === 'string' ? describeCode(e) : (e?.message ?? '');
        done({ kind: 'untrusted', code, error: text, subject, issuer: dn(cert.issuer) });
      });
      tls.once('error', (err) => done({ kind: 'unreachable', error: `TLS with ${t.pod}:${t.port}: ${err.message}${errors.length ? ` (${Buffer.concat(errors).toString('utf8').trim()})` : ''}` }));
    });
  } finally {
    ws?.close();
    toPod.end();
  }
}

/** OpenSSL's verification codes, as Node reports them in `authorizationError`, in words. */
function describeCode(code: string): string {
  const words: Record<string, string> = {
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not signed by the caBundle',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not in the caBundle',
    SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate in the chain is not in the caBundle',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'a self-signed certificate that is not the caBundle',
    CERT_HAS_EXPIRED: 'the certificate has expired',
    CERT_NOT_YET_VALID: 'the certificate is not valid yet',
    ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name the Service',
  };
  return words[code] ?? code;
}
