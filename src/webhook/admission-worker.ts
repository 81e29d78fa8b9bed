/**
 * The admission worker thread (src/webhook/admission-workers.ts starts it): answers the requests
 * the pool hands it with the same code as the event loop (`decodeInjectRequest`, `reviewDecoded`)
 * and an injector built from the same configuration snapshot, so both paths give byte-identical
 * answers. Protocol (structured-clone messages):
 *
 *   pool → worker  WorkerTask      one request, with the configuration texts when this worker has
 *                                  not built that configuration version yet
 *   worker → pool  { ready }       loaded: requests may come
 *   worker → pool  { started }     the AdmissionReview's uid and apiVersion, as soon as the body is
 *                                  decoded (so a timeout or an out-of-memory death can still be
 *                                  answered with an AdmissionReview naming the request)
 *   worker → pool  { done }        the answer (`InjectHttpResult`)
 *   worker → pool  { failed }      an exception outside the review (a configuration that builds on
 *                                  the loop but not here: never expected)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { coreInjectorBuilder, injectionEnvironment } from './core-injector.js';
import { decodeInjectRequest, reviewDecoded, type InjectHttpResult } from './handle.js';
import type { ConfigKey, ConfigTexts } from './config-source.js';
import type { ClusterSnapshot, PodInjector } from './types.js';

export interface WorkerTask {
  readonly id: number;
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly path: string;
  readonly cluster: ClusterSnapshot;
  /** The configuration version to answer with. */
  readonly version: number;
  /** Its texts, when this worker has not been sent them yet. */
  readonly config?: { readonly texts: ConfigTexts; readonly files: Partial<Record<ConfigKey, string>> };
  /** Whether the answer should carry the pod of a skipped admission (decision events). */
  readonly wantSubject: boolean;
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly id: number; readonly kind: 'started'; readonly uid: string; readonly apiVersion: string }
  | { readonly id: number; readonly kind: 'done'; readonly result: InjectHttpResult }
  | { readonly id: number; readonly kind: 'failed'; readonly message: string };

/** What the pool passes as workerData. */
export interface AdmissionWorkerData {
  readonly revision: string;
}

const port = parentPort;
if (port) {
  const { revision } = (workerData as { admission: AdmissionWorkerData }).admission;
  const build = coreInjectorBuilder(revision, injectionEnvironment(process.env));
  let current: { version: number; injector: PodInjector } | undefined;
  const post = (m: WorkerMessage) => port.postMessage(m);
  port.on('message', (task: WorkerTask) => {
    try {
      if (task.config) current = { version: task.version, injector: build(task.config.texts, task.config.files) };
      if (current?.version !== task.version) throw new Error(`configuration version ${task.version} was never sent to this worker`);
      const body = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength);
      const decoded = decodeInjectRequest({ body, contentType: task.contentType, path: task.path });
      if ('message' in decoded) return post({ id: task.id, kind: 'done', result: decoded });
      const head = reviewHead(decoded.body);
      if (head) post({ id: task.id, kind: 'started', ...head });
      const result = reviewDecoded(decoded, { injector: current.injector, cluster: task.cluster });
      // The pod goes back only when the loop will use it (a skip with decision events on).
      const send = result.status === 200 && result.subject && !(task.wantSubject && result.outcome.kind === 'skipped') ? { ...result, subject: undefined } : result;
      post({ id: task.id, kind: 'done', result: send });
    } catch (err) {
      post({ id: task.id, kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  });
  post({ kind: 'ready' });
}

/** The uid and apiVersion of what looks like an AdmissionReview (checked properly by the review). */
function reviewHead(body: unknown): { uid: string; apiVersion: string } | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { apiVersion, request } = body as { apiVersion?: unknown; request?: unknown };
  if (typeof apiVersion !== 'string' || request === null || typeof request !== 'object') return undefined;
  const uid = (request as { uid?: unknown }).uid;
  return typeof uid === 'string' && uid !== '' ? { uid, apiVersion } : undefined;
}
