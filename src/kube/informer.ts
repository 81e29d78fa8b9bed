/**
 * A restarting informer over @kubernetes/client-node's ListWatch. The client's informer stops
 * on the first error; this one restarts with capped exponential backoff, keeps serving the last
 * synced cache meanwhile, logs the first failure as a warning (later ones at debug level, so a
 * cluster without RBAC for this resource does not flood the log) and reports its state.
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

/** The log calls made here (pino's `(fields, message)` form; other loggers adapt to it). */
export interface InformerLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}

export interface WatchedCache<T> {
  /** `undefined` until the first successful list. */
  items(): readonly T[] | undefined;
  synced(): boolean;
  /** True once the first list attempt is over, successful or not. */
  settled(): boolean;
  stop(): Promise<void>;
}

export interface InformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  readonly what: string;
  readonly logger: InformerLog;
  readonly onChange?: (items: readonly T[]) => void;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  readonly settleTimeoutMs?: number;
}

export function startInformer<T extends KubernetesObject>(opts: InformerOptions<T>): WatchedCache<T> {
  const { initial, max } = opts.backoffMs ?? { initial: 1000, max: 60_000 };
  const lw = new ListWatch<T>(opts.path, new Watch(opts.kubeConfig), opts.list, false, opts.labelSelector, opts.fieldSelector);
  let synced = false;
  let settled = false;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (!synced) {
      synced = true;
      if (failures > 0) opts.logger.info({ what: opts.what }, 'watch recovered');
      failures = 0;
    }
    opts.onChange?.(lw.list());
  };
  lw.on('connect', () => {
    // A (re)connect after a successful list means the API answers again.
    if (synced && failures > 0) {
      opts.logger.info({ what: opts.what }, 'watch reconnected');
      failures = 0;
    }
  });
  for (const verb of ['add', 'update', 'delete'] as const) lw.on(verb, changed);
  lw.on('error', (err: unknown) => {
    if (stopped) return;
    const message = err instanceof Error ? err.message : String(err);
    const delay = Math.min(max, initial * 2 ** Math.min(failures, 16));
    if (failures === 0) {
      opts.logger.warn({ what: opts.what, err: message, retryInMs: delay }, `cannot list/watch ${opts.what}; retrying in the background`);
    } else {
      opts.logger.debug({ what: opts.what, err: message, retryInMs: delay }, `list/watch ${opts.what} failed again`);
    }
    failures++;
    timer = setTimeout(() => void lw.start().then(markListed, () => undefined), delay);
    timer.unref();
  });
  // An empty list produces no add events: mark synced once the list call has gone through.
  const markListed = () => {
    if (!stopped && lw.latestResourceVersion() !== '' && !synced) changed();
  };
  void lw.start().then(markListed, () => undefined).finally(() => (settled = true));
  // A list that neither answers nor fails must not hold readiness back forever.
  setTimeout(() => (settled = true), opts.settleTimeoutMs ?? 10_000).unref();
  return {
    items: () => (synced ? lw.list() : undefined),
    synced: () => synced,
    settled: () => settled || synced,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await lw.stop();
    },
  };
}
