import { describe, expect, it } from 'vitest';
import { annotationErrors, formatMultiError } from './validate.js';

// Istio's texts at the pinned module (oracle/go.mod), checked against its own code by npm run oracle:diff.
describe('annotation validation', () => {
  it.each([
    ['sidecar.istio.io/interceptionMode', 'redirect', 'interceptionMode invalid, use REDIRECT,TPROXY,NONE: redirect'],
    ['status.sidecar.istio.io/port', '70000', `excludeInboundPorts invalid: failed parsing port '70000': strconv.ParseUint: parsing "70000": value out of range`],
    ['readiness.status.sidecar.istio.io/periodSeconds', '-1', 'strconv.ParseUint: parsing "-1": invalid syntax'],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', 'bad', `includeIPRanges invalid: failed parsing cidr 'bad': netip.ParsePrefix("bad"): no '/'`],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', '10.0.0.0/8, 10.1.0.0/16', `includeIPRanges invalid: failed parsing cidr ' 10.1.0.0/16': netip.ParsePrefix(" 10.1.0.0/16"): ParseAddr(" 10.1.0.0"): unexpected character (at " 10.1.0.0")`],
    ['traffic.sidecar.istio.io/excludeOutboundIPRanges', '*', `excludeIPRanges invalid: failed parsing cidr '*': netip.ParsePrefix("*"): no '/'`],
    ['traffic.sidecar.istio.io/excludeOutboundIPRanges', '10.0.0.0/33', `excludeIPRanges invalid: failed parsing cidr '10.0.0.0/33': netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`],
    ['traffic.sidecar.istio.io/includeInboundPorts', 'bad', `includeInboundPorts invalid: failed parsing port 'bad': failed parsing port 'bad': strconv.ParseUint: parsing "bad": invalid syntax`],
    ['traffic.sidecar.istio.io/excludeInboundPorts', '*', `excludeInboundPorts invalid: failed parsing port '*': failed parsing port '*': strconv.ParseUint: parsing "*": invalid syntax`],
    ['traffic.sidecar.istio.io/excludeOutboundPorts', '1,,2', `excludeOutboundPorts invalid: failed parsing port '': failed parsing port '': strconv.ParseUint: parsing "": invalid syntax`],
    ['prometheus.istio.io/merge-metrics', 'yes', 'strconv.ParseBool: parsing "yes": invalid syntax'],
    ['sidecar.istio.io/proxyCPU', 'lots', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['traffic.sidecar.istio.io/excludeInterfaces', 'eth0,1bad', 'interface name "1bad" contains invalid characters'],
    ['traffic.sidecar.istio.io/kubevirtInterfaces', 'net1,', 'empty interface name'],
    ['istio.io/reroute-virtual-interfaces', 'averyveryverylongname', 'interface name "averyveryverylongname" too long (max 15 chars)'],
    // Istio's ValidateMeshConfigProxyConfig: every error, as a go-multierror list (checked against Istio's webhook, oracle/).
    ['proxy.istio.io/config', 'statusPort: 99999', '1 error occurred:\n\t* invalid status port: port number 99999 must be in the range 1..65535\n\n'],
    ['proxy.istio.io/config', '{discoveryAddress: "a:b", statusPort: 0, drainDuration: 1.5s}', '3 errors occurred:\n\t* drain time only supports durations to seconds precision\n\t* invalid discovery address: port (b) is not a number: strconv.Atoi: parsing "b": invalid syntax\n\t* invalid status port: port number 0 must be in the range 1..65535\n\n'],
    ['proxy.istio.io/config', 'drainDuration: 1x', 'failed to convert to apply proxy config: bad Duration: time: unknown unit "x" in duration "1x"'],
    ['proxy.istio.io/config', 'concurrency: "x"', "failed to convert to apply proxy config: invalid character 'x' looking for beginning of value"],
    ['proxy.istio.io/config', 'concurrency: 1.5', 'failed to convert to apply proxy config: json: cannot unmarshal number 1.5 into Go value of type int32'],
  ])('%s=%j', (name, value, reason) => {
    expect(annotationErrors({ [name]: value })).toEqual([`invalid value '${value}' for annotation '${name}': ${reason}`]);
  });

  it.each([
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', '*'],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', ''],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', '10.0.0.0/8,fd00::/8'],
    ['traffic.sidecar.istio.io/includeInboundPorts', '*'],
    ['traffic.sidecar.istio.io/includeInboundPorts', ' 80, 443 '],
    ['traffic.sidecar.istio.io/excludeInboundPorts', ''],
    ['traffic.sidecar.istio.io/excludeInterfaces', ''],
    ['status.sidecar.istio.io/port', ' 15020 '],
    ['prometheus.istio.io/merge-metrics', 'F'],
    ['sidecar.istio.io/proxyMemory', '1.5Gi'],
    ['proxy.istio.io/config', '{"concurrency": 2, "proxyMetadata": {"A": "b"}}'],
    ['proxy.istio.io/config', '{drainDuration: 1m, terminationDrainDuration: 1.5s, concurrency: "2", statusPort: "15021", proxyAdminPort: null}'],
    ['proxy.istio.io/config', 'discoveryAddress: "[::1]:15012"'],
    ['sidecar.istio.io/logLevel', 'anything goes'],
  ])('accepts %s=%j', (name, value) => {
    expect(annotationErrors({ [name]: value })).toEqual([]);
  });

  it('collects every failure in hashicorp multierror format', () => {
    const errs = annotationErrors({ 'sidecar.istio.io/interceptionMode': 'X', 'traffic.sidecar.istio.io/excludeInboundPorts': 'y' });
    expect(formatMultiError(errs)).toBe(
      "2 errors occurred:\n\t* invalid value 'X' for annotation 'sidecar.istio.io/interceptionMode': interceptionMode invalid, use REDIRECT,TPROXY,NONE: X\n" +
        "\t* invalid value 'y' for annotation 'traffic.sidecar.istio.io/excludeInboundPorts': excludeInboundPorts invalid: failed parsing port 'y': failed parsing port 'y': strconv.ParseUint: parsing \"y\": invalid syntax\n\n",
    );
    expect(formatMultiError(errs.slice(0, 1))).toMatch(/^1 error occurred:\n\t\* invalid value 'X'.*\n\n$/);
  });
});
