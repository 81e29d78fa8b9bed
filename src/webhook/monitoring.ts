/**
 * The plain-HTTP monitoring server (Istio's port 15014): `/metrics` in the Prometheus text
 * format, `/ready` (readiness: configuration loaded, webhook listening, not shutting down) and
 * `/healthz` (liveness: the process answers).
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { WebhookMetrics } from './metrics.js';

export interface Readiness {
  /** `undefined` when ready, else why not. */
  notReadyReason(): string | undefined;
}

export function buildMonitoringApp(deps: { metrics: WebhookMetrics; readiness: Readiness; logger: Logger }): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
  app.get('/ready', async (_req, reply) => {
    const why = deps.readiness.notReadyReason();
    return why === undefined ? reply.type('text/plain').send('ready\n') : reply.code(503).type('text/plain').send(`not ready: ${why}\n`);
  });
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok\n'));
  // Plain text like every other answer (Fastify's defaults are JSON).
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('text/plain; charset=utf-8').send(`no route for ${req.method} ${req.url.split('?')[0]}\n`);
  });
  app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    void reply.code(status).type('text/plain; charset=utf-8').send(`${err.message ?? 'error'}\n`);
  });
  return app;
}
