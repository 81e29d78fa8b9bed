/**
 * Default `toYaml` for templates: what sigs.k8s.io/yaml.Marshal produces for plain JSON data
 * (go-yaml v2 style: map keys sorted, sequences not indented under their key, block scalars
 * for multi-line strings, no line folding). Template output is parsed as YAML again, so only
 * the structure must match Go exactly; scalar styles follow go-yaml where cheap.
 */
import { stringify } from 'yaml';

export function goYamlMarshal(json: unknown): string {
  if (json === null || json === undefined) return 'null\n';
  return stringify(json, {
    indent: 2,
    indentSeq: false,
    lineWidth: 0,
    minContentWidth: 0,
    sortMapEntries: true,
    blockQuote: 'literal',
    nullStr: 'null',
    aliasDuplicateObjects: false,
  });
}
