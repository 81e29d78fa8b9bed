/**
 * The shared conformance runner in webhook mode against the built CLI (`sidecar-kit webhook`,
 * a separate process, real TLS with its self-signed CA), started with the base settings the kit
 * prescribes, then stopped with SIGTERM (must exit 0). Skips when the kit or the build is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWebhookProcess } from './server-process.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kit = path.resolve(root, '..', 'shared', 'conformance');
const cli = process.env.SIDECAR_KIT_CLI ?? path.join(root, 'dist', 'sidecar-kit.js');
const missing = !existsSync(path.join(kit, 'run-inject.mjs')) ? `no conformance kit at ${kit}` : !existsSync(cli) ? `no build at ${cli} (npm run build)` : undefined;

describe('conformance runner against the webhook process over real TLS', () => {
  it.skipIf(missing !== undefined)(`passes every base-settings training case${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 300_000 }, async () => {
    const data = path.join(kit, 'inject', 'data');
    const server = await startWebhookProcess({
      cli,
      args: ['--valuesFile', path.join(data, 'base-values.yaml'), '--meshConfigFile', path.join(data, 'base-mesh.yaml')],
      env: { ENABLE_NATIVE_SIDECARS: 'true' },
    });
    let out: string;
    try {
      const r = spawnSync(process.execPath, [path.join(kit, 'run-inject.mjs'), '--webhook', server.url, '--cacert', server.caFile], { cwd: root, encoding: 'utf8', timeout: 240_000 });
      out = r.stdout;
    } finally {
      const exit = await server.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    }
    const summary = /^inject: (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(out);
    expect(summary, out.slice(-2000)).not.toBeNull();
    expect(out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(Number(summary?.[1])).toBeGreaterThan(0);
  });
});
