import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildKubeconfig } from '../core/cni/kubeconfig.js';
import { createApiPodSource } from './kube-pods.js';
import { memoryLogger } from './log.js';

// A local HTTP test double of the Kubernetes API pod endpoint (no API server can run here; the
// TLS path is covered by the e2e suite's HTTPS double).
let server: Server;
let dir: string;
let replies: ((req: IncomingMessage) => [number, unknown])[];
let seen: { url: string; auth: string | undefined }[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sk-kube-pods-'));
  replies = [];
  seen = [];
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    const [status, body] = (replies.shift() ?? (() => [500, { message: 'no reply scripted' }]))(req);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function source(opts: { attempts?: number; kubeconfig?: string } = {}) {
  const port = (server.address() as AddressInfo).port;
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, opts.kubeconfig ?? JSON.stringify(buildKubeconfig({ server: `http://127.0.0.1:${port}`, token: 'sa-token' })));
  const sleeps: number[] = [];
  const src = createApiPodSource({
    kubeconfigPath: path,
    attempts: opts.attempts ?? 3,
    intervalMs: 250,
    timeoutMs: 1000,
    logger: memoryLogger(),
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { src, sleeps };
}

describe('createApiPodSource against a local test double of the API', () => {
  it('GETs the pod with the bearer token, retrying server errors', async () => {
    const pod = { metadata: { name: 'web-1', namespace: 'shop' } };
    replies = [() => [500, { message: 'etcd timeout' }], () => [404, { message: 'not yet' }], () => [200, pod]];
    const { src, sleeps } = source();
    await expect(src.getPod('shop', 'web-1')).resolves.toEqual(pod);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toEqual({ url: '/api/v1/namespaces/shop/pods/web-1', auth: 'Bearer sa-token' });
    expect(sleeps).toEqual([250, 250]);
  });

  it('gives up after the configured attempts with the last reason', async () => {
    replies = [() => [503, { message: 'down' }], () => [503, { message: 'still down' }]];
    const { src } = source({ attempts: 2 });
    await expect(src.getPod('shop', 'web-1')).rejects.toMatchObject({ code: 101, message: expect.stringMatching(/cannot read pod shop\/web-1 .*HTTP 503: still down/) });
    expect(seen).toHaveLength(2);
  });

  it('does not retry a permission error', async () => {
    replies = [() => [403, { message: 'pods "web-1" is forbidden' }]];
    await expect(source({ attempts: 5 }).src.getPod('shop', 'web-1')).rejects.toThrow(/HTTP 403: pods "web-1" is forbidden/);
    expect(seen).toHaveLength(1);
  });

  it('reads a YAML kubeconfig too', async () => {
    const port = (server.address() as AddressInfo).port;
    replies = [() => [200, { kind: 'Pod' }]];
    const yaml = `apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\nusers:\n- name: u\n  user:\n    token: yaml-token\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`;
    await expect(source({ kubeconfig: yaml }).src.getPod('a', 'b')).resolves.toEqual({ kind: 'Pod' });
    expect(seen[0]?.auth).toBe('Bearer yaml-token');
  });

  it('names a missing kubeconfig', async () => {
    const src = createApiPodSource({ kubeconfigPath: join(dir, 'nope'), attempts: 1, intervalMs: 0, timeoutMs: 100, logger: memoryLogger() });
    await expect(src.getPod('a', 'b')).rejects.toThrow(/cannot read kubeconfig .*nope/);
  });
});
