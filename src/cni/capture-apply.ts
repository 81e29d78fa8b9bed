/**
 * Programs a pod's capture rules from the host, inside the pod's network namespace, with the
 * capture engine shared with `istio-iptables` (same config model, rule builder, renderers and
 * atomic apply). Every command runs as `nsenter --net=<CNI_NETNS> -- ...`; iptables takes a
 * lock file of its own per pod (XTABLES_LOCKFILE) so sandboxes created in parallel do not
 * queue on the host's /run/xtables.lock.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { captureConfigFromRedirect } from '../core/cni/capture-settings.js';
import { podAddresses } from '../core/cni/ip-family.js';
import type { CniRedirect } from '../core/cni/redirect.js';
import { CniError, CniErrorCode } from '../core/cni/spec.js';
import { applyCapture } from '../init/apply.js';
import { detectBackend, systemDetectionEnv } from '../init/backend.js';
import { CaptureError } from '../init/errors.js';
import { detectIpv6, type InterfaceAddress } from '../init/facts.js';
import type { Runner } from '../init/runner.js';
import type { Logger } from './log.js';
import type { CaptureTarget } from './plugin.js';

export interface NetnsCaptureDeps {
  readonly runner: Runner;
  readonly pathEnv: string;
}

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

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function createNetnsCapture(deps: NetnsCaptureDeps) {
  return async (redirect: CniRedirect, target: CaptureTarget, logger: Logger): Promise<void> => {
    const ipv6 = await podIpv6(deps, target, redirect.dualStack);
    const config = captureConfigFromRedirect(redirect, { ipv6, nativeNftables: target.conf.native_nftables });
    const backend = await detectBackend(
      { nativeNftables: config.nativeNftables, force: config.forceIptablesBinary },
      systemDetectionEnv({
        readFile: (p) => {
          try {
            return readFileSync(p, 'utf8');
          } catch {
            return undefined;
          }
        },
        isExecutable,
        pathEnv: deps.pathEnv,
        runner: deps.runner,
        netns: target.netns,
      }),
    );
    const lockDir = join(target.conf.cni_agent_run_dir, 'xtables-locks');
    const lockFile = join(lockDir, `${target.containerId || target.pod.uid || 'pod'}.lock`);
    logger.debug('programming capture rules', { netns: target.netns, ipv6, backend: backend.kind === 'nft' ? 'nft' : backend.v4.restore });
    try {
      mkdirSync(lockDir, { recursive: true });
      await applyCapture(config, { runner: deps.runner, backend, netns: target.netns, xtablesLockFile: lockFile, log: (l) => logger.debug(l) });
    } catch (err) {
      const why = err instanceof CaptureError || err instanceof Error ? err.message : String(err);
      throw new CniError(CniErrorCode.ruleApplyFailed, `programming capture rules in ${target.netns} failed: ${why}`, { cause: err });
    } finally {
      rmSync(lockFile, { force: true });
    }
  };
}
