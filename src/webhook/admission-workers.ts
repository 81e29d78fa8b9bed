/**
 * Admission workers: the admissions whose cost could hold the event loop (a large request body,
 * or YAML aliases in `proxy.istio.io/config`, whose expansion makes the cost independent of the
 * size) are answered on worker threads, so small pods keep being answered on the loop meanwhile.
 *
 * Bounded in every direction:
 * - threads: at most `workers`, started on first use and kept;
 * - queue: at most `maxQueue` requests wait for a thread; beyond that a request is refused at
 *   once (HTTP 503: the API server applies the webhook's failurePolicy);
 * - time: a request not answered within `timeoutMs` of its arrival (queue time included) is
 *   answered with a rejection and, when it was running, its thread is ended and replaced;
 * - memory: each thread's heap is limited (`heapMb`, node:worker_threads resourceLimits); a request
 *   that exhausts it ends its thread and is rejected, the other threads and the loop live on.
 *
 * Every request carries the configuration version the loop uses at that moment; a thread builds
 * each version once (the texts travel with the first request of a version it has not built), so
 * a hot reload reaches the threads with the next request, and loop and threads always answer with
 * the same configuration. `close()` refuses new requests, lets queued and running ones finish
 * (bounded by the caller's shutdown timeout) and ends the threads.
 *
 * Written on node:worker_threads rather than piscina: piscina starts its own worker script, found
 * beside its package files, which the self-contained bundles the images ship (dist/ only) do not
 * carry; the pooling needed here (a queue, a deadline, replacing a thread) is small.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AdmissionWorkerData, WorkerMessage, WorkerTask } from './admission-worker.js';
import type { ConfigSnapshot } from './config-source.js';
import type { InjectHttpResult } from './handle.js';
import type { ClusterSnapshot } from './types.js';
import { PROXY_CONFIG_ANNOTATION } from '../core/istio-keys.js';

export interface AdmissionWorkerLimits {
  /** Threads; 0 answers everything on the loop. */
  readonly workers: number;
  /** Requests of at least this many bytes go to a thread. */
  readonly minBytes: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
  readonly heapMb: number;
}

export const DEFAULT_WORKER_LIMITS: AdmissionWorkerLimits = {
  workers: 2,
  minBytes: 32 * 1024,
  maxQueue: 64,
  timeoutMs: 8000,
  heapMb: 128,
};

export interface OffloadRequest {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly path: string;
  readonly cluster: ClusterSnapshot;
  readonly config: ConfigSnapshot;
  readonly wantSubject: boolean;
}

/** What came of a request sent to a thread. */
export type OffloadResult =
  | { readonly kind: 'answered'; readonly result: InjectHttpResult }
  /**
   * No answer: `reason` says why (timeout, out of memory, thread failure, busy, shutting down);
   * `review` is the AdmissionReview's uid and apiVersion when the thread had decoded it.
   */
  | {
      readonly kind: 'refused';
      readonly cause: 'timeout' | 'memory' | 'crashed' | 'busy' | 'closed';
      readonly message: string;
      readonly review?: { readonly uid: string; readonly apiVersion: string };
    };

export type RefusalCause = Extract<OffloadResult, { kind: 'refused' }>['cause'];

export interface AdmissionWorkerPool {
  readonly limits: AdmissionWorkerLimits;
  run(req: OffloadRequest): Promise<OffloadResult>;
  /** Requests waiting for a thread and requests running. */
  load(): { queued: number; running: number; threads: number };
  /** Refuses new requests, waits for the queued and running ones, ends the threads. */
  close(): Promise<void>;
}

