/**
 * Where an injector's configuration lives on a cluster, and reading it: istioctl's rules for
 * Istio (`istio-sidecar-injector[-<rev>]` and `istio[-<rev>]` in the Istio namespace) and ours
 * (the ConfigMaps a sidecar-kit webhook configuration names in its annotations), used by
 * `kube-inject` in cluster mode, `check-inject` and `tag set`.
 */
import type { ConfigKey, ConfigTexts } from '../core/config/texts.js';
import { injectorWebhook, type InjectorWebhook, type MutatingWebhookConfiguration } from '../core/selection/webhooks.js';
import type { ClusterClient } from './types.js';

export const INJECTOR_CONFIGMAP_ANNOTATION = 'sidecar-kit.io/injector-configmap';
export const MESH_CONFIGMAP_ANNOTATION = 'sidecar-kit.io/mesh-configmap';
export const DEFAULT_ISTIO_NAMESPACE = 'istio-system';
const ISTIO_INJECT_CM = 'istio-sidecar-injector';
const ISTIO_MESH_CM = 'istio';

export interface ConfigMapRef {
  readonly namespace: string;
  readonly name: string;
}

export interface InjectorConfigMaps {
  readonly injector: ConfigMapRef;
  readonly mesh: ConfigMapRef;
  /** The webhook configuration they were found through, if any. */
  readonly webhook?: InjectorWebhook;
}

function parseRef(value: string | undefined, fallbackNamespace: string): ConfigMapRef | undefined {
  if (!value) return undefined;
  const slash = value.indexOf('/');
  return slash < 0 ? { namespace: fallbackNamespace, name: value } : { namespace: value.slice(0, slash), name: value.slice(slash + 1) };
}

/**
 * The ConfigMaps of one injector configuration: ours name them in annotations; Istio's follow
 * istioctl's naming (`istio-sidecar-injector-<rev>` for a revision other than default).
 */
export function configMapsOf(mwc: MutatingWebhookConfiguration, istioNamespace: string): InjectorConfigMaps | undefined {
  const info = injectorWebhook(mwc);
  if (!info) return undefined;
  if (info.product === 'sidecar-kit') {
    const a = mwc.metadata?.annotations ?? {};
    const injector = parseRef(a[INJECTOR_CONFIGMAP_ANNOTATION], istioNamespace);
    const mesh = parseRef(a[MESH_CONFIGMAP_ANNOTATION], istioNamespace);
    if (!injector || !mesh) return undefined;
    return { injector, mesh, webhook: info };
  }
  const suffix = info.revision && info.revision !== 'default' ? `-${info.revision}` : '';
  return { injector: { namespace: istioNamespace, name: ISTIO_INJECT_CM + suffix }, mesh: { namespace: istioNamespace, name: ISTIO_MESH_CM + suffix }, webhook: info };
}

export interface LocateOptions {
  /** `-r/--revision`; "" or "default" is the default revision. */
  readonly revision: string;
  readonly istioNamespace: string;
  readonly injectConfigMapName?: string;
  readonly meshConfigMapName?: string;
}

/**
 * Picks the injector of a revision among the cluster's webhook configurations: one whose
 * revision label is it (a revision's own configuration before a tag pointing at it; ours before
 * Istio's when both exist), else a tag of that name; undefined when there is none.
 */
export function findRevisionWebhook(mwcs: readonly MutatingWebhookConfiguration[], revision: string): MutatingWebhookConfiguration | undefined {
  const rev = revision === '' ? 'default' : revision;
  const infos = mwcs.flatMap((m) => {
    const info = injectorWebhook(m);
    return info ? [{ m, info }] : [];
  });
  const rank = (x: { info: InjectorWebhook }) => (x.info.tag ? 2 : 0) + (x.info.product === 'istio' ? 1 : 0);
  const own = infos.filter((x) => (x.info.revision || 'default') === rev).sort((a, b) => rank(a) - rank(b) || ((a.info.name < b.info.name) ? -1 : 1));
  if (own[0]) return own[0].m;
  return infos.find((x) => x.info.tag === rev)?.m;
}

/**
 * istioctl's ConfigMap choice: explicit names (in the Istio namespace) win; else the revision's
 * webhook configuration says (ours name their ConfigMaps); else Istio's names for the revision.
 */
export function locateConfigMaps(mwcs: readonly MutatingWebhookConfiguration[], o: LocateOptions): InjectorConfigMaps {
  const rev = o.revision === 'default' ? '' : o.revision;
  const suffix = rev ? `-${rev}` : '';
  const mwc = findRevisionWebhook(mwcs, rev);
  const found = mwc ? configMapsOf(mwc, o.istioNamespace) : undefined;
  const injector = o.injectConfigMapName
    ? { namespace: o.istioNamespace, name: o.injectConfigMapName }
    : (found?.injector ?? { namespace: o.istioNamespace, name: ISTIO_INJECT_CM + suffix });
  const mesh = o.meshConfigMapName ? { namespace: o.istioNamespace, name: o.meshConfigMapName } : (found?.mesh ?? { namespace: o.istioNamespace, name: ISTIO_MESH_CM + suffix });
  return { injector, mesh, ...(found?.webhook ? { webhook: found.webhook } : {}) };
}

/** A ConfigMap that is missing or lacks a key; the message names it and the flags that help. */
export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
}

/** The injector (`config`, `values`) and mesh (`mesh`) texts of the given ConfigMaps. */
export async function readConfigTexts(
  client: ClusterClient,
  refs: InjectorConfigMaps,
  want: ReadonlySet<ConfigKey>,
): Promise<{ texts: ConfigTexts; sources: Partial<Record<ConfigKey, string>> }> {
  const texts: ConfigTexts = {};
  const sources: Partial<Record<ConfigKey, string>> = {};
  const read = async (ref: ConfigMapRef, keys: readonly ConfigKey[], flag: string) => {
    const needed = keys.filter((k) => want.has(k));
    if (needed.length === 0) return;
    const data = await client.getConfigMapData(ref.namespace, ref.name);
    if (data === undefined) {
      throw new ClusterConfigError(
        `could not read ConfigMap "${ref.name}" from namespace "${ref.namespace}" (${client.source}): not found; give ${flag}, -i/--istioNamespace or -r/--revision, or the file flags`,
      );
    }
    for (const k of needed) {
      const v = data[k];
      if (v === undefined) throw new ClusterConfigError(`ConfigMap ${ref.namespace}/${ref.name} has no key "${k}"`);
      texts[k] = v;
      sources[k] = `ConfigMap ${ref.namespace}/${ref.name} key ${k}`;
    }
  };
  await read(refs.injector, ['config', 'values'], '--injectConfigMapName');
  await read(refs.mesh, ['mesh'], '--meshConfigMapName');
  return { texts, sources };
}
