/**
 * Chained-mode insertion of our plugin entry into the node's network configuration (install-cni
 * `insertCNIConfig`, reference §g.5). Pure: values in, values out; the installer reads and
 * writes the files and renders the result with Go's `json.MarshalIndent` layout.
 */
import { CniError, CniErrorCode } from './spec.js';

/** The `type` (and binary name) of our plugin entry, Istio's name for compatibility. */
export const PLUGIN_TYPE = 'istio-cni';

/** `name` and `cniVersion` Istio gives a single-plugin `.conf` when wrapping it into a list. */
export const WRAPPED_LIST_NAME = 'k8s-pod-network';
export const WRAPPED_LIST_VERSION = '0.3.1';

export type JsonObject = Record<string, unknown>;

function asObject(value: unknown, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CniError(CniErrorCode.invalidConfig, `${what} must be a JSON object`);
  }
  return value as JsonObject;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
}

function pluginsOf(list: JsonObject, what: string): readonly unknown[] {
  const plugins = list.plugins;
  if (!Array.isArray(plugins)) {
    throw new CniError(CniErrorCode.invalidConfig, `${what} has neither "type" (a single plugin) nor a "plugins" array`);
  }
  return plugins;
}

function isOurs(plugin: unknown): boolean {
  return plugin !== null && typeof plugin === 'object' && (plugin as JsonObject).type === PLUGIN_TYPE;
}

/**
 * Inserts `entry` (our plugin's configuration) into `existing` (the node's `.conf` or
 * `.conflist` content):
 * - the entry loses its `cniVersion` (a plugin inside a list inherits the list's);
 * - a single plugin (it has `type`) is wrapped as
 *   `{cniVersion: "0.3.1", name: "k8s-pod-network", plugins: [existing minus cniVersion, entry]}`;
 * - a list loses its first `type: istio-cni` plugin (a stale entry of ours) and gets the entry
 *   appended, so merging twice is a no-op.
 * Throws a CniError(invalidConfig) naming the input that is not usable.
 */
export function mergeConflist(existing: unknown, entry: unknown): JsonObject {
  const current = asObject(existing, 'existing CNI configuration');
  const ours = withoutKey(asObject(entry, 'plugin configuration'), 'cniVersion');
  if ('type' in current) {
    return {
      cniVersion: WRAPPED_LIST_VERSION,
      name: WRAPPED_LIST_NAME,
      plugins: [withoutKey(current, 'cniVersion'), ours],
    };
  }
  const plugins = [...pluginsOf(current, 'existing CNI configuration')];
  // Like Istio, entries are read in order up to a stale entry of ours; each must be an object.
  for (let i = 0; i < plugins.length; i++) {
    asObject(plugins[i], `existing CNI configuration: plugin ${i}`);
    if (isOurs(plugins[i])) {
      plugins.splice(i, 1);
      break;
    }
  }
  return { ...current, plugins: [...plugins, ours] };
}

/**
 * The list with every entry of ours removed (installer shutdown). A list that was wrapped from a
 * single plugin stays a list: the runtime reads either form.
 */
export function removeOurEntries(existing: unknown): JsonObject {
  const current = asObject(existing, 'existing CNI configuration');
  if ('type' in current) return current;
  const plugins = pluginsOf(current, 'existing CNI configuration');
  return { ...current, plugins: plugins.filter((p) => !isOurs(p)) };
}

/**
 * True when `existing` already ends with exactly `entry` (deep-equal after dropping the
 * entry's `cniVersion`): the watcher then has nothing to re-insert.
 */
export function hasCurrentEntry(existing: unknown, entry: unknown): boolean {
  if (existing === null || typeof existing !== 'object' || Array.isArray(existing)) return false;
  const plugins = (existing as JsonObject).plugins;
  if (!Array.isArray(plugins) || plugins.length === 0) return false;
  const ours = withoutKey(asObject(entry, 'plugin configuration'), 'cniVersion');
  const last: unknown = plugins[plugins.length - 1];
  return plugins.filter(isOurs).length === 1 && deepEqual(last, ours);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as JsonObject)[k], (b as JsonObject)[k]))
  );
}
