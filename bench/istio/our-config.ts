/**
 * Istio's injector config (the `config` key of istio-sidecar-injector, as the oracle renders
 * Istio's chart) as our chart renders it: the same policy, default templates, selectors and
 * injected annotations, without the `templates` texts — our built-in templates are Istio's, and
 * given the texts we would interpret them as custom Go templates. Both benchmarks that run our
 * processes (webhook, kube-inject) give them this file, Istio's side the original.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** Writes `istioConfig` without its `templates` to `out` and returns `out`. */
export function writeOurInjectorConfig(istioConfig: string, out: string): string {
  const { templates: _templates, ...rest } = parse(readFileSync(istioConfig, 'utf8')) as Record<string, unknown>;
  writeFileSync(out, stringify(rest));
  return out;
}
