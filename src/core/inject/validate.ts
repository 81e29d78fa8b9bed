/**
 * Annotation validation (pkg/kube/inject/validate.go, §d.2) with Istio's exact messages. All
 * failures are collected into one hashicorp-multierror text; each names the annotation.
 */
import { DEFAULT_PROXY_CONFIG, mergeProxyConfig, validateProxyConfig } from '../config/proxy-config.js';
import { goParsePrefixError } from '../format/go-netip.js';
import { parseGoBool } from '../format/go-strconv.js';
import { isValidQuantity } from '../format/quantity.js';
import { ownValue } from '../format/own-keys.js';
import { parseProxyConfigText } from './proxy-config-annotation.js';

type Validator = (value: string) => string | undefined;

/** strconv.ParseUint(s, 10, bits) error text, or undefined when valid. */
export function parseUintError(s: string, bits: 16 | 32): string | undefined {
  if (!/^\d+$/.test(s)) return `strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax`;
  if (BigInt(s) > (1n << BigInt(bits)) - 1n) return `strconv.ParseUint: parsing ${goQuote(s)}: value out of range`;
  return undefined;
}

/** Go's %q for the ASCII strings that reach these messages. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** parsePort: `failed parsing port '<s>': <ParseUint error>` (the text as written, untrimmed). */
function portError(portStr: string): string | undefined {
  const e = parseUintError(portStr.trim(), 16);
  return e ? `failed parsing port '${portStr}': ${e}` : undefined;
}

/** parsePorts wraps parsePort's error once more with the same prefix, as Istio's does. */
function portListError(ports: string): string | undefined {
  const trimmed = ports.trim();
  if (trimmed === '') return undefined;
  for (const p of trimmed.split(',')) {
    const e = portError(p);
    if (e) return `failed parsing port '${p}': ${e}`;
  }
  return undefined;
}

function cidrListError(cidrs: string): string | undefined {
  if (cidrs.length === 0) return undefined;
  for (const c of cidrs.split(',')) {
    const e = goParsePrefixError(c);
    if (e) return `failed parsing cidr '${c}': ${e}`;
  }
  return undefined;
}

const INTERFACE = /^[a-zA-Z][a-zA-Z0-9_.-]*$/;

/** netutil.ValidateInterfaceNames (all three interface annotations use it). */
function interfaceListError(v: string): string | undefined {
  if (v.length === 0) return undefined;
  for (const raw of v.split(',')) {
    const name = raw.trim();
    if (name === '') return 'empty interface name';
    if (name.length > 15) return `interface name ${goQuote(name)} too long (max 15 chars)`;
    if (!INTERFACE.test(name)) return `interface name ${goQuote(name)} contains invalid characters`;
  }
  return undefined;
}

function quantityError(v: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'contains control characters';
  if (!isValidQuantity(v)) return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  return undefined;
}

function proxyConfigError(v: string): string | undefined {
  let parsed;
  try {
    parsed = parseProxyConfigText(v);
  } catch (e) {
    return `failed to convert to apply proxy config: ${(e as Error).message}`;
  }
  const errors = validateProxyConfig(mergeProxyConfig(DEFAULT_PROXY_CONFIG, parsed));
  return errors.length > 0 ? formatMultiError(errors) : undefined;
}

const VALIDATORS: Readonly<Record<string, Validator>> = {
  'sidecar.istio.io/interceptionMode': (v) =>
    v === 'REDIRECT' || v === 'TPROXY' || v === 'NONE' ? undefined : `interceptionMode invalid, use REDIRECT,TPROXY,NONE: ${v}`,
  // Istio's message really says excludeInboundPorts here.
  'status.sidecar.istio.io/port': (v) => {
    const e = portError(v);
    return e ? `excludeInboundPorts invalid: ${e}` : undefined;
  },
  'readiness.status.sidecar.istio.io/initialDelaySeconds': (v) => parseUintError(v, 32),
  'readiness.status.sidecar.istio.io/periodSeconds': (v) => parseUintError(v, 32),
  'readiness.status.sidecar.istio.io/failureThreshold': (v) => parseUintError(v, 32),
  'traffic.sidecar.istio.io/includeOutboundIPRanges': (v) => {
    const e = v === '*' ? undefined : cidrListError(v);
    return e ? `includeIPRanges invalid: ${e}` : undefined;
  },
  'traffic.sidecar.istio.io/excludeOutboundIPRanges': (v) => {
    const e = cidrListError(v);
    return e ? `excludeIPRanges invalid: ${e}` : undefined;
  },
  'traffic.sidecar.istio.io/includeInboundPorts': (v) => {
    const e = v === '*' ? undefined : portListError(v);
    return e ? `includeInboundPorts invalid: ${e}` : undefined;
  },
  'traffic.sidecar.istio.io/excludeInboundPorts': (v) => {
    const e = portListError(v);
    return e ? `excludeInboundPorts invalid: ${e}` : undefined;
  },
  'traffic.sidecar.istio.io/excludeOutboundPorts': (v) => {
    const e = portListError(v);
    return e ? `excludeOutboundPorts invalid: ${e}` : undefined;
  },
  'traffic.sidecar.istio.io/excludeInterfaces': interfaceListError,
  'traffic.sidecar.istio.io/kubevirtInterfaces': interfaceListError,
  'istio.io/reroute-virtual-interfaces': interfaceListError,
  'prometheus.istio.io/merge-metrics': (v) => (parseGoBool(v) !== undefined ? undefined : `strconv.ParseBool: parsing ${goQuote(v)}: invalid syntax`),
  'proxy.istio.io/config': proxyConfigError,
  'sidecar.istio.io/proxyCPU': quantityError,
  'sidecar.istio.io/proxyMemory': quantityError,
  'sidecar.istio.io/proxyCPULimit': quantityError,
  'sidecar.istio.io/proxyMemoryLimit': quantityError,
};

/** Each failure as `invalid value '<v>' for annotation '<name>': <reason>`, sorted by annotation. */
export function annotationErrors(annotations: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(annotations).sort()) {
    const check = ownValue(VALIDATORS, name);
    const value = annotations[name] as string;
    const reason = check?.(value);
    if (reason !== undefined) out.push(`invalid value '${value}' for annotation '${name}': ${reason}`);
  }
  return out;
}

/** hashicorp/go-multierror's list format. */
export function formatMultiError(errors: readonly string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}
