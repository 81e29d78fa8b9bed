import { describe, expect, it } from 'vitest';
import { ManualTimers } from './testing/manual-timers.js';
import { KeyedWorkQueue } from './work-queue.js';

function queue(process: (key: string) => Promise<void>, opts: Partial<{ qps: number; burst: number; maxAttempts: number }> = {}) {
  const timers = new ManualTimers();
  const gaveUp: string[] = [];
  const q = new KeyedWorkQueue({ process, qps: opts.qps ?? 1000, burst: opts.burst ?? 1000, maxAttempts: opts.maxAttempts ?? 5, backoffMs: { initial: 100, max: 1000 }, timers, onGiveUp: (k) => gaveUp.push(k) });
  return { q, timers, gaveUp };
}

describe('KeyedWorkQueue', () => {
  it('processes each key once however often it was added, in order', async () => {
    const seen: string[] = [];
    const { q, timers } = queue(async (k) => void seen.push(k));
    q.pause();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.size).toBe(3);
    q.resume();
    await timers.advance(0);
    expect(seen).toEqual(['a', 'b', 'c']);
    await q.idle();
  });

  it('a key added while it is processed runs again afterwards', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const { q, timers } = queue(async (k) => {
      seen.push(k);
      if (seen.length === 1) await new Promise<void>((r) => (release = r));
    });
    q.add('a');
    await timers.advance(0);
    q.add('a');
    q.add('a');
    release();
    await timers.advance(0);
    expect(seen).toEqual(['a', 'a']);
  });

  it('rate limit: a burst, then one key per 1/qps', async () => {
    const at: number[] = [];
    const { q, timers } = queue(async () => void at.push(timers.now()), { qps: 2, burst: 2 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await timers.advance(5000);
    expect(at).toEqual([0, 0, 500, 1000, 1500]);
  });

  it('retries a failing key with exponential backoff and gives up after maxAttempts', async () => {
    const at: number[] = [];
    const { q, timers, gaveUp } = queue(async () => {
      at.push(timers.now());
      throw new Error('conflict');
    }, { maxAttempts: 4 });
    q.add('a');
    await timers.advance(10_000);
    expect(at).toEqual([0, 100, 300, 700]);
    expect(gaveUp).toEqual(['a']);
    expect(q.size).toBe(0);
  });

  it('an add during the backoff does not run the key early; forget drops it', async () => {
    let n = 0;
    const { q, timers } = queue(async () => {
      n++;
      throw new Error('x');
    });
    q.add('a');
    await timers.advance(0);
    q.add('a');
    await timers.advance(50);
    expect(n).toBe(1);
    q.forget('a');
    await timers.advance(10_000);
    expect(n).toBe(1);
    expect(q.size).toBe(0);
  });

  it('nothing starts while paused', async () => {
    let n = 0;
    const { q, timers } = queue(async () => void n++);
    q.pause();
    q.add('a');
    await timers.advance(1000);
    expect(n).toBe(0);
    q.resume();
    await timers.advance(0);
    expect(n).toBe(1);
  });
});
