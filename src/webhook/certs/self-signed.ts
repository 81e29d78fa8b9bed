/**
 * In-process generation of a CA and a serving certificate for the webhook Service
 * (`--self-signed`), the way istiod bootstraps its own webhook certificate when no external one
 * is given. Keys are RSA 2048 generated natively by node:crypto; node-forge only assembles and
 * signs the X.509 structures, so start-up needs no `openssl` binary in the image.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface CertBundle {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly notAfter: Date;
}

export interface SelfSignedRequest {
  /** DNS names (and IP literals) the serving certificate is valid for; the first is the CN. */
  readonly hosts: readonly string[];
  readonly now: Date;
  /** Validity of the serving certificate; the CA lives ten times as long. */
  readonly validityDays?: number;
  readonly organization?: string;
}

/** The names the API server uses to reach `<service>.<namespace>`, plus loopback for probes. */
export function serviceHosts(service: string, namespace: string, extra: readonly string[] = []): string[] {
  const names = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
  return [...new Set([...names.slice(2), ...names.slice(0, 2), ...extra, 'localhost', '127.0.0.1', '::1'])];
}

export function createSelfSignedBundle(req: SelfSignedRequest): CertBundle {
  if (req.hosts.length === 0) throw new Error('self-signed certificate: at least one host name is needed');
  const days = req.validityDays ?? 365;
  const org = req.organization ?? 'sidecar-kit';
  const ca = keyPair();
  const caCert = baseCert(ca.publicKey, req.now, days * 10);
  const caName = [{ name: 'organizationName', value: org }, { name: 'commonName', value: `${org} webhook CA` }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const leaf = keyPair();
  const cert = baseCert(leaf.publicKey, req.now, days);
  cert.setSubject([{ name: 'organizationName', value: org }, { name: 'commonName', value: req.hosts[0] as string }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: req.hosts.map(altName) },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: leaf.pem,
    notAfter: cert.validity.notAfter,
  };
}

function keyPair() {
  const k = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(k.publicKey), privateKey: forge.pki.privateKeyFromPem(k.privateKey), pem: k.privateKey };
}

function baseCert(publicKey: forge.pki.PublicKey, now: Date, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive 128-bit serial (a leading 0 nibble keeps the DER integer positive).
  cert.serialNumber = `0${randomBytes(16).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate clock skew
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  return cert;
}

function altName(host: string) {
  return isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
}
