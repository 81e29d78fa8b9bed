import { describe, expect, it } from 'vitest';
import {
  CniError,
  CniErrorCode,
  commandAllowed,
  compareVersions,
  errorResult,
  k8sPodArgs,
  parseCniArgs,
  parseCommand,
  passThroughResult,
  versionResult,
} from './spec.js';

describe('parseCniArgs', () => {
  it.each([
    ['empty', '', {}],
    ['kubelet style', 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-7f', { IgnoreUnknown: '1', K8S_POD_NAMESPACE: 'shop', K8S_POD_NAME: 'cart-7f' }],
    ['value with =', 'A=b=c', { A: 'b=c' }],
    ['trailing ;', 'A=1;', { A: '1' }],
    ['empty value', 'A=', { A: '' }],
  ])('%s', (_name, raw, want) => {
    expect(Object.fromEntries(parseCniArgs(raw))).toEqual(want);
  });

  it.each(['novalue', '=x', 'A=1;bad'])('rejects %j with code 4', (raw) => {
    expect(() => parseCniArgs(raw)).toThrow(expect.objectContaining({ code: CniErrorCode.invalidEnvironment }));
  });

  it('extracts the pod identity, empty when absent', () => {
    expect(k8sPodArgs(parseCniArgs('K8S_POD_NAME=a;K8S_POD_UID=u1'))).toEqual({ name: 'a', namespace: '', uid: 'u1', infraContainerId: '' });
  });
});

describe('versions and commands', () => {
  it.each([
    ['0.3.1', '0.4.0', -1],
    ['1.0.0', '0.4.0', 1],
    ['1.1.0', '1.1.0', 0],
    ['1.0', '1.0.0', 0],
  ])('compare %s %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it.each([
    ['CHECK', '0.3.1', false],
    ['CHECK', '0.4.0', true],
    ['ADD', '0.3.0', true],
    ['STATUS', '1.0.0', false],
    ['GC', '1.1.0', true],
  ] as const)('%s allowed at %s: %s', (cmd, v, want) => {
    expect(commandAllowed(cmd, v)).toBe(want);
  });

  it.each([undefined, '', 'add', 'UPDATE'])('rejects CNI_COMMAND %j', (v) => {
    expect(() => parseCommand(v)).toThrow(CniError);
  });

  it('VERSION lists the spec versions we speak', () => {
    expect(versionResult().supportedVersions).toEqual(expect.arrayContaining(['0.3.1', '0.4.0', '1.0.0', '1.1.0']));
  });
});

describe('results', () => {
  it('passes prevResult through with the configuration version', () => {
    const prev = { cniVersion: '1.0.0', ips: [{ address: '192.0.2.5/24' }], interfaces: [{ name: 'eth0' }] };
    const out = passThroughResult('1.0.0', prev);
    expect(out).toEqual(prev);
    expect(out).not.toBe(prev);
  });

  it('gives an empty result without prevResult', () => {
    expect(passThroughResult('0.4.0', undefined)).toEqual({ cniVersion: '0.4.0', dns: {} });
  });

  it.each([
    ['coded', new CniError(100, 'bad annotation', { details: 'x' }), { cniVersion: '1.0.0', code: 100, msg: 'bad annotation', details: 'x' }],
    ['coded without details', new CniError(7, 'bad config'), { cniVersion: '1.0.0', code: 7, msg: 'bad config' }],
    ['unknown', new Error('boom'), { cniVersion: '1.0.0', code: 999, msg: 'boom' }],
  ])('error result: %s', (_n, err, want) => {
    expect(errorResult('1.0.0', err)).toEqual(want);
  });
});
