import { describe, expect, it } from 'vitest';
import { formatAddr, parseAddr, parseCidr } from './net.js';

describe('parseCidr (Go netip.ParsePrefix + Prefix.String)', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', 'v4', false],
    ['127.0.0.1/24', '127.0.0.1/24', 'v4', true], // host bits kept
    ['127.9.9.9/32', '127.9.9.9/32', 'v4', true],
    ['0.0.0.0/0', '0.0.0.0/0', 'v4', false],
    ['2001:DB8:0:0::/32', '2001:db8::/32', 'v6', false],
    ['fd00:0:0:1:0:0:0:0/64', 'fd00:0:0:1::/64', 'v6', false],
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128', 'v6', false], // the longest zero run
    ['1:0:0:2:0:0:3:4/128', '1::2:0:0:3:4/128', 'v6', false], // the first of two equal runs
    ['1:0:2:0:0:0:0:3/128', '1:0:2::3/128', 'v6', false], // a single zero group is not compressed
    ['::1/128', '::1/128', 'v6', true],
    ['::ffff:10.1.2.3/128', '::ffff:10.1.2.3/128', 'v6', false],
    ['::127.0.0.53/128', '::7f00:35/128', 'v6', false],
    ['1:2:3:4:5:6:1.2.3.4/96', '1:2:3:4:5:6:102:304/96', 'v6', false],
  ])('%s -> %s', (input, text, family, loopback) => {
    expect(parseCidr(input)).toEqual({ text, family, loopback });
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '010.0.0.0/8', '10.0.0/8', '10.0.0.0/08', '1::2::3/64', '::1%eth0/128', 'fd00::/129', 'abc/8', '1.2.3.4/ 8', '*'])(
    'rejects %j',
    (input) => {
      expect(parseCidr(input)).toBeUndefined();
    },
  );
});

describe('parseAddr / formatAddr', () => {
  it.each([
    ['::', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FE80::1', 'fe80::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['192.168.0.1', '192.168.0.1'],
  ])('%s formats as %s', (input, want) => {
    const a = parseAddr(input);
    expect(a && formatAddr(a)).toBe(want);
  });

  it.each(['1.2.3.256', '1.2.3', '1:2:3:4:5:6:7:8:9', ':1', '1:::2', 'g::1', ''])('rejects %j', (input) => {
    expect(parseAddr(input)).toBeUndefined();
  });
});
