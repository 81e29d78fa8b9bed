/**
 * A value built on first use and kept: the config schemas are built this way, so a command
 * whose input never needs one (kube-inject without a values file, the CNI plugin) pays nothing
 * for building it.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
