/** Shared helpers of the webhook e2e suites: HTTPS admission calls and polling. */
import https from 'node:https';
import { until as waitFor } from '../support/process.js';

export function pod(name: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080 }] }], ...extra } };
}

export function reviewOf(object: unknown, uid = 'e2e-uid') {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'default', operation: 'CREATE', object } };
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly fingerprint: string;
  readonly headers: import('node:http').IncomingHttpHeaders;
}

export function postReview(port: number, body: unknown, opts: { ca: string; agent?: https.Agent; servername?: string }): Promise<Answer> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/inject', method: 'POST', ca: opts.ca, agent: opts.agent, servername: opts.servername ?? 'localhost', headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), fingerprint, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Polls `cond` every 25 ms until it holds; throws after `ms`. */
export function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  return waitFor('a condition', cond, ms, 25);
}

export function decodePatch(body: string): { allowed: boolean; ops: { op: string; path: string; value?: unknown }[]; response: Record<string, unknown> } {
  const response = JSON.parse(body).response;
  return { allowed: response.allowed, ops: response.patch ? JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) : [], response };
}
