/**
 * Validators for the traffic annotations the plugin reads, with the acceptance rules of the
 * functions Istio's plugin uses (Go `netip.ParsePrefix`, `strconv.ParseUint(s, 10, 16)`,
 * `strconv.ParseBool`). Each returns an error message, or undefined when the value is valid.
 */
import { parseCidr } from '../format/net.js';

/** Go `netip.ParsePrefix` acceptance (the capture engine's parser). */
export function prefixError(s: string): string | undefined {
  return parseCidr(s) === undefined ? `"${s}" is not an address/prefix-length CIDR` : undefined;
}

export function cidrListError(value: string): string | undefined {
  if (value === '') return undefined;
  for (const cidr of value.split(',')) {
    const e = prefixError(cidr);
    if (e !== undefined) return `failed parsing cidr '${cidr}': ${e}`;
  }
  return undefined;
}

export function cidrListWithWildcardError(value: string): string | undefined {
  return value === '*' ? undefined : cidrListError(value);
}

/**
 * A comma list of ports in 0..65535 (surrounding spaces allowed, as Istio trims them). Empty
 * items are skipped: istio-iptables drops them when it splits the list.
 */
/** Istio's parsePorts: a blank list is empty; otherwise every item (blanks trimmed) is a port, so `80,` fails. */
export function portListError(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  for (const item of value.trim().split(',')) {
    const p = item.trim();
    if (!/^[0-9]+$/.test(p) || Number(p) > 65535) return `port "${item}" is not a number in 0-65535`;
  }
  return undefined;
}

export function portListWithWildcardError(value: string): string | undefined {
  return value === '*' ? undefined : portListError(value);
}

export const INTERCEPTION_MODES = ['REDIRECT', 'TPROXY'] as const;
export type InterceptionMode = (typeof INTERCEPTION_MODES)[number];

/** The plugin accepts REDIRECT and TPROXY only; `NONE` (valid for the injector) fails here. */
export function interceptionModeError(value: string): string | undefined {
  return (INTERCEPTION_MODES as readonly string[]).includes(value)
    ? undefined
    : `interception mode "${value}" is not one of ${INTERCEPTION_MODES.join(', ')}`;
}

/** Linux interface names: up to 15 bytes, no '/', whitespace or ':'; comma separated. */
export function interfaceListError(value: string): string | undefined {
  for (const name of value.split(',')) {
    if (name === '') continue;
    if (name.length > 15 || /[\s/:]/.test(name)) return `"${name}" is not a valid interface name`;
  }
  return undefined;
}

/** Go `strconv.ParseBool`. */
export { parseGoBool } from '../format/go-strconv.js';
