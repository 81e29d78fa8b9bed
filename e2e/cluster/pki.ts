/**
 * The local cluster's certificates and keys, made with openssl into its state directory: one
 * CA, the API server's serving certificate, a client certificate per component (the identities
 * Kubernetes' RBAC and Node authorizer expect), the kubelet's serving certificate and the
 * service-account signing key pair. Existing files are kept (a restarted cluster keeps its
 * identities); EC P-256 keys throughout.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from '../support/process.js';

export interface Identity {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly ca: Identity;
  readonly apiserver: Identity;
  readonly apiserverKubeletClient: Identity;
  readonly admin: Identity;
  readonly controllerManager: Identity;
  readonly scheduler: Identity;
  readonly kubelet: Identity;
  readonly kubeletServing: Identity;
  readonly kubeProxy: Identity;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

const DAYS = '3650';

function newKey(file: string): void {
  must(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

function signed(dir: string, name: string, ca: Identity, subject: string, ext: string): Identity {
  const id = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(id.cert) && existsSync(id.key)) return id;
  newKey(id.key);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, `${ext}\n`);
  must(['openssl', 'req', '-new', '-key', id.key, '-subj', subject, '-out', csr]);
  must(['openssl', 'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', DAYS, '-extfile', extFile, '-out', id.cert]);
  return id;
}

const CLIENT = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth';
const SERVER = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth';

export function makePki(dir: string, opts: { nodeName: string; nodeIp: string; apiServiceIp: string }): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  if (!existsSync(ca.cert)) {
    newKey(ca.key);
    must(['openssl', 'req', '-x509', '-new', '-key', ca.key, '-subj', '/CN=sidecar-kit-local-cluster-ca', '-days', DAYS, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature', '-out', ca.cert]);
  }
  const apiSans = ['DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'DNS:localhost', `IP:${opts.nodeIp}`, `IP:${opts.apiServiceIp}`, 'IP:127.0.0.1'];
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  if (!existsSync(serviceAccountPub)) {
    newKey(serviceAccountKey);
    must(['openssl', 'pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]);
  }
  const node = `system:node:${opts.nodeName}`;
  return {
    ca,
    apiserver: signed(dir, 'apiserver', ca, '/CN=kube-apiserver', `${SERVER}\nsubjectAltName=${apiSans.join(',')}`),
    apiserverKubeletClient: signed(dir, 'apiserver-kubelet-client', ca, '/O=system:masters/CN=kube-apiserver-kubelet-client', CLIENT),
    admin: signed(dir, 'admin', ca, '/O=system:masters/CN=sidecar-kit-admin', CLIENT),
    controllerManager: signed(dir, 'controller-manager', ca, '/CN=system:kube-controller-manager', CLIENT),
    scheduler: signed(dir, 'scheduler', ca, '/CN=system:kube-scheduler', CLIENT),
    kubelet: signed(dir, 'kubelet', ca, `/O=system:nodes/CN=${node}`, CLIENT),
    kubeletServing: signed(dir, 'kubelet-serving', ca, `/O=system:nodes/CN=${node}`, `${SERVER}\nsubjectAltName=DNS:${opts.nodeName},IP:${opts.nodeIp}`),
    kubeProxy: signed(dir, 'kube-proxy', ca, '/CN=system:kube-proxy', CLIENT),
    serviceAccountKey,
    serviceAccountPub,
  };
}

/** A kubeconfig (JSON, which every client accepts) for `user` at `server`. */
export function kubeconfig(server: string, ca: string, user: Identity, name = 'sidecar-kit-local'): string {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'certificate-authority': ca } }],
      users: [{ name, user: { 'client-certificate': user.cert, 'client-key': user.key } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      'current-context': name,
    },
    null,
    2,
  )}\n`;
}
