/**
 * Pure resolution of the injector's settings from already-parsed sources (files, ConfigMap
 * keys, an IstioOperator): defaults, deep merge, validation, freezing. I/O lives in load.ts so
 * the webhook can reuse this with ConfigMap contents and reload it.
 */
import { configErrorFromZod, ConfigError, englishIssues } from './errors.js';
import { injectorConfigFromFile, injectorConfigFromValues, injectorConfigSchemaOf, type InjectorConfig } from './injector.js';
import { deepFreeze, deepMerge, dropNulls, isPlainObject } from './merge.js';
import { applyMeshConfig, DEFAULT_MESH_CONFIG, meshConfigSchemaOf, type MeshConfig } from './mesh.js';
import { DEFAULT_VALUES, valuesSchemaOf, type Values } from './values.js';

export interface SettingsSources {
  /** Helm values (the injector ConfigMap `values` layout), deep-merged over the chart defaults. */
  readonly values?: unknown;
  /** MeshConfig, applied over Istio's mesh defaults. */
  readonly mesh?: unknown;
  /** Injector config (ConfigMap `config` layout), or a bare template text used as `sidecar`. */
  readonly injectConfig?: unknown;
  /** An IstioOperator: its spec.values / spec.meshConfig override the sources above. */
  readonly operator?: unknown;
  /** Control plane revision; "" and "default" both mean the default revision. */
  readonly revision?: string;
}

/** Everything the injection core needs besides the pod and the per-request environment. Frozen. */
export interface InjectionSettings {
  readonly values: Values;
  readonly mesh: MeshConfig;
  readonly injector: InjectorConfig;
  /** "" for the default revision. */
  readonly revision: string;
}

/**
 * Each settings source is parsed once (per file load or reload): zod's generated fast path
 * would cost more to compile than it saves. Issues in English.
 */
const once = () => ({ jitless: true, error: englishIssues() });

function operatorSpec(operator: unknown): { values?: unknown; meshConfig?: unknown } {
  if (operator === undefined || operator === null) return {};
  if (!isPlainObject(operator)) throw new ConfigError('operator: expected an IstioOperator object', 'operator');
  const spec = operator.spec;
  if (spec === undefined || spec === null) return {};
  if (!isPlainObject(spec)) throw new ConfigError('operator.spec: expected object', 'operator.spec');
  return { values: spec.values, meshConfig: spec.meshConfig };
}

function objectOrEmpty(v: unknown, name: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw new ConfigError(`${name}: expected an object`, name);
  return v;
}

/** Parses and validates one MeshConfig source (without defaults). */
export function parseMeshConfig(v: unknown, name = 'meshConfig'): MeshConfig {
  if (v === undefined || v === null) return {}; // what parsing {} gives (tested), without building the schema
  const r = meshConfigSchemaOf().safeParse(objectOrEmpty(v, name), once());
  if (!r.success) throw configErrorFromZod(name, r.error);
  return r.data;
}

/** Resolves values: chart defaults, then each source deep-merged in order; null leaves mean "not set". */
export function resolveValues(...sources: unknown[]): Values {
  // No source: the defaults are already what the schema outputs for them (tested).
  if (sources.every((src) => src === undefined || src === null)) return DEFAULT_VALUES;
  let merged: unknown = DEFAULT_VALUES;
  sources.forEach((s, i) => {
    merged = deepMerge(merged, objectOrEmpty(s, i === 0 ? 'values' : 'operator.spec.values'));
  });
  const r = valuesSchemaOf().safeParse(dropNulls(merged), once());
  if (!r.success) throw configErrorFromZod('values', r.error);
  return r.data;
}

function resolveInjector(injectConfig: unknown, values: Values): InjectorConfig {
  if (injectConfig === undefined || injectConfig === null) return injectorConfigFromValues(values);
  if (typeof injectConfig === 'string') {
    return { ...injectorConfigFromValues(values), customTemplates: { sidecar: injectConfig } };
  }
  const r = injectorConfigSchemaOf().safeParse(objectOrEmpty(injectConfig, 'injectConfig'), once());
  if (!r.success) throw configErrorFromZod('injectConfig', r.error);
  return injectorConfigFromFile(r.data);
}

/** Resolves and freezes the full settings. Throws ConfigError naming the bad field. */
export function resolveSettings(sources: SettingsSources = {}): InjectionSettings {
  const op = operatorSpec(sources.operator);
  const values = resolveValues(sources.values, op.values);
  let mesh = applyMeshConfig(DEFAULT_MESH_CONFIG, parseMeshConfig(sources.mesh, 'meshConfig'));
  if (op.meshConfig !== undefined) mesh = applyMeshConfig(mesh, parseMeshConfig(op.meshConfig, 'operator.spec.meshConfig'));
  const injector = resolveInjector(sources.injectConfig, values);
  const revision = sources.revision === 'default' ? '' : (sources.revision ?? '');
  return deepFreeze({ values, mesh, injector, revision });
}
