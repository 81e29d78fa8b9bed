/**
 * `sidecar-kit istio-iptables`: the edge. Parses Istio's flags and variables, fills in the
 * facts Istio reads from the machine, validates everything into one `CaptureConfig`, runs
 * `applyCapture` and `--run-validation`, and maps errors to exit codes (1, or 126 for a failed
 * validation). Keep the imports small: this runs on every pod start.
 */
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { DEFAULT_PROXY_UID, parseCaptureSettings, parseGoBool, type CaptureConfig, type CaptureSettingName } from '../core/config/capture.js';
import { renderIptables } from '../core/capture/iptables.js';
import { renderNft } from '../core/capture/nft.js';
import { applyCapture } from '../capture-exec/apply.js';
import { detectBackend, DRY_RUN_BACKEND, systemDetectionEnv, type Backend } from '../capture-exec/backend.js';
import { CaptureError, CaptureErrorCode, VALIDATION_EXIT_CODE } from '../capture-exec/errors.js';
import { isExecutable, readTextFile } from '../capture-exec/host-files.js';
import { detectIpv6, proxyUidFromPasswd, resolvConfServers, type InterfaceAddress } from '../capture-exec/facts.js';
import { ExitCode, HELP, noPositionals, parseArgs, parseCommandLine, reportFailure, reportUsageError, UsageError, type ParsedArgs } from '../cli-kit/convention.js';
import { describeFsError } from '../core/format/fs-error.js';
import { collectSettings, describeSource, FLAGS, spec } from './flags.js';
import { ProcessRunner, RecordingRunner, type Runner } from '../capture-exec/runner.js';

const out = (line: string): boolean => process.stdout.write(`${line}\n`);
const fail = (line: string): number => reportFailure(line);

export async function run(args: readonly string[]): Promise<number> {
  const started = performance.now();
  const cl = await parseCommandLine(spec, () => {
    const p = parseArgs(args, FLAGS);
    if (p.help) return HELP;
    noPositionals(p);
    return p;
  });
  if (cl.exit !== undefined) return cl.exit;
  const parsed: ParsedArgs = cl.value;
  const { settings, sources } = collectSettings(parsed, process.env);
  const ipv6Mode = settings.ipv6 ?? 'auto';
  if (!['auto', 'true', 'false'].includes(ipv6Mode)) return reportUsageError(spec.name, new UsageError(`invalid value ${JSON.stringify(ipv6Mode)} for flag --ipv6: expected auto, true or false`));
  // Every value is checked before the machine is looked at: a bad flag or variable is a usage error.
  const early = parseCaptureSettings({ ...settings, ipv6: 'false', proxyUid: settings.proxyUid ?? DEFAULT_PROXY_UID });
  if (!early.ok) return badSettings(early.issues, sources);
  const factsRunner = new ProcessRunner();
  const resolved = await resolveFacts(settings, ipv6Mode === 'auto', factsRunner);
  const result = parseCaptureSettings(resolved);
  if (!result.ok) return badSettings(result.issues, sources);
  const cfg = result.config;
  out(`istio-iptables: ${summary(cfg)}`);
  try {
    if (!cfg.skipRuleApply) {
      const spawned = await program(cfg, factsRunner);
      out(`istio-iptables: done in ${Math.round(performance.now() - started)} ms, ${spawned} process(es) spawned`);
    }
    if (cfg.runValidation) {
      const { validateRedirection, VALIDATION_FAILED_MESSAGE } = await import('./validate.js');
      const ok = await validateRedirection({ ...cfg, timeoutMs: cfg.probeTimeoutMs, log: out });
      if (!ok) return (process.stderr.write(VALIDATION_FAILED_MESSAGE), VALIDATION_EXIT_CODE);
    }
  } catch (err) {
    if (err instanceof CaptureError) return fail(err.message);
    throw err;
  }
  return ExitCode.ok;
}

function badSettings(issues: readonly { setting: CaptureSettingName; value: string; message: string }[], sources: ReturnType<typeof collectSettings>['sources']): number {
  const lines = issues.map((i) => `invalid value ${JSON.stringify(i.value)} for ${describeSource(i.setting, sources.get(i.setting))}: ${i.message}`);
  return reportUsageError(spec.name, new UsageError(lines.join('\nerror: ')));
}

