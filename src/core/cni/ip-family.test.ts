import { describe, expect, it } from 'vitest';
import { podAddresses } from './ip-family.js';

describe('podAddresses', () => {
  it('keeps pod-side addresses in result order', () => {
    const result = {
      interfaces: [{ name: 'cni0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/var/run/netns/cni-1' }],
      ips: [
        { address: '198.51.100.1/24', interface: 0 },
        { address: 'fd00::5/64', interface: 2 },
        { address: '198.51.100.7/24', interface: 2 },
        { address: '203.0.113.9/32' },
      ],
    };
    expect(podAddresses(result)).toEqual(['fd00::5', '198.51.100.7', '203.0.113.9']);
  });
  it.each([undefined, {}, { ips: 'x' }])('no addresses in %j', (r) => expect(podAddresses(r as Record<string, unknown> | undefined)).toEqual([]));
});
