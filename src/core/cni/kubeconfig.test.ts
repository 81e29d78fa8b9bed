import { describe, expect, it } from 'vitest';
import { buildKubeconfig, connectionFromKubeconfig, inClusterServer } from './kubeconfig.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('kubeconfig', () => {
  it('round-trips what the installer writes', () => {
    const doc = JSON.parse(JSON.stringify(buildKubeconfig({ server: 'https://10.96.0.1:443', token: 'tok', caPem: PEM })));
    expect(connectionFromKubeconfig(doc)).toEqual({ server: new URL('https://10.96.0.1:443'), token: 'tok', ca: PEM, insecureSkipTlsVerify: false });
  });

  it('insecure mode writes no CA', () => {
    const doc = buildKubeconfig({ server: 'https://h:6443', token: 't', caPem: PEM, insecureSkipTlsVerify: true });
    expect(connectionFromKubeconfig(doc)).toMatchObject({ insecureSkipTlsVerify: true });
    expect(connectionFromKubeconfig(doc).ca).toBeUndefined();
  });

  it('follows current-context among several', () => {
    const doc = {
      'current-context': 'b',
      clusters: [{ name: 'c1', cluster: { server: 'https://one:1' } }, { name: 'c2', cluster: { server: 'https://two:2', 'certificate-authority': '/ca.pem' } }],
      users: [{ name: 'u1', user: { token: 'x' } }, { name: 'u2', user: { tokenFile: '/t' } }],
      contexts: [{ name: 'a', context: { cluster: 'c1', user: 'u1' } }, { name: 'b', context: { cluster: 'c2', user: 'u2' } }],
    };
    expect(connectionFromKubeconfig(doc)).toEqual({ server: new URL('https://two:2'), tokenFile: '/t', caFile: '/ca.pem', insecureSkipTlsVerify: false });
  });

  it.each([
    ['not an object', 'x', /kubeconfig/],
    ['no cluster for context', { 'current-context': 'a', contexts: [{ name: 'a', context: { cluster: 'gone' } }] }, /no cluster for context "a"/],
    ['bad server', { clusters: [{ name: 'c', cluster: { server: 'not a url' } }] }, /not a URL/],
  ])('rejects: %s', (_n, doc, msg) => expect(() => connectionFromKubeconfig(doc)).toThrow(msg));

  it.each([
    ['10.96.0.1', '443', 'https://10.96.0.1:443'],
    ['fd00::1', '443', 'https://[fd00::1]:443'],
    [undefined, '443', undefined],
  ])('in-cluster server %s:%s', (h, p, want) => expect(inClusterServer(h, p)).toBe(want));
});
