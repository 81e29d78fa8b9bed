/**
 * Certificate rotation in the middle of a load run: the serving certificate files are replaced
 * twice (ConfigMap/Secret-style symlink swaps) while clients hammer the webhook over kept-alive
 * connections and fresh handshakes. Zero requests may fail, and new handshakes must see each
 * new certificate.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createSelfSignedBundle } from '../../src/webhook/certs/self-signed.js';
import { coreInjectorBuilder, injectionEnvironment } from '../../src/webhook/core-injector.js';
import { parseWebhookOptions } from '../../src/webhook/options.js';
import { startWebhook } from '../../src/webhook/serve.js';
import { writeConfigMapDir } from '../../src/webhook/testing/configmap-dir.js';
import { decodePatch, pod, postReview, reviewOf, until } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sk-rotate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificate rotation under load', () => {
  it('drops no request while the certificate is replaced twice', { timeout: 120_000 }, async () => {
    const hosts = ['localhost', '127.0.0.1'];
    const bundles = [0, 1, 2].map(() => createSelfSignedBundle({ hosts, now: new Date() }));
    const ca = bundles.map((b) => b.caPem).join('');
    const put = (i: number) => writeConfigMapDir(dir, { 'tls.crt': (bundles[i] as { certPem: string }).certPem, 'tls.key': (bundles[i] as { keyPem: string }).keyPem });
    put(0);
    const opts = parseWebhookOptions(
      ['--tlsCertFile', path.join(dir, 'tls.crt'), '--tlsKeyFile', path.join(dir, 'tls.key'), '--port', '0', '--monitoringPort', '0', '--listenAddress', '127.0.0.1'],
      {},
    );
    const env = { ENABLE_NATIVE_SIDECARS: 'true' };
    const hook = await startWebhook(opts, { logger: pino({ level: 'silent' }), env, build: coreInjectorBuilder('', injectionEnvironment(env)), kubeAccess: null });

    const failures: string[] = [];
    const seen = new Set<string>();
    let ok = 0;
    let stop = false;
    const worker = async (w: number) => {
      let agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; !stop; i++) {
        // every 20th request of half the workers opens a new connection: new TLS handshakes
        if (w % 2 === 0 && i % 20 === 0) {
          agent.destroy();
          agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
        }
        try {
          const r = await postReview(hook.port, reviewOf(pod(`p${w}-${i}`), `${w}-${i}`), { ca, agent });
          if (r.status !== 200 || !decodePatch(r.body).allowed) failures.push(`HTTP ${r.status}: ${r.body.slice(0, 120)}`);
          else ok++;
          seen.add(r.fingerprint);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      agent.destroy();
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    const fingerprint = (i: number): string => new X509Certificate((bundles[i] as { certPem: string }).certPem).fingerprint256;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(1000);
    for (const i of [1, 2]) {
      put(i);
      // the change is picked up by the directory watch (or, at worst, the 10 s poll)
      await until(() => seen.has(fingerprint(i)) || failures.length > 0, 20_000).catch(() => undefined);
      await sleep(750);
    }
    stop = true;
    await load;
    await hook.close();

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(200);
    for (const i of [0, 1, 2]) expect(seen.has(fingerprint(i))).toBe(true);
  });
});
