/**
 * The webhook's Fastify application: `POST /inject` and `POST /inject/*`. A thin edge over
 * `handleInjectRequest`: it reads the raw body, records metrics and logs, and writes the answer.
 * Dependencies are passed in; the same function serves HTTPS in production and `app.inject()`
 * in tests.
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { reviewJson } from './admission.js';
import { costBeyondSize, type AdmissionWorkerPool, type OffloadResult } from './admission-workers.js';
import type { ConfigSnapshot } from './config-source.js';
import { decodeInjectRequest, reviewDecoded, MAX_BODY_BYTES, MAX_DRAINED_BYTES, type InjectHttpResult } from './handle.js';
import type { DecisionEvents } from './decision-events.js';
import type { WebhookMetrics } from './metrics.js';
import type { ClusterFactsSource, Clock, InjectorSource } from './types.js';

export interface WebhookDeps {
  readonly injector: InjectorSource;
  readonly cluster: ClusterFactsSource;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  readonly clock: Clock;
  /** Opt-in Events on the owners of skipped pods. */
  readonly decisionEvents?: DecisionEvents;
  /**
   * Admission worker threads for the requests that could hold the event loop (admission-workers.ts),
   * and the configuration snapshot the loop's injector was built from (they build the same).
   */
  readonly offload?: { readonly pool: AdmissionWorkerPool; readonly config: () => ConfigSnapshot };
}

export interface WebhookAppOptions {
  /** Passed to Fastify as is (`https`, timeouts…); omitted for in-process tests. */
  readonly server?: Pick<FastifyServerOptions, 'keepAliveTimeout' | 'connectionTimeout' | 'requestTimeout'> & {
    readonly https?: import('node:https').ServerOptions;
  };
}

export function buildWebhookApp(deps: WebhookDeps, opts: WebhookAppOptions = {}): FastifyInstance {
  const app = Fastify({
    ...(opts.server ?? {}),
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger (a pino child per admission): the few request logs carry the
    // admission uid themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: MAX_BODY_BYTES,
    // Go's mux does not care about a trailing slash either.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    return503OnClosing: false,
    // Malformed URLs and the like are answered before routing: keep them plain-text 4xx too.
    frameworkErrors: (err, req, reply) => {
      if (req.url.startsWith('/inject')) {
        deps.metrics.requests.inc();
        deps.metrics.failure.inc({ reason: 'decode' });
      }
      void (reply as FastifyReply).code(400).type('text/plain; charset=utf-8').send(`invalid URL path: ${err.message}\n`);
    },
  }) as unknown as FastifyInstance;
  // Every body arrives as raw bytes; the content type is judged by the handler (Istio's order:
  // an empty body is a 400 even with a wrong content type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => readBody(payload as IncomingMessage, done));

  // Graceful shutdown (app.close()): the listener stops accepting and idle keep-alive
  // connections are closed at once (Fastify's forceCloseConnections: 'idle'); every answer
  // from then on carries `Connection: close`, so a connection busy with a request closes right
  // after its answer instead of waiting for its next request — or being cut with ECONNRESET
  // when the shutdown timeout forces the rest closed — and the process exits promptly.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  const route = (req: FastifyRequest, reply: FastifyReply) => serveInject(req, reply, deps);
  app.post('/inject', route);
  app.post('/inject/*', route);

  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
    // Fastify's own 4xx (body too large, bad content length, aborted body…). Never a 5xx.
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
    if (req.routeOptions.url?.startsWith('/inject')) {
      deps.metrics.requests.inc();
      deps.metrics.failure.inc({ reason: 'decode' });
    }
    req.log.warn({ status, err: err.message }, 'rejected webhook request');
    void reply.code(status).type('text/plain; charset=utf-8').send(`${err.message ?? 'bad request'}\n`);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('text/plain; charset=utf-8').send(`no route for ${req.method} ${req.url.split('?')[0]}\n`);
  });
  return app;
}

const httpError = (statusCode: number, message: string): Error & { statusCode: number } => Object.assign(new Error(message), { statusCode });

/**
 * The raw body, at most MAX_BODY_BYTES. A larger one gets 413 — after the rest of it has been
 * read and dropped (up to MAX_DRAINED_BYTES in all), so the client has finished sending and sees
 * the answer rather than a reset. Fastify answers a parser error with `Connection: close`.
 */
