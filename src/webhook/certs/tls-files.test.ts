import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { writeConfigMapDir } from '../testing/configmap-dir.js';
import { createSelfSignedBundle } from './self-signed.js';
import { loadTlsFiles, secureContextOptions, startTlsReloader, TlsFileError } from './tls-files.js';

const now = new Date();
const first = createSelfSignedBundle({ hosts: ['localhost', '127.0.0.1'], now });
const second = createSelfSignedBundle({ hosts: ['localhost', '127.0.0.1'], now });
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'sk-tls-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function get(port: number, agent: https.Agent, ca: string): Promise<{ fingerprint: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', agent, ca, servername: 'localhost' }, (res) => {
      const socket = res.socket as TLSSocket;
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ fingerprint, socket }));
    });
    req.on('error', reject);
  });
}

async function until(cond: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('loadTlsFiles', () => {
  it('names the flag of a missing file', () => {
    const d = tmp();
    expect(() => loadTlsFiles(path.join(d, 'nope.crt'), path.join(d, 'nope.key'))).toThrow(/--tlsCertFile: .*nope\.crt: no such file$/);
  });

  it('refuses a key that does not belong to the certificate', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'tls.crt'), first.certPem);
    writeFileSync(path.join(d, 'tls.key'), second.keyPem);
    expect(() => loadTlsFiles(path.join(d, 'tls.crt'), path.join(d, 'tls.key'))).toThrow(TlsFileError);
  });
});

describe('certificate reload over real TLS', () => {
  it('swaps the certificate for new handshakes without dropping a kept-alive connection', { timeout: 20_000 }, async () => {
    const d = tmp();
    writeConfigMapDir(d, { 'tls.crt': first.certPem, 'tls.key': first.keyPem });
    const certFile = path.join(d, 'tls.crt');
    const keyFile = path.join(d, 'tls.key');
    const initial = loadTlsFiles(certFile, keyFile);
    const server = https.createServer(secureContextOptions(initial), (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const results: string[] = [];
    const watch = startTlsReloader(
      { certFile, keyFile, apply: (m) => server.setSecureContext(secureContextOptions(m)), logger: pino({ level: 'silent' }), onResult: (r) => results.push(r), watch: { debounceMs: 20, pollMs: 200 } },
      initial,
    );
    const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const bothCAs = first.caPem + second.caPem;
    try {
      const before = await get(port, keepAlive, bothCAs);

      // a half-written pair (new cert, old key) is refused and the old certificate stays
      writeConfigMapDir(d, { 'tls.crt': second.certPem, 'tls.key': first.keyPem });
      await until(async () => results.includes('error'));
      const fresh1 = await get(port, new https.Agent(), bothCAs);
      expect(fresh1.fingerprint).toBe(before.fingerprint);

      writeConfigMapDir(d, { 'tls.crt': second.certPem, 'tls.key': second.keyPem });
      await until(async () => (await get(port, new https.Agent(), bothCAs)).fingerprint !== before.fingerprint);
      expect(results).toContain('ok');

      // the kept-alive connection is still the same socket and still answers
      const again = await get(port, keepAlive, bothCAs);
      expect(again.socket).toBe(before.socket);
      expect(again.fingerprint).toBe(before.fingerprint);
    } finally {
      watch.close();
      keepAlive.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
