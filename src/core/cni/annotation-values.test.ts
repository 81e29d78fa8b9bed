import { describe, expect, it } from 'vitest';
import { cidrListError, interceptionModeError, interfaceListError, parseGoBool, portListWithWildcardError, prefixError } from './annotation-values.js';

describe('prefixError (Go netip.ParsePrefix acceptance)', () => {
  it.each(['10.0.0.0/8', '192.168.1.7/24', '0.0.0.0/0', '255.255.255.255/32', '::/0', 'fd00::1/64', '2001:DB8::/32', '::ffff:10.1.2.3/120', '1:2:3:4:5:6:7:8/128', '1::/16'])(
    'accepts %s',
    (s) => expect(prefixError(s)).toBeUndefined(),
  );
  it.each([
    ['10.0.0.0', /not an address\/prefix-length CIDR/],
    ['10.0.0/8', /not an address\/prefix-length CIDR/],
    ['10.0.0.01/8', /not an address\/prefix-length CIDR/],
    ['10.0.0.256/8', /not an address\/prefix-length CIDR/],
    ['10.0.0.0/33', /not an address\/prefix-length CIDR/],
    ['10.0.0.0/08', /not an address\/prefix-length CIDR/],
    ['10.0.0.0/+8', /not an address\/prefix-length CIDR/],
    ['10.0.0.0/', /not an address\/prefix-length CIDR/],
    ['fe80::1%eth0/64', /not an address\/prefix-length CIDR/],
    ['1::2::3/64', /not an address\/prefix-length CIDR/],
    ['1:2:3:4:5:6:7:8:9/64', /not an address\/prefix-length CIDR/],
    ['1:2:3:4:5:6:7/64', /not an address\/prefix-length CIDR/],
    ['::/129', /not an address\/prefix-length CIDR/],
    ['host.example/8', /not an address\/prefix-length CIDR/],
  ])('rejects %s', (s, msg) => expect(prefixError(s)).toMatch(msg));

  it('names the bad item of a list', () => {
    expect(cidrListError('10.0.0.0/8,nope/8')).toMatch(/cidr 'nope\/8'/);
    expect(cidrListError('')).toBeUndefined();
  });
});

describe('ports, modes, interfaces, booleans', () => {
  it.each([
    ['*', true],
    ['80', true],
    ['80,8080, 9090', true],
    ['80,', false], // Istio's parsePorts fails on the empty item (checked against its plugin by npm run oracle:diff)
    ['65535', true],
    ['65536', false],
    ['http', false],
    ['-1', false],
    ['80;81', false],
  ])('port list %j valid: %s', (v, ok) => expect(portListWithWildcardError(v) === undefined).toBe(ok));

  it.each([
    ['REDIRECT', true],
    ['TPROXY', true],
    ['NONE', false],
    ['redirect', false],
    ['', false],
  ])('interception mode %j valid: %s', (v, ok) => expect(interceptionModeError(v) === undefined).toBe(ok));

  it.each([
    ['eth1,net1', true],
    ['veth+', true],
    ['a/b', false],
    ['averyveryverylongname0', false],
  ])('interfaces %j valid: %s', (v, ok) => expect(interfaceListError(v) === undefined).toBe(ok));

  it.each([
    ['1', true], ['t', true], ['TRUE', true], ['True', true],
    ['0', false], ['F', false], ['false', false],
    ['yes', undefined], ['', undefined], ['tRuE', undefined],
  ])('parseGoBool(%j) = %s', (v, want) => expect(parseGoBool(v)).toBe(want));
});
