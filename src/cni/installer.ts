/**
 * The installer's lifetime: install, then keep the installation in place until told to stop
 * (SIGTERM in the DaemonSet), then remove it (unless `beforeUninstall` says to leave it: a
 * restart). Directory watches react when another agent rewrites the node configuration or
 * deletes our executable; a periodic resync also picks up rotated service-account tokens.
 * After every pass `onInstalled` hears whether the plugin is in place (readiness, the repair).
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { InstallConfig } from '../core/config/cni.js';
import { InstallResult } from './agent-metrics.js';
import { findConfFile, installBinary, installConfig, installKubeconfig, uninstall, type BinaryState, type InstallerDeps } from './install.js';

export interface InstallerRunOptions {
  /** Aborting stops watching and uninstalls. */
  readonly signal: AbortSignal;
  /** Poll interval while waiting for the node's network configuration to appear, ms. */
  readonly pollMs?: number;
  /** Periodic resync (token rotation, missed events), ms. */
  readonly resyncMs?: number;
  /** Called after each reconcile pass (tests wait on it). */
  readonly onReconciled?: (written: string | undefined) => void;
  /** Whether the executable, kubeconfig and configuration entry are all in place, after each pass. */
  readonly onInstalled?: (installed: boolean) => void;
  /** The outcome of each pass (`istio_cni_installs_total`). */
  readonly onInstallResult?: (result: InstallResult) => void;
  /** Asked at shutdown; false leaves the installation in place. Default: remove it. */
  readonly beforeUninstall?: () => Promise<boolean>;
}

/** A failed step of a pass, with the result Istio's install metric gives it. */
class StepError extends Error {
  constructor(
    readonly result: InstallResult,
    cause: unknown,
  ) {
    super((cause as Error).message, { cause });
  }
}

function step<T>(result: InstallResult, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new StepError(result, err);
  }
}

const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Waits until a configuration file to chain into exists (chained mode), or the abort. */
async function waitForConfFile(cfg: InstallConfig, deps: InstallerDeps, opts: InstallerRunOptions): Promise<string | undefined> {
  if (!cfg.chainedCniPlugin) return '';
  let warned = false;
  for (;;) {
    const name = findConfFile(cfg);
    if (name !== undefined || opts.signal.aborted) return name;
    if (!warned) deps.logger.info('waiting for a CNI network configuration', { dir: cfg.mountedCniNetDir });
    warned = true;
    await delay(opts.pollMs ?? 1000, opts.signal);
  }
}

/**
 * One pass: every piece that is missing or stale is put back. Returns the config written (if
 * any) and whether everything is in place (false: no configuration to chain into yet).
 */
function reconcile(cfg: InstallConfig, deps: InstallerDeps, binary: BinaryState): { written: string | undefined; installed: boolean } {
  step(InstallResult.copyBinariesFailure, () => installBinary(cfg, deps, binary));
  step(InstallResult.kubeconfigFailure, () => installKubeconfig(cfg, deps));
  const name = cfg.chainedCniPlugin ? findConfFile(cfg) : '';
  if (name === undefined) return { written: undefined, installed: false };
  return { written: step(InstallResult.cniConfigFailure, () => installConfig(cfg, name, deps)), installed: true };
}

export async function runInstaller(cfg: InstallConfig, deps: InstallerDeps, opts: InstallerRunOptions): Promise<void> {
  const binary: BinaryState = {};
  const report = (installed: boolean, result?: InstallResult) => {
    if (result !== undefined) opts.onInstallResult?.(result);
    opts.onInstalled?.(installed);
  };
  try {
    step(InstallResult.copyBinariesFailure, () => installBinary(cfg, deps, binary));
    step(InstallResult.kubeconfigFailure, () => installKubeconfig(cfg, deps));
  } catch (err) {
    if (err instanceof StepError) report(false, err.result);
    throw err instanceof StepError ? err.cause : err;
  }
  const name = await waitForConfFile(cfg, deps, opts);
  if (name === undefined) return; // aborted before any configuration appeared
  // Already current: the file we found is the one holding our entry.
  let lastWritten: string | undefined;
  try {
    lastWritten = step(InstallResult.cniConfigFailure, () => installConfig(cfg, name, deps)) ?? (cfg.chainedCniPlugin ? join(cfg.mountedCniNetDir, name) : undefined);
  } catch (err) {
    report(false, (err as StepError).result);
    throw (err as StepError).cause;
  }
  report(true, InstallResult.success);
  opts.onReconciled?.(lastWritten);
  if (cfg.once) return;

  let timer: NodeJS.Timeout | undefined;
  let wasInstalled = true;
  const pass = () => {
    timer = undefined;
    try {
      const r = reconcile(cfg, deps, binary);
      if (r.written !== undefined) lastWritten = r.written;
      // Counted when something had to be put back (Istio counts each re-validation).
      report(r.installed, r.installed && (r.written !== undefined || !wasInstalled) ? InstallResult.success : undefined);
      wasInstalled = r.installed;
      opts.onReconciled?.(r.written);
    } catch (err) {
      deps.logger.error('reconcile failed', { error: (err as Error).message });
      report(false, err instanceof StepError ? err.result : undefined);
      wasInstalled = false;
    }
  };
  const schedule = () => {
    if (timer === undefined && !opts.signal.aborted) timer = setTimeout(pass, cfg.watchDebounceMs);
  };
  const watchers: FSWatcher[] = [cfg.mountedCniNetDir, cfg.mountedCniBinDir].map((dir) => watch(dir, schedule));
  const resync = setInterval(schedule, opts.resyncMs ?? 10_000);
  deps.logger.info('installed; watching for changes', { config: lastWritten });

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  for (const w of watchers) w.close();
  clearInterval(resync);
  if (timer !== undefined) clearTimeout(timer);
  opts.onInstalled?.(false);
  if (opts.beforeUninstall && !(await opts.beforeUninstall())) {
    deps.logger.info('leaving the plugin in place', { config: lastWritten });
    return;
  }
  uninstall(cfg, deps, lastWritten);
}
