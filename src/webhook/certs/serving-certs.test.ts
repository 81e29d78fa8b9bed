import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { systemWallClock } from '../wall-clock.js';
import { createCa } from './self-signed.js';
import { RENEW_WHEN_LEFT, startServingCerts } from './serving-certs.js';
import type { TlsMaterial } from './tls-files.js';

const silent = pino({ level: 'silent' });
const DAY = 86_400_000;
const start = new Date('2026-03-01T00:00:00Z');
const ca = createCa({ now: start });
const serial = (m: TlsMaterial) => new X509Certificate(m.cert).serialNumber;
const issuedBy = (m: TlsMaterial, c: { certPem: string }) => new X509Certificate(m.cert).verify(new X509Certificate(c.certPem).publicKey);

describe('serving certificate renewal with a fake clock', () => {
  it('renews when a third of the lifetime is left, installs the new one and schedules the next', () => {
    const clock = new FakeClock(start);
    const applied: TlsMaterial[] = [];
    const results: string[] = [];
    const certs = startServingCerts({ ca, hosts: ['hook.ns.svc'], clock, logger: silent, apply: (m) => applied.push(m), onResult: (r) => results.push(r), validityDays: 90 });
    try {
      const first = certs.current();
      expect(certs.renewAt().getTime()).toBe(start.getTime() + 90 * DAY * (1 - RENEW_WHEN_LEFT));
      clock.advance(59 * DAY);
      expect(applied).toHaveLength(0);
      expect(certs.current()).toBe(first);
      clock.advance(2 * DAY); // day 61 > day 60
      expect(applied).toHaveLength(1);
      expect(results).toEqual(['ok']);
      expect(certs.current()).toBe(applied[0]);
      expect(serial(certs.current())).not.toBe(serial(first));
      expect(issuedBy(certs.current(), ca)).toBe(true);
      const leaf = new X509Certificate(certs.current().cert);
      expect(new Date(leaf.validTo).getTime()).toBe(start.getTime() + 60 * DAY + 90 * DAY); // issued at the due time
      clock.advance(60 * DAY);
      expect(applied).toHaveLength(2);
      expect(clock.timers).toBe(1);
    } finally {
      certs.stop();
    }
    expect(clock.timers).toBe(0);
  });

  it('re-issues at once from a new CA and restarts the renewal schedule', () => {
    const clock = new FakeClock(start);
    const applied: TlsMaterial[] = [];
    const certs = startServingCerts({ ca, hosts: ['hook.ns.svc'], clock, logger: silent, apply: (m) => applied.push(m) });
    try {
      clock.advance(100 * DAY);
      const next = createCa({ now: clock.now() });
      certs.setCa(next);
      expect(applied).toHaveLength(1);
      expect(issuedBy(certs.current(), next)).toBe(true);
      expect(issuedBy(certs.current(), ca)).toBe(false);
      expect(certs.renewAt().getTime()).toBe(start.getTime() + 100 * DAY + 365 * DAY * (1 - RENEW_WHEN_LEFT));
      expect(clock.timers).toBe(1);
    } finally {
      certs.stop();
    }
  });

  it('never issues past the CA; once the CA has expired it keeps the last certificate and reports errors', () => {
    const shortCa = createCa({ now: start, validityDays: 1 });
    const clock = new FakeClock(start);
    const applied: TlsMaterial[] = [];
    const results: string[] = [];
    const certs = startServingCerts({ ca: shortCa, hosts: ['h'], clock, logger: silent, apply: (m) => applied.push(m), onResult: (r) => results.push(r) });
    try {
      expect(certs.cert().notAfter.getTime()).toBe(start.getTime() + DAY);
      expect(certs.renewAt().getTime()).toBe(start.getTime() + DAY * (1 - RENEW_WHEN_LEFT));
      clock.advance(DAY + 5 * 60_000);
      // renewals while the CA lives (at most one a minute), then failures
      expect(results.filter((r) => r === 'ok').length).toBe(applied.length);
      expect(applied.length).toBeGreaterThan(0);
      expect(results.slice(-1)).toEqual(['error']);
      for (const m of applied) expect(new Date(new X509Certificate(m.cert).validTo).getTime()).toBeLessThanOrEqual(start.getTime() + DAY);
      expect(certs.current()).toBe(applied.at(-1));
    } finally {
      certs.stop();
    }
  });
});

describe('systemWallClock', () => {
  afterEach(() => vi.useRealTimers());

  it('waits longer than setTimeout can (2^31-1 ms) by re-arming', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    systemWallClock.setTimer(fn, 40 * DAY);
    vi.advanceTimersByTime(30 * DAY);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10 * DAY);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('can be cancelled', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    systemWallClock.setTimer(fn, 1000).cancel();
    vi.advanceTimersByTime(2000);
    expect(fn).not.toHaveBeenCalled();
  });
});
