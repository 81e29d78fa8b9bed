/**
 * Validators for the traffic annotations the plugin reads, with the acceptance rules of the
 * functions Istio's plugin uses (Go `netip.ParsePrefix`, `strconv.ParseUint(s, 10, 16)`,
 * `strconv.ParseBool`). Each returns an error message, or undefined when the value is valid.
 */

const IPV4_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255);
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** RFC 4291 text form as Go's netip accepts it: `::` once, an optional trailing IPv4, no zone. */
function isIPv6(s: string): boolean {
  if (s.includes('%')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | undefined => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] as string;
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      width += 2;
    } else if (HEXTET.test(g)) {
      width += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? width < 8 : width === 8;
}

/** Go `netip.ParsePrefix` acceptance: `addr/bits`, bits without sign or leading zero. */
export function prefixError(s: string): string | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return `"${s}" has no "/"`;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) return `"${addr}" is not an IP address`;
  if (!/^(?:0|[1-9][0-9]*)$/.test(bits)) return `bad bits after slash: "${bits}"`;
  if (Number(bits) > (v4 ? 32 : 128)) return `prefix length ${bits} out of range`;
  return undefined;
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
export function portListError(value: string): string | undefined {
  for (const item of value.split(',')) {
    const p = item.trim();
    if (p === '') continue;
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

/** Go `strconv.ParseBool`: undefined when the text is not one of its accepted spellings. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}
