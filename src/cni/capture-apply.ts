/**
 * Programs a pod's capture rules from the host, inside the pod's network namespace, with the
 * capture engine shared with `istio-iptables` (same config model, rule builder, renderers and
 * atomic apply). Every command runs as `nsenter --net=<CNI_NETNS> -- ...`; iptables takes a
 * lock file of its own per pod (XTABLES_LOCKFILE) so sandboxes created in parallel do not
 * queue on the host's /run/xtables.lock.
 *
 * Preparing (looking inside the netns for the iptables variant choice) does not depend on the
 * pod, so the plugin starts it while it still waits for the pod from the API server.
 */
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { captureConfigFromRedirect } from '../core/cni/capture-settings.js';
import { podAddresses } from '../core/cni/ip-family.js';
import { CniError, CniErrorCode } from '../core/cni/spec.js';
import type { Family } from '../core/capture/model.js';
import { applyCapture } from '../capture-exec/apply.js';
import { binaryOnPath, detectBackend, LEGACY_TABLE_FILES, legacyTablesIn, type Backend, type DetectionEnv } from '../capture-exec/backend.js';
import type { CaptureConfig } from '../core/config/capture.js';
import { detectIpv6, type InterfaceAddress } from '../capture-exec/facts.js';
import { isExecutable, readTextFile } from '../capture-exec/host-files.js';
import type { Runner } from '../capture-exec/runner.js';
import type { Logger } from './log.js';
import type { CaptureTarget, PreparedCapture } from './plugin.js';

export interface NetnsCaptureDeps {
  readonly runner: Runner;
  readonly pathEnv: string;
  /** Default: access(2) X_OK. */
  readonly isExecutable?: (path: string) => boolean;
  /** Reads a file of the plugin's own (the node's) namespace; default: readFileSync. */
  readonly readFile?: (path: string) => string | undefined;
}

/** Milliseconds since the process started, for debug logs: ADD is on the pod's start-up path. */
const sinceStart = (): number => Math.round(process.uptime() * 10_000) / 10;

const addressRecord = (addrs: readonly string[]): Record<string, InterfaceAddress[]> => ({
  pod: addrs.map((address) => ({ address, family: address.includes(':') ? 'IPv6' : 'IPv4' })),
});

/** IPv6 on/off: from prevResult's pod addresses, else by listing the netns's addresses. */
async function podIpv6(deps: NetnsCaptureDeps, target: CaptureTarget, dualStack: boolean): Promise<boolean> {
  const fromResult = podAddresses(target.prevResult);
  if (fromResult.length > 0) return detectIpv6(addressRecord(fromResult), dualStack);
  const r = await deps.runner.run({ argv: ['nsenter', `--net=${target.netns}`, '--', 'ip', '-j', 'addr', 'show'] });
  if (r.code !== 0) throw new CniError(CniErrorCode.ruleApplyFailed, `cannot list addresses in ${target.netns}: ${r.stderr.trim()}`);
  const links = JSON.parse(r.stdout) as { ifname?: string; addr_info?: { local?: string }[] }[];
  const record: Record<string, InterfaceAddress[]> = {};
  for (const l of links) {
    record[l.ifname ?? ''] = (l.addr_info ?? []).flatMap((a) => (a.local ? [{ address: a.local, family: a.local.includes(':') ? 'IPv6' : 'IPv4' }] : []));
  }
  return detectIpv6(record, dualStack);
}

const detectionEnv = (deps: NetnsCaptureDeps, legacy: (f: Family) => Promise<boolean>): DetectionEnv => ({
  hasBinary: binaryOnPath(deps.pathEnv, deps.isExecutable ?? isExecutable),
  legacyHasTables: legacy,
});

const sameBackend = (a: Backend, b: Backend): boolean =>
  a.kind === 'nft' ? b.kind === 'nft' : b.kind === 'iptables' && a.v4.restore === b.v4.restore && a.v6.restore === b.v6.restore;

/**
 * The engine picks iptables-legacy for a family when legacy tables already exist in the
 * target netns (Istio's rule). Only a legacy iptables binary run on this node can have made
 * them, so a node whose own netns has no legacy tables (the plugin runs there: a read of
 * /proc/net, no process) does not look inside the pod netns. Otherwise looking costs a
 * process: the rules are applied assuming none while the look runs alongside, and should
 * legacy tables turn up, the rules just applied are removed and applied again with the
 * engine's real choice (the pod has not started yet, so no traffic sees the interim state).
 */
export function createNetnsCapture(deps: NetnsCaptureDeps) {
  return (target: CaptureTarget, logger: Logger): PreparedCapture => {
    const nativeNftables = target.conf.native_nftables;
    const read = deps.readFile ?? readTextFile;
    const nodeUsesLegacy = !nativeNftables && Object.values(LEGACY_TABLE_FILES).some((f) => (read(f) ?? '').trim() !== '');
    const legacy = nodeUsesLegacy ? legacyTablesIn(deps.runner, target.netns) : Promise.resolve({ v4: false, v6: false });
    legacy.catch(() => undefined); // reported by `apply`; a skipped pod never awaits it
    logger.debug('capture prepared', { netns: target.netns, lookForLegacyTables: nodeUsesLegacy, t: sinceStart() });
    const lockDir = join(target.conf.cni_agent_run_dir, 'xtables-locks');
    // The container id is validated (no `/`, no leading `.`): the file stays in lockDir.
    const lockFile = join(lockDir, `${target.containerId}.lock`);
    const apply = (config: CaptureConfig, backend: Backend) =>
      applyCapture(config, { runner: deps.runner, backend, netns: target.netns, xtablesLockFile: lockFile, log: (l) => logger.debug(l) });

    return {
      async apply(redirect) {
        const ipv6 = await podIpv6(deps, target, redirect.dualStack);
        const config = captureConfigFromRedirect(redirect, { ipv6, nativeNftables });
        const assumed = await detectBackend({ nativeNftables }, detectionEnv(deps, async () => false));
        const actual = detectBackend({ nativeNftables }, detectionEnv(deps, async (f) => (await legacy)[f]));
        logger.debug('programming capture rules', { ipv6, backend: assumed.kind === 'nft' ? 'nft' : assumed.v4.restore, t: sinceStart() });
        try {
          // Asynchronous, so the invocation's deadline can end it should the file system misbehave.
          await mkdir(lockDir, { recursive: true });
          await apply(config, assumed);
          const chosen = await actual;
          if (!sameBackend(assumed, chosen)) {
            logger.info('legacy iptables tables found in the pod netns; moving the rules there', { t: sinceStart() });
            await apply({ ...config, cleanupOnly: true }, assumed);
            await apply(config, chosen);
          }
          logger.debug('capture rules applied', { t: sinceStart() });
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new CniError(CniErrorCode.ruleApplyFailed, `programming capture rules in ${target.netns} failed: ${why}`, { cause: err });
        } finally {
          rmSync(lockFile, { force: true });
        }
      },
    };
  };
}
