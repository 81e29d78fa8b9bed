/**
 * A token bucket on a clock the caller passes in (client-go's `BucketRateLimiter`): `burst`
 * tokens at most, refilled at `qps` per second; one action costs one token.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    now: number,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = Math.max(this.last, now);
  }

  /** Milliseconds until a token is available at `now` (0: one is). Takes nothing. */
  delayMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.qps);
  }

  /** Takes a token when one is available; returns whether it did. */
  tryTake(now: number): boolean {
    if (this.delayMs(now) > 0) return false;
    this.tokens -= 1;
    return true;
  }
}
