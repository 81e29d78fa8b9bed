import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then one action per 1/qps seconds', () => {
    const b = new TokenBucket(2, 3, 0);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, true, false]);
    expect(b.delayMs(0)).toBe(500);
    expect(b.tryTake(499)).toBe(false);
    expect(b.tryTake(500)).toBe(true);
    expect(b.delayMs(500)).toBe(500);
  });

  it('never holds more than the burst, however long it idles', () => {
    const b = new TokenBucket(10, 2, 0);
    expect(b.tryTake(60_000)).toBe(true);
    expect(b.tryTake(60_000)).toBe(true);
    expect(b.tryTake(60_000)).toBe(false);
  });

  it('a clock that goes backwards adds no tokens', () => {
    const b = new TokenBucket(1, 1, 1000);
    expect(b.tryTake(1000)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.delayMs(1000)).toBe(1000);
  });

  it.each([
    [0, 1],
    [1, 0],
    [Number.NaN, 1],
  ])('refuses qps=%s burst=%s', (qps, burst) => {
    expect(() => new TokenBucket(qps, burst, 0)).toThrow(RangeError);
  });
});
