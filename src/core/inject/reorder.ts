/**
 * Final container ordering (reorderPod, §c.9). istio-proxy goes last among containers (first
 * when the app must wait for the proxy); with a native sidecar the init order is istio-init,
 * istio-validation, istio-proxy, enable-core-dump, then the rest; otherwise istio-validation
 * first and istio-init, enable-core-dump last so user init containers are not blackholed.
 */
import {
  ENABLE_CORE_DUMP_CONTAINER,
  INIT_CONTAINER,
  PROXY_CONTAINER,
  VALIDATION_CONTAINER,
  type Container,
  type Pod,
} from '../k8s/pod.js';

function move(list: Container[], name: string, where: 'first' | 'last'): Container[] {
  const at = list.findIndex((c) => c.name === name);
  if (at < 0) return list;
  const item = list[at] as Container;
  const rest = [...list.slice(0, at), ...list.slice(at + 1)];
  return where === 'first' ? [item, ...rest] : [...rest, item];
}

/** Reorders the merged pod's containers in place. */
export function reorderPod(pod: Pod, holdApplicationUntilProxyStarts: boolean): void {
  const spec = pod.spec;
  if (!spec) return;
  if (spec.containers) spec.containers = move(spec.containers, PROXY_CONTAINER, holdApplicationUntilProxyStarts ? 'first' : 'last');
  let inits = spec.initContainers;
  if (!inits) return;
  if (inits.some((c) => c.name === PROXY_CONTAINER)) {
    for (const name of [ENABLE_CORE_DUMP_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER, INIT_CONTAINER]) inits = move(inits, name, 'first');
  } else {
    inits = move(inits, INIT_CONTAINER, 'last');
    inits = move(inits, VALIDATION_CONTAINER, 'first');
    inits = move(inits, ENABLE_CORE_DUMP_CONTAINER, 'last');
  }
  spec.initContainers = inits;
}
