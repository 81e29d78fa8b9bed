import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedBundle, serviceHosts } from './self-signed.js';

describe('createSelfSignedBundle', () => {
  const now = new Date('2026-01-02T03:04:05Z');
  const hosts = serviceHosts('istiod', 'istio-system');
  const b = createSelfSignedBundle({ hosts, now });
  const ca = new X509Certificate(b.caPem);
  const leaf = new X509Certificate(b.certPem);

  it('lists the Service DNS names and loopback as subject alternative names', () => {
    expect(hosts.slice(0, 2)).toEqual(['istiod.istio-system.svc', 'istiod.istio-system.svc.cluster.local']);
    expect(leaf.subjectAltName?.split(', ')).toEqual([
      'DNS:istiod.istio-system.svc',
      'DNS:istiod.istio-system.svc.cluster.local',
      'DNS:istiod',
      'DNS:istiod.istio-system',
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
    ]);
    expect(leaf.checkHost('istiod.istio-system.svc')).toBe('istiod.istio-system.svc');
  });

  it('is signed by the CA, which is a CA and is not the leaf', () => {
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
  });

  it('pairs the key with the leaf certificate', () => {
    expect(leaf.checkPrivateKey(createPrivateKey(b.keyPem))).toBe(true);
  });

  it('is valid from (now - skew) for the requested days', () => {
    expect(new Date(leaf.validFrom).getTime()).toBe(now.getTime() - 5 * 60_000);
    expect(new Date(leaf.validTo).getTime()).toBe(now.getTime() + 365 * 86_400_000);
    expect(b.notAfter.getTime()).toBe(now.getTime() + 365 * 86_400_000);
  });

  it('makes a fresh key pair and serial every time', () => {
    const other = createSelfSignedBundle({ hosts, now });
    expect(other.keyPem).not.toBe(b.keyPem);
    expect(new X509Certificate(other.certPem).serialNumber).not.toBe(leaf.serialNumber);
  });

  it('refuses an empty host list', () => {
    expect(() => createSelfSignedBundle({ hosts: [], now })).toThrow(/at least one host/);
  });
});
