/**
 * sigs.k8s.io/yaml.Marshal of plain JSON
 * data, byte for byte, via the project's Go-compatible YAML emitter (src/core/yaml).
 */
import { emitYaml } from '../yaml/emit.js';

export function goYamlMarshal(json: unknown): string {
  return emitYaml(json);
}
