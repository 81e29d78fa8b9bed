/**
 * The parts of the CNI specification (https://www.cni.dev/docs/spec/) a chained plugin needs:
 * the versions it speaks, the commands, the error codes, `CNI_ARGS` parsing and the result it
 * prints. Pure: no environment, no I/O.
 */

/** Spec versions this plugin accepts in a network configuration, oldest first. */
export const SUPPORTED_CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_CNI_VERSIONS)[number];
/** What VERSION reports as the plugin's own spec version. */
export const CURRENT_CNI_VERSION: CniVersion = '1.1.0';

export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type CniCommand = (typeof CNI_COMMANDS)[number];

/**
 * Well-known error codes (spec §"Error"). 0-99 are reserved by the spec; plugin-specific codes
 * start at 100.
 */
export const CniErrorCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** Plugin-specific: a pod annotation the redirect is built from is invalid. */
  invalidPodAnnotation: 100,
  /** Plugin-specific: the pod could not be read from the Kubernetes API. */
  podLookupFailed: 101,
  /** Plugin-specific: the capture rules could not be programmed in the pod's netns. */
  ruleApplyFailed: 102,
  /** Plugin-specific: the invocation did not finish within its deadline (`sidecar_kit.deadline_ms`). */
  deadlineExceeded: 103,
} as const;
export type CniErrorCodeValue = (typeof CniErrorCode)[keyof typeof CniErrorCode];

/** The error object a plugin prints on stdout before exiting non-zero. */
export interface CniErrorResult {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

/** A failure that maps onto one CNI error result; `cause` keeps the underlying error. */
export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;
  constructor(code: number, message: string, options?: { details?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CniError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isSupportedVersion(version: string): version is CniVersion {
  return (SUPPORTED_CNI_VERSIONS as readonly string[]).includes(version);
}

/** Compares dotted versions numerically (`0.4.0` < `1.0.0` < `1.1.0`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The oldest spec version that defines each command. The runtime must not send a command its
 * configuration's version does not know; if it does, the spec asks for error code 1 (libcni's
 * skel does the same).
 */
const COMMAND_SINCE: Readonly<Record<CniCommand, string>> = {
  ADD: '0.1.0',
  DEL: '0.1.0',
  VERSION: '0.1.0',
  CHECK: '0.4.0',
  STATUS: '1.1.0',
  GC: '1.1.0',
};

export function commandAllowed(command: CniCommand, version: string): boolean {
  return compareVersions(version, COMMAND_SINCE[command]) >= 0;
}

export function parseCommand(value: string | undefined): CniCommand {
  if (value === undefined || value === '') {
    throw new CniError(CniErrorCode.invalidEnvironment, 'CNI_COMMAND is not set');
  }
  if (!(CNI_COMMANDS as readonly string[]).includes(value)) {
    throw new CniError(CniErrorCode.invalidEnvironment, `CNI_COMMAND "${value}" is not one of ${CNI_COMMANDS.join(', ')}`);
  }
  return value as CniCommand;
}

/** Commands whose invocation names a container (spec: CNI_CONTAINERID is required for them). */
const NEEDS_CONTAINER: ReadonlySet<CniCommand> = new Set(['ADD', 'DEL', 'CHECK']);

/**
 * `CNI_CONTAINERID` for the commands that need it. The spec requires it and restricts it to
 * alphanumerics, `_`, `.` and `-`, starting with an alphanumeric (libcni's ValidateContainerID);
 * it names files of ours (the per-pod xtables lock), so `../x` must never get through.
 */
export function containerIdFor(command: CniCommand, value: string | undefined): string | undefined {
  if (!NEEDS_CONTAINER.has(command)) return undefined;
  if (value === undefined || value === '') throw new CniError(CniErrorCode.invalidEnvironment, 'CNI_CONTAINERID is not set');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value) || value.length > 1024) {
    throw new CniError(CniErrorCode.invalidEnvironment, `CNI_CONTAINERID ${JSON.stringify(value.slice(0, 100))}: expected alphanumerics, '_', '.' and '-', starting with an alphanumeric`);
  }
  return value;
}

/**
 * `CNI_ARGS` is `KEY=VALUE` pairs joined by `;` (spec §"Parameters"). A pair without `=` is an
 * error, as in libcni's `types.LoadArgs`; an empty string means no arguments.
 */
export function parseCniArgs(raw: string | undefined): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined || raw === '') return out;
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new CniError(CniErrorCode.invalidEnvironment, `CNI_ARGS: "${pair}" is not KEY=VALUE`);
    }
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** The Kubernetes pod identity a kubelet-driven runtime puts in `CNI_ARGS`. */
export interface K8sPodArgs {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly infraContainerId: string;
}

export function k8sPodArgs(args: ReadonlyMap<string, string>): K8sPodArgs {
  return {
    name: args.get('K8S_POD_NAME') ?? '',
    namespace: args.get('K8S_POD_NAMESPACE') ?? '',
    uid: args.get('K8S_POD_UID') ?? '',
    infraContainerId: args.get('K8S_POD_INFRA_CONTAINER_ID') ?? '',
  };
}

/**
 * What a chained plugin that does not change the network prints after ADD: the previous
 * plugin's result, unchanged apart from `cniVersion`, which the spec requires to equal the
 * configuration's (the runtime hands over `prevResult` already in that version). Without a
 * previous result it prints an empty result of the configuration's version.
 */
export function passThroughResult(cniVersion: string, prevResult: unknown): Record<string, unknown> {
  if (prevResult !== null && typeof prevResult === 'object' && !Array.isArray(prevResult)) {
    return { ...(prevResult as Record<string, unknown>), cniVersion };
  }
  return { cniVersion, dns: {} };
}

/** VERSION's answer (spec §"VERSION"). */
export function versionResult(): { cniVersion: string; supportedVersions: readonly string[] } {
  return { cniVersion: CURRENT_CNI_VERSION, supportedVersions: SUPPORTED_CNI_VERSIONS };
}

/** Maps any failure onto the error object the plugin prints; unknown errors are code 999 like skel's. */
export function errorResult(cniVersion: string, err: unknown): CniErrorResult {
  if (err instanceof CniError) {
    return err.details === undefined
      ? { cniVersion, code: err.code, msg: err.message }
      : { cniVersion, code: err.code, msg: err.message, details: err.details };
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { cniVersion, code: 999, msg };
}
