/**
 * Wall-clock time and timers, passed in so certificate renewal (months ahead) is testable with
 * a fake clock. Node's setTimeout cannot wait longer than 2^31-1 ms (~24.8 days), so
 * `setTimer` waits in steps and re-checks the clock at each one.
 */

export interface Timer {
  cancel(): void;
}

export interface WallClock {
  now(): Date;
  /** Calls `fn` once, `ms` from now (never before). */
  setTimer(fn: () => void, ms: number): Timer;
}

export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemWallClock: WallClock = {
  now: () => new Date(),
  setTimer(fn, ms) {
    const due = Date.now() + ms;
    let handle: NodeJS.Timeout;
    const arm = () => {
      const left = due - Date.now();
      if (left <= 0) return fn();
      handle = setTimeout(arm, Math.min(left, MAX_TIMEOUT_MS));
      handle.unref();
    };
    handle = setTimeout(arm, Math.min(Math.max(ms, 0), MAX_TIMEOUT_MS));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
