// The two zod/mini variants the config start-up bench times must do the same work as the
// parser table: same config for valid settings, same issues for invalid ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCaptureSettings, type CaptureSettingName, type CaptureSettings } from '../../../src/core/config/capture.js';
import { parseWithZodSchema } from './schema.js';
import { parseWithZodTransforms } from './transforms.js';

const SETTINGS: readonly CaptureSettingName[] = [
  'proxyPort', 'inboundCapturePort', 'inboundTunnelPort', 'proxyUid', 'proxyGid', 'interceptionMode', 'inboundPorts',
  'inboundPortsExclude', 'excludeInterfaces', 'outboundIpRangesInclude', 'outboundIpRangesExclude', 'outboundPortsInclude',
  'outboundPortsExclude', 'kubeVirtInterfaces', 'tproxyMark', 'tproxyRouteTable', 'dryRun', 'probePort', 'probeTimeout',
  'skipRuleApply', 'redirectDns', 'captureAllDns', 'forceIptablesBinary', 'ipv6', 'dnsServers', 'ownerGroupsInclude',
  'ownerGroupsExclude', 'loopbackCidr', 'networkNamespace',
];
// Items that are valid for some settings and invalid for others.
const ITEMS = ['', '*', '0', '1', '15001', '65536', 'x', 'true', 'T', 'yes', 'TPROXY', 'NONE', 'nft', '10.0.0.0/8', '10.0.0.1',
  '2001:DB8::/32', '127.0.0.1/32', '127.0.0.1/7', '5s', '1m30s', '5', 'eth0', 'a-very-long-interface-name', 'java', '1000-2000', '::127.0.0.53'];

const settings = fc
  .tuple(
    fc.boolean(),
    fc.dictionary(fc.constantFrom(...SETTINGS), fc.array(fc.constantFrom(...ITEMS), { minLength: 1, maxLength: 3 }).map((a) => a.join(',')), { maxKeys: 4 }),
  )
  .map(([uid, s]): Partial<CaptureSettings> => (uid ? { proxyUid: '1337', ...s } : s));

describe.each([
  ['zod/mini schema', parseWithZodSchema],
  ['zod/mini transforms', parseWithZodTransforms],
])('%s', (_name, parse) => {
  it('gives the parser table’s config or issues', () => {
    fc.assert(
      fc.property(settings, (input) => {
        const want = parseCaptureSettings(input);
        const got = parse(input);
        if (want.ok) {
          expect(got).toEqual(want);
          if (got.ok) expect(Object.isFrozen(got.config)).toBe(true);
        } else {
          expect(got).toEqual(want);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('words an include list over 64 owner groups like the table', () => {
    const input = { proxyUid: '1337', ownerGroupsInclude: Array.from({ length: 65 }, (_, i) => `g${i}`).join(',') };
    expect(parse(input)).toEqual(parseCaptureSettings(input));
  });
});
