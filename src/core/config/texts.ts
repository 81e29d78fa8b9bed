// The three texts an injector is configured from — the injector ConfigMap's `config` and `values`
// keys and the mesh ConfigMap's `mesh` — whether they come from files, a mounted ConfigMap
// directory or the cluster.

export type ConfigKey = 'config' | 'values' | 'mesh';
export const CONFIG_KEYS: readonly ConfigKey[] = ['config', 'values', 'mesh'];

/** The text of each configured source; a key is absent when no source provides it. */
export type ConfigTexts = Partial<Record<ConfigKey, string>>;
