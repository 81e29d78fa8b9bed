/**
 * The node agent (`sidecar-kit cni-install` in the DaemonSet): the installer (installer.ts)
 * plus what Istio's istio-cni-node does around it:
 *
 * - `/metrics`, `/readyz`, `/healthz` on the monitoring port; ready while the plugin is in place;
 * - the CNI race repair (repair-controller.ts) over this node's pods, running only while the
 *   plugin is in place;
 * - the node readiness taint, removed from this node once the plugin is in place;
 * - at shutdown, the plugin is left in place while the DaemonSet still targets this node
 *   (a restart or an upgrade), else removed (an uninstall).
 */
import type { InstallConfig, AgentConfig } from '../core/config/cni.js';
import type { RepairPolicy } from '../core/cni/repair.js';
import { shutdownPlan, type DaemonSetLookup } from '../core/cni/node-readiness.js';
import { createAgentMetrics, type AgentMetrics } from './agent-metrics.js';
import { buildAgentServer } from './agent-server.js';
import type { InstallerDeps } from './install.js';
import { runInstaller } from './installer.js';
import { hostReportLabels, readHostReport, systemHostFiles, type HostFiles } from './host-report.js';
import { agentKubeConfig, kubeRepairApi, lookUpDaemonSet, removeNodeTaint, watchNodePods } from './kube-agent.js';
import { RepairController } from './repair-controller.js';

export interface AgentOptions {
  readonly signal: AbortSignal;
  readonly metrics?: AgentMetrics;
  /** Called with the monitoring server's port once it listens (tests use port 0... via monitoringPort). */
  readonly onListening?: (port: number) => void;
  /** Where the host report reads /proc and /sys (tests give their own). */
  readonly hostFiles?: HostFiles;
}

export function repairPolicy(agent: AgentConfig, excludedNamespaces: readonly string[] = []): RepairPolicy {
  const r = agent.repair;
  return {
    excludedNamespaces,
    mode: r.mode,
    labelKey: r.labelKey,
    labelValue: r.labelValue,
    deleteUnownedPods: r.deleteUnownedPods,
    sidecarAnnotation: r.sidecarAnnotation,
    initContainerName: r.initContainerName,
    initExitCode: r.initExitCode,
    initTerminationMessage: r.initTerminationMessage,
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function runAgent(install: InstallConfig, agent: AgentConfig, deps: InstallerDeps, opts: AgentOptions): Promise<void> {
  const { logger } = deps;
  const metrics = opts.metrics ?? createAgentMetrics({ defaultMetrics: true });
  const needsApi = agent.nodeName !== '' && (agent.repair.enabled || agent.removeNodeTaint || agent.keepPluginOnRestart);
  if (agent.nodeName === '' && (agent.repair.enabled || agent.removeNodeTaint)) {
    logger.warn('no node name (--node-name, NODE_NAME): the repair and the readiness taint are off');
  }
  const kc = needsApi ? agentKubeConfig(install) : undefined;
  const host = readHostReport(opts.hostFiles ?? systemHostFiles, install.nativeNftables);
  metrics.nodeInfo.set(hostReportLabels(host), 1);
  logger.info('host', { ...host });

  let installed = false;
  let stopping = false;
  const server = agent.monitoringPort > 0 ? buildAgentServer({ metrics, readiness: { notReadyReason: () => (stopping ? 'shutting down' : installed ? undefined : 'the plugin is not in place') } }) : undefined;
  if (server) {
    const address = await server.listen({ port: agent.monitoringPort, host: '::' }).catch(() => server.listen({ port: agent.monitoringPort, host: '0.0.0.0' }));
    logger.info('monitoring server listening', { address });
    opts.onListening?.(Number(new URL(address).port));
  }

  const repair =
    kc && agent.repair.enabled && agent.nodeName !== ''
      ? new RepairController({ policy: repairPolicy(agent, install.excludeNamespaces), qps: agent.repair.qps, burst: agent.repair.burst, api: kubeRepairApi(kc, agent.nodeName, logger), logger, metrics })
      : undefined;
  const watch =
    kc && repair
      ? watchNodePods({ kubeConfig: kc, nodeName: agent.nodeName, labelSelector: agent.repair.labelSelectors, fieldSelector: agent.repair.fieldSelectors, logger, onChange: (pods) => repair.update(pods) })
      : undefined;
  if (repair) logger.info('CNI race repair on', { node: agent.nodeName, mode: agent.repair.mode, qps: agent.repair.qps, burst: agent.repair.burst });

  // The taint goes once the plugin is in place; retried with backoff until it is gone.
  let untainting: Promise<void> | undefined;
  const untaint = () => {
    if (!kc || !agent.removeNodeTaint || agent.nodeName === '' || untainting) return;
    untainting = (async () => {
      for (let attempt = 0; !opts.signal.aborted; attempt++) {
        try {
          const removed = await removeNodeTaint(kc, agent.nodeName, agent.nodeTaintKey);
          metrics.taintRemovals.inc({ result: removed ? 'removed' : 'absent' });
          logger.info(removed ? 'readiness taint removed from the node' : 'the node has no readiness taint', { node: agent.nodeName, taint: agent.nodeTaintKey });
          return;
        } catch (err) {
          metrics.taintRemovals.inc({ result: 'fail' });
          logger.warn('could not remove the readiness taint; retrying', { node: agent.nodeName, error: (err as Error).message });
          await sleep(Math.min(30_000, 1000 * 2 ** attempt), opts.signal);
        }
      }
    })();
  };

  try {
    await runInstaller(install, deps, {
      signal: opts.signal,
      onInstalled: (now) => {
        if (now !== installed) logger.info(now ? 'plugin in place: ready' : 'plugin not in place: not ready');
        installed = now;
        metrics.installReady.set(now ? 1 : 0);
        repair?.setPluginInstalled(now);
        if (now) untaint();
      },
      onInstallResult: (result) => metrics.installs.inc({ result }),
      beforeUninstall: async () => {
        stopping = true;
        repair?.stop();
        let lookup: DaemonSetLookup | undefined;
        if (kc && agent.keepPluginOnRestart && agent.daemonSetName !== '' && install.podNamespace !== '') {
          lookup = await lookUpDaemonSet(kc, install.podNamespace, agent.daemonSetName, agent.nodeName, 5000);
        }
        const plan = shutdownPlan(agent.keepPluginOnRestart, lookup);
        logger.info(plan.keep ? 'shutting down, plugin kept' : 'shutting down, plugin removed', { reason: plan.reason });
        return !plan.keep;
      },
    });
  } finally {
    stopping = true;
    repair?.stop();
    await watch?.stop();
    await untainting;
    await server?.close();
  }
}
