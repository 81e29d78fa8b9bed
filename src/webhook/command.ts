/**
 * `sidecar-kit webhook`: parse flags/env, start the server, stop gracefully on SIGTERM/SIGINT.
 * A bad flag or variable exits 2, a failed start exits 1, both as one `error: …` line on stderr
 * (the convention of src/cli-kit/convention.ts); once serving, everything is logged as JSON.
 */
import { pino } from 'pino';
import { ExitCode, HELP, parseArgs, parseCommandLine, reportFailure } from '../cli-kit/convention.js';
import { describeFsError } from '../core/format/fs-error.js';
import { coreInjectorBuilder, injectionEnvironment } from './core-injector.js';
import { FLAGS, parseWebhookOptions, spec, type WebhookOptions } from './options.js';
import { startWebhook } from './serve.js';

export async function run(args: readonly string[]): Promise<number> {
  const cl = await parseCommandLine(spec, () => (parseArgs(args, FLAGS).help ? HELP : parseWebhookOptions(args, process.env)));
  if (cl.exit !== undefined) return cl.exit;
  const opts: WebhookOptions = cl.value;
  const logger = pino({ level: opts.logLevel, base: { component: 'webhook' } });
  let server;
  try {
    server = await startWebhook(opts, {
      logger,
      build: coreInjectorBuilder(opts.revision, injectionEnvironment(process.env), { maxEntries: opts.injectionCacheSize, maxBytes: opts.injectionCacheBytes }),
      env: process.env,
      coreRevision: opts.revision,
    });
  } catch (err) {
    return reportFailure(describeStartError(err, opts));
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  await server.close();
  return ExitCode.ok;
}

/** A start-up failure in one line that names the flag or resource at fault. */
export function describeStartError(err: unknown, opts: WebhookOptions): string {
  const e = err as { code?: unknown; port?: unknown; address?: unknown; syscall?: unknown; message?: unknown };
  if (e.syscall === 'listen' || e.syscall === 'bind') {
    const port = e.port === opts.monitoringPort && opts.monitoringPort !== opts.port ? `--monitoringPort ${opts.monitoringPort}` : `--port ${String(e.port ?? opts.port)}`;
    const what = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'address not available' : describeFsError(err);
    return `${port} on ${String(e.address ?? opts.listenAddress)}: ${what}`;
  }
  return err instanceof Error ? err.message : String(err);
}
