import { describe, expect, it } from 'vitest';
import { parsePathEnv } from './path-params.js';

describe('parsePathEnv', () => {
  it.each([
    ['/inject', {}],
    ['/inject/', {}],
    ['/inject/cluster/c1', { ISTIO_META_CLUSTER_ID: 'c1' }],
    ['/inject/cluster/c1/net/n1', { ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n1' }],
    ['/inject/cluster/c1/net/n1/', { ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n1' }],
    ['/inject/foo/bar', { FOO: 'bar' }],
    ['/inject/istio_meta_dns_capture/true', { ISTIO_META_DNS_CAPTURE: 'true' }],
    ['/inject/cluster/a--slash--b--slash--c', { ISTIO_META_CLUSTER_ID: 'a/b/c' }],
    ['/inject/a--slash--b/x', { 'A--SLASH--B': 'x' }],
    ['/inject/cluster//net/n1', { ISTIO_META_CLUSTER_ID: '', ISTIO_META_NETWORK: 'n1' }],
    ['/inject/cluster/c1/cluster/c2', { ISTIO_META_CLUSTER_ID: 'c2' }],
    ['/inject/:ENV:cluster=c1:ENV:net=n1', { ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n1' }],
    ['/inject/:ENV:cluster=:ENV:=x:ENV:y', { ISTIO_META_CLUSTER_ID: '' }],
    ['/inject/:ENV:foo=a=b', { FOO: 'a=b' }],
    ['/inject/:ENV:cluster=a--slash--b', { ISTIO_META_CLUSTER_ID: 'a--slash--b' }],
  ])('%s', (path, env) => {
    expect(parsePathEnv(path)).toEqual({ env, warnings: [] });
  });

  it('drops a final key without a value and says so', () => {
    const r = parsePathEnv('/inject/cluster/c1/net');
    expect(r.env).toEqual({ ISTIO_META_CLUSTER_ID: 'c1' });
    expect(r.warnings).toEqual(['odd number of inject env entries in the path, ignoring the last key "net"']);
  });
});
