/**
 * The node agent's Prometheus metrics, with Istio's names where Istio's install-cni has them
 * (`istio_cni_install_ready`, `istio_cni_installs_total`, `istio_cni_repair_pods_repaired_total`),
 * on a registry owned by the caller.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** `result` of istio_cni_installs_total (Istio's values). */
export const InstallResult = {
  success: 'SUCCESS',
  copyBinariesFailure: 'COPY_BINARIES_FAILURE',
  kubeconfigFailure: 'CREATE_KUBECONFIG_FAILURE',
  cniConfigFailure: 'CREATE_CNI_CONFIG_FAILURE',
} as const;
export type InstallResult = (typeof InstallResult)[keyof typeof InstallResult];

export interface AgentMetrics {
  readonly registry: Registry;
  readonly installReady: Gauge;
  readonly installs: Counter<'result'>;
  /** type: delete | label; result: success | fail | skip (Istio's labels). */
  readonly repaired: Counter<'type' | 'result'>;
  readonly brokenPods: Gauge;
  readonly taintRemovals: Counter<'result'>;
  /** 1, with the host's netfilter and IPv6 state as labels (./host-report.ts), read by preflight. */
  readonly nodeInfo: Gauge<'legacy_tables' | 'nf_tables' | 'ip_tables' | 'ipv6_disabled' | 'native_nftables'>;
}

export function createAgentMetrics(opts: { defaultMetrics?: boolean } = {}): AgentMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    installReady: new Gauge({ name: 'istio_cni_install_ready', help: 'Whether the CNI plugin installation is ready or not', registers }),
    installs: new Counter({ name: 'istio_cni_installs_total', help: 'Total number of CNI plugins installed by the Istio CNI installer', labelNames: ['result'], registers }),
    repaired: new Counter({ name: 'istio_cni_repair_pods_repaired_total', help: 'Total number of pods repaired by repair controller', labelNames: ['type', 'result'], registers }),
    brokenPods: new Gauge({ name: 'sidecar_kit_cni_repair_broken_pods', help: 'Pods on this node held back by a failed capture check (istio-validation) at the last look', registers }),
    taintRemovals: new Counter({ name: 'sidecar_kit_cni_node_taint_removals_total', help: "Removals of the readiness taint from this node, by result", labelNames: ['result'], registers }),
    nodeInfo: new Gauge({
      name: 'sidecar_kit_cni_node_info',
      help: "The host as the node agent sees it (1): legacy x_tables in use, nf_tables and ip_tables in the kernel, IPv6 disabled, native nftables capture",
      labelNames: ['legacy_tables', 'nf_tables', 'ip_tables', 'ipv6_disabled', 'native_nftables'],
      registers,
    }),
  };
}
