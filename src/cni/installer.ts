/**
 * The installer's lifetime: install, then keep the installation in place until told to stop
 * (SIGTERM in the DaemonSet), then remove it. Directory watches react when another agent
 * rewrites the node configuration or deletes our executable; a periodic resync also picks up
 * rotated service-account tokens.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { InstallConfig } from '../core/config/cni.js';
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

/** One pass: every piece that is missing or stale is put back. Returns the config written. */
function reconcile(cfg: InstallConfig, deps: InstallerDeps, binary: BinaryState): string | undefined {
  installBinary(cfg, deps, binary);
  installKubeconfig(cfg, deps);
  const name = cfg.chainedCniPlugin ? findConfFile(cfg) : '';
  return name === undefined ? undefined : installConfig(cfg, name, deps);
}

export async function runInstaller(cfg: InstallConfig, deps: InstallerDeps, opts: InstallerRunOptions): Promise<void> {
  const binary: BinaryState = {};
  installBinary(cfg, deps, binary);
  installKubeconfig(cfg, deps);
  const name = await waitForConfFile(cfg, deps, opts);
  if (name === undefined) return; // aborted before any configuration appeared
  // Already current: the file we found is the one holding our entry.
  let lastWritten = installConfig(cfg, name, deps) ?? (cfg.chainedCniPlugin ? join(cfg.mountedCniNetDir, name) : undefined);
  opts.onReconciled?.(lastWritten);
  if (cfg.once) return;

  let timer: NodeJS.Timeout | undefined;
  const pass = () => {
    timer = undefined;
    try {
      const written = reconcile(cfg, deps, binary);
      if (written !== undefined) lastWritten = written;
      opts.onReconciled?.(written);
    } catch (err) {
      deps.logger.error('reconcile failed', { error: (err as Error).message });
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
  uninstall(cfg, deps, lastWritten);
}
