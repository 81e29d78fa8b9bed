/**
 * ProxyConfig is described three times, each for what only it can say: the zod schema
 * (core/config: how jsonpb reads each field, with Istio's errors), PROXY_CONFIG_FIELDS
 * (core/config: proto3 presence, which decides what protojson writes) and the Go type view
 * (here: Go types, Get methods and enum names for templates). The views sit above core/config
 * and the schema cannot carry Go types without teaching the config model the template engine,
 * so instead of deriving, this test keeps the three equal field by field.
 */
import { describe, expect, it } from 'vitest';
import { PROXY_CONFIG_FIELDS, proxyConfigSchema } from '../../config/proxy-config.js';
import type { GoType, StructType } from '../../template/types.js';
import { goTypes } from './k8s-types.js';
import './istio-types.js';

/** Fields Istio's Go struct still has but the config model does not read: deprecated and ignored by istiod's injector. */
const GO_ONLY = ['discoveryRefreshDelay', 'zipkinAddress', 'connectTimeout', 'envoyMetricsServiceAddress', 'availabilityZone', 'sds'];
/** In Go a oneof (`ClusterName`), so not a plain field of the struct view; templates never read it. */
const ONEOF = ['tracingServiceName'];

const schemaKeys = Object.keys((proxyConfigSchema as unknown as { _zod: { def: { shape: Record<string, unknown> } } })._zod.def.shape);
const fieldNames = PROXY_CONFIG_FIELDS.map(([n]) => n);
const view = goTypes.type('v1alpha1.ProxyConfig') as StructType;
const viewFields = new Map((view.def?.fields ?? []).map((f) => [f.json, f.type]));

function kindOf(t: GoType): 'scalar' | 'message' | 'list' | 'map' {
  if (t.kind === 'ptr') return 'message';
  if (t.kind === 'slice') return 'list';
  if (t.kind === 'map') return 'map';
  return 'scalar';
}

describe('ProxyConfig: zod schema, PROXY_CONFIG_FIELDS and the Go type view agree', () => {
  it('the schema and PROXY_CONFIG_FIELDS list the same fields in the same order', () => {
    expect(schemaKeys).toEqual(fieldNames);
  });

  it('every field of the config model is in the Go view with the same presence kind', () => {
    for (const [name, kind] of PROXY_CONFIG_FIELDS) {
      if (ONEOF.includes(name)) {
        expect(viewFields.has(name), name).toBe(false);
        continue;
      }
      const t = viewFields.get(name);
      expect(t, `${name} missing from the Go view`).toBeDefined();
      expect(`${name} ${kindOf(t as GoType)}`).toBe(`${name} ${kind}`);
    }
  });

  it('the Go view has no field beyond the config model but the named deprecated ones', () => {
    const extra = [...viewFields.keys()].filter((n) => !fieldNames.includes(n));
    expect(extra.sort()).toEqual([...GO_ONLY].sort());
  });

  it('the Go view and PROXY_CONFIG_FIELDS keep the shared fields in the same order (except runtimeValues, below)', () => {
    // runtimeValues: Istio's proto declares it right after proxyMetadata, where
    // PROXY_CONFIG_FIELDS has it; the Go view has it after proxyHeaders. Kept out of this
    // behaviour-neutral refactoring: it only shows when a template prints the whole struct.
    const shared = (names: string[]) => names.filter((n) => viewFields.has(n) && fieldNames.includes(n) && n !== 'runtimeValues');
    expect(shared([...viewFields.keys()])).toEqual(shared(fieldNames));
  });
});
