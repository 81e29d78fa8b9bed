import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_CONFIG, mergeProxyConfig, type ProxyConfig } from '../config/proxy-config.js';
import { formatProtoDuration, proxyConfigJson } from './proxy-config-json.js';

const over = (pc: ProxyConfig) => proxyConfigJson(mergeProxyConfig(DEFAULT_PROXY_CONFIG, pc));

describe('PROXY_CONFIG', () => {
  it.each([
    [{}, '{}'],
    [{ interceptionMode: 'TPROXY' }, '{"interceptionMode":"TPROXY"}'],
    [{ interceptionMode: 'REDIRECT' }, '{}'],
    [{ drainDuration: '45s' }, '{}'],
    [{ drainDuration: '23s' }, '{"drainDuration":"23s"}'],
    [{ tracing: {} }, '{"tracing":{}}'],
    [{ holdApplicationUntilProxyStarts: false }, '{"holdApplicationUntilProxyStarts":false}'],
    [
      { proxyMetadata: { Z: '1', A: '2' }, concurrency: 0, discoveryAddress: 'foo:123' },
      '{"discoveryAddress":"foo:123","concurrency":0,"proxyMetadata":{"A":"2","Z":"1"}}',
    ],
    [{ statusPort: 15021, proxyAdminPort: 15000 }, '{"statusPort":15021}'],
  ] as [ProxyConfig, string][])('%j', (pc, expected) => {
    expect(over(pc)).toBe(expected);
  });

  it.each([
    ['23s', '23s'],
    ['1.5s', '1.500s'],
    ['0.000001s', '0.000001s'],
    ['2.000000000s', '2s'],
  ])('duration %s', (input, expected) => {
    expect(formatProtoDuration(input)).toBe(expected);
  });
});