export interface PoolDeps {
  /** What the threads build their injector from: `coreInjectorBuilder(revision, injectionEnvironment(env))`. */
  readonly revision: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Called once per request with how it ended (`answered` or the refusal's cause). */
  readonly onResult?: (result: 'answered' | RefusalCause) => void;
  /** The worker script; default: the bundled one (built CLI) or the sources through tsx. */
  readonly worker?: { readonly url: URL; readonly workerData?: Record<string, unknown> };
}

interface Pending {
  readonly id: number;
  readonly req: OffloadRequest;
  readonly resolve: (r: OffloadResult) => void;
  readonly timer: NodeJS.Timeout;
  review?: { uid: string; apiVersion: string };
  thread?: Thread;
}

interface Thread {
  readonly worker: Worker;
  /** The configuration version this thread has been sent. */
  version: number | undefined;
  task: Pending | undefined;
  /** Loaded (a thread takes a while to load the injector; requests wait in the queue meanwhile). */
  ready: boolean;
  /** Set once the thread is being ended on purpose (timeout, close). */
  ending: boolean;
}

/** The worker script of this build: bundled beside the webhook command, or the sources. */
function defaultWorker(): { url: URL; workerData?: Record<string, unknown> } {
  if (process.env.SK_BUNDLED_BUILD === '1') return { url: new URL('./webhook-worker.js', import.meta.url) };
  return { url: new URL('./admission-worker.dev.mjs', import.meta.url), workerData: { entry: new URL('./admission-worker.ts', import.meta.url).href } };
}

export function createAdmissionWorkerPool(limits: AdmissionWorkerLimits, deps: PoolDeps): AdmissionWorkerPool {
  const script = deps.worker ?? defaultWorker();
  const threads: Thread[] = [];
  const queue: Pending[] = [];
  let running = 0;
  let nextId = 1;
  let closed = false;
  let drained: (() => void) | undefined;

  const settle = (task: Pending, result: OffloadResult) => {
    clearTimeout(task.timer);
    const at = queue.indexOf(task);
    if (at >= 0) queue.splice(at, 1);
    if (task.thread) {
      task.thread.task = undefined;
      task.thread = undefined;
      running--;
    }
    deps.onResult?.(result.kind === 'answered' ? 'answered' : result.cause);
    task.resolve(result);
    pump();
    if (closed && queue.length === 0 && running === 0) drained?.();
  };

  const spawn = (): Thread => {
    const worker = new Worker(script.url, {
      workerData: { ...(script.workerData ?? {}), admission: { revision: deps.revision } satisfies AdmissionWorkerData },
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.floor(limits.heapMb / 8))) },
      env: { ...deps.env },
      stdout: false,
      stderr: false,
    });
    const thread: Thread = { worker, version: undefined, task: undefined, ready: false, ending: false };
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'ready') {
        thread.ready = true;
        return pump();
      }
      const task = thread.task;
      if (!task || task.id !== m.id) return;
      if (m.kind === 'started') task.review = { uid: m.uid, apiVersion: m.apiVersion };
      else if (m.kind === 'done') settle(task, { kind: 'answered', result: m.result });
      else settle(task, refused(task, 'crashed', `admission worker failed: ${m.message}`));
    });
    const gone = (err?: Error) => {
      const at = threads.indexOf(thread);
      if (at >= 0) threads.splice(at, 1);
      const task = thread.task;
      if (!thread.ending) deps.logger.warn({ err: err?.message }, 'admission worker ended unexpectedly');
      // A thread ended under a request (time budget, memory, crash) is replaced at once, so the
      // next large admission does not wait for a thread to start.
      if (task && !closed) spawn();
      if (task) {
        const memory = (err as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
        settle(
          task,
          memory
            ? refused(task, 'memory', `admission needed more memory than an admission worker may use (${limits.heapMb} MiB, --admissionWorkerHeapMb)`)
            : refused(task, 'crashed', `admission worker ended: ${err?.message ?? 'exited'}`),
        );
      } else pump();
    };
    let failure: Error | undefined;
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', () => gone(failure));
    threads.push(thread);
    return thread;
  };

  const refused = (task: Pending, cause: RefusalCause, message: string): OffloadResult => ({
    kind: 'refused',
    cause,
    message,
    ...(task.review ? { review: task.review } : {}),
  });

  const pump = () => {
    while (queue.length > 0) {
      const thread = threads.find((t) => t.ready && !t.task && !t.ending);
      if (!thread) {
        if (threads.filter((t) => !t.ending).length < limits.workers) spawn();
        return;
      }
      const task = queue.shift() as Pending;
      start(thread, task);
    }
  };

  const start = (thread: Thread, task: Pending) => {
    thread.task = task;
    task.thread = thread;
    running++;
    const { req } = task;
    const message: WorkerTask = {
      id: task.id,
      body: req.body,
      contentType: req.contentType,
      path: req.path,
      cluster: req.cluster,
      version: req.config.version,
      wantSubject: req.wantSubject,
      ...(thread.version === req.config.version ? {} : { config: { texts: req.config.texts, files: req.config.files } }),
    };
    thread.version = req.config.version;
    thread.worker.postMessage(message);
  };

  const timedOut = (task: Pending) => {
    const thread = task.thread;
    const message = `admission not answered within ${limits.timeoutMs} ms (--admissionWorkerTimeoutMs)${thread ? '' : ': it waited for a free admission worker all that time'}`;
    if (thread) {
      // The thread may be stuck in a long computation: end it, and start its replacement now.
      thread.ending = true;
      void thread.worker.terminate();
    }
    settle(task, refused(task, 'timeout', message));
    if (thread && !closed) spawn();
  };

  return {
    limits,
    run(req) {
      return new Promise<OffloadResult>((resolve) => {
        const id = nextId++;
        if (closed) {
          deps.onResult?.('closed');
          return resolve({ kind: 'refused', cause: 'closed', message: 'the webhook is shutting down' });
        }
        if (queue.length >= limits.maxQueue && !threads.some((t) => t.ready && !t.task && !t.ending)) {
          deps.onResult?.('busy');
          return resolve({ kind: 'refused', cause: 'busy', message: `admission workers busy: ${running} running, ${queue.length} waiting (--admissionWorkerQueue ${limits.maxQueue})` });
        }
        const task: Pending = { id, req, resolve, timer: setTimeout(() => timedOut(task), limits.timeoutMs) };
        queue.push(task);
        pump();
      });
    },
    load: () => ({ queued: queue.length, running, threads: threads.length }),
    async close() {
      closed = true;
      if (queue.length > 0 || running > 0) await new Promise<void>((res) => (drained = res));
      await Promise.all(
        threads.splice(0).map((t) => {
          t.ending = true;
          return t.worker.terminate();
        }),
      );
    },
  };
}

/**
 * Whether a request decoded on the loop (smaller than `minBytes`) should still be answered on a
 * thread: YAML aliases in its `proxy.istio.io/config` (an anchor `&` and an alias `*`) can expand
 * to far more than the text (go-yaml's budget allows ~100 times), so its size says nothing about
 * its cost.
 */
export function costBeyondSize(body: unknown): boolean {
  const annotations = (body as { request?: { object?: { metadata?: { annotations?: unknown } } } } | null)?.request?.object?.metadata?.annotations;
  if (annotations === null || typeof annotations !== 'object') return false;
  const config: unknown = Object.hasOwn(annotations, PROXY_CONFIG_ANNOTATION) ? (annotations as Record<string, unknown>)[PROXY_CONFIG_ANNOTATION] : undefined;
  return typeof config === 'string' && config.includes('&') && config.includes('*');
}
