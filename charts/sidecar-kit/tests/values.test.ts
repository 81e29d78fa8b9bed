/**
 * values.yaml and values.schema.json (no helm needed): the committed schema is the one the zod
 * schema generates, the defaults satisfy it, every value is documented with a `# --` comment,
 * and the Istio defaults the chart shows are the ones the injector falls back to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { renderValuesSchema, VALUES_SCHEMA_PATH } from '../../../scripts/gen-values-schema.js';
import { DEFAULT_VALUES } from '../../../src/core/config/values.js';
import { parseGoDurationNanos } from '../../../src/core/format/go-duration.js';
import { chartValuesSchema } from '../schema/values.js';
import { CHART_DIR, VARIANTS } from './helm.js';

const valuesText = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
const defaults = parseDocument(valuesText).toJS() as Record<string, unknown>;

/** Keys without their own `# --` comment that are not maps documented key by key. */
function undocumented(map: YAMLMap, path: string[] = []): string[] {
  const out: string[] = [];
  map.items.forEach((pair, i) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    // The first key's comment is attached to the map (or the document) rather than to the key.
    const comment = [pair.key && isScalar(pair.key) ? pair.key.commentBefore : undefined, i === 0 ? map.commentBefore : undefined].filter(Boolean).join('\n');
    if (/^ ?-- /m.test(comment ?? '')) return;
    if (isMap(pair.value)) out.push(...undocumented(pair.value, [...path, key]));
    else out.push([...path, key].join('.'));
  });
  return out;
}

function leaves(v: unknown, path: string[] = []): [string[], unknown][] {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  }
  return [[path, v]];
}

describe('values.schema.json', () => {
  it('is the one scripts/gen-values-schema.ts generates from the zod schema (run it when this fails)', () => {
    expect(readFileSync(VALUES_SCHEMA_PATH, 'utf8')).toBe(renderValuesSchema());
  });

  it.each(VARIANTS)('$name: values.yaml merged with the variant satisfies the zod schema', (v) => {
    const over = v.file ? (parseDocument(readFileSync(v.file, 'utf8')).toJS() as Record<string, unknown>) : {};
    // Helm merges maps key by key and replaces lists and scalars.
    const r = chartValuesSchema.safeParse(deepMerge(defaults, over));
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  });

  it.each([
    ['webhook.port', { webhook: { port: 0 } }],
    ['certificates.mode', { certificates: { mode: 'acme' } }],
    ['cni.hostBinDir', { cni: { hostBinDir: 'opt/cni/bin' } }],
    ['global.proxy.statusPort', { global: { proxy: { statusPort: 'x' } } }],
    ['unknownKey', { unknownKey: 1 }],
  ])('rejects a bad %s', (field, bad) => {
    const r = chartValuesSchema.safeParse(deepMerge(defaults, bad));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [...i.path, ...((i as { keys?: string[] }).keys ?? [])].join('.')).join(' ')).toContain(field);
  });
});

function deepMerge(a: unknown, b: unknown): unknown {
  const plain = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!plain(a) || !plain(b)) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
  return out;
}

describe("values.schema.json's Go forms", () => {
  const schema = JSON.parse(readFileSync(VALUES_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  /** The first sub-schema named `key` anywhere in the schema. */
  const find = (o: unknown, key: string): Record<string, unknown> | undefined => {
    if (!o || typeof o !== 'object') return undefined;
    const props = (o as { properties?: Record<string, unknown> }).properties;
    if (props?.[key]) return props[key] as Record<string, unknown>;
    for (const v of Object.values(o)) {
      const r = find(v, key);
      if (r) return r;
    }
    return undefined;
  };
  it("a ProxyConfig duration's pattern accepts exactly what Go's time.ParseDuration parses", () => {
    const pattern = new RegExp(String(find(schema, 'drainDuration')?.pattern));
    const samples = ['45s', '1m30s', '1.5h', '.5s', '1.s', '0', '-0', '+2ms', '3us', '3\u00b5s', '300ns', '1h2m3s4ms', '', 's', '.s', '1', '10', '1x', '1 s', '1s ', 'x1s', '1.2.3s', '--1s', '0s', '00', '1e3s'];
    for (const d of samples) {
      let go = true;
      try {
        parseGoDurationNanos(d);
      } catch {
        go = false;
      }
      expect([d, pattern.test(d)]).toEqual([d, go]);
    }
  });
});

describe('values.yaml', () => {
  it('documents every value with a `# --` comment (a documented map covers its children)', () => {
    const doc = parseDocument(valuesText);
    expect(undocumented(doc.contents as YAMLMap)).toEqual([]);
  });

  it('shows the Istio defaults the injector falls back to (src/core/config/values.ts DEFAULT_VALUES)', () => {
    const istio = { global: defaults.global, sidecarInjectorWebhook: defaults.sidecarInjectorWebhook, pilot: defaults.pilot };
    const differ: string[] = [];
    for (const [path, value] of leaves(istio)) {
      let code: unknown = DEFAULT_VALUES;
      for (const k of path) code = code && typeof code === 'object' ? (code as Record<string, unknown>)[k] : undefined;
      if (code !== undefined && JSON.stringify(code) !== JSON.stringify(value)) differ.push(`${path.join('.')}: chart ${JSON.stringify(value)}, code ${JSON.stringify(code)}`);
    }
    expect(differ).toEqual([]);
  });
});
