/**
 * Entry of the self-contained plugin executable (`istio-cni`, a Node single-executable
 * application built by scripts/build-cni-plugin.mjs).
 *
 * The executable starts from a V8 startup snapshot: while the snapshot is built, this module
 * and the pure parts it imports (config schemas, decisions, rule builder) are evaluated once,
 * so a pod sandbox creation pays no parse/compile cost for them. Modules that touch the OS are
 * imported dynamically inside `main`, because the snapshot must not hold open handles or
 * process state (env, argv), and some built-ins are not snapshot-safe.
 * Without a snapshot (plain `node plugin.cjs`) it runs the same way, only slower to start.
 */
import { writeSync } from 'node:fs';
import { startFromSnapshot } from '../cli-kit/snapshot.js';
import { pluginConfSchema } from '../core/config/cni.js';
import { buildRules } from '../core/capture/build.js';
import { renderIptables } from '../core/capture/iptables.js';
import { captureConfigFromRedirect } from '../core/cni/capture-settings.js';
import '../core/cni/kubeconfig.js';
import { captureFactsAnnotation, parsePodView, podFactsFromAnnotations } from '../core/cni/pod-facts.js';
import { redirectFromFacts } from '../core/cni/redirect.js';

/**
 * Runs the pure path once on a sample pod while the snapshot is built: zod compiles its
 * parsers on first use (~15 ms), and the snapshot keeps the compiled parsers.
 */
function warmUp(): void {
  const pod = parsePodView({
    metadata: { annotations: { 'sidecar.istio.io/status': '{}' } },
    spec: { containers: [{ name: 'istio-proxy', args: ['proxy', 'sidecar'], env: [{ name: 'INVALID_DROP', value: 'false' }], securityContext: { runAsUser: 1337 } }] },
  });
  const annotations = { 'sidecar.istio.io/status': '{}', 'cni.sidecar-kit.io/capture': captureFactsAnnotation(pod) };
  pluginConfSchema.parse({
    cniVersion: '1.0.0',
    name: 'warm-up',
    type: 'istio-cni',
    exclude_namespaces: ['kube-system'],
    capabilities: { 'io.kubernetes.cri.pod-annotations': true },
    runtimeConfig: { 'io.kubernetes.cri.pod-annotations': annotations },
    prevResult: { cniVersion: '1.0.0', ips: [] },
    sidecar_kit: { pod_lookup_attempts: 1 },
  });
  const facts = podFactsFromAnnotations(annotations);
  const decision = 'facts' in facts ? redirectFromFacts(facts.facts) : undefined;
  if (decision?.kind === 'redirect') {
    for (const ipv6 of [false, true]) renderIptables(buildRules(captureConfigFromRedirect(decision.redirect, { ipv6, nativeNftables: false })), 'v4');
  }
}

async function main(): Promise<void> {
  try {
    const { runPluginProcess } = await import('./plugin-process.js');
    // The result and logs are written synchronously, so exit at once: tearing down the heap
    // and the event loop costs milliseconds on the pod's start-up path.
    process.exit(await runPluginProcess());
  } catch (err) {
    // runPlugin reports its own failures; this is for a broken executable.
    writeSync(1, `${JSON.stringify({ cniVersion: '1.0.0', code: 999, msg: `plugin crashed: ${(err as Error).message}` })}\n`);
    process.exit(1);
  }
}

startFromSnapshot(() => void main(), warmUp);
