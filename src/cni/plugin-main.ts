/**
 * Entry of the self-contained plugin executable (`istio-cni`, a Node single-executable
 * application built by scripts/build-cni-plugin.mjs).
 *
 * The executable starts from a V8 startup snapshot: while the snapshot is built, this module
 * and the pure parts it imports (config schemas, decisions, rule builder) are evaluated once,
 * so a pod sandbox creation pays no parse/compile cost for them. Modules that touch the OS are
 * imported dynamically inside `main`, because the snapshot must not hold open handles or
 * process state (env, argv), and some built-ins are not snapshot-safe.
 */
import * as v8 from 'node:v8';
import '../config/cni.js';
import '../config/capture.js';
import '../core/capture/build.js';
import '../core/capture/iptables.js';
import '../core/cni/capture-settings.js';
import '../core/cni/redirect.js';
import '../core/cni/pod-facts.js';

async function main(): Promise<void> {
  try {
    const { runPluginProcess } = await import('./plugin-process.js');
    process.exitCode = await runPluginProcess();
  } catch (err) {
    // runPlugin reports its own failures; this is for a broken executable.
    process.stdout.write(`${JSON.stringify({ cniVersion: '1.0.0', code: 999, msg: `plugin crashed: ${(err as Error).message}` })}\n`);
    process.exitCode = 1;
  }
}

const snapshot = (v8 as { startupSnapshot?: { isBuildingSnapshot(): boolean; setDeserializeMainFunction(fn: () => void): void } }).startupSnapshot;
if (snapshot?.isBuildingSnapshot()) snapshot.setDeserializeMainFunction(() => void main());
else void main();