function readBody(payload: IncomingMessage, done: (err: Error | null, body?: Buffer) => void): void {
  const declared = Number(payload.headers['content-length']);
  const tooLarge = () => done(httpError(413, 'Request body is too large'));
  if (declared > MAX_DRAINED_BYTES) return tooLarge(); // not worth reading: answer now
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (settled) return;
    settled = true;
    payload.off('data', onData).off('end', onEnd).off('error', onError);
    done(err, body);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    else if (chunks.length > 0) chunks.length = 0; // over the limit: keep counting, drop the bytes
    if (size > MAX_DRAINED_BYTES) {
      payload.pause();
      finish(httpError(413, 'Request body is too large'));
    }
  };
  const onEnd = () => {
    if (size > MAX_BODY_BYTES) return finish(httpError(413, 'Request body is too large'));
    if (!Number.isNaN(declared) && size !== declared) return finish(httpError(400, 'Request body size did not match Content-Length'));
    finish(null, Buffer.concat(chunks, size));
  };
  const onError = (err: Error) => finish(Object.assign(err, { statusCode: 400 }));
  payload.on('data', onData).on('end', onEnd).on('error', onError);
  payload.resume();
}

function serveInject(req: FastifyRequest, reply: FastifyReply, deps: WebhookDeps): FastifyReply | Promise<FastifyReply> {
  const start = deps.clock.now();
  deps.metrics.requests.inc();
  const url = req.url;
  const q = url.indexOf('?');
  const http = { body: req.body as Buffer | undefined, contentType: req.headers['content-type'], path: q < 0 ? url : url.slice(0, q) };
  const offload = deps.offload;
  // The injector and cluster facts of this moment: a thread answers with the same ones.
  const injector = deps.injector.current();
  const cluster = deps.cluster.snapshot();
  const toWorker = () => {
    if (!offload) throw new Error('unreachable');
    const config = offload.config();
    const request = { ...http, body: http.body as Buffer, cluster, config, wantSubject: deps.decisionEvents !== undefined };
    const answered = offload.pool.run(request);
    deps.metrics.workerQueue.set(offload.pool.load().queued);
    return answered.then((r) => {
      deps.metrics.workerQueue.set(offload.pool.load().queued);
      return answer(req, reply, deps, start, fromWorker(r));
    });
  };
  if (offload && offload.pool.limits.workers > 0 && http.body && http.body.length >= offload.pool.limits.minBytes) return toWorker();
  const decoded = decodeInjectRequest(http);
  if ('message' in decoded) return answer(req, reply, deps, start, decoded);
  if (offload && offload.pool.limits.workers > 0 && costBeyondSize(decoded.body)) return toWorker();
  return answer(req, reply, deps, start, reviewDecoded(decoded, { injector, cluster }));
}

/** What a thread's outcome means for the answer: its answer, or a refusal as one. */
type Answer = InjectHttpResult | { readonly status: 503; readonly message: string };

function fromWorker(r: OffloadResult): Answer {
  if (r.kind === 'answered') return r.result;
  // Without a decoded AdmissionReview there is no uid to answer with: a 503 (the API server
  // applies the failurePolicy). With one, the pod is refused with the reason, like any failure.
  if (!r.review) return { status: 503, message: r.message };
  const code = r.cause === 'busy' || r.cause === 'closed' ? 'Unavailable' : 'InternalError';
  const review = { apiVersion: r.review.apiVersion, kind: 'AdmissionReview', response: { uid: r.review.uid, allowed: false, status: { message: r.message } } } as const;
  return { status: 200, review: review as Extract<InjectHttpResult, { status: 200 }>['review'], outcome: { kind: 'rejected', code, message: r.message } };
}

function answer(req: FastifyRequest, reply: FastifyReply, deps: WebhookDeps, start: number, result: Answer): FastifyReply {
  const { metrics, clock } = deps;
  if (result.status !== 200) {
    metrics.failure.inc({ reason: result.status === 503 ? 'internal' : 'decode' });
    req.log.warn({ status: result.status, reason: result.message }, 'rejected webhook request');
    metrics.time.observe((clock.now() - start) / 1000);
    return reply.code(result.status).type('text/plain; charset=utf-8').send(`${result.message}\n`);
  }
  const { outcome, review } = result;
  const uid = review.response.uid;
  switch (outcome.kind) {
    case 'skipped':
      metrics.skip.inc({ reason: outcome.reason });
      req.log.debug({ uid, reason: outcome.reason }, outcome.message);
      if (deps.decisionEvents && result.subject) deps.decisionEvents.skipped(result.subject, outcome.reason, outcome.message);
      break;
    case 'rejected':
      metrics.failure.inc({ reason: outcome.code === 'InternalError' || outcome.code === 'Unavailable' ? 'internal' : 'inject' });
      req.log.warn({ uid, code: outcome.code }, `injection failed: ${outcome.message}`);
      break;
    case 'injected':
      req.log.debug({ uid, ops: outcome.patch.operations }, 'injected');
      break;
  }
  metrics.success.inc();
  metrics.time.observe((clock.now() - start) / 1000);
  return reply.code(200).type('application/json').send(reviewJson(review));
}
