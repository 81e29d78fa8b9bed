/**
 * The Go types of the struct descriptions (schema.ts) as YAML decoding targets
 * (core/yaml/target.ts): what sigs.k8s.io/yaml.Unmarshal and encoding/json make of a
 * Kubernetes object's YAML beyond go-yaml's own typing. String fields take numbers and
 * booleans as text; keys match fields exactly or ignoring case; quantities, int-or-strings and
 * the opaque (`any`) parts decode their value as it is.
 */
import { goFoldKey } from '../yaml/target.js';
import type { YamlField, YamlTarget } from '../yaml/target.js';
import { structSpec, type FieldSpec, type FieldType } from './schema.js';
import './structs-workloads.js';

const STRING: YamlTarget = { string: true };
const byType = new Map<FieldType, YamlTarget | null>();
const byStruct = new Map<string, YamlTarget>();

/** The decoding target of a value of type `t`. */
function targetOf(t: FieldType): YamlTarget | null {
  const known = byType.get(t);
  if (known !== undefined) return known;
  let target: YamlTarget | null;
  switch (t.kind) {
    case 'scalar':
      target = t.scalar === 'str' ? STRING : null;
      break;
    case 'list':
      target = { items: targetOf(t.of) };
      break;
    case 'map':
      target = { values: targetOf(t.of) };
      break;
    case 'struct':
      target = structTarget(t.name);
      break;
    default: // quantities, int-or-strings (own JSON decoding) and opaque values
      target = null;
  }
  byType.set(t, target);
  return target;
}

function fieldKind(f: FieldSpec): YamlField['kind'] {
  const t = f.type;
  if (t.kind === 'struct') return f.pointer ? 'merge' : 'struct';
  if (t.kind === 'map') return 'merge';
  if (t.kind === 'scalar' && !f.pointer) return 'value';
  return 'nullable';
}

/**
 * A struct's target. `typeMeta`: the struct embeds metav1.TypeMeta (a top-level kind), whose
 * `apiVersion` and `kind` sigs.k8s.io/yaml sees as the embedded struct, not as strings.
 */
function structTarget(name: string, typeMeta = false): YamlTarget {
  const key = typeMeta ? `${name}\0typeMeta` : name;
  const known = byStruct.get(key);
  if (known) return known;
  const spec = structSpec(name);
  const fields = new Map<string, YamlField>();
  const folded = new Map<string, YamlField>();
  for (const [fieldName, f] of spec.fieldList) {
    const embedded = typeMeta && (fieldName === 'apiVersion' || fieldName === 'kind');
    // Field targets are built on first use: struct descriptions may refer to each other.
    let target: YamlTarget | null | undefined;
    const field: YamlField = {
      name: fieldName,
      get target() {
        if (target === undefined) target = embedded ? null : targetOf(f.type);
        return target;
      },
      kind: fieldKind(f),
    };
    fields.set(fieldName, field);
    const fold = goFoldKey(fieldName);
    if (!folded.has(fold)) folded.set(fold, field); // the first field in declaration order
  }
  const target: YamlTarget = { field: (k) => fields.get(k) ?? folded.get(goFoldKey(k)) };
  byStruct.set(key, target);
  return target;
}

/** The target of a top-level object of a described kind (Pod, Deployment, List...). */
export function yamlTargetForKind(kind: string): YamlTarget {
  return structTarget(kind, true);
}

const TYPE_META_FIELDS = new Map<string, YamlField>([
  ['APIVERSION', { name: 'apiVersion', target: STRING, kind: 'value' }],
  ['KIND', { name: 'kind', target: STRING, kind: 'value' }],
]);

/** metav1.TypeMeta: what kube-inject decodes every document into first, to learn its kind. */
export const TYPE_META_TARGET: YamlTarget = { field: (k) => TYPE_META_FIELDS.get(goFoldKey(k)) };
