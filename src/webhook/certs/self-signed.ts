/**
 * In-process certificates for `--self-signed`, the way istiod bootstraps its own webhook
 * certificate when no external one is given: a CA (kept in a Secret shared by the replicas, see
 * kube/ca-secret.ts) and, per process, a serving certificate for the Service's DNS names signed
 * by it. Keys are RSA 2048 generated natively by node:crypto; node-forge only assembles and
 * signs the X.509 structures, so start-up needs no `openssl` binary in the image. node-forge
 * signs with RSA only, so a CA supplied by an operator must have an RSA key (checked by
 * `checkCa`, which names what is wrong).
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/** A CA certificate and its private key (PEM). */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ServingCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

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

/** Why a CA cannot be used; `field` names the part at fault (e.g. a Secret key). */
export class CaInvalidError extends Error {
  readonly code = 'WEBHOOK_CA_INVALID';
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CaInvalidError';
  }
}

const DAY_MS = 86_400_000;
/** notBefore is backdated this much to tolerate clock skew between the API server and us. */
const SKEW_MS = 5 * 60_000;

/** The names the API server uses to reach `<service>.<namespace>`, plus loopback for probes. */
export function serviceHosts(service: string, namespace: string, extra: readonly string[] = []): string[] {
  const names = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
  return [...new Set([...names.slice(2), ...names.slice(0, 2), ...extra, 'localhost', '127.0.0.1', '::1'])];
}

/** A new self-signed RSA CA (default ten years). */
export function createCa(req: { readonly now: Date; readonly validityDays?: number; readonly organization?: string }): CertificateAuthority {
  const org = req.organization ?? 'sidecar-kit';
  const ca = keyPair();
  const caCert = baseCert(ca.publicKey, req.now, req.now.getTime() + (req.validityDays ?? 3650) * DAY_MS);
  const caName = [{ name: 'organizationName', value: org }, { name: 'commonName', value: `${org} webhook CA` }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(caCert), keyPem: ca.pem };
}

/**
 * A fresh key and serving certificate for `hosts` signed by `ca` (default one year, never past
 * the CA's own expiry).
 */
export function issueServingCert(req: {
  readonly ca: CertificateAuthority;
  readonly hosts: readonly string[];
  readonly now: Date;
  readonly validityDays?: number;
  readonly organization?: string;
}): ServingCert {
  if (req.hosts.length === 0) throw new Error('self-signed certificate: at least one host name is needed');
  const caCert = forge.pki.certificateFromPem(req.ca.certPem);
  if (caCert.validity.notAfter.getTime() <= req.now.getTime()) {
    throw new CaInvalidError(`the CA expired on ${caCert.validity.notAfter.toISOString()}; rotate it`, 'CA certificate');
  }
  const caKey = forge.pki.privateKeyFromPem(req.ca.keyPem) as forge.pki.rsa.PrivateKey;
  const leaf = keyPair();
  const notAfter = Math.min(req.now.getTime() + (req.validityDays ?? 365) * DAY_MS, caCert.validity.notAfter.getTime());
  const cert = baseCert(leaf.publicKey, req.now, notAfter);
  cert.setSubject([{ name: 'organizationName', value: req.organization ?? 'sidecar-kit' }, { name: 'commonName', value: req.hosts[0] as string }]);
  // Copied attribute by attribute with their string types, so the issuer encodes like the
  // CA's subject (Go's verifier matches the raw bytes).
  cert.setIssuer(caCert.subject.attributes);
  const ski = (caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null)?.subjectKeyIdentifier;
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: req.hosts.map(altName) },
    ...(ski ? [{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(ski) }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: leaf.pem, notBefore: cert.validity.notBefore, notAfter: cert.validity.notAfter };
}

/** A CA and a serving certificate in one go (test fixtures, the test double's own TLS). */
export function createSelfSignedBundle(req: SelfSignedRequest): CertBundle {
  if (req.hosts.length === 0) throw new Error('self-signed certificate: at least one host name is needed');
  const days = req.validityDays ?? 365;
  const ca = createCa({ now: req.now, validityDays: days * 10, ...(req.organization ? { organization: req.organization } : {}) });
  const leaf = issueServingCert({ ca, hosts: req.hosts, now: req.now, validityDays: days, ...(req.organization ? { organization: req.organization } : {}) });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem, notAfter: leaf.notAfter };
}

/**
 * Checks that `ca` can sign serving certificates at `now`: one PEM certificate that is a CA,
 * currently valid, with the RSA private key that matches it. Throws CaInvalidError naming
 * `fields.cert` or `fields.key`.
 */
export function checkCa(ca: CertificateAuthority, now: Date, fields = { cert: 'certificate', key: 'key' }): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certPem);
  } catch (err) {
    throw new CaInvalidError(`${fields.cert}: not a PEM certificate (${(err as Error).message})`, fields.cert, { cause: err });
  }
  if (!cert.ca) throw new CaInvalidError(`${fields.cert}: not a CA certificate (basicConstraints CA:FALSE or missing)`, fields.cert);
  if (new Date(cert.validTo).getTime() <= now.getTime()) throw new CaInvalidError(`${fields.cert}: the CA expired on ${cert.validTo}`, fields.cert);
  let key;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch (err) {
    throw new CaInvalidError(`${fields.key}: not a PEM private key (${(err as Error).message})`, fields.key, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new CaInvalidError(`${fields.key}: a ${key.asymmetricKeyType} key; only RSA CA keys are supported`, fields.key);
  if (!cert.checkPrivateKey(key)) throw new CaInvalidError(`${fields.key}: does not belong to the certificate in ${fields.cert}`, fields.key);
}

function keyPair() {
  const k = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(k.publicKey), privateKey: forge.pki.privateKeyFromPem(k.privateKey), pem: k.privateKey };
}

function baseCert(publicKey: forge.pki.PublicKey, now: Date, notAfterMs: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial of at most 128 bits in minimal DER form: the top bit of the first byte is
  // cleared (no 0x00 pad needed) and the first byte is non-zero (a leading zero byte followed by
  // a byte < 0x80 is 'illegal padding' to OpenSSL, which then refuses the certificate).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - SKEW_MS);
  cert.validity.notAfter = new Date(notAfterMs);
  return cert;
}

function altName(host: string) {
  return isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
}
