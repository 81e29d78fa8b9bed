/**
 * The injector's configuration, read from files laid out like Istio's ConfigMaps and hot-reloaded:
 * `--configDir` holds the injector ConfigMap's keys as files (`config`, `values`, and `mesh` when
 * the mesh ConfigMap is mounted there too); `--injectConfigFile`, `--valuesFile` and
 * `--meshConfigFile` name single files and win over the directory. Every change rebuilds the
 * injector from all files; a build that fails keeps the last good injector, logs why and counts
 * the failure in a metric, so a bad ConfigMap edit never stops admissions.
 *
 * A configuration source that is missing at start (`--configDir` naming no directory, a named
 * file absent) is a start-up error, never a silent start on the built-in defaults. One that
 * disappears later (the directory, a key file it provided, a named file) is a failed reload like
 * an invalid edit: the last good injector stays, a warning says which source went away, and the
 * reload-failure metric counts it; injection switches only once a valid source is back.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { describeFsError } from '../core/format/fs-error.js';
import type { WebhookMetrics } from './metrics.js';
import type { InjectorSource, PodInjector } from './types.js';
import { watchFiles, type FileWatch, type WatchOptions } from './watch.js';

import { CONFIG_KEYS, type ConfigKey, type ConfigTexts } from '../core/config/texts.js';

export { CONFIG_KEYS, type ConfigKey, type ConfigTexts };

export interface ConfigPaths {
  readonly configDir?: string;
  readonly injectConfigFile?: string;
  readonly valuesFile?: string;
  readonly meshConfigFile?: string;
}

/**
 * Turns file contents into an injector; throws (ideally a coded ConfigError naming the file and
 * field) when invalid. `files` names where each text came from, for messages.
 */
export type InjectorBuilder = (texts: ConfigTexts, files?: Partial<Record<ConfigKey, string>>) => PodInjector;

export class ConfigLoadError extends Error {
  readonly code = 'WEBHOOK_CONFIG_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigLoadError';
  }
}

/** Which file provides which key. Explicit files win; directory entries are optional. */
export function resolveConfigFiles(p: ConfigPaths): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  if (p.configDir) {
    for (const key of CONFIG_KEYS) {
      const f = path.join(p.configDir, key);
      if (existsSync(f)) out[key] = f;
    }
  }
  if (p.injectConfigFile) out.config = p.injectConfigFile;
  if (p.valuesFile) out.values = p.valuesFile;
  if (p.meshConfigFile) out.mesh = p.meshConfigFile;
  return out;
}

/** `--configDir` must name a directory; throws a ConfigLoadError naming the flag otherwise. */
function checkConfigDir(dir: string | undefined): void {
  if (dir === undefined) return;
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw new ConfigLoadError(`--configDir: ${dir}: ${describeFsError(err)}`, { cause: err });
  }
  if (!isDir) throw new ConfigLoadError(`--configDir: ${dir}: not a directory`);
}

const FLAG: Record<ConfigKey, string> = { config: '--injectConfigFile', values: '--valuesFile', mesh: '--meshConfigFile' };

export function readConfigTexts(files: Partial<Record<ConfigKey, string>>): ConfigTexts {
  const texts: ConfigTexts = {};
  for (const [key, file] of Object.entries(files) as [ConfigKey, string][]) {
    try {
      texts[key] = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigLoadError(`${FLAG[key]}: ${file}: ${describeFsError(err)}`, { cause: err });
    }
  }
  return texts;
}

/**
 * The configuration an injector was built from: what an admission worker needs to build the same
 * injector (`version` changes with every configuration applied).
 */
export interface ConfigSnapshot {
  readonly version: number;
  readonly texts: ConfigTexts;
  readonly files: Partial<Record<ConfigKey, string>>;
}

export interface ReloadingInjector extends InjectorSource {
  /** The configuration of `current()`. */
  config(): ConfigSnapshot;
  /** Re-reads and rebuilds now; returns false when the files are invalid (old injector kept). */
  reload(): boolean;
  close(): void;
}

export interface ReloadingInjectorOptions {
  readonly paths: ConfigPaths;
  readonly build: InjectorBuilder;
  readonly logger: Logger;
  readonly metrics: WebhookMetrics;
  readonly watch?: WatchOptions | false;
}

/**
 * Loads the configuration once (throwing if the first load fails: there is no last good one
 * to fall back to) and watches the files for changes.
 */
export function startReloadingInjector(opts: ReloadingInjectorOptions): ReloadingInjector {
  const { logger, metrics } = opts;
  const load = (previous?: Partial<Record<ConfigKey, string>>) => {
    checkConfigDir(opts.paths.configDir);
    const files = resolveConfigFiles(opts.paths);
    for (const key of CONFIG_KEYS) {
      const was = previous?.[key];
      if (was !== undefined && files[key] === undefined) throw new ConfigLoadError(`${was} (key "${key}" of --configDir) disappeared`);
    }
    const texts = readConfigTexts(files);
    return { files, texts, injector: opts.build(texts, files), version: 0 };
  };
  let state = load();
  metrics.configLastReloadSuccess.set({ source: 'files' }, 1);
  if (opts.paths.configDir !== undefined && Object.keys(state.files).length === 0) {
    logger.warn({ configDir: opts.paths.configDir }, 'the configuration directory has none of the files config, values, mesh: using the built-in defaults');
  }
  logger.info({ files: state.files }, 'injector configuration loaded');

  const reload = (): boolean => {
    let next: ReturnType<typeof load>;
    try {
      // The directory may have gained keys: resolve the file list again. A key it provided
      // and lost is a failure, like an invalid edit (a removed ConfigMap key included: put it
      // back, or restart to run without it).
      next = load(state.files);
    } catch (err) {
      metrics.configReloadFailures.inc({ source: 'files' });
      metrics.configLastReloadSuccess.set({ source: 'files' }, 0);
      logger.warn({ err: (err as Error).message }, 'invalid injector configuration, keeping the last good one');
      return false;
    }
    metrics.configLastReloadSuccess.set({ source: 'files' }, 1);
    if (sameTexts(next.texts, state.texts) && sameTexts(next.files, state.files)) return true;
    state = { ...next, version: state.version + 1 };
    metrics.configReloads.inc({ source: 'files' });
    logger.info({ files: state.files }, 'injector configuration reloaded');
    return true;
  };

  const watched = [
    ...Object.values(resolveConfigFiles({ ...opts.paths, configDir: undefined })),
    ...(opts.paths.configDir ? CONFIG_KEYS.map((k) => path.join(opts.paths.configDir as string, k)) : []),
  ];
  const watch: FileWatch | undefined = opts.watch === false ? undefined : watchFiles(watched, () => void reload(), opts.watch);
  return {
    current: () => state.injector,
    config: () => state,
    reload,
    close: () => watch?.close(),
  };
}

function sameTexts(a: Partial<Record<string, string>>, b: Partial<Record<string, string>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