/** Programs (or, with --dry-run, records) the rules; returns the number of processes spawned. */
async function program(cfg: CaptureConfig, runner: ProcessRunner): Promise<number> {
  const netns = cfg.networkNamespace || undefined;
  const recorder = cfg.dryRun ? new RecordingRunner() : undefined;
  const active: Runner = recorder ?? runner;
  let backend: Backend;
  if (cfg.dryRun) backend = cfg.nativeNftables ? { kind: 'nft' } : DRY_RUN_BACKEND;
  else {
    const env = systemDetectionEnv({ readFile: readTextFile, isExecutable, pathEnv: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', runner, netns });
    backend = await detectBackend({ nativeNftables: cfg.nativeNftables, force: cfg.forceIptablesBinary }, env);
  }
  // In CNI mode the rules go into a pod's namespace from the host: use a lock per namespace.
  const xtablesLockFile = cfg.cniMode && netns ? `/run/xtables-${netns.replace(/[^A-Za-z0-9]+/g, '_')}.lock` : undefined;
  const report = await applyCapture(cfg, { runner: active, backend, netns, xtablesLockFile, dryRun: cfg.dryRun, log: out });
  if (recorder) {
    if (cfg.nativeNftables) out(`Running nft with the following transaction:\n${renderNft(report.rules)}`);
    else for (const f of report.rules.ipv6 ? (['v4', 'v6'] as const) : (['v4'] as const)) out(`Running iptables restore (${f}) with the following input:\n${renderIptables(report.rules, f)}`);
    const file = process.env.DRY_RUN_FILE_PATH;
    if (file) {
      try {
        writeFileSync(file, recorder.transcript());
      } catch (err) {
        throw new CaptureError(CaptureErrorCode.recordFailed, `DRY_RUN_FILE_PATH: ${file}: ${describeFsError(err)}`, { cause: err });
      }
    }
  } else {
    const what = backend.kind === 'nft' ? 'nft' : `${backend.v4.restore}${report.rules.ipv6 ? ` + ${backend.v6.restore}` : ''}`;
    out(`istio-iptables: ${what}: ${Object.entries(report.families).map(([f, o]) => `${f} ${o}`).join(', ')}`);
  }
  return runner.spawned;
}

/** Fills in what Istio reads from the machine when not given: proxy uid, IPv6, DNS servers. */
async function resolveFacts(
  settings: Partial<Record<CaptureSettingName, string>>,
  detectV6: boolean,
  runner: Runner,
): Promise<Partial<Record<CaptureSettingName, string>>> {
  const s = { ...settings };
  if (!s.proxyUid) s.proxyUid = proxyUidFromPasswd(readTextFile('/etc/passwd'), process.env.ENVOY_USER || 'istio-proxy');
  const bool = (k: CaptureSettingName): boolean => parseGoBool(s[k] ?? '') === true;
  if (detectV6) s.ipv6 = String(detectIpv6(await interfaces(s.networkNamespace, runner), bool('dualStack')));
  if (s.dnsServers === undefined && bool('redirectDns') && !bool('captureAllDns')) s.dnsServers = resolvConfServers(readTextFile('/etc/resolv.conf')).join(',');
  return s;
}

/** Interface addresses of this namespace, or of `netns` (read with `ip -o addr` inside it). */
async function interfaces(netns: string | undefined, runner: Runner): Promise<Record<string, InterfaceAddress[]>> {
  if (!netns) return networkInterfaces() as Record<string, InterfaceAddress[]>;
  const r = await runner.run({ argv: ['nsenter', `--net=${netns}`, '--', 'ip', '-o', 'addr', 'show'] });
  const list: InterfaceAddress[] = [];
  for (const m of r.stdout.matchAll(/\sinet6?\s+([0-9a-fA-F.:]+)\//g)) if (m[1]) list.push({ address: m[1], family: m[1].includes(':') ? 'IPv6' : 'IPv4' });
  return { all: list };
}

function summary(c: CaptureConfig): string {
  const list = (x: '*' | readonly unknown[]): string => (x === '*' ? '*' : x.length === 0 ? '""' : x.map((v) => (typeof v === 'object' && v && 'text' in v ? v.text : String(v))).join(','));
  return [
    `mode=${c.interceptionMode}`,
    `proxy=${c.proxyPort}`,
    `inbound=${c.inboundCapturePort}`,
    `uid=${c.proxyUids.join(',')}`,
    `gid=${c.proxyGids.join(',')}`,
    `inbound-ports=${list(c.inboundPorts)}`,
    `exclude-inbound=${list(c.inboundPortsExclude)}`,
    `outbound-cidrs=${list(c.outboundIpRangesInclude)}`,
    `exclude-cidrs=${list(c.outboundIpRangesExclude)}`,
    `ipv6=${c.ipv6}`,
    `dns=${c.redirectDns ? (c.captureAllDns ? 'all' : [...c.dnsServers.v4, ...c.dnsServers.v6].join(',') || 'none') : 'off'}`,
    c.nativeNftables ? 'backend=nft' : '',
    c.dryRun ? 'dry-run' : '',
  ]
    .filter((x) => x !== '')
    .join(' ');
}
