/**
 * `sidecar-kit webhook`: parse flags/env, start the server, stop gracefully on SIGTERM/SIGINT.
 */
import { pino } from 'pino';
import { coreInjectorBuilder, injectionEnvironment } from './core-injector.js';
import { OptionsError, parseWebhookOptions } from './options.js';
import { startWebhook } from './serve.js';

export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    const { webhookCommand } = await import('./options.js');
    process.stdout.write(webhookCommand().helpInformation());
    return 0;
  }
  let opts;
  try {
    opts = parseWebhookOptions(args, process.env);
  } catch (err) {
    if (err instanceof OptionsError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = pino({ level: opts.logLevel, base: { component: 'webhook' } });
  let server;
  try {
    server = await startWebhook(opts, {
      logger,
      build: coreInjectorBuilder(opts.revision, injectionEnvironment(process.env), { maxEntries: opts.injectionCacheSize, maxBytes: opts.injectionCacheBytes }),
      env: process.env,
    });
  } catch (err) {
    logger.fatal({ err: (err as Error).message, code: (err as { code?: string }).code }, 'webhook failed to start');
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  await server.close();
  return 0;
}
