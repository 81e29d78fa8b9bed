/** The monitoring app answers in plain text, its 404s and errors included (they were JSON). */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createWebhookMetrics } from './metrics.js';
import { buildMonitoringApp } from './monitoring.js';

describe('monitoring app', () => {
  const app = buildMonitoringApp({ metrics: createWebhookMetrics(), logger: pino({ level: 'silent' }), readiness: { notReadyReason: () => 'warming up' } });

  it.each([
    ['GET', '/nope?x=1', 404, 'no route for GET /nope\n'],
    ['POST', '/metrics', 404, 'no route for POST /metrics\n'],
    ['GET', '/ready', 503, 'not ready: warming up\n'],
    ['GET', '/healthz', 200, 'ok\n'],
  ] as const)('%s %s: %i in plain text', async (method, url, status, body) => {
    const r = await app.inject({ method, url });
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toBe(body);
  });
});
