import { describe, expect, it } from 'vitest';
import { lazy } from './lazy.js';

describe('lazy', () => {
  it('builds on first use only, once, and keeps undefined results too', () => {
    let calls = 0;
    const get = lazy(() => {
      calls++;
      return calls === 1 ? undefined : 'again';
    });
    expect(calls).toBe(0);
    expect(get()).toBeUndefined();
    expect(get()).toBeUndefined();
    expect(calls).toBe(1);
  });
});
