/**
 * kube-inject against a cluster (istioctl's behaviour without config files): the injector
 * ConfigMap (`config`, `values`) and the mesh ConfigMap (`mesh`) are read from the cluster,
 * each replaced by its file flag when one is given, and the cluster's Nodes decide native
 * sidecars in `auto` mode, as the webhook decides them. Loaded only in cluster mode.
 */
import { parseInjectConfigText, parseSettingsText } from '../config/load.js';
import { resolveSettings, type InjectionSettings } from '../core/config/settings.js';
import type { ClusterFacts } from '../core/inject/environment.js';
import { connectCluster } from '../cluster/load.js';
import { locateConfigMaps, readConfigTexts } from '../cluster/injector-config.js';
import type { ConfigKey } from '../core/config/texts.js';
import { readFile } from 'node:fs/promises';
import { describeFsError } from '../core/format/fs-error.js';

export interface ClusterModeOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly istioNamespace: string;
  readonly revision: string;
  readonly injectConfigMapName?: string;
  readonly meshConfigMapName?: string;
  readonly valuesFile?: string;
  readonly meshConfigFile?: string;
  readonly injectConfigFile?: string;
  readonly operatorFileName?: string;
  readonly timeoutMs: number;
}

export interface ClusterSettings {
  readonly settings: InjectionSettings;
  readonly facts: ClusterFacts;
  /** Where each part came from, for `--verbose`-like notes. */
  readonly sources: Readonly<Record<string, string>>;
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`--${flag}: ${path}: ${describeFsError(e)}`, { cause: e });
  }
}

export async function loadClusterSettings(o: ClusterModeOptions): Promise<ClusterSettings> {
  const client = await connectCluster({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}), timeoutMs: o.timeoutMs });
  const files: Partial<Record<ConfigKey, string>> = {
    ...(o.injectConfigFile ? { config: o.injectConfigFile } : {}),
    ...(o.valuesFile ? { values: o.valuesFile } : {}),
    ...(o.meshConfigFile ? { mesh: o.meshConfigFile } : {}),
  };
  // An IstioOperator file carries values and mesh config (istioctl takes them from it first).
  const want = new Set<ConfigKey>((['config', 'values', 'mesh'] as const).filter((k) => files[k] === undefined && !(o.operatorFileName && k !== 'config')));
  const sources: Record<string, string> = {};
  let texts: Partial<Record<ConfigKey, string>> = {};
  const [nodes, mwcs] = await Promise.all([client.listNodes(), want.size > 0 ? client.listMutatingWebhookConfigurations() : Promise.resolve([])]);
  if (want.size > 0) {
    const refs = locateConfigMaps(mwcs, o);
    const r = await readConfigTexts(client, refs, want);
    texts = r.texts;
    Object.assign(sources, r.sources);
  }
  const flagOf: Record<ConfigKey, string> = { config: 'injectConfigFile', values: 'valuesFile', mesh: 'meshConfigFile' };
  for (const [k, path] of Object.entries(files) as [ConfigKey, string][]) {
    texts[k] = await readText(path, flagOf[k]);
    sources[k] = `--${flagOf[k]} ${path}`;
  }
  const where = (k: ConfigKey) => sources[k] ?? k;
  const settings = resolveSettings({
    values: texts.values === undefined ? undefined : parseSettingsText(texts.values, where('values'), 'values'),
    mesh: texts.mesh === undefined ? undefined : parseSettingsText(texts.mesh, where('mesh'), 'mesh'),
    injectConfig: texts.config === undefined ? undefined : parseInjectConfigText(texts.config, where('config')),
    operator: o.operatorFileName ? parseSettingsText(await readText(o.operatorFileName, 'operatorFileName'), o.operatorFileName, 'operatorFileName') : undefined,
    revision: o.revision,
  });
  return { settings, facts: { nodes }, sources };
}
