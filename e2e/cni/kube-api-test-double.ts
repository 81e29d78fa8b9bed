/**
 * A LOCAL TEST DOUBLE of the Kubernetes API server (no real API server can run on the build
 * machines): HTTPS with a real certificate, bearer-token authentication, and the one endpoint
 * the CNI plugin calls, GET /api/v1/namespaces/{ns}/pods/{name}, answered from `<pods>/<ns>/<name>.json`.
 * It runs as its own process inside the node's network namespace (where containerd, and so
 * the plugin, run) and prints one JSON line per request on stdout for the test to count.
 *
 * usage: node --import tsx kube-api-test-double.ts PORT CERT KEY TOKEN PODS_DIR
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const [port, cert, key, token, pods] = process.argv.slice(2);
if (!port || !cert || !key || !token || !pods) throw new Error('usage: PORT CERT KEY TOKEN PODS_DIR');

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const path = new URL(req.url ?? '/', 'https://x').pathname;
  const authorized = req.headers.authorization === `Bearer ${token}`;
  process.stdout.write(`${JSON.stringify({ method: req.method, path, authorized })}\n`);
  const reply = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (!authorized) return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(path);
  if (req.method !== 'GET' || !m) return reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  try {
    return reply(200, JSON.parse(readFileSync(join(pods, m[1] as string, `${m[2] as string}.json`), 'utf8')));
  } catch {
    return reply(404, status(404, 'NotFound', `pods "${m[2] as string}" not found`));
  }
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ listening: Number(port) })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
