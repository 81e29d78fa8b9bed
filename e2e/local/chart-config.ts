/**
 * The injector configuration the local e2e suite gives the webhook: the `config`, `values` and
 * `mesh` keys of the ConfigMaps the Helm chart renders (so this suite runs what a cluster
 * install would mount), written as the files of a mounted ConfigMap directory. Without a helm
 * binary it falls back to the equivalent minimal values, and says so.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { find, helmSkipReason, render } from '../../charts/sidecar-kit/tests/helm.js';

export interface InjectorConfig {
  /** The directory to pass as `--configDir`. */
  readonly dir: string;
  /** `helm template` or why the fallback was used. */
  readonly source: string;
  /** The image injected pods run istio-init / istio-validation from. */
  readonly initImage: string;
}

export const INIT_IMAGE = 'sidecar-kit/init:e2e';

export function writeInjectorConfig(dir: string, opts: { readonly cni: boolean }): InjectorConfig {
  mkdirSync(dir, { recursive: true });
  if (helmSkipReason === undefined) {
    const objects = render(['--set', 'images.tag=e2e', '--set', `cni.enabled=${opts.cni}`]);
    const injector = find(objects, 'ConfigMap', 'sidecar-injector').data as Record<string, string>;
    const mesh = find(objects, 'ConfigMap', '-mesh').data as Record<string, string>;
    for (const [name, text] of Object.entries({ config: injector.config, values: injector.values, mesh: mesh.mesh })) writeFileSync(join(dir, name), text ?? '');
    return { dir, source: 'helm template', initImage: INIT_IMAGE };
  }
  const values = {
    global: { proxy_init: { image: INIT_IMAGE } },
    pilot: { cni: { enabled: opts.cni } },
    sidecarKit: { cni: { podFactsAnnotation: opts.cni } },
  };
  writeFileSync(join(dir, 'values'), JSON.stringify(values, null, 2));
  return { dir, source: `built-in values (${helmSkipReason})`, initImage: INIT_IMAGE };
}
