// A one-shot HTTP(S) client the images suite runs with the host's Node inside a container's
// network namespace (`nsenter --net=/proc/<pid>/ns/net node netns-client.mjs …`), as the API
// server or the kubelet would reach a pod. Prints one JSON line:
//   {"status":200,"body":"…","tls":{"protocol":"TLSv1.3","authorized":true,"subject":"…","altNames":"…"}}
// or {"error":"<code or message>"}.
// usage: node netns-client.mjs GET|POST <url> [--ca FILE] [--servername NAME]   (POST body: stdin)
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [method, url, ...rest] = process.argv.slice(2);
const flag = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const ca = flag('--ca');
const servername = flag('--servername');
const body = method === 'POST' ? readFileSync(0) : undefined;
const target = new URL(url);
const lib = target.protocol === 'https:' ? https : http;
const req = lib.request(
  target,
  {
    method,
    timeout: 10_000,
    headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
    ...(target.protocol === 'https:' ? { ca: ca ? readFileSync(ca) : undefined, servername, rejectUnauthorized: true } : {}),
  },
  (res) => {
    // Read the TLS session now: the socket is detached once the response ends.
    const sock = res.socket;
    const tls = typeof sock?.getPeerCertificate === 'function'
      ? { protocol: sock.getProtocol(), authorized: sock.authorized, subject: sock.getPeerCertificate().subject?.CN, altNames: sock.getPeerCertificate().subjectaltname }
      : undefined;
    const chunks = [];
    res.on('data', (d) => chunks.push(d));
    res.on('end', () => {
      process.stdout.write(`${JSON.stringify({ status: res.statusCode, body: Buffer.concat(chunks).toString(), tls })}\n`);
    });
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => process.stdout.write(`${JSON.stringify({ error: e.code ?? e.message })}\n`));
req.end(body);
