// Starts the built webhook (`node dist/sidecar-kit.js webhook …`) as a child process on free
// ports with a self-signed certificate, waits for its "webhook serving" log line and returns
// the ports, the CA file and a stop() that sends SIGTERM and waits for the exit. Plain ESM so
// that plain ESM scripts (.ci/conformance.mjs) can use it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function startWebhookProcess({ cli, args = [], env = {}, timeoutMs = 30_000 }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sk-webhook-'));
  const caFile = path.join(dir, 'ca.pem');
  const child = spawn(process.execPath, [cli, 'webhook', '--self-signed', '--caOutFile', caFile, '--port', '0', '--monitoringPort', '0',
    '--listenAddress', '127.0.0.1', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`webhook did not start within ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'webhook serving') {
            clearTimeout(timer);
            resolve({ port: rec.port, monitoringPort: rec.monitoringPort });
          }
        } catch { /* not JSON */ }
      }
    });
    child.stderr.on('data', (d) => logs.push(d.toString()));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`webhook exited (${code ?? signal}) before serving:\n${logs.join('\n')}`));
    });
  });
  let ports;
  try {
    ports = await ready;
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...ports,
    caFile,
    logs,
    url: `https://127.0.0.1:${ports.port}/inject`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const r = await exited;
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
}
