/**
 * Wires the plugin to the real process: environment, stdin, stdout, the logger, the API pod
 * source (loaded only when the runtime did not hand over the pod facts) and the netns capture.
 */
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginConf } from '../core/config/cni.js';
import { KUBECONFIG_FILE } from '../core/cni/kubeconfig.js';
import { ProcessRunner } from '../capture-exec/runner.js';
import { createNetnsCapture } from './capture-apply.js';
import { createLogger } from './log.js';
import { runPlugin } from './plugin.js';

/** Runs one CNI invocation and returns the exit code (the result is already on stdout). */
export async function runPluginProcess(): Promise<number> {
  const runner = new ProcessRunner();
  const outcome = await runPlugin({
    env: process.env,
    readStdin: () => readFileSync(0, 'utf8'),
    makeLogger: (conf: PluginConf | undefined) =>
      createLogger({ level: conf?.plugin_log_level ?? 'info', ...(conf?.sidecar_kit.log_file ? { file: conf.sidecar_kit.log_file } : {}) }),
    makePodSource: async (conf, logger) => {
      const { createApiPodSource } = await import('./kube-pods.js');
      const s = conf.sidecar_kit;
      return createApiPodSource({
        kubeconfigPath: s.kubeconfig ?? join(conf.cni_agent_run_dir, KUBECONFIG_FILE),
        attempts: s.pod_lookup_attempts,
        intervalMs: s.pod_lookup_interval_ms,
        timeoutMs: s.pod_lookup_timeout_ms,
        logger,
      });
    },
    prepareCapture: createNetnsCapture({ runner, pathEnv: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' }),
  });
  if (outcome.stdout !== '') writeSync(1, outcome.stdout);
  return outcome.exitCode;
}
