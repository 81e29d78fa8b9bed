/**
 * The node agent's plain-HTTP server (Istio's install-cni serves metrics on 15014 and readiness
 * on 8000; here one port): `/metrics` (Prometheus text), `/readyz` (200 while the plugin is in
 * place, else 503 with the reason: the DaemonSet's readiness probe) and `/healthz`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AgentMetrics } from './agent-metrics.js';

export interface AgentReadiness {
  /** `undefined` when ready, else why not. */
  notReadyReason(): string | undefined;
}

export function buildAgentServer(deps: { metrics: AgentMetrics; readiness: AgentReadiness }): FastifyInstance {
  const app = Fastify({ logger: false }) as unknown as FastifyInstance;
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));
  app.get('/readyz', async (_req, reply) => {
    const why = deps.readiness.notReadyReason();
    return why === undefined ? reply.type('text/plain').send('ready\n') : reply.code(503).type('text/plain').send(`not ready: ${why}\n`);
  });
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok\n'));
  return app;
}
