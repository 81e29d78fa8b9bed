import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaInvalidError, checkCa, createCa, createSelfSignedBundle, issueServingCert, serviceHosts } from './self-signed.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

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

describe('issueServingCert from an existing CA', () => {
  const now = new Date('2026-01-02T03:04:05Z');
  const ca = createCa({ now });

  it('signs a fresh key for the hosts with the CA, never past the CA expiry', () => {
    const a = issueServingCert({ ca, hosts: ['hook.ns.svc'], now });
    const b = issueServingCert({ ca, hosts: ['hook.ns.svc'], now, validityDays: 20 * 365 });
    const caCert = new X509Certificate(ca.certPem);
    for (const s of [a, b]) {
      const leaf = new X509Certificate(s.certPem);
      expect(leaf.checkIssued(caCert)).toBe(true);
      expect(leaf.verify(caCert.publicKey)).toBe(true);
      expect(leaf.checkPrivateKey(createPrivateKey(s.keyPem))).toBe(true);
    }
    expect(a.keyPem).not.toBe(b.keyPem);
    expect(b.notAfter.getTime()).toBe(new Date(caCert.validTo).getTime());
  });

  it.skipIf(!hasOpenssl)(`chains to an RSA CA made by openssl, as an operator would supply${hasOpenssl ? '' : ' (skipped: no openssl binary)'}`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sk-ca-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/C=DE/O=Ops Team/CN=Operator Root',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt')], { stdio: 'ignore' });
      const opCa = { certPem: readFileSync(path.join(dir, 'ca.crt'), 'utf8'), keyPem: readFileSync(path.join(dir, 'ca.key'), 'utf8') };
      expect(() => checkCa(opCa, new Date())).not.toThrow();
      const s = issueServingCert({ ca: opCa, hosts: ['hook.ns.svc'], now: new Date() });
      writeFileSync(path.join(dir, 'leaf.crt'), s.certPem);
      // openssl's own chain verification (issuer name bytes, AKI/SKI, signature, validity)
      const out = execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', 'sslserver', path.join(dir, 'leaf.crt')], { encoding: 'utf8' });
      expect(out.trim()).toMatch(/: OK$/);
      const leaf = new X509Certificate(s.certPem);
      expect(leaf.issuer).toBe(new X509Certificate(opCa.certPem).subject);
      expect(s.notAfter.getTime()).toBeLessThanOrEqual(new Date(new X509Certificate(opCa.certPem).validTo).getTime());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkCa', () => {
  const now = new Date();
  const ca = createCa({ now });
  const other = createCa({ now });
  const leaf = issueServingCert({ ca, hosts: ['x'], now });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const fields = { cert: 'tls.crt', key: 'tls.key' };

  it.each([
    ['garbage certificate', { certPem: 'nope', keyPem: ca.keyPem }, now, 'tls.crt', /tls\.crt: not a PEM certificate/],
    ['a leaf, not a CA', { certPem: leaf.certPem, keyPem: leaf.keyPem }, now, 'tls.crt', /tls\.crt: not a CA certificate/],
    ['an expired CA', ca, new Date(now.getTime() + 11 * 365 * 86_400_000), 'tls.crt', /tls\.crt: the CA expired/],
    ['garbage key', { certPem: ca.certPem, keyPem: 'nope' }, now, 'tls.key', /tls\.key: not a PEM private key/],
    ['an EC key', { certPem: ca.certPem, keyPem: ec.privateKey }, now, 'tls.key', /tls\.key: a ec key; only RSA CA keys are supported/],
    ['the key of another CA', { certPem: ca.certPem, keyPem: other.keyPem }, now, 'tls.key', /tls\.key: does not belong to the certificate in tls\.crt/],
  ] as const)('refuses %s, naming the field', (_n, bad, at, field, message) => {
    let error: unknown;
    try {
      checkCa(bad, at, fields);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CaInvalidError);
    expect((error as CaInvalidError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts a fresh CA', () => {
    expect(() => checkCa(ca, now, fields)).not.toThrow();
  });
});

describe('serial numbers', () => {
  // Regression: a serial written as `0<hex>` became a DER INTEGER with a needless leading zero byte
  // whenever the next byte was < 0x80, which OpenSSL rejects ("illegal padding"): about half of the
  // started webhooks failed. Every certificate must parse, whatever the random serial.
  it('are minimal positive DER integers that OpenSSL accepts, over many issues', () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const ca = createCa({ now });
    // 12 issues: the old encoding failed each with probability 1/2.
    for (let i = 0; i < 12; i++) {
      const leaf = issueServingCert({ ca, hosts: ['svc.ns.svc'], now });
      const serial = new X509Certificate(leaf.certPem).serialNumber;
      expect(serial).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/);
    }
  }, 60_000);
});
