/**
 * A second mutating admission webhook for the reinvocation check, served by the test process
 * itself over HTTPS (its own CA, made with openssl) on an address of this machine the API
 * server reaches: it adds a container `extra` to pods that lack one, asks to be reinvoked
 * (`reinvocationPolicy: IfNeeded`) and counts its calls per pod name.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must } from '../support/process.js';

export interface AdderWebhook {
  /** The MutatingWebhookConfiguration that sends pods carrying `podLabels` here. */
  configuration(name: string, podLabels: Record<string, string>): unknown;
  calls(podName: string): number;
  close(): Promise<void>;
}

interface Review {
  request: { uid: string; object: { metadata: { name?: string; generateName?: string }; spec: { containers: { name: string }[] } } };
}

export async function startAdderWebhook(opts: { host: string; image: string }): Promise<AdderWebhook> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-adder-'));
  const f = (n: string) => join(dir, n);
  must(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=sk-e2e-adder-ca', '-keyout', f('ca.key'), '-out', f('ca.crt')]);
  must(['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=sk-e2e-adder', '-keyout', f('tls.key'), '-out', f('tls.csr')]);
  writeFileSync(f('san.ext'), `subjectAltName=IP:${opts.host}\n`);
  must(['openssl', 'x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('san.ext'), '-out', f('tls.crt')]);
  const counts = new Map<string, number>();
  const server = createServer({ cert: readFileSync(f('tls.crt')), key: readFileSync(f('tls.key')) }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const review = JSON.parse(body) as Review;
      const pod = review.request.object;
      const name = pod.metadata.name ?? pod.metadata.generateName ?? '';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const patch = pod.spec.containers.some((c) => c.name === 'extra') ? [] : [{ op: 'add', path: '/spec/containers/-', value: { name: 'extra', image: opts.image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] } }];
      const response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
      if (patch.length > 0) Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const caBundle = readFileSync(f('ca.crt')).toString('base64');
  return {
    configuration: (name, podLabels) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: 'adder.e2e.sidecar-kit.io',
          clientConfig: { url: `https://${opts.host}:${port}/add`, caBundle },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
          objectSelector: { matchLabels: podLabels },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          reinvocationPolicy: 'IfNeeded',
          timeoutSeconds: 5,
        },
      ],
    }),
    calls: (podName) => counts.get(podName) ?? 0,
    close: async () => {
      // The API server keeps its connections alive: close them, or close() waits forever.
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
