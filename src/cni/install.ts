/**
 * The installer's file-system side (reference §g.5): put the plugin executable and its
 * kubeconfig on the node, chain our entry into the node's CNI configuration, keep all three in
 * place while running, and take them away again on shutdown. Decisions come from
 * core/cni (install-plan, conflist); this module only reads and writes files.
 */
import { existsSync, readdirSync, readFileSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallConfig } from '../core/config/cni.js';
import { hasCurrentEntry, mergeConflist, PLUGIN_TYPE, removeOurEntries } from '../core/cni/conflist.js';
import { buildPluginEntry, confFileCandidates, mergedFileName, resolveConfiguredName, STANDALONE_CONF_NAME } from '../core/cni/install-plan.js';
import { buildKubeconfig, KUBECONFIG_FILE } from '../core/cni/kubeconfig.js';
import { copyFileAtomic, existingMode, sameContent, writeFileAtomic } from './fs-atomic.js';
import type { Logger } from './log.js';

export interface InstallerDeps {
  readonly logger: Logger;
  /** Renders a config object the way Go's json.MarshalIndent(v, "", "  ") does, plus "\n". */
  readonly render: (value: unknown) => string;
}

/** Thrown when the installer cannot do its job; the CLI maps it to exit code 1. */
export class InstallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InstallError';
  }
}

export const pluginPath = (cfg: InstallConfig): string => join(cfg.mountedCniBinDir, PLUGIN_TYPE);
export const kubeconfigPath = (cfg: InstallConfig): string => join(cfg.cniAgentRunDir, KUBECONFIG_FILE);

function readJson(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InstallError(`${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** What the installer remembers between passes about the executable it put in place. */
export interface BinaryState {
  /** `ino:size:mtime` of the target when it was last written or found identical. */
  verified?: string;
}

const identity = (path: string): string | undefined => {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
};

/**
 * Copies the plugin executable unless an identical one is already there. With `state`, a
 * target that has not changed since it was last verified is not read again (the executable is
 * ~100 MB and the installer re-checks on every directory event).
 */
export function installBinary(cfg: InstallConfig, deps: InstallerDeps, state: BinaryState = {}): boolean {
  const target = pluginPath(cfg);
  if (!existsSync(cfg.pluginBinary)) throw new InstallError(`plugin executable ${cfg.pluginBinary} does not exist`);
  const current = identity(target);
  if (current !== undefined && current === state.verified) return false;
  if (current !== undefined && sameContent(target, cfg.pluginBinary)) {
    state.verified = current;
    return false;
  }
  mkdirSync(cfg.mountedCniBinDir, { recursive: true });
  copyFileAtomic(cfg.pluginBinary, target, 0o755);
  state.verified = identity(target);
  deps.logger.info('plugin executable installed', { path: target });
  return true;
}

/** Writes the plugin's kubeconfig from the service-account token; true when it changed. */
export function installKubeconfig(cfg: InstallConfig, deps: InstallerDeps): boolean {
  const tokenFile = join(cfg.serviceAccountDir, 'token');
  const caFile = join(cfg.serviceAccountDir, 'ca.crt');
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (err) {
    throw new InstallError(`cannot read the service-account token ${tokenFile}: ${(err as Error).message}`, { cause: err });
  }
  const caPem = existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined;
  const text = deps.render(
    buildKubeconfig({ server: cfg.kubeApiServer, token, ...(caPem !== undefined ? { caPem } : {}), insecureSkipTlsVerify: cfg.kubeInsecureSkipTlsVerify }),
  );
  const target = kubeconfigPath(cfg);
  if (existsSync(target) && readFileSync(target, 'utf8') === text) return false;
  mkdirSync(cfg.cniAgentRunDir, { recursive: true });
  writeFileAtomic(target, text, 0o600);
  deps.logger.info('plugin kubeconfig written', { path: target });
  return true;
}

/** The node configuration file to chain into, or undefined while there is none yet. */
export function findConfFile(cfg: InstallConfig): string | undefined {
  let names: string[];
  try {
    names = readdirSync(cfg.mountedCniNetDir);
  } catch {
    return undefined;
  }
  if (cfg.cniConfName !== '') return resolveConfiguredName(cfg.cniConfName, new Set(names));
  for (const name of confFileCandidates(names)) {
    try {
      const doc = JSON.parse(readFileSync(join(cfg.mountedCniNetDir, name), 'utf8')) as Record<string, unknown>;
      const valid = name.endsWith('.conflist') ? Array.isArray(doc.plugins) : typeof doc.type === 'string';
      if (valid) return name;
    } catch {
      // Not a usable configuration: runtimes skip it too.
    }
  }
  return undefined;
}

/**
 * Makes the node configuration hold our entry (chained: merged into `name`, renamed to
 * `.conflist`; standalone: our own file). Returns the path written, or undefined when it was
 * already current.
 */
export function installConfig(cfg: InstallConfig, name: string, deps: InstallerDeps): string | undefined {
  const entry = buildPluginEntry(cfg);
  if (!cfg.chainedCniPlugin) {
    const target = join(cfg.mountedCniNetDir, cfg.cniConfName || STANDALONE_CONF_NAME);
    const text = deps.render(entry);
    if (existsSync(target) && readFileSync(target, 'utf8') === text) return undefined;
    writeFileAtomic(target, text, existingMode(target) ?? 0o644);
    return target;
  }
  const source = join(cfg.mountedCniNetDir, name);
  const existing = readJson(source);
  if (hasCurrentEntry(existing, entry)) return undefined;
  let merged: unknown;
  try {
    merged = mergeConflist(existing, entry);
  } catch (err) {
    throw new InstallError(`${source}: ${(err as Error).message}`, { cause: err });
  }
  const target = join(cfg.mountedCniNetDir, mergedFileName(name));
  writeFileAtomic(target, deps.render(merged), existingMode(source) ?? 0o644);
  if (target !== source) rmSync(source, { force: true });
  deps.logger.info('CNI configuration updated', { path: target });
  return target;
}

/**
 * Takes our entry out of the node configuration (the file we last wrote, else the one we would
 * chain into) and removes the kubeconfig and executable.
 */
export function uninstall(cfg: InstallConfig, deps: InstallerDeps, lastWritten?: string): void {
  const chained = lastWritten !== undefined && existsSync(lastWritten) ? lastWritten : cfg.chainedCniPlugin ? findConfFile(cfg) : undefined;
  if (!cfg.chainedCniPlugin) {
    rmSync(join(cfg.mountedCniNetDir, cfg.cniConfName || STANDALONE_CONF_NAME), { force: true });
  } else if (chained !== undefined) {
    const path = chained.includes('/') ? chained : join(cfg.mountedCniNetDir, chained);
    try {
      const cleaned = removeOurEntries(readJson(path));
      writeFileAtomic(path, deps.render(cleaned), existingMode(path) ?? 0o644);
      deps.logger.info('CNI configuration entry removed', { path });
    } catch (err) {
      deps.logger.warn('could not remove our CNI configuration entry', { path, error: (err as Error).message });
    }
  }
  rmSync(kubeconfigPath(cfg), { force: true });
  rmSync(pluginPath(cfg), { force: true });
  deps.logger.info('plugin executable and kubeconfig removed');
}
