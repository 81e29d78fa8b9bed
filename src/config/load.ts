/**
 * The I/O edge of the configuration: reads values / mesh / inject-config / IstioOperator files
 * and hands their parsed contents to the pure `resolveSettings`. The webhook reads the same
 * layouts from a mounted ConfigMap directory.
 */
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../core/format/fs-error.js';
import { parseYamlDocument } from '../core/yaml/parse.js';
import { ConfigError } from '../core/config/errors.js';
import { isPlainObject } from '../core/config/merge.js';
import { resolveSettings, type InjectionSettings } from '../core/config/settings.js';
import type { ConfigKey, ConfigTexts } from '../core/config/texts.js';

export interface SettingsFiles {
  readonly valuesFile?: string;
  readonly meshConfigFile?: string;
  readonly injectConfigFile?: string;
  readonly operatorFileName?: string;
  readonly revision?: string;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--${what}: ${path}: ${describeFsError(e)}`, what, { cause: e });
  }
}

/** Parses a YAML (or JSON) settings file, naming the file and line on syntax errors. */
export function parseSettingsText(text: string, path: string, what: string): unknown {
  try {
    return parseYamlDocument(text);
  } catch (e) {
    throw new ConfigError(`${what}: ${path}: ${(e as Error).message}`, what, { cause: e });
  }
}

async function readYaml(path: string | undefined, what: string): Promise<unknown> {
  if (!path) return undefined;
  return parseSettingsText(await readText(path, what), path, what);
}

/**
 * An inject config file is either a full injector config (with `templates:`, `policy:`, ...) or
 * a bare template text, which becomes the `sidecar` template.
 */
export function parseInjectConfigText(text: string, path: string): unknown {
  let doc: unknown;
  try {
    doc = parseYamlDocument(text);
  } catch {
    return text;
  }
  const configKeys = ['templates', 'policy', 'defaultTemplates', 'aliases', 'template', 'neverInjectSelector', 'alwaysInjectSelector', 'injectedAnnotations'];
  if (isPlainObject(doc) && configKeys.some((k) => Object.hasOwn(doc, k))) return doc;
  if (doc === null || doc === undefined) throw new ConfigError(`injectConfigFile: ${path} is empty`, 'injectConfigFile');
  return text;
}

/** Reads every given file and resolves the settings (defaults for what is not given). */
export async function loadSettingsFromFiles(files: SettingsFiles): Promise<InjectionSettings> {
  const [values, mesh, operator] = await Promise.all([
    readYaml(files.valuesFile, 'valuesFile'),
    readYaml(files.meshConfigFile, 'meshConfigFile'),
    readYaml(files.operatorFileName, 'operatorFileName'),
  ]);
  const injectConfig = files.injectConfigFile
    ? parseInjectConfigText(await readText(files.injectConfigFile, 'injectConfigFile'), files.injectConfigFile)
    : undefined;
  return resolveSettings({ values, mesh, operator, injectConfig, revision: files.revision });
}

/** Settings from ConfigMap-layout file texts (YAML or JSON) over the built-in defaults. */
export function settingsFromTexts(texts: ConfigTexts, revision: string, files: Partial<Record<ConfigKey, string>> = {}): InjectionSettings {
  return resolveSettings({
    values: texts.values === undefined ? undefined : parseSettingsText(texts.values, files.values ?? 'values', 'valuesFile'),
    mesh: texts.mesh === undefined ? undefined : parseSettingsText(texts.mesh, files.mesh ?? 'mesh', 'meshConfigFile'),
    injectConfig: texts.config === undefined ? undefined : parseInjectConfigText(texts.config, files.config ?? 'config'),
    revision,
  });
}
