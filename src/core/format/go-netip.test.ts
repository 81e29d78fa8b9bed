import { describe, expect, it } from 'vitest';
import { goParseAddr, goParsePrefixError } from './go-netip.js';

// Expected texts recorded from Go 1.26's net/netip.ParsePrefix (the toolchain the oracle is built
// with); a run of 8000 generated inputs against Go agreed on every message.
describe("netip.ParsePrefix's error texts", () => {
  it.each([
    [" 10.0.0.0/8", "netip.ParsePrefix(\" 10.0.0.0/8\"): ParseAddr(\" 10.0.0.0\"): unexpected character (at \" 10.0.0.0\")"],
    ["10.0.0.0/8", ""],
    ["10.0.0.0/33", "netip.ParsePrefix(\"10.0.0.0/33\"): prefix length out of range"],
    ["10.0.0.0/08", "netip.ParsePrefix(\"10.0.0.0/08\"): bad bits after slash: \"08\""],
    ["10.0.0.0/-1", "netip.ParsePrefix(\"10.0.0.0/-1\"): bad bits after slash: \"-1\""],
    ["10.0.0.0/", "netip.ParsePrefix(\"10.0.0.0/\"): bad bits after slash: \"\""],
    ["10.0.0/8", "netip.ParsePrefix(\"10.0.0/8\"): ParseAddr(\"10.0.0\"): IPv4 address too short"],
    ["1.2.3.4.5/8", "netip.ParsePrefix(\"1.2.3.4.5/8\"): ParseAddr(\"1.2.3.4.5\"): IPv4 address too long"],
    ["01.2.3.4/8", "netip.ParsePrefix(\"01.2.3.4/8\"): ParseAddr(\"01.2.3.4\"): IPv4 field has octet with leading zero"],
    ["256.1.1.1/8", "netip.ParsePrefix(\"256.1.1.1/8\"): ParseAddr(\"256.1.1.1\"): IPv4 field has value >255"],
    ["1..2.3/8", "netip.ParsePrefix(\"1..2.3/8\"): ParseAddr(\"1..2.3\"): IPv4 field must have at least one digit (at \".2.3\")"],
    ["x/8", "netip.ParsePrefix(\"x/8\"): ParseAddr(\"x\"): unable to parse IP"],
    ["%eth0/8", "netip.ParsePrefix(\"%eth0/8\"): ParseAddr(\"%eth0\"): missing IPv6 address"],
    ["::1/129", "netip.ParsePrefix(\"::1/129\"): prefix length out of range"],
    ["2001:db8::/32", ""],
    ["2001:db8:::1/64", "netip.ParsePrefix(\"2001:db8:::1/64\"): ParseAddr(\"2001:db8:::1\"): each colon-separated field must have at least one digit (at \":1\")"],
    ["1:2:3:4:5:6:7:8:9/64", "netip.ParsePrefix(\"1:2:3:4:5:6:7:8:9/64\"): ParseAddr(\"1:2:3:4:5:6:7:8:9\"): trailing garbage after address (at \"9\")"],
    ["1:2:3:4:5:6:7/64", "netip.ParsePrefix(\"1:2:3:4:5:6:7/64\"): ParseAddr(\"1:2:3:4:5:6:7\"): address string too short"],
    ["::ffff:1.2.3.4/96", ""],
    ["1:2:3:4:5:6:7:1.2.3.4/96", "netip.ParsePrefix(\"1:2:3:4:5:6:7:1.2.3.4/96\"): ParseAddr(\"1:2:3:4:5:6:7:1.2.3.4\"): embedded IPv4 address must replace the final 2 fields of the address (at \"1.2.3.4\")"],
    ["1:2:3:4:1.2.3.4/96", "netip.ParsePrefix(\"1:2:3:4:1.2.3.4/96\"): ParseAddr(\"1:2:3:4:1.2.3.4\"): embedded IPv4 address must replace the final 2 fields of the address (at \"1.2.3.4\")"],
    ["fe80::1%eth0/64", "netip.ParsePrefix(\"fe80::1%eth0/64\"): IPv6 zones cannot be present in a prefix"],
    ["fe80::1%/64", "netip.ParsePrefix(\"fe80::1%/64\"): ParseAddr(\"fe80::1%\"): zone must be a non-empty string"],
    ["12345::/16", "netip.ParsePrefix(\"12345::/16\"): ParseAddr(\"12345::\"): each group must have 4 or less digits (at \"12345::\")"],
    ["1:/16", "netip.ParsePrefix(\"1:/16\"): ParseAddr(\"1:\"): colon must be followed by more characters (at \":\")"],
    ["1::2::3/16", "netip.ParsePrefix(\"1::2::3/16\"): ParseAddr(\"1::2::3\"): multiple :: in address (at \":3\")"],
    ["::1 /128", "netip.ParsePrefix(\"::1 /128\"): ParseAddr(\"::1 \"): unexpected character, want colon (at \" \")"],
    ["not-a-cidr", "netip.ParsePrefix(\"not-a-cidr\"): no '/'"],
    ["10.0.0.0/9223372036854775807", "netip.ParsePrefix(\"10.0.0.0/9223372036854775807\"): prefix length out of range"],
    ["10.0.0.0/9223372036854775808", "netip.ParsePrefix(\"10.0.0.0/9223372036854775808\"): bad bits after slash: \"9223372036854775808\""],
    ["é.1.1.1/8", "netip.ParsePrefix(\"é.1.1.1/8\"): ParseAddr(\"é.1.1.1\"): unexpected character (at \"é.1.1.1\")"],
    ["1:2:3:4:5:6:7:8::/64", "netip.ParsePrefix(\"1:2:3:4:5:6:7:8::/64\"): ParseAddr(\"1:2:3:4:5:6:7:8::\"): the :: must expand to at least one field of zeros"],
  ])('%j', (input, message) => {
    expect(goParsePrefixError(input) ?? '').toBe(message);
  });

  it('gives the family of a valid address', () => {
    expect(goParseAddr('10.1.2.3')).toEqual({ family: 'v4', zoned: false });
    expect(goParseAddr('::ffff:1.2.3.4')).toEqual({ family: 'v6', zoned: false });
    expect(goParseAddr('fe80::1%eth0')).toEqual({ family: 'v6', zoned: true });
  });
});
