/**
 * A WallClock whose time moves only when a test calls `advance`: timers that fall due run then,
 * in order of their due time, each seeing the clock at its own due time.
 */
import type { Timer, WallClock } from '../wall-clock.js';

interface Pending {
  readonly due: number;
  readonly fn: () => void;
  readonly seq: number;
}

export class FakeClock implements WallClock {
  private t: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start: Date) {
    this.t = start.getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  setTimer(fn: () => void, ms: number): Timer {
    const p: Pending = { due: this.t + Math.max(ms, 0), fn, seq: this.seq++ };
    this.pending.push(p);
    return { cancel: () => (this.pending = this.pending.filter((x) => x !== p)) };
  }

  /** Timers waiting. */
  get timers(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, running every timer due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.pending].sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next || next.due > end) break;
      this.pending = this.pending.filter((x) => x !== next);
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = end;
  }
}
