/**
 * A keyed work queue in the manner of client-go's `workqueue` (which Istio's controllers use):
 * a key is queued at most once however often it is added; a key added while it is being
 * processed runs again afterwards; a failed key is retried with exponential backoff up to
 * `maxAttempts` times; one key is processed at a time, and starting one costs a token of a
 * token bucket (the rate limit). The queue can be paused (nothing starts) and resumed.
 *
 * Written here rather than taken from a library: the promise queues on npm (p-queue, bottleneck)
 * limit concurrency or rate but neither deduplicate by key nor back off per key, and the
 * token-bucket packages run on their own wall-clock timers, while this queue runs on the
 * clock and timers it is given (tests drive it with a fake clock).
 */
import { TokenBucket } from '../core/token-bucket.js';

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface WorkQueueOptions {
  /** Processes one key; a rejection is a failure (retried). */
  readonly process: (key: string) => Promise<void>;
  readonly qps: number;
  readonly burst: number;
  /** Attempts per key before it is dropped (until added again). */
  readonly maxAttempts: number;
  readonly backoffMs: { readonly initial: number; readonly max: number };
  readonly onGiveUp?: (key: string, error: unknown) => void;
  readonly timers?: Timers;
}

export class KeyedWorkQueue {
  private readonly timers: Timers;
  private readonly bucket: TokenBucket;
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly retrying = new Map<string, unknown>();
  private readonly attempts = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private processing: string | undefined;
  private wake: unknown;
  private paused = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: WorkQueueOptions) {
    this.timers = opts.timers ?? realTimers;
    this.bucket = new TokenBucket(opts.qps, opts.burst, this.timers.now());
  }

  /** Queues `key` unless it is queued or waiting for a retry already. */
  add(key: string): void {
    if (this.stopped || this.queued.has(key) || this.retrying.has(key)) return;
    if (this.processing === key) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
    this.ready.push(key);
    this.kick();
  }

  /** Forgets `key`: queued, retrying and attempts (the object is gone). */
  forget(key: string): void {
    const t = this.retrying.get(key);
    if (t !== undefined) this.timers.clearTimeout(t);
    this.retrying.delete(key);
    this.attempts.delete(key);
    this.dirty.delete(key);
    if (this.queued.delete(key)) this.ready.splice(this.ready.indexOf(key), 1);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  /** Keys queued or waiting for a retry, and the one being processed. */
  get size(): number {
    return this.ready.length + this.retrying.size + (this.processing !== undefined ? 1 : 0);
  }

  /** Resolves when nothing is queued, retrying or being processed (tests). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.wake !== undefined) this.timers.clearTimeout(this.wake);
    for (const t of this.retrying.values()) this.timers.clearTimeout(t);
    this.retrying.clear();
    this.ready.length = 0;
    this.queued.clear();
  }

  private kick(): void {
    if (this.stopped || this.paused || this.processing !== undefined || this.wake !== undefined || this.ready.length === 0) {
      this.notifyIdle();
      return;
    }
    const now = this.timers.now();
    if (!this.bucket.tryTake(now)) {
      this.wake = this.timers.setTimeout(() => {
        this.wake = undefined;
        this.kick();
      }, this.bucket.delayMs(now));
      return;
    }
    const key = this.ready.shift() as string;
    this.queued.delete(key);
    this.processing = key;
    void this.run(key);
  }

  private async run(key: string): Promise<void> {
    try {
      await this.opts.process(key);
      this.attempts.delete(key);
    } catch (err) {
      const n = (this.attempts.get(key) ?? 0) + 1;
      if (n >= this.opts.maxAttempts || this.stopped) {
        this.attempts.delete(key);
        if (!this.stopped) this.opts.onGiveUp?.(key, err);
      } else {
        this.attempts.set(key, n);
        const ms = Math.min(this.opts.backoffMs.max, this.opts.backoffMs.initial * 2 ** (n - 1));
        this.dirty.delete(key); // the retry re-reads the object anyway
        this.retrying.set(
          key,
          this.timers.setTimeout(() => {
            this.retrying.delete(key);
            this.add(key);
          }, ms),
        );
      }
    } finally {
      this.processing = undefined;
      if (this.dirty.delete(key)) this.add(key);
      this.kick();
    }
  }

  private notifyIdle(): void {
    if (this.size !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
